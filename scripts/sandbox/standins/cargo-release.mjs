// @ts-check
// cargo-release (1.1.5) stand-in: the `version` step only, for machines where the real binary
// cannot be installed.
//
// Written from /work/shared/reference/tools.md §3 (and §6.7, the confirmation trap) and checked
// against crate-ci/cargo-release@a199bf5: src/steps/version.rs (`VersionStep::run`), src/steps/mod.rs
// (`verify_git_is_clean`, `verify_monotonically_increasing`, `verify_git_branch`, `verify_if_behind`,
// `confirm`, `finish`, `TargetVersion`, `BumpLevel`), src/steps/plan.rs (shared workspace versions),
// src/ops/cargo.rs (`set_package_version`, `set_workspace_version`, `upgrade_dependency_req`,
// `is_relevant`), src/ops/version.rs (`upgrade_requirement`, `increment_alpha|beta|rc`) and
// src/config.rs (release.toml / `[package.metadata.release]`, `release = false`, `version.workspace`).
// - Dry run by default: every change is computed and reported, nothing is written, and the run ends
//   with `aborting release due to dry run; re-run with `--execute``, exit 0 (101 when a check failed).
// - `--execute` without `--no-confirm` asks `Bump <crate> <ver>? [y/N]` and reads one line of stdin:
//   anything but `y` (EOF included) exits 0 with nothing changed.
// - Dirty tree, branch outside `allow-branch` and being behind the remote only warn; a downgrade is
//   an error (exit 101). It never commits, tags, pushes or publishes.
// Where the real tool runs `cargo metadata`, this reads the manifests with smol-toml, and it edits
// the TOML text in place (formatting and comments kept) instead of rewriting it; Cargo.lock's
// `[[package]]` entries of the bumped members are edited the same way (`cargo metadata` would
// refresh them). The real binary only accepts `cargo-release release <step>` (as cargo invokes it);
// this one also accepts `cargo-release <step>`. Set CARGO_RELEASE_STANDIN_LOG to a file path to get
// one JSON line `{argv, cwd}` per invocation.

import { spawnSync } from "node:child_process";
import { appendFileSync, existsSync, readdirSync, readFileSync, readSync, realpathSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import semver from "semver";
import { parse as parseToml } from "smol-toml";

const VERSION_TEXT = "cargo-release 1.1.5 (release-kit stand-in)";
const STEPS = ["changes", "version", "replace", "hook", "commit", "publish", "owner", "tag", "push", "config"];
const LEVELS = ["major", "minor", "patch", "release", "rc", "beta", "alpha"];
const VERSION_USAGE = "cargo release version [OPTIONS] <LEVEL|VERSION>";

/** Ends the process with `code`, printing `message` as cargo-release's `error:` report when set. */
class CliError extends Error {
  /** @param {number} code @param {string} [message] */
  constructor(code, message = "") {
    super(message);
    this.code = code;
  }
}

/** clap's usage errors (exit 2). @param {string} message @param {string} usage */
const usageError = (message, usage) =>
  new CliError(2, `\x00error: ${message}\n\nUsage: ${usage}\n\nFor more information, try '--help'.\n`);

// ---------------------------------------------------------------------------------------------
// Output in cargo's style: right-aligned statuses and `warning:` / `error:` reports on stderr.

let quiet = false;
/** @param {string} action @param {string} message */
function status(action, message) {
  if (!quiet) process.stderr.write(`${action.padStart(12)} ${message}\n`);
}
/** @param {string} message */
function warn(message) {
  if (!quiet) process.stderr.write(`warning: ${message}\n`);
}
/** @param {string} message */
function error(message) {
  process.stderr.write(`error: ${message}\n`);
}

// ---------------------------------------------------------------------------------------------
// git, through argv arrays only.

/** @param {string[]} args @param {string} cwd */
function git(args, cwd) {
  const r = spawnSync("git", args, {
    cwd,
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, GIT_TERMINAL_PROMPT: "0" },
  });
  if (r.error) throw new CliError(101, "`git` not found");
  return { ok: r.status === 0, stdout: r.stdout, stderr: r.stderr };
}

// ---------------------------------------------------------------------------------------------
// TOML: read with smol-toml, edit as text so formatting and comments stay.

/** @param {unknown} v @returns {v is Record<string, any>} */
function isTable(v) {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** @param {string} path @returns {Record<string, any>} */
function readToml(path) {
  try {
    return parseToml(readFileSync(path, "utf8"));
  } catch (err) {
    const why = err instanceof Error ? err.message.split("\n")[0] : String(err);
    throw new CliError(101, `Failed to parse \`${path}\`\n\nCaused by:\n    ${why}`);
  }
}

/** Splits a dotted TOML key (`a."b.c".d`) into its parts. @param {string} key */
function keyParts(key) {
  /** @type {string[]} */
  const parts = [];
  let cur = "";
  let quote = "";
  for (const c of key) {
    if (quote) {
      if (c === quote) quote = "";
      else cur += c;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === ".") {
      parts.push(cur.trim());
      cur = "";
    } else cur += c;
  }
  parts.push(cur.trim());
  return parts;
}

/** Bracket depth change of a TOML value fragment, ignoring strings and comments. @param {string} s */
function bracketDelta(s) {
  let depth = 0;
  let quote = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === "\\" && quote === '"') i++;
      else if (c === quote) quote = "";
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "#") break;
    else if (c === "[" || c === "{") depth++;
    else if (c === "]" || c === "}") depth--;
  }
  return depth;
}

/**
 * Every `key = value` line with its full key path (table header + dotted key) and the offset
 * where its value starts. Lines inside multi-line strings and arrays are skipped.
 * @param {string} text
 * @returns {{ path: string[], valueAt: number }[]}
 */
function keyLines(text) {
  /** @type {{ path: string[], valueAt: number }[]} */
  const found = [];
  /** @type {string[]} */
  let table = [];
  let offset = 0;
  let depth = 0;
  let inString = "";
  for (const line of text.split("\n")) {
    const start = offset;
    offset += line.length + 1;
    if (inString) {
      if (line.includes(inString)) inString = "";
      continue;
    }
    if (depth > 0) {
      depth += bracketDelta(line);
      continue;
    }
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    const header = /^\[\[?\s*([^\]]+?)\s*\]\]?/.exec(trimmed);
    if (header) {
      table = trimmed.startsWith("[[") ? [...keyParts(header[1]), "[]"] : keyParts(header[1]);
      continue;
    }
    const eq = /^((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=\s*/.exec(trimmed);
    if (!eq) continue;
    const valueAt = start + (line.length - trimmed.length) + eq[0].length;
    found.push({ path: [...table, ...keyParts(eq[1])], valueAt });
    const value = trimmed.slice(eq[0].length);
    const triple = /^("""|''')/.exec(value);
    if (triple && !value.slice(3).includes(triple[1])) inString = triple[1];
    else depth = Math.max(0, bracketDelta(value));
  }
  return found;
}

const STRING_AT = /^("(?:[^"\\\n]|\\.)*"|'[^'\n]*')/;

/**
 * Sets the string at `path` (`["workspace", "package", "version"]`), whether it is written as its
 * own line, a dotted key or a key of a one-line inline table. Verified by parsing the result.
 * @param {string} text @param {string[]} path @param {string} value @param {string} file
 */
function setTomlString(text, path, value, file) {
  const same = (/** @type {string[]} */ a, /** @type {string[]} */ b) => a.length === b.length && a.every((x, i) => x === b[i]);
  let edited = null;
  for (const line of keyLines(text)) {
    const rest = text.slice(line.valueAt);
    if (same(line.path, path)) {
      const m = STRING_AT.exec(rest);
      if (m) edited = text.slice(0, line.valueAt) + JSON.stringify(value) + rest.slice(m[0].length);
    } else if (line.path.length === path.length - 1 && same(line.path, path.slice(0, -1)) && rest.startsWith("{")) {
      // A one-line inline table: replace `key = "..."` at its top level.
      const end = rest.indexOf("\n") === -1 ? rest.length : rest.indexOf("\n");
      const inline = rest.slice(0, end);
      const key = path[path.length - 1].replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      const m = new RegExp(`([{,]\\s*(?:${key}|"${key}")\\s*=\\s*)("(?:[^"\\\\]|\\\\.)*"|'[^']*')`).exec(inline);
      if (m) {
        const at = line.valueAt + m.index + m[1].length;
        edited = text.slice(0, at) + JSON.stringify(value) + text.slice(at + m[2].length);
      }
    }
    if (edited !== null) break;
  }
  /** @type {any} */
  let check = edited === null ? undefined : parseToml(edited);
  for (const part of path) check = isTable(check) ? check[part] : undefined;
  if (edited === null || check !== value) {
    throw new CliError(101, `the release-kit stand-in could not rewrite \`${path.join(".")}\` in ${file}`);
  }
  return edited;
}

// ---------------------------------------------------------------------------------------------
// Versions and requirements (Rust `semver` semantics where they matter here).

const NUM = "0|[1-9]\\d*";
const IDENT = "[0-9A-Za-z-]+";
const VERSION_RE = new RegExp(`^(${NUM})\\.(${NUM})\\.(${NUM})(?:-(${IDENT}(?:\\.${IDENT})*))?(?:\\+(${IDENT}(?:\\.${IDENT})*))?$`);

/** @typedef {{ major: number, minor: number, patch: number, pre: string, build: string }} Version */

/** @param {string} text @returns {Version | null} */
function parseVersion(text) {
  const m = VERSION_RE.exec(text);
  return m ? { major: +m[1], minor: +m[2], patch: +m[3], pre: m[4] ?? "", build: m[5] ?? "" } : null;
}

/** @param {Version} v */
const full = (v) => `${bare(v)}${v.build ? `+${v.build}` : ""}`;
/** @param {Version} v */
const bare = (v) => `${v.major}.${v.minor}.${v.patch}${v.pre ? `-${v.pre}` : ""}`;
/** Rust semver's `Ord` (build metadata breaks ties). @param {Version} a @param {Version} b */
const vcmp = (a, b) => semver.compareBuild(full(a), full(b));

/** @param {string} text */
function semverError(text) {
  if (/^[vV]/.test(text)) return "unexpected character 'v' while parsing major version number";
  return `unexpected character in '${text}' while parsing a semver version`;
}

/**
 * `BumpLevel::bump_version` and `TargetVersion::bump`: the planned version, or null for a no-op.
 * @param {string} target @param {Version} current @param {string | undefined} metadata
 */
function bumpTarget(target, current, metadata) {
  /** @type {Version} */
  let v = { ...current };
  const next = (/** @type {Partial<Version>} */ p) => ({ ...v, pre: "", build: "", ...p });
  if (LEVELS.includes(target)) {
    if (target === "major") v = next({ major: v.major + 1, minor: 0, patch: 0 });
    else if (target === "minor") v = next({ minor: v.minor + 1, patch: 0 });
    else if (target === "patch") v = v.pre ? { ...v, pre: "" } : next({ patch: v.patch + 1 });
    else if (target === "release") v = { ...v, pre: "" };
    else v = incrementPre(v, target);
    if (metadata !== undefined) v = { ...v, build: metadata };
    return full(v) !== full(current) ? v : null;
  }
  const wanted = parseVersion(target) ?? fail(semverError(target));
  if (!wanted.build) wanted.build = metadata ?? current.build;
  return bare(wanted) !== bare(current) ? wanted : null;
}

/** @param {string} message @returns {never} */
function fail(message) {
  throw new CliError(101, message);
}

/** ops/version.rs `increment_alpha|beta|rc`. @param {Version} v @param {string} level */
function incrementPre(v, level) {
  const order = ["alpha", "beta", "rc"];
  if (!v.pre) return { ...v, patch: v.patch + 1, pre: `${level}.1`, build: "" };
  const dot = v.pre.indexOf(".");
  const id = dot === -1 ? v.pre : v.pre.slice(0, dot);
  const num = dot === -1 ? null : v.pre.slice(dot + 1);
  if (num !== null && !/^\d+$/.test(num)) {
    fail(`pre-release \`${v.pre}\` version scheme is not supported by cargo-release.  Use format like \`pre\`, \`dev\`, or \`alpha.1\` for prerelease`);
  }
  if (order.includes(id) && order.indexOf(id) > order.indexOf(level)) {
    fail(`unsupported release level ${level}, only major, minor, and patch are supported`);
  }
  const n = id === level ? Number(num ?? 0) + 1 : 1;
  return { ...v, pre: `${level}.${n}` };
}

const COMPARATOR_RE = /^(=|>=|>|<=|<|~|\^)?\s*(\d+|\*|x|X)(?:\.(\d+|\*|x|X))?(?:\.(\d+|\*|x|X))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

/**
 * ops/version.rs `upgrade_requirement`: the same requirement pointing at `version`, keeping its
 * operator and precision; null when unchanged or unsupported (`>=`, `<`...).
 * @param {string} req @param {Version} version
 */
function upgradeRequirement(req, version) {
  const parts = req.split(",").map((p) => p.trim());
  /** @type {string[]} */
  const out = [];
  for (const part of parts) {
    const m = COMPARATOR_RE.exec(part);
    if (!m) return null;
    const [, opRaw, major, minor, patch] = m;
    const wild = (/** @type {string | undefined} */ x) => x === "*" || x === "x" || x === "X";
    if (wild(major)) {
      if (parts.length === 1) return null; // `*` has no comparator to move
      out.push("*");
      continue;
    }
    if (wild(minor) || wild(patch)) {
      out.push(wild(minor) ? `${version.major}.*` : `${version.major}.${version.minor}.*`);
      continue;
    }
    const op = opRaw ?? "^";
    if (op !== "=" && op !== "~" && op !== "^") return null;
    let text = `${op}${version.major}`;
    if (minor !== undefined) text += `.${version.minor}`;
    if (patch !== undefined) text += `.${version.patch}`;
    if (version.pre) text += `-${version.pre}`;
    out.push(text);
  }
  let result = out.join(", ");
  if (result.startsWith("^") && !req.startsWith("^")) result = result.slice(1);
  return result === req ? null : result;
}

/** Cargo requirement matching, through npm semver (same caret/tilde rules for these cases). */
function reqMatches(/** @type {string} */ req, /** @type {Version} */ v) {
  const range = req
    .split(",")
    .map((p) => p.trim())
    .map((p) => (/^\d/.test(p) ? `^${p}` : p))
    .join(" ");
  try {
    return semver.satisfies(bare(v), range);
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// The workspace, as `cargo metadata` would describe it.

/**
 * @typedef {{
 *   name: string, dir: string, manifest: string, doc: Record<string, any>, initial: Version,
 *   inherited: boolean, hasVersion: boolean, config: Record<string, any>,
 * }} Package
 * @typedef {{ root: string, rootManifest: string, rootDoc: Record<string, any>, members: Package[],
 *   defaults: string[] }} Workspace
 */

/** @param {string} dir @param {string} file */
function findUp(dir, file) {
  for (let d = resolve(dir); ; d = dirname(d)) {
    if (existsSync(join(d, file))) return join(d, file);
    if (dirname(d) === d) return null;
  }
}

/** Expands `crates/*`-style member globs (one `*`/`?` per path segment). @param {string} root @param {string} pattern */
function expandMember(root, pattern) {
  /** @type {string[]} */
  let dirs = [root];
  for (const segment of pattern.split("/").filter((s) => s && s !== ".")) {
    if (!/[*?[]/.test(segment)) {
      dirs = dirs.map((d) => join(d, segment));
      continue;
    }
    const re = new RegExp(`^${segment.replace(/[.+^${}()|\\]/g, "\\$&").replace(/\*/g, "[^/]*").replace(/\?/g, "[^/]")}$`);
    dirs = dirs.flatMap((d) => {
      try {
        return readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory() && re.test(e.name)).map((e) => join(d, e.name));
      } catch {
        return [];
      }
    });
  }
  return dirs.filter((d) => existsSync(join(d, "Cargo.toml"))).map((d) => resolve(d));
}

/** @param {string} cwd @param {string | undefined} manifestPath @returns {Workspace} */
function loadWorkspace(cwd, manifestPath) {
  const manifest = manifestPath ? resolve(cwd, manifestPath) : findUp(cwd, "Cargo.toml");
  if (!manifest || !existsSync(manifest)) {
    throw new CliError(101, `\`cargo metadata\` exited with an error: error: could not find \`Cargo.toml\` in \`${cwd}\` or any parent directory`);
  }
  let rootManifest = manifest;
  let rootDoc = readToml(manifest);
  if (!rootDoc.workspace) {
    // A member: the workspace root is the nearest parent manifest whose members include it.
    const explicit = isTable(rootDoc.package) && typeof rootDoc.package.workspace === "string" ? rootDoc.package.workspace : null;
    for (let d = explicit ? resolve(dirname(manifest), explicit) : dirname(dirname(manifest)); ; d = dirname(d)) {
      const candidate = join(d, "Cargo.toml");
      if (existsSync(candidate)) {
        const doc = readToml(candidate);
        const members = (doc.workspace?.members ?? []).flatMap((/** @type {string} */ m) => expandMember(d, m));
        if (doc.workspace && (explicit || members.includes(dirname(manifest)))) {
          rootManifest = candidate;
          rootDoc = doc;
          break;
        }
      }
      if (explicit || dirname(d) === d) break;
    }
  }
  const root = dirname(rootManifest);
  const ws = isTable(rootDoc.workspace) ? rootDoc.workspace : null;
  const excluded = (ws?.exclude ?? []).map((/** @type {string} */ e) => resolve(root, e));
  /** @type {string[]} */
  let memberDirs = ws
    ? [...new Set([...(rootDoc.package ? [root] : []), ...(ws.members ?? []).flatMap((/** @type {string} */ m) => expandMember(root, m))])]
    : [root];
  memberDirs = memberDirs.filter((d) => !excluded.includes(d));
  const defaults = ws?.["default-members"]
    ? ws["default-members"].flatMap((/** @type {string} */ m) => expandMember(root, m))
    : rootDoc.package ? [root] : memberDirs;
  const members = memberDirs.map((dir) => loadPackage(dir, root, rootDoc));
  return { root, rootManifest, rootDoc, members: sortWorkspace(members, rootDoc, root), defaults };
}

/** @param {string} dir @param {string} root @param {Record<string, any>} rootDoc @returns {Package} */
function loadPackage(dir, root, rootDoc) {
  const manifest = join(dir, "Cargo.toml");
  const doc = dir === root ? rootDoc : readToml(manifest);
  const pkg = isTable(doc.package) ? doc.package : fail(`failed to parse manifest at \`${manifest}\`: no \`package\` table`);
  const spec = pkg.version;
  const inherited = isTable(spec) && spec.workspace === true;
  const text = inherited ? rootDoc.workspace?.package?.version : spec;
  if (inherited && typeof text !== "string") {
    fail(`failed to parse manifest at \`${manifest}\`: error inheriting \`version\` from workspace root manifest's \`workspace.package.version\``);
  }
  const initial = typeof text === "string" ? parseVersion(text) ?? fail(`invalid version \`${text}\` in ${manifest}`) : { major: 0, minor: 0, patch: 0, pre: "", build: "" };
  return { name: String(pkg.name), dir, manifest, doc, initial, inherited, hasVersion: text !== undefined, config: {} };
}

/** Dependency tables of a manifest, as `find_dependency_tables` walks them. @param {Record<string, any>} doc */
function dependencyTables(doc) {
  const kinds = ["dependencies", "dev-dependencies", "build-dependencies"];
  /** @type {{ path: string[], table: Record<string, any> }[]} */
  const tables = [];
  for (const [key, value] of Object.entries(doc)) {
    if (kinds.includes(key) && isTable(value)) tables.push({ path: [key], table: value });
    else if (key === "workspace" && isTable(value) && isTable(value.dependencies)) {
      tables.push({ path: ["workspace", "dependencies"], table: value.dependencies });
    } else if (key === "target" && isTable(value)) {
      for (const [target, t] of Object.entries(value)) {
        for (const kind of kinds) if (isTable(t) && isTable(t[kind])) tables.push({ path: ["target", target, kind], table: t[kind] });
      }
    }
  }
  return tables;
}

/** @param {string} path */
function canonical(path) {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/** `sort_workspace`: members after their (non-dev) path dependencies, otherwise in member order. */
function sortWorkspace(/** @type {Package[]} */ members, /** @type {Record<string, any>} */ rootDoc, /** @type {string} */ root) {
  const byDir = new Map(members.map((m) => [canonical(m.dir), m]));
  const wsDeps = isTable(rootDoc.workspace?.dependencies) ? rootDoc.workspace.dependencies : {};
  /** @param {Package} m */
  const deps = (m) =>
    dependencyTables(m.doc)
      .filter((t) => t.path[t.path.length - 1] !== "dev-dependencies" && t.path[0] !== "workspace")
      .flatMap((t) => Object.entries(t.table))
      .flatMap(([name, dep]) => {
        if (!isTable(dep)) return [];
        const viaWs = dep.workspace === true && isTable(wsDeps[name]) ? wsDeps[name] : null;
        const path = viaWs?.path ?? dep.path;
        const base = viaWs ? root : m.dir;
        return typeof path === "string" ? [byDir.get(canonical(resolve(base, path)))].filter((x) => x !== undefined) : [];
      });
  /** @type {Package[]} */
  const sorted = [];
  const seen = new Set();
  const visit = (/** @type {Package} */ m) => {
    if (seen.has(m)) return;
    seen.add(m);
    for (const d of deps(m)) visit(d);
    sorted.push(m);
  };
  members.forEach(visit);
  return sorted;
}

// ---------------------------------------------------------------------------------------------
// Configuration (config.rs): home, workspace and crate release.toml, Cargo.toml metadata.

const CONFIG_KEYS = ["unstable", "allow-branch", "sign-commit", "sign-tag", "push-remote", "registry", "release",
  "publish", "verify", "owners", "push", "push-options", "shared-version", "consolidate-commits",
  "pre-release-commit-message", "pre-release-replacements", "pre-release-hook", "tag-message", "tag-prefix",
  "tag-name", "tag", "enable-features", "enable-all-features", "dependent-version", "metadata", "target",
  "rate-limit", "certs-source"];

/** @param {unknown} config @param {string} where @returns {Record<string, any>} */
function checkConfig(config, where) {
  if (config === undefined) return {};
  if (!isTable(config)) throw new CliError(101, `Failed to parse \`${where}\``);
  for (const key of Object.keys(config)) {
    if (!CONFIG_KEYS.includes(key)) {
      throw new CliError(101, `Failed to parse \`${where}\`\n\nCaused by:\n    unknown field \`${key}\`, expected one of ${CONFIG_KEYS.map((k) => `\`${k}\``).join(", ")}`);
    }
  }
  return config;
}

/** @param {string} path */
const fileConfig = (path) => (existsSync(path) ? checkConfig(readToml(path), path) : {});

/** `resolve_workspace_config`. @param {Workspace} ws @param {boolean} isolated */
function workspaceSources(ws, isolated) {
  if (isolated) return {};
  return {
    ...fileConfig(join(homedir(), ".release.toml")),
    ...fileConfig(join(homedir(), ".config", "cargo-release", "release.toml")),
    ...fileConfig(join(ws.root, "release.toml")),
    ...checkConfig(ws.rootDoc.workspace?.metadata?.release, ws.rootManifest),
  };
}

/** `load_package_config`, overrides included. @param {Workspace} ws @param {Package} pkg @param {VersionArgs} args */
function packageConfig(ws, pkg, args) {
  const config = args.isolated ? {} : {
    ...workspaceSources(ws, false),
    ...fileConfig(join(pkg.dir, "release.toml")),
    ...checkConfig(pkg.doc.package?.metadata?.release, pkg.manifest),
  };
  if (args.config) Object.assign(config, fileConfig(resolve(args.config)));
  if (args.allowBranch) config["allow-branch"] = args.allowBranch;
  if (!pkg.hasVersion) config.release = false; // nothing to bump
  if (pkg.inherited) config["shared-version"] = "workspace";
  return config;
}

// ---------------------------------------------------------------------------------------------
// Checks before changing anything (steps/mod.rs). In the version step they warn, except downgrades.

/** @param {string} root */
function dirtyEntries(root) {
  const out = git(["status", "--porcelain=v1", "-z", "--untracked-files=all"], root).stdout;
  const index = { A: "INDEX_NEW", M: "INDEX_MODIFIED", D: "INDEX_DELETED", R: "INDEX_RENAMED", T: "INDEX_TYPECHANGE" };
  const work = { "?": "WT_NEW", M: "WT_MODIFIED", D: "WT_DELETED", T: "WT_TYPECHANGE", R: "WT_RENAMED" };
  const fields = out.split("\0");
  /** @type {string[]} */
  const entries = [];
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    if (f.length < 4) continue;
    if (f[0] === "R" || f[0] === "C") i++;
    const flags = [index[/** @type {keyof typeof index} */ (f[0])], work[/** @type {keyof typeof work} */ (f[1])]].filter(Boolean);
    entries.push(`${f.slice(3)} (Status(${flags.join(" | ")}))`);
  }
  return entries;
}

/** @param {string} root */
function currentBranch(root) {
  const r = git(["symbolic-ref", "--short", "-q", "HEAD"], root);
  return r.ok ? r.stdout.trim() : "HEAD";
}

/** gitignore-style `allow-branch` globs: the last matching pattern wins; `!` negates. */
function branchAllowed(/** @type {string} */ branch, /** @type {string[]} */ patterns) {
  const candidates = branch.split("/").map((_, i, all) => all.slice(0, all.length - i).join("/"));
  for (const candidate of candidates) {
    /** @type {boolean | null} */
    let verdict = null;
    for (const raw of patterns) {
      const negated = raw.startsWith("!");
      const pattern = negated ? raw.slice(1) : raw;
      const subject = pattern.includes("/") ? candidate : basename(candidate);
      const re = new RegExp(`^${pattern.replace(/^\//, "").replace(/[.+^${}()|\\]/g, "\\$&").replace(/\*\*/g, "\0").replace(/\*/g, "[^/]*").replace(/\?/g, "[^/]").replace(/\0/g, ".*")}$`);
      if (re.test(subject)) verdict = !negated;
    }
    if (verdict !== null) return verdict;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Writing: manifests, dependents, Cargo.lock.

/** `atomic_write`: through `Cargo.toml.work` in the same folder. @param {string} path @param {string} text */
function atomicWrite(path, text) {
  const temp = join(dirname(path), "Cargo.toml.work");
  writeFileSync(temp, text);
  renameSync(temp, path);
}

/**
 * `upgrade_dependency_req` for one manifest: every path+version dependency on `pkg`.
 * @param {string} manifestName @param {string} manifest @param {Package} pkg @param {Version} version
 * @param {string} policy @param {boolean} dryRun
 */
function upgradeDependents(manifestName, manifest, pkg, version, policy, dryRun) {
  const original = readFileSync(manifest, "utf8");
  let text = original;
  const doc = parseToml(original);
  const target = canonical(pkg.dir);
  for (const { path, table } of dependencyTables(doc)) {
    for (const [key, dep] of Object.entries(table)) {
      if (!isTable(dep) || typeof dep.version !== "string" || typeof dep.path !== "string") continue;
      if (canonical(resolve(dirname(manifest), dep.path)) !== target) continue;
      const existing = dep.version;
      if (policy === "fix" && reqMatches(existing, version)) continue;
      const next = upgradeRequirement(existing, version);
      if (next === null) continue;
      status("Updating", `${manifestName}'s dependency from ${existing} to ${next}`);
      text = setTomlString(text, [...path, key, "version"], next, manifest);
    }
  }
  if (text !== original && !dryRun) atomicWrite(manifest, text);
}

/**
 * What `cargo metadata` changes in Cargo.lock after a bump: each bumped member's `[[package]]`
 * version, and `"name old"` dependency entries that name it with its version.
 * @param {string} lockPath @param {Map<string, { from: string, to: string }>} bumped
 */
function updateLock(lockPath, bumped) {
  if (!existsSync(lockPath)) return;
  const original = readFileSync(lockPath, "utf8");
  const blocks = original.split(/(?=^\[\[package\]\]$)/m);
  const edited = blocks.map((block) => {
    const name = /^name = "([^"]+)"$/m.exec(block)?.[1];
    const change = name === undefined ? undefined : bumped.get(name);
    let out = block;
    if (change && !/^source = /m.test(block)) {
      out = out.replace(/^version = "[^"]*"$/m, `version = "${change.to}"`);
    }
    return out.replace(/^ "([^" ]+) ([^" ]+)"(,?)$/gm, (line, dep, ver, comma) => {
      const c = bumped.get(dep);
      return c && c.from === ver ? ` "${dep} ${c.to}"${comma}` : line;
    });
  });
  const text = edited.join("");
  if (text !== original) writeFileSync(lockPath, text);
}

// ---------------------------------------------------------------------------------------------
// `cargo release version`

/**
 * @typedef {{ target: string, execute: boolean, dryRunFlag: boolean, noConfirm: boolean,
 *   manifestPath?: string, packages: string[], workspace: boolean, exclude: string[], config?: string,
 *   isolated: boolean, allowBranch?: string[], metadata?: string }} VersionArgs
 */

/** @param {string[]} args @returns {VersionArgs} */
function parseVersionArgs(args) {
  /** @type {Partial<VersionArgs> & { packages: string[], exclude: string[] }} */
  const out = { execute: false, dryRunFlag: false, noConfirm: false, packages: [], workspace: false, exclude: [], isolated: false };
  /** @type {string[]} */
  const positionals = [];
  const valueFlags = new Map([["--manifest-path", "manifestPath"], ["--package", "packages"], ["-p", "packages"],
    ["--exclude", "exclude"], ["--config", "config"], ["-c", "config"], ["-Z", "z"], ["--allow-branch", "allowBranch"],
    ["--metadata", "metadata"], ["-m", "metadata"], ["--prev-tag-name", "prevTag"]]);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const name = eq === -1 ? arg : arg.slice(0, eq);
    if (valueFlags.has(name)) {
      const value = eq === -1 ? args[++i] : arg.slice(eq + 1);
      if (value === undefined) throw usageError(`a value is required for '${name} <VALUE>' but none was supplied`, VERSION_USAGE);
      const key = valueFlags.get(name);
      if (key === "packages") out.packages.push(value);
      else if (key === "exclude") out.exclude.push(value);
      else if (key === "allowBranch") out.allowBranch = value.split(",");
      else if (key === "manifestPath" || key === "config" || key === "metadata") out[key] = value;
      continue;
    }
    if (arg === "-x" || arg === "--execute") out.execute = true;
    else if (arg === "-n" || arg === "--dry-run") out.dryRunFlag = true;
    else if (arg === "--no-confirm") out.noConfirm = true;
    else if (arg === "--workspace" || arg === "--all") out.workspace = true;
    else if (arg === "--isolated") out.isolated = true;
    else if (/^-(q+|v+)$/.test(arg) || arg === "--quiet" || arg === "--verbose") quiet ||= arg.includes("q");
    else if (arg === "--sign" || arg === "--no-sign") continue;
    else if (arg.startsWith("-") && arg !== "-") throw usageError(`unexpected argument '${arg}' found`, VERSION_USAGE);
    else positionals.push(arg);
  }
  if (out.execute && out.dryRunFlag) throw usageError("the argument '--execute' cannot be used with '--dry-run'", VERSION_USAGE);
  if (positionals.length === 0) {
    throw new CliError(2, `\x00error: the following required arguments were not provided:\n  <LEVEL|VERSION>\n\nUsage: ${VERSION_USAGE}\n\nFor more information, try '--help'.\n`);
  }
  if (positionals.length > 1) throw usageError(`unexpected argument '${positionals[1]}' found`, VERSION_USAGE);
  const target = positionals[0];
  if (!LEVELS.includes(target) && !parseVersion(target)) {
    throw usageError(`invalid value '${target}' for '<LEVEL|VERSION>': ${semverError(target)}`, VERSION_USAGE);
  }
  return /** @type {VersionArgs} */ ({ ...out, target });
}

/** Reads one line from stdin, blocking, as `read_line` does; "" at EOF or without a stdin. */
function readLine() {
  const buf = Buffer.alloc(1);
  let line = "";
  for (;;) {
    let n;
    try {
      n = readSync(0, buf, 0, 1, null);
    } catch (err) {
      if (/** @type {NodeJS.ErrnoException} */ (err).code === "EAGAIN") {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
        continue;
      }
      return line;
    }
    if (n === 0) return line;
    const c = buf.toString("utf8");
    line += c;
    if (c === "\n") return line;
  }
}

/** `VersionStep::run`. @param {string[]} argv */
function versionStep(argv) {
  const args = parseVersionArgs(argv);
  if (!git(["--version"], process.cwd()).ok) throw new CliError(101, "`git` not found");
  if (args.dryRunFlag) warn("`--dry-run` is superfluous, dry-run is done by default");

  const ws = loadWorkspace(process.cwd(), args.manifestPath);
  for (const pkg of ws.members) pkg.config = packageConfig(ws, pkg, args);

  /** @type {Map<Package, Version | null>} */
  const planned = new Map();
  for (const pkg of ws.members) {
    if (pkg.config.release !== false) planned.set(pkg, bumpTarget(args.target, pkg.initial, args.metadata));
  }
  // `partition_packages`: default members unless -p, --workspace or --exclude say otherwise.
  const selectedByFlags = (/** @type {Package} */ pkg) => {
    if (args.packages.length) return args.packages.includes(pkg.name);
    if (args.workspace || args.exclude.length) return !args.exclude.includes(pkg.name);
    return ws.defaults.includes(pkg.dir);
  };
  for (const name of args.packages) {
    if (!ws.members.some((p) => p.name === name)) throw new CliError(101, `package ID specification \`${name}\` did not match any packages`);
  }
  for (const pkg of ws.members) {
    if (!selectedByFlags(pkg) && pkg.config.release !== false) {
      planned.set(pkg, null);
      pkg.config.release = false;
    }
  }
  // plan.rs: members sharing a version all get the highest planned one.
  /** @type {Map<string, Version>} */
  const shared = new Map();
  for (const pkg of ws.members) {
    const group = pkg.config["shared-version"];
    if (pkg.config.release === false || typeof group !== "string") continue;
    const v = planned.get(pkg) ?? pkg.initial;
    const have = shared.get(group);
    if (!have || vcmp(have, v) < 0) shared.set(group, v);
  }
  for (const pkg of ws.members) {
    const group = pkg.config["shared-version"];
    if (pkg.config.release === false || typeof group !== "string") continue;
    const max = shared.get(group) ?? pkg.initial;
    planned.set(pkg, bare(pkg.initial) !== bare(max) ? max : null);
  }

  const selected = ws.members.filter((p) => p.config.release !== false);
  const excluded = ws.members.filter((p) => p.config.release === false);
  if (selected.length === 0) {
    error("no packages selected");
    throw new CliError(2);
  }
  const dryRun = !args.execute;
  let failed = false;

  // STEP 0: help the user make the right decisions.
  const dirty = dirtyEntries(ws.root);
  if (dirty.length) warn(`uncommitted changes detected, please resolve before release:\n  ${dirty.join("\n  ")}`);
  for (const pkg of selected) {
    const v = planned.get(pkg);
    if (v && vcmp(v, pkg.initial) < 0) {
      error(`cannot downgrade ${pkg.name} from ${full(v)} to ${full(pkg.initial)}`);
      failed = true;
    }
  }
  if (failed && !dryRun) throw new CliError(101);
  const wsConfig = ws.members.length > 1
    ? { ...workspaceSources(ws, args.isolated), ...(args.config ? fileConfig(resolve(args.config)) : {}), ...(args.allowBranch ? { "allow-branch": args.allowBranch } : {}) }
    : ws.members[0].config;
  const branch = currentBranch(ws.root);
  const allow = Array.isArray(wsConfig["allow-branch"]) ? wsConfig["allow-branch"].map(String) : ["*", "!HEAD"];
  if (!branchAllowed(branch, allow)) {
    warn(`cannot release from branch \`${branch}\` as it doesn't match ${allow.map((b) => `\`${b}\``).join(", ")}; either switch to an allowed branch or add this branch to \`allow-branch\``);
  }
  if (wsConfig.push !== false) {
    const remote = typeof wsConfig["push-remote"] === "string" ? wsConfig["push-remote"] : "origin";
    git(["fetch", remote, branch], ws.root); // errors ignored, as upstream does
    const remoteRef = git(["rev-parse", "--verify", "-q", `${remote}/${branch}^{commit}`], ws.root);
    if (!remoteRef.ok) warn(`push target \`${remote}/${branch}\` doesn't exist`);
    else if (!git(["merge-base", "--is-ancestor", remoteRef.stdout.trim(), branch], ws.root).ok) {
      warn(`${branch} is behind ${remote}/${branch}`);
    }
  }

  // STEP 1: release confirmation.
  if (!dryRun && !args.noConfirm) {
    const shown = (/** @type {Package} */ p) => full(planned.get(p) ?? p.initial);
    const prompt = selected.length === 1
      ? `Bump ${selected[0].name} ${shown(selected[0])}?`
      : `Bump\n${selected.map((p) => `  ${p.name} ${shown(p)}\n`).join("")}?`;
    process.stdout.write(`${prompt} [y/N] \n`);
    if (readLine().trim().toLowerCase() !== "y") throw new CliError(0);
  }

  // STEP 2: update versions (`update_versions`).
  let changed = false;
  /** @type {Map<string, { from: string, to: string }>} */
  const bumped = new Map();
  const wsVersion = selected.filter((p) => p.config["shared-version"] === "workspace").map((p) => planned.get(p)).find((v) => v);
  if (wsVersion) {
    status("Upgrading", `workspace to version ${full(wsVersion)}`);
    const text = setTomlString(readFileSync(ws.rootManifest, "utf8"), ["workspace", "package", "version"], full(wsVersion), ws.rootManifest);
    if (!dryRun) atomicWrite(ws.rootManifest, text);
    changed = true;
  }
  for (const pkg of [...selected, ...excluded]) {
    const inherited = pkg.config["shared-version"] === "workspace";
    const version = inherited ? wsVersion : planned.get(pkg);
    if (!version) continue;
    if (inherited) {
      status("Upgrading", `${pkg.name} from ${full(pkg.initial)} to ${full(version)} (inherited from workspace)`);
    } else {
      status("Upgrading", `${pkg.name} from ${full(pkg.initial)} to ${full(version)}`);
      const text = setTomlString(readFileSync(pkg.manifest, "utf8"), ["package", "version"], full(version), pkg.manifest);
      if (!dryRun) atomicWrite(pkg.manifest, text);
    }
    const policy = pkg.config["dependent-version"] === "fix" ? "fix" : "upgrade";
    upgradeDependents("workspace", ws.rootManifest, pkg, version, policy, dryRun);
    for (const member of ws.members) upgradeDependents(member.name, member.manifest, pkg, version, policy, dryRun);
    bumped.set(pkg.name, { from: full(pkg.initial), to: full(version) });
    changed = true;
  }
  if (changed && !dryRun) updateLock(join(ws.root, "Cargo.lock"), bumped);

  // `finish`
  if (dryRun) {
    if (failed) {
      error("dry-run failed, resolve the above errors and try again.");
      throw new CliError(101);
    }
    warn("aborting release due to dry run; re-run with `--execute`");
  }
}

// ---------------------------------------------------------------------------------------------
// Entry point

/** @param {string[]} argv */
function main(argv) {
  const logPath = process.env.CARGO_RELEASE_STANDIN_LOG;
  if (logPath) appendFileSync(logPath, `${JSON.stringify({ argv, cwd: process.cwd() })}\n`);
  // cargo runs `cargo-release release <args>`; also accept the stand-in called directly.
  const args = argv[0] === "release" ? argv.slice(1) : argv;
  let i = 0;
  while (i < args.length && /^(-q+|-v+|--quiet|--verbose)$/.test(args[i])) {
    quiet ||= args[i].includes("q");
    i++;
  }
  const first = args[i];
  if (first === "--version" || first === "-V") {
    process.stdout.write(`${VERSION_TEXT}\n`);
    return;
  }
  if (first === "--help" || first === "-h" || first === "help") {
    process.stdout.write(`${VERSION_TEXT}\nAutomated release for Rust crates (stand-in: the \`version\` step only)\n\nUsage: cargo release [OPTIONS] [LEVEL|VERSION]\n       cargo release <STEP>\n`);
    return;
  }
  if (first === "version") {
    const rest = args.slice(i + 1);
    if (rest.includes("--help") || rest.includes("-h")) {
      process.stdout.write(`Bump crate versions\n\nUsage: ${VERSION_USAGE}\n`);
      return;
    }
    versionStep(rest);
    return;
  }
  const what = first !== undefined && STEPS.includes(first) ? `the \`${first}\` step` : "a full `cargo release`";
  throw new CliError(1, `${what} is not supported by the release-kit cargo-release stand-in (only \`version\`)`);
}

try {
  main(process.argv.slice(2));
} catch (err) {
  if (!(err instanceof CliError)) throw err;
  if (err.message.startsWith("\x00")) process.stderr.write(err.message.slice(1));
  else if (err.message) error(err.message);
  process.exitCode = err.code;
}
