// @ts-check
// cocogitto (`cog` 7.0.0) stand-in for machines where the real binary cannot be installed.
//
// Written from /work/shared/reference/tools.md §1 (cocogitto) and §6, and checked against
// cocogitto@8cfddce (tag 7.0.0), crates/cocogitto/src:
// - `bump` follows `CocoGitto::create_version` (command/bump/standard.rs) step by step (§1.1):
//   pre-bump checks before the dry-run exit (test `uncommitted_changes_should_throw_error_by_default`;
//   `--skip-untracked` skips the whole check, test `uncommitted_changes_should_not_throw_error_with_option`),
//   `branch_whitelist` (test `bump_with_whitelisted_branch_fails`), the current version from the highest
//   non-pre-release semver tag reachable from HEAD (tests `bump_bug_fix`, `auto_bump_respect_semver_sorting`),
//   a higher pre-release raising the result (test `bump_from_latest_pre_release`), the increment rules of
//   conventional/bump.rs (major only off 0.x), NoBump on stdout with exit 0 and NoCommitFound with exit 1
//   (§1.3), the dry run printing the prefixed tag (test `auto_bump_dry_run_from_latest_tag`), the changelog
//   insert after `- - -` (§1.6), pre-bump hooks through `sh -c` with the version DSL of hook/mod.rs (§1.2;
//   test `bump_with_hook_and_prefix`), `add_all`, the stash named after `Tag::default()` on a failed hook,
//   the `chore(version): <tag>` commit without git hooks, a lightweight tag unless `-A`
//   (test `annotated_bump_ok`), post-bump hooks without rollback, and `Bumped version:` on stderr.
// - `get-version` follows command/get_version.rs (§1.7; tests `get_version_after_bump_ok`,
//   `get_initial_version_expected_error`).
// - `check` follows command/check.rs (§1.8; tests `cog_check_from_latest_tag_failure`, `cog_check_ok`).
// - Settings follow settings/mod.rs: `deny_unknown_fields`, so 6.x's `[packages]` is rejected (§1.10).
// Not implemented (exit 1, saying so): monorepo packages and the other subcommands.
// Set COG_STANDIN_LOG to a file path to get one JSON line `{argv, cwd}` per invocation.

import { spawnSync } from "node:child_process";
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import semver from "semver";
import { parse as parseToml } from "smol-toml";

const VERSION_TEXT = "cog 7.0.0 (release-kit stand-in)";

/** An error that ends the process the way cog's `main` does: `Error: <message>` and an exit code. */
class CogError extends Error {
  /** @param {string} message @param {number} [code] */
  constructor(message, code = 1) {
    super(message);
    this.code = code;
  }
}

/** clap's usage errors: exit 2. */
class UsageError extends CogError {
  /** @param {string} message @param {string} usage */
  constructor(message, usage) {
    super(`error: ${message}\n\nUsage: ${usage}\n\nFor more information, try '--help'.\n`, 2);
  }
}

// ---------------------------------------------------------------------------------------------
// Logging: stderrlog without level prefixes. Verbosity 2 (info) by default; `-v` lowers it.

let verbosity = 2;
/** @param {number} level 0 error, 1 warn, 2 info @param {string} message */
function log(level, message) {
  if (level <= verbosity) process.stderr.write(`${message}\n`);
}

// ---------------------------------------------------------------------------------------------
// git, through argv arrays only.

/**
 * @param {string[]} args
 * @param {{ cwd?: string, allowFail?: boolean }} [opts]
 */
function git(args, opts = {}) {
  const r = spawnSync("git", args, { cwd: opts.cwd ?? process.cwd(), encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.error) throw new CogError(`failed to run git: ${r.error.message}`);
  if (r.status !== 0 && !opts.allowFail) {
    throw new CogError(`fatal error\n\ncause: ${r.stderr.trim() || `git ${args[0]} failed`}\n`);
  }
  return { ok: r.status === 0, stdout: r.stdout, stderr: r.stderr };
}

function repoRoot() {
  const r = git(["rev-parse", "--show-toplevel"], { allowFail: true });
  if (!r.ok) {
    throw new CogError(
      `failed to open repository\n\ncause: could not find repository at '.'; class=Repository (6); code=NotFound (-3)\n`,
    );
  }
  return r.stdout.trim();
}

/** @param {string} root */
function headSha(root) {
  const r = git(["rev-parse", "--verify", "-q", "HEAD^{commit}"], { cwd: root, allowFail: true });
  if (!r.ok) throw new CogError("failed to get repository HEAD\n\ncause: reference 'refs/heads/main' not found\n");
  return r.stdout.trim();
}

/** libgit2's `head().shorthand()`: the branch name, or `HEAD` when detached; null when unborn. */
function branchShorthand(/** @type {string} */ root) {
  const r = git(["symbolic-ref", "--short", "-q", "HEAD"], { cwd: root, allowFail: true });
  if (r.ok) return r.stdout.trim();
  return git(["rev-parse", "--verify", "-q", "HEAD"], { cwd: root, allowFail: true }).ok ? "HEAD" : null;
}

// ---------------------------------------------------------------------------------------------
// Versions: Rust `semver::Version` (strict: no `v`, no leading zeros), kept with build metadata.

const NUM = "0|[1-9]\\d*";
const IDENT = "[0-9A-Za-z-]+";
const PRE_IDENT = `(?:${NUM}|\\d*[A-Za-z-][0-9A-Za-z-]*)`;
const VERSION_RE = new RegExp(
  `^(${NUM})\\.(${NUM})\\.(${NUM})(?:-(${PRE_IDENT}(?:\\.${PRE_IDENT})*))?(?:\\+(${IDENT}(?:\\.${IDENT})*))?$`,
);
const PRE_RE = new RegExp(`^${PRE_IDENT}(?:\\.${PRE_IDENT})*$`);

/** @typedef {{ major: number, minor: number, patch: number, pre: string, build: string }} Version */

/** @param {string} text @returns {Version | null} */
function parseVersion(text) {
  const m = VERSION_RE.exec(text);
  if (!m) return null;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), pre: m[4] ?? "", build: m[5] ?? "" };
}

/** Rust semver's error text for the common mistakes, enough for callers that print it. */
function semverError(/** @type {string} */ text) {
  if (/^[vV]/.test(text)) return "unexpected character 'v' while parsing major version number";
  if (text === "") return "empty string, expected a semver version";
  return `unexpected character in '${text}' while parsing a semver version`;
}

/** @param {Version} v */
function vstr(v) {
  return `${v.major}.${v.minor}.${v.patch}${v.pre ? `-${v.pre}` : ""}${v.build ? `+${v.build}` : ""}`;
}

/** Rust semver's `Ord`: precedence, then build metadata. @param {Version} a @param {Version} b */
function vcmp(a, b) {
  return semver.compareBuild(vstr(a), vstr(b));
}

/** @param {Version} v @param {Partial<Version>} patch @returns {Version} */
function vwith(v, patch) {
  return { ...v, ...patch };
}

const ZERO = parseVersion("0.0.0") ?? fail("unreachable");

/** @param {string} message @returns {never} */
function fail(message) {
  throw new CogError(message);
}

// ---------------------------------------------------------------------------------------------
// Settings (cog.toml at the repository root, `deny_unknown_fields`).

const SETTINGS_KEYS = [
  "from_latest_tag", "ignore_merge_commits", "ignore_fixup_commits", "disable_changelog",
  "disable_bump_commit", "generate_mono_repository_global_tag", "generate_mono_repository_package_tags",
  "monorepo_version_separator", "branch_whitelist", "tag_prefix", "pre", "skip_ci", "skip_untracked",
  "pre_bump_hooks", "post_bump_hooks", "pre_package_bump_hooks", "post_package_bump_hooks", "git_hooks",
  "commit_types", "changelog", "bump_profiles", "monorepo", "scopes",
];
const CHANGELOG_KEYS = ["template", "package_template", "remote", "path", "owner", "repository", "authors"];
const COMMIT_CONFIG_KEYS = ["changelog_title", "omit_from_changelog", "bump_minor", "bump_patch", "order"];
const BOOL_KEYS = [
  "from_latest_tag", "ignore_merge_commits", "ignore_fixup_commits", "disable_changelog", "disable_bump_commit",
  "generate_mono_repository_global_tag", "generate_mono_repository_package_tags", "skip_untracked",
];
const STRING_LIST_KEYS = ["branch_whitelist", "pre_bump_hooks", "post_bump_hooks", "pre_package_bump_hooks",
  "post_package_bump_hooks"];

/**
 * @typedef {{ changelog_title?: string, omit_from_changelog?: boolean, bump_minor?: boolean,
 *   bump_patch?: boolean, order?: number }} CommitConfig
 * @typedef {{
 *   isDefault: boolean, tagPrefix: string, branchWhitelist: string[], preBumpHooks: string[],
 *   postBumpHooks: string[], disableChangelog: boolean, disableBumpCommit: boolean, skipCi: string,
 *   skipUntracked: boolean, fromLatestTag: boolean, ignoreMergeCommits: boolean, ignoreFixupCommits: boolean,
 *   pre: string, changelogPath: string, types: Map<string, CommitConfig>, scopes: string[] | null,
 *   profiles: Record<string, { pre_bump_hooks?: string[], post_bump_hooks?: string[] }>, monorepo: boolean,
 * }} Settings
 */

/** @param {string} cause @returns {never} */
function settingsError(cause) {
  throw new CogError(`failed to parse config\n\n\tcause ${cause}\n`);
}

/** @param {Record<string, unknown>} table @param {string[]} known */
function denyUnknown(table, known) {
  for (const key of Object.keys(table)) {
    if (!known.includes(key)) {
      settingsError(`unknown field \`${key}\`, expected one of ${known.map((k) => `\`${k}\``).join(", ")}`);
    }
  }
}

/** @param {unknown} v @returns {v is Record<string, unknown>} */
function isTable(v) {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** cog's default types (settings/mod.rs `default_commit_config`), in changelog order. */
function defaultTypes() {
  /** @type {[string, string, Partial<CommitConfig>][]} */
  const rows = [
    ["feat", "Features", { bump_minor: true }], ["fix", "Bug Fixes", { bump_patch: true }],
    ["perf", "Performance Improvements", {}], ["revert", "Revert", {}], ["docs", "Documentation", {}],
    ["test", "Tests", {}], ["build", "Build system", {}], ["ci", "Continuous Integration", {}],
    ["refactor", "Refactoring", {}], ["chore", "Miscellaneous Chores", {}], ["style", "Style", {}],
  ];
  /** @type {Map<string, CommitConfig>} */
  const types = new Map();
  rows.forEach(([type, title, extra], i) => {
    types.set(type, { changelog_title: title, omit_from_changelog: false, bump_minor: false, bump_patch: false,
      order: i + 1, ...extra });
  });
  return types;
}

/** @param {CommitConfig} c */
const isEmptyConfig = (c) =>
  c.bump_patch === undefined && c.omit_from_changelog === undefined && c.bump_minor === undefined &&
  c.changelog_title === undefined;

/** @param {string} root @param {string} configPath @returns {Settings} */
function loadSettings(root, configPath) {
  const path = isAbsolute(configPath) ? configPath : join(root, configPath);
  /** @type {Record<string, unknown>} */
  let raw = {};
  if (existsSync(path)) {
    const text = readFileSync(path, "utf8");
    try {
      raw = text === "" ? {} : parseToml(text);
    } catch (err) {
      settingsError(err instanceof Error ? err.message.split("\n")[0] : String(err));
    }
  }
  denyUnknown(raw, SETTINGS_KEYS);
  for (const key of BOOL_KEYS) {
    if (key in raw && typeof raw[key] !== "boolean") settingsError(`invalid type: expected a boolean for key \`${key}\``);
  }
  for (const key of STRING_LIST_KEYS) {
    const v = raw[key];
    if (v !== undefined && !(Array.isArray(v) && v.every((s) => typeof s === "string"))) {
      settingsError(`invalid type: expected a sequence of strings for key \`${key}\``);
    }
  }
  const changelog = raw.changelog ?? {};
  if (!isTable(changelog)) settingsError("invalid type: expected a map for key `changelog`");
  denyUnknown(changelog, CHANGELOG_KEYS);
  const profiles = raw.bump_profiles ?? {};
  if (!isTable(profiles)) settingsError("invalid type: expected a map for key `bump_profiles`");
  for (const profile of Object.values(profiles)) {
    if (!isTable(profile)) settingsError("invalid type: expected a map for a bump profile");
    denyUnknown(profile, ["pre_bump_hooks", "post_bump_hooks"]);
  }
  const monorepo = raw.monorepo ?? {};
  if (!isTable(monorepo)) settingsError("invalid type: expected a map for key `monorepo`");
  denyUnknown(monorepo, ["resolver", "packages"]);

  // `load_commit_types`: custom types merge into the defaults; an empty table removes a type.
  const types = defaultTypes();
  const custom = raw.commit_types ?? {};
  if (!isTable(custom)) settingsError("invalid type: expected a map for key `commit_types`");
  for (const [type, value] of Object.entries(custom)) {
    if (!isTable(value)) settingsError(`invalid type: expected a map for commit type \`${type}\``);
    denyUnknown(value, COMMIT_CONFIG_KEYS);
    const config = /** @type {CommitConfig} */ (value);
    const base = types.get(type);
    const merged = isEmptyConfig(config) || !base ? config : { ...base, ...config };
    types.set(type, merged);
  }
  for (const [type, config] of types) if (isEmptyConfig(config)) types.delete(type);

  const str = (/** @type {string} */ key, /** @type {string} */ dflt) => {
    const v = raw[key];
    if (v === undefined) return dflt;
    if (typeof v !== "string") settingsError(`invalid type: expected a string for key \`${key}\``);
    return v;
  };
  const list = (/** @type {string} */ key) => /** @type {string[]} */ (raw[key] ?? []);
  const packages = isTable(monorepo.packages) ? Object.keys(monorepo.packages) : [];
  const scopes = raw.scopes;
  return {
    isDefault: Object.keys(raw).length === 0,
    tagPrefix: str("tag_prefix", ""),
    branchWhitelist: list("branch_whitelist"),
    preBumpHooks: list("pre_bump_hooks"),
    postBumpHooks: list("post_bump_hooks"),
    disableChangelog: raw.disable_changelog === true,
    disableBumpCommit: raw.disable_bump_commit === true,
    skipCi: str("skip_ci", "[skip ci]"),
    skipUntracked: raw.skip_untracked === true,
    fromLatestTag: raw.from_latest_tag === true,
    ignoreMergeCommits: raw.ignore_merge_commits === true,
    ignoreFixupCommits: raw.ignore_fixup_commits === true,
    pre: str("pre", "alpha.*"),
    changelogPath: typeof changelog.path === "string" ? changelog.path : "CHANGELOG.md",
    types,
    scopes: Array.isArray(scopes) ? scopes.map(String) : null,
    profiles: /** @type {Settings["profiles"]} */ (profiles),
    monorepo: packages.length > 0,
  };
}

// ---------------------------------------------------------------------------------------------
// Tags: every tag reachable from HEAD that parses as semver after removing `tag_prefix`.

/** @typedef {{ name: string, version: Version, commit: string, display: string }} Tag */

/** @param {Settings} settings @param {Version} version */
const tagName = (settings, version) => `${settings.tagPrefix}${vstr(version)}`;

/** @param {string} root @param {Settings} settings @returns {Tag[]} */
function reachableTags(root, settings) {
  const out = git(
    ["for-each-ref", "--merged", "HEAD", "--format=%(refname:strip=2)%09%(objecttype)%09%(objectname)%09%(*objecttype)%09%(*objectname)", "refs/tags"],
    { cwd: root },
  ).stdout;
  /** @type {Tag[]} */
  const tags = [];
  for (const line of out.split("\n")) {
    if (!line) continue;
    const [name, type, sha, peeledType, peeled] = line.split("\t");
    const commit = type === "commit" ? sha : peeledType === "commit" ? peeled : "";
    if (!commit) continue;
    // Tag::from_str: strip the prefix when present, else parse the name as it is.
    const raw = settings.tagPrefix && name.startsWith(settings.tagPrefix) ? name.slice(settings.tagPrefix.length) : name;
    const version = parseVersion(raw);
    if (version) tags.push({ name, version, commit, display: tagName(settings, version) });
  }
  return tags;
}

/** @param {Tag[]} tags @param {boolean} includePre @returns {Tag | null} */
function latestTag(tags, includePre) {
  let best = null;
  for (const tag of tags) {
    if (!includePre && tag.version.pre) continue;
    if (!best || vcmp(tag.version, best.version) > 0) best = tag;
  }
  return best;
}

// ---------------------------------------------------------------------------------------------
// Commits and conventional-commit parsing (conventional_commit_parser's grammar, simplified).

/** @typedef {{ sha: string, parents: string[], author: string, message: string }} GitCommit */
/** @typedef {{ type: string, scope: string | null, breaking: boolean, summary: string }} Conventional */

/**
 * cog's revwalk for `<from>..HEAD`: exclusive of `from`, newest first. With no `from`, every commit
 * reachable from HEAD. When `from` is HEAD itself, the range is that single commit (revwalk.rs).
 * @param {string} root @param {string | null} from
 * @returns {GitCommit[]}
 */
function commitsSince(root, from) {
  const head = headSha(root);
  const range = from === null || from === head ? [head, ...(from === head ? ["-1"] : [])] : [`${from}..${head}`];
  const out = git(["log", "--format=%H%x1f%P%x1f%an%x1f%B%x1e", ...range, "--"], { cwd: root }).stdout;
  return out
    .split("\x1e")
    .map((chunk) => chunk.replace(/^\n/, ""))
    .filter((chunk) => chunk.length > 0)
    .map((chunk) => {
      const [sha, parents, author, message] = chunk.split("\x1f");
      return { sha, parents: parents ? parents.split(" ") : [], author, message: message ?? "" };
    });
}

const SUMMARY_RE = /^([A-Za-z]+)(?:\(([^\s()]+)\))?(!)?: (.+)$/;
const BREAKING_FOOTER_RE = /^BREAKING[ -]CHANGE: /m;

/** @param {string} message @returns {Conventional | string} the parsed commit, or why it is not conventional */
function parseConventional(message) {
  const text = message.trim();
  const [first, ...rest] = text.split("\n");
  const m = SUMMARY_RE.exec(first);
  if (!m) {
    return / /.test(first.split(":")[0] ?? "") || !first.includes(":")
      ? "Missing commit type separator `:`"
      : "Invalid commit type or scope";
  }
  const body = rest.join("\n");
  return { type: m[1], scope: m[2] ?? null, breaking: m[3] === "!" || BREAKING_FOOTER_RE.test(body), summary: m[4] };
}

/**
 * `Commit::from_git_commit`: conventional, with an allowed type and (when `scopes` is set) scope.
 * @param {GitCommit} commit @param {Settings} settings
 * @returns {{ ok: true, conv: Conventional } | { ok: false, error: string }}
 */
function checkCommit(commit, settings) {
  const conv = parseConventional(commit.message);
  const summary = commit.message.trim().split("\n")[0];
  const head = `Errored commit: ${commit.sha} <${commit.author}>\n\tCommit message:`;
  if (typeof conv === "string") {
    return { ok: false, error: `${head} '${summary}'\n\tError: ${conv}\n` };
  }
  if (settings.scopes && conv.scope && !settings.scopes.includes(conv.scope)) {
    return { ok: false, error: `${head}'${summary}'\n\tError: Commit scope \`${conv.scope}\` not allowed\n` };
  }
  if (!settings.types.has(conv.type)) {
    return { ok: false, error: `${head}'${summary}'\n\tError:Commit type \`${conv.type}\` not allowed\n` };
  }
  return { ok: true, conv };
}

// ---------------------------------------------------------------------------------------------
// Command-line parsing, clap-like: long flags (`--x v`, `--x=v`), short clusters, usage errors.

/**
 * @typedef {{ long: string, short?: string, value?: boolean | "optional" }} Flag
 * @param {string[]} args @param {Flag[]} flags @param {number} maxPositionals @param {string} usage
 * @returns {{ opts: Record<string, string | boolean>, positionals: string[] }}
 */
function parseFlags(args, flags, maxPositionals, usage) {
  /** @type {Record<string, string | boolean>} */
  const opts = {};
  /** @type {string[]} */
  const positionals = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    /** @type {Flag | undefined} */
    let flag;
    /** @type {string | undefined} */
    let inline;
    if (arg.startsWith("--") && arg.length > 2) {
      const eq = arg.indexOf("=");
      const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq === -1 ? undefined : arg.slice(eq + 1);
      flag = flags.find((f) => f.long === name);
      if (!flag) throw new UsageError(`unexpected argument '${arg}' found`, usage);
    } else if (arg.startsWith("-") && arg.length > 1 && arg !== "-") {
      // A short cluster: every letter is a switch until one takes a value (the rest of the word).
      for (let j = 1; j < arg.length; j++) {
        const f = flags.find((x) => x.short === arg[j]);
        if (!f) throw new UsageError(`unexpected argument '-${arg[j]}' found`, usage);
        if (!f.value) {
          opts[f.long] = true;
          continue;
        }
        flag = f;
        inline = j + 1 < arg.length ? arg.slice(j + 1) : undefined;
        break;
      }
      if (!flag) continue;
    } else {
      if (positionals.length >= maxPositionals) throw new UsageError(`unexpected argument '${arg}' found`, usage);
      positionals.push(arg);
      continue;
    }
    if (!flag.value) {
      if (inline !== undefined) throw new UsageError(`unexpected value '${inline}' for '--${flag.long}' found; no more were expected`, usage);
      opts[flag.long] = true;
    } else if (inline !== undefined) {
      opts[flag.long] = inline;
    } else if (flag.value === "optional") {
      const next = args[i + 1];
      opts[flag.long] = next !== undefined && !next.startsWith("-") ? args[++i] : "";
    } else {
      const next = args[i + 1];
      if (next === undefined) {
        throw new UsageError(`a value is required for '--${flag.long} <${flag.long.toUpperCase()}>' but none was supplied`, usage);
      }
      opts[flag.long] = args[++i];
    }
  }
  return { opts, positionals };
}

/** @param {Record<string, string | boolean>} opts @param {string} key */
const optString = (opts, key) => (typeof opts[key] === "string" ? /** @type {string} */ (opts[key]) : undefined);

// ---------------------------------------------------------------------------------------------
// Hooks: the version DSL of hook/version_dsl.pest, expanded, then `sh -c "<hook>"`.

/** @typedef {{ tag: Tag | null, version: Version | null }} HookVersion */

const SPAN_RE = new RegExp(
  "^\\{\\{(?:(version_tag|version|latest_tag|latest)" +
    `(?:\\|(${IDENT}(?:\\.${IDENT})*))?` + // default version
    "((?:\\+\\d?(?:major|minor|patch))*)" + // arithmetic, `amt` is a single digit in the grammar
    `(?:-(${IDENT}(?:\\.${IDENT})*))?` + // pre-release
    `(?:\\+(${IDENT}(?:\\.${IDENT})*))?` + // build metadata
    "|(package))(?:\\.(major|minor|patch))?\\}\\}",
);

/**
 * @param {string} hook @param {number} index
 * @param {{ prefix: string, next: Version | null, latest: Version | null }} values
 */
function expandHook(hook, index, values) {
  let out = "";
  let i = 0;
  while (i < hook.length) {
    const at = hook.indexOf("{{", i);
    if (at === -1) {
      out += hook.slice(i);
      break;
    }
    out += hook.slice(i, at);
    const m = SPAN_RE.exec(hook.slice(at));
    if (!m) throw new HookFailure(`Cannot parse hook at index ${index}`);
    out += spanValue(m, values);
    i = at + m[0].length;
  }
  return out;
}

class HookFailure extends Error {}

/** @param {RegExpExecArray} m @param {{ prefix: string, next: Version | null, latest: Version | null }} values */
function spanValue(m, values) {
  const [, token, dflt, ops, pre, build, pkg, access] = m;
  if (pkg) throw new HookFailure("Current tag as no {{package}} info");
  const isNext = token === "version" || token === "version_tag";
  const withPrefix = token === "version_tag" || token === "latest_tag";
  const fallback = dflt ? parseVersion(dflt) : null;
  if (dflt && !fallback) throw new HookFailure(semverError(dflt));
  const base = (isNext ? values.next : values.latest) ?? fallback;
  if (!base) throw new HookFailure(`No previous tag found to replace {{${token}}} version`);
  let v = { ...base };
  let amount = 1;
  for (const op of ops.match(/\+\d?(?:major|minor|patch)/g) ?? []) {
    const [, digit, part] = /^\+(\d?)(major|minor|patch)$/.exec(op) ?? [];
    amount = digit ? Number(digit) : 1;
    if (part === "major") v = vwith(v, { major: v.major + amount, minor: 0, patch: 0 });
    else if (part === "minor") v = vwith(v, { minor: v.minor + amount, patch: 0 });
    else v = vwith(v, { patch: v.patch + amount });
  }
  if (pre !== undefined) v.pre = pre;
  if (build !== undefined) v.build = build;
  if (access) return String(v[/** @type {"major" | "minor" | "patch"} */ (access)]);
  return `${withPrefix ? values.prefix : ""}${vstr(v)}`;
}

/**
 * `run_hooks`: every hook parses first; each then runs in turn, stopping at the first failure.
 * @param {"pre-bump" | "post-bump"} kind @param {string[]} hooks
 * @param {{ prefix: string, next: Version | null, latest: Version | null }} values
 * @returns {{ failed: string, cause?: string } | null} the failed hook (or why it could not run)
 */
function runHooks(kind, hooks, values) {
  for (const [index, hook] of hooks.entries()) {
    if (hook === "") return { failed: `Cannot parse hook at index ${index}` };
    try {
      expandHook(hook, index, { prefix: "", next: ZERO, latest: ZERO });
    } catch (err) {
      if (err instanceof HookFailure && err.message.startsWith("Cannot parse")) return { failed: err.message };
    }
  }
  if (hooks.length > 0) log(2, `[${kind}]`);
  for (const [index, hook] of hooks.entries()) {
    let command;
    try {
      command = expandHook(hook, index, values);
    } catch (err) {
      if (err instanceof HookFailure) return { failed: err.message };
      throw err;
    }
    log(2, `[${command}]`);
    const r = spawnSync("sh", ["-c", command], { stdio: "inherit" });
    if (r.status !== 0) {
      const status = r.status === null ? `signal: ${r.signal}` : `exit status: ${r.status}`;
      return { failed: command, cause: `hook failed with status ${status}` };
    }
    process.stdout.write("\n");
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Working tree status, printed like cog's `Statuses` display.

/** @param {string} root */
function statusLines(root) {
  const out = git(["status", "--porcelain=v1", "-z", "--untracked-files=normal", "--ignore-submodules=all"], { cwd: root }).stdout;
  const fields = out.split("\0");
  /** @type {{ untracked: string[], staged: string[] }} */
  const res = { untracked: [], staged: [] };
  for (let i = 0; i < fields.length; i++) {
    const entry = fields[i];
    if (entry.length < 4) continue;
    const x = entry[0];
    const y = entry[1];
    const path = entry.slice(3);
    if (x === "R" || x === "C") i++; // the original path follows
    const kind = (/** @type {string} */ c) =>
      ({ "?": "new", A: "new", M: "modified", D: "deleted", R: "renamed", T: "type changed" })[c] ?? "modified";
    // libgit2 reports the work-tree side first, as cog's `Status::from` does.
    if (y === "?" || y === "M" || y === "D" || y === "T" || y === "R") res.untracked.push(`${kind(y)}: ${path}`);
    else res.staged.push(`${kind(x)}: ${path}`);
  }
  return res;
}

/** @param {{ untracked: string[], staged: string[] }} s */
function formatStatuses(s) {
  let text = "";
  if (s.untracked.length) {
    text += `Untracked files :\n${s.untracked.map((l) => `\t${l}\n`).join("")}`;
    text += `\nnothing added to commit but untracked files present (use "git add" to track)\n`;
  }
  if (s.untracked.length && s.staged.length) text += "\n";
  if (s.staged.length) {
    text += `Changes to be committed :\n(use "git add <file>..." to include in what will be committed)\n`;
    text += `${s.staged.map((l) => `\t${l}\n`).join("")}\nUse \`cog commit <type>\` to commit changes\n`;
  }
  return text;
}

/** globset's default syntax: `*` also crosses `/`. @param {string} pattern */
function globToRegExp(pattern) {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "*") re += ".*";
    else if (c === "?") re += ".";
    else if (c === "[") {
      const end = pattern.indexOf("]", i + 1);
      if (end === -1) throw new CogError(`invalid glob pattern: ${pattern}`);
      re += `[${pattern.slice(i + 1, end).replace(/^!/, "^")}]`;
      i = end;
    } else if (c === "{") {
      const end = pattern.indexOf("}", i + 1);
      if (end === -1) throw new CogError(`invalid glob pattern: ${pattern}`);
      re += `(?:${pattern.slice(i + 1, end).split(",").map((p) => p.replace(/[.+^$()|\\]/g, "\\$&").replace(/\*/g, ".*")).join("|")})`;
      i = end;
    } else re += c.replace(/[.+^$()|\\\]}]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

// ---------------------------------------------------------------------------------------------
// Changelog (§1.6): cog's default header/footer and its `simple` template, inserted after `- - -`.

const CHANGELOG_SEPARATOR = "- - -";
const DEFAULT_HEADER =
  "# Changelog\nAll notable changes to this project will be documented in this file. " +
  "See [conventional commits](https://www.conventionalcommits.org/) for commit guidelines.\n\n- - -\n";
const DEFAULT_FOOTER = "Changelog generated by [cocogitto](https://github.com/cocogitto/cocogitto).";

/** @param {GitCommit[]} commits @param {string} tag @param {Settings} settings @param {string} root */
function renderRelease(commits, tag, settings, root) {
  // The release is dated by its newest commit, in UTC (release.rs).
  const newest = commits[0];
  const seconds = newest ? Number(git(["show", "-s", "--format=%ct", newest.sha], { cwd: root }).stdout.trim()) : NaN;
  const date = (Number.isNaN(seconds) ? new Date() : new Date(seconds * 1000)).toISOString().slice(0, 10);
  /** @type {Map<string, { commit: GitCommit, conv: Conventional }[]>} */
  const groups = new Map();
  for (const commit of commits) {
    if (settings.ignoreMergeCommits && commit.message.startsWith("Merge")) continue;
    const checked = checkCommit(commit, settings);
    if (!checked.ok) continue;
    const config = settings.types.get(checked.conv.type);
    if (config?.omit_from_changelog && !checked.conv.breaking) continue;
    const list = groups.get(checked.conv.type) ?? [];
    list.push({ commit, conv: checked.conv });
    groups.set(checked.conv.type, list);
  }
  const order = [...groups.keys()].sort(
    (a, b) => (settings.types.get(a)?.order ?? 0) - (settings.types.get(b)?.order ?? 0),
  );
  let text = `## ${tag} - ${date}\n`;
  for (const type of order) {
    text += `#### ${settings.types.get(type)?.changelog_title ?? type}\n`;
    for (const { commit, conv } of groups.get(type) ?? []) {
      const scope = conv.scope ? `(**${conv.scope}**) ` : "";
      text += `- ${scope}${conv.summary} - (${commit.sha.slice(0, 7)}) - ${commit.author}\n`;
    }
  }
  return text;
}

/** `Release::write_to_file`. @param {string} path @param {string} release */
function writeChangelog(path, release) {
  const content = existsSync(path) ? readFileSync(path, "utf8") : DEFAULT_HEADER + DEFAULT_FOOTER;
  const idx = content.indexOf(CHANGELOG_SEPARATOR);
  if (idx === -1) throw new CogError(`cannot find default separator '- - -' in ${path}\n`);
  const at = idx + CHANGELOG_SEPARATOR.length;
  writeFileSync(path, `${content.slice(0, at)}\n${release}\n- - -\n${content.slice(at)}`);
}

// ---------------------------------------------------------------------------------------------
// `cog bump`

const BUMP_USAGE = "cog bump <--version <VERSION>|--auto|--major|--minor|--patch>";
const BUMP_FLAGS = /** @type {Flag[]} */ ([
  { long: "version", value: true }, { long: "auto", short: "a" }, { long: "major", short: "M" },
  { long: "minor", short: "m" }, { long: "patch", short: "p" }, { long: "pre", value: "optional" },
  { long: "build", value: true }, { long: "hook-profile", short: "H", value: true },
  { long: "package", value: true }, { long: "annotated", short: "A", value: true },
  { long: "dry-run", short: "d" }, { long: "skip-ci" }, { long: "skip-ci-override", value: true },
  { long: "skip-untracked" }, { long: "disable-bump-commit" }, { long: "include-packages" },
  { long: "help", short: "h" },
]);

/** @param {string[]} args @param {string} configPath */
function bump(args, configPath) {
  const { opts } = parseFlags(args, BUMP_FLAGS, 0, BUMP_USAGE);
  if (opts.help) return help(BUMP_USAGE);
  const spec = ["version", "auto", "major", "minor", "patch"].filter((k) => opts[k] !== undefined);
  if (spec.length === 0) {
    throw new CogError(
      `error: the following required arguments were not provided:\n  <--version <VERSION>|--auto|--major|--minor|--patch>\n\nUsage: ${BUMP_USAGE}\n\nFor more information, try '--help'.\n`,
      2,
    );
  }
  if (spec.length > 1) throw new UsageError(`the argument '--${spec[0]}' cannot be used with '--${spec[1]}'`, BUMP_USAGE);
  if (opts["include-packages"] && opts.auto) {
    throw new UsageError("the argument '--include-packages' cannot be used with '--auto'", BUMP_USAGE);
  }

  const root = repoRoot();
  const settings = loadSettings(root, configPath);
  const profile = optString(opts, "hook-profile");
  if (opts.package !== undefined || (profile !== undefined && !(profile in settings.profiles))) {
    const name = opts.package !== undefined ? "--package <PACKAGE>" : "--hook-profile <HOOK_PROFILE>";
    throw new UsageError(`invalid value '${opts.package ?? profile}' for '${name}'`, BUMP_USAGE);
  }
  if (settings.monorepo) throw new CogError("monorepo bumps are not supported by the release-kit cog stand-in\n");

  // Pre-bump checks (mod.rs `pre_bump_checks`): they run before the dry-run exit.
  if (settings.isDefault) {
    log(1, "Warning: using 'cog bump' with the default configuration. \nYou may want to create a 'cog.toml' file in your project root to configure bumps.\n");
  }
  const statuses = formatStatuses(statusLines(root));
  if (opts["skip-untracked"] || settings.skipUntracked) process.stderr.write(`${statuses}\n`);
  else if (statuses) throw new CogError(statuses);
  if (settings.branchWhitelist.length > 0) {
    const branch = branchShorthand(root);
    if (branch !== null && !settings.branchWhitelist.some((p) => globToRegExp(p).test(branch))) {
      throw new CogError(
        `No patterns matched in [${settings.branchWhitelist.map((p) => JSON.stringify(p)).join(", ")}] for branch '${branch}', bump is not allowed`,
      );
    }
  }

  // The next version (`get_new_version`).
  const tags = reachableTags(root, settings);
  const currentTag = latestTag(tags, false);
  const current = currentTag?.version ?? ZERO;
  const preTag = latestTag(tags, true);
  const currentPre = preTag && vcmp(preTag.version, current) > 0 ? preTag.version : null;
  const reset = (/** @type {Version} */ v) => vwith(v, { pre: "", build: "" });
  /** @type {Version} */
  let next;
  if (opts.major) next = reset({ ...current, major: current.major + 1, minor: 0, patch: 0 });
  else if (opts.minor) next = reset({ ...current, minor: current.minor + 1, patch: 0 });
  else if (opts.patch) next = reset({ ...current, patch: current.patch + 1 });
  else if (typeof opts.version === "string") {
    const parsed = parseVersion(opts.version);
    if (!parsed) throw new CogError(`failed to bump version\n\n\t${semverError(opts.version)}\n`);
    next = parsed;
  } else {
    next = reset(autoIncrement(root, settings, current, currentTag));
  }
  if (currentPre && vcmp(next, currentPre) < 0) {
    next = vwith(next, { major: currentPre.major, minor: currentPre.minor, patch: currentPre.patch });
  }
  if (vcmp(current, next) !== 0) {
    const pre = optString(opts, "pre");
    if (pre !== undefined) {
      const label = pre === "" || pre.includes("*") ? incrementPrerelease(currentPre, next, pre || settings.pre, settings) : pre;
      if (!PRE_RE.test(label)) throw new CogError(`unexpected character in pre-release identifier '${label}'`);
      next = vwith(next, { pre: label });
    }
    const build = optString(opts, "build");
    if (build !== undefined) next = vwith(next, { build });
  }
  if (vcmp(next, current) < 0) {
    throw new CogError(
      `SemVer Error:\n\tcause: version MUST be greater than current one: ${tagName(settings, next)} <= ${tagName(settings, current)}\n`,
    );
  }
  if (vcmp(current, next) === 0) {
    process.stdout.write(
      "No conventional commits for your repository that required a bump. Changelogs will be updated on the next bump.\nPre-Hooks and Post-Hooks have been skipped.\n",
    );
    return;
  }
  const tag = tagName(settings, next);
  if (opts["dry-run"]) {
    process.stdout.write(tag);
    return;
  }

  // Changelog, then pre-bump hooks, then stage everything (standard.rs).
  if (!settings.disableChangelog) {
    const commits = commitsSince(root, currentTag ? currentTag.commit : null);
    writeChangelog(settings.changelogPath, renderRelease(commits, tag, settings, root));
  }
  const hookValues = { prefix: settings.tagPrefix, next, latest: currentTag?.version ?? null };
  const preHooks = profile ? settings.profiles[profile].pre_bump_hooks ?? [] : settings.preBumpHooks;
  const preFailure = runHooks("pre-bump", preHooks, hookValues);
  git(["add", "-A", "."], { cwd: root });
  if (preFailure) stashAndExit(root, settings, preFailure.failed);

  const disableCommit = Boolean(opts["disable-bump-commit"]) || settings.disableBumpCommit;
  if (!disableCommit) {
    const skip = optString(opts, "skip-ci-override") ?? (opts["skip-ci"] ? settings.skipCi : undefined);
    const message = `chore(version): ${tag}${skip !== undefined ? ` ${skip}` : ""}`;
    // libgit2 commits without running any git hook; an empty hooks path does the same for git.
    git(["-c", "core.hooksPath=/dev/null", "commit", "-q", "--no-verify", "--allow-empty", "-m", message], { cwd: root });
  }
  // create_tag refuses a dirty index, except when the bump commit is disabled.
  if (!disableCommit && !git(["diff", "--cached", "--quiet"], { cwd: root, allowFail: true }).ok) {
    throw new CogError(`Cannot create tag: changes need to be committed${formatStatuses(statusLines(root))}`);
  }
  const annotated = optString(opts, "annotated");
  const tagArgs = annotated === undefined
    ? ["tag", tag]
    : ["tag", "-a", tag, "-m", annotated.replace(/\{\{\s*latest\s*\}\}/g, vstr(current)).replace(/\{\{\s*version\s*\}\}/g, vstr(next))];
  const tagged = git(tagArgs, { cwd: root, allowFail: true });
  if (!tagged.ok) {
    throw new CogError(`fatal error\n\ncause: failed to write reference 'refs/tags/${tag}': ${tagged.stderr.trim()}\n`);
  }

  const postHooks = profile ? settings.profiles[profile].post_bump_hooks ?? [] : settings.postBumpHooks;
  const postFailure = runHooks("post-bump", postHooks, hookValues);
  if (postFailure) {
    // No rollback: the commit and the tag stay (website/guide/bump.md).
    const cause = postFailure.cause ? `\n\nCaused by:\n    ${postFailure.cause}` : "";
    throw new CogError(`${postFailure.failed}${cause}`);
  }
  log(2, `Bumped version: ${currentTag ? currentTag.display : "..."} -> ${tag}`);
}

/**
 * Version from the commits since the latest tag (conventional/bump.rs
 * `version_increment_from_commit_history`). Unparsable and unknown commits are dropped.
 * @param {string} root @param {Settings} settings @param {Version} current @param {Tag | null} currentTag
 */
function autoIncrement(root, settings, current, currentTag) {
  const commits = commitsSince(root, currentTag ? currentTag.commit : null).filter(
    (c) => !settings.ignoreMergeCommits || c.parents.length <= 1,
  );
  const convs = commits
    .map((c) => checkCommit(c, settings))
    .flatMap((r) => (r.ok ? [r.conv] : []));
  const bumps = (/** @type {"bump_minor" | "bump_patch"} */ key) =>
    convs.some((c) => settings.types.get(c.type)?.[key] === true);
  if (current.major !== 0 && convs.some((c) => c.breaking)) {
    return { ...current, major: current.major + 1, minor: 0, patch: 0 };
  }
  if (bumps("bump_minor")) return { ...current, minor: current.minor + 1, patch: 0 };
  if (bumps("bump_patch")) return { ...current, patch: current.patch + 1 };
  if (convs.length > 0) return current;
  throw new CogError(
    "failed to bump version\n\ncause: No conventional commit found to bump current version.\n" +
      "    Only feature, bug fix and breaking change commits will trigger an automatic bump.\n\n" +
      "suggestion: Please see https://conventionalcommits.org/en/v1.0.0/#summary for more information.\n" +
      "    Alternatively consider using `cog bump <--version <VERSION>|--auto|--major|--minor>`\n\n",
  );
}

/**
 * prerelease.rs `increment_prerelease`: `alpha.*` counts up from the latest matching pre-release.
 * @param {Version | null} currentPre @param {Version} next @param {string} pattern @param {Settings} settings
 */
function incrementPrerelease(currentPre, next, pattern, settings) {
  if (currentPre && vcmp(currentPre, next) >= 0) {
    throw new CogError(
      `Current pre-release (${tagName(settings, currentPre)}) is greater than the next version (${tagName(settings, next)})`,
    );
  }
  const parts = pattern.split("*");
  if (parts.length !== 2) {
    throw new CogError(`Pre-release pattern (${pattern}) is invalid. Valid patterns contain exactly one wildcard (*)`);
  }
  const [prefix, suffix] = parts;
  const initial = `${prefix}1${suffix}`;
  if (!currentPre) return initial;
  if (vcmp(vwith(currentPre, { pre: "", build: "" }), next) < 0) return initial;
  const label = currentPre.pre;
  if (!label.startsWith(prefix) || !label.endsWith(suffix) || label.length < pattern.length) return initial;
  const num = label.slice(prefix.length, label.length - suffix.length);
  if (!/^\+?\d+$/.test(num)) return initial;
  return `${prefix}${Number(num) + 1}${suffix}`;
}

/**
 * A failed pre-bump hook: cog stashes everything under `cog_bump_<Tag::default()>` (always 0.0.0 with
 * the prefix, whatever the versions) and exits 1. With nothing to stash, its `.expect("stash")` panics.
 * @param {string} root @param {Settings} settings @param {string} cause @returns {never}
 */
function stashAndExit(root, settings, cause) {
  const name = `cog_bump_${settings.tagPrefix}0.0.0`;
  const changes = git(["status", "--porcelain", "--untracked-files=no"], { cwd: root }).stdout.trim();
  if (!changes) {
    process.stderr.write(
      "\nthread 'main' panicked at crates/cocogitto/src/command/bump/mod.rs:253:22:\n" +
        'stash: StashError(Error { code: -3, klass: 28, message: "cannot stash changes - there is nothing to stash." })\n' +
        "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n",
    );
    throw new CogError("", 101);
  }
  git(["stash", "push", "-q", "-m", name], { cwd: root });
  log(
    0,
    `Error: prehook run \`${cause}\` failed\n\tAll changes made during hook runs have been stashed on \`${name}\`\n` +
      "\tyou can run `git stash apply stash@0` to restore these changes.",
  );
  throw new CogError("", 1);
}

// ---------------------------------------------------------------------------------------------
// `cog get-version`

const GET_VERSION_USAGE = "cog get-version [OPTIONS]";

/** @param {string[]} args @param {string} configPath */
function getVersion(args, configPath) {
  const { opts } = parseFlags(
    args,
    [{ long: "fallback", short: "f", value: true }, { long: "package", value: true },
      { long: "include-prereleases", short: "i" }, { long: "tag", short: "t" }, { long: "help", short: "h" }],
    0,
    GET_VERSION_USAGE,
  );
  if (opts.help) return help(GET_VERSION_USAGE);
  if (opts.package !== undefined) {
    throw new UsageError(`invalid value '${opts.package}' for '--package <PACKAGE>'`, GET_VERSION_USAGE);
  }
  const root = repoRoot();
  const settings = loadSettings(root, configPath);
  const fallbackText = optString(opts, "fallback");
  let fallback = null;
  if (fallbackText !== undefined) {
    fallback = parseVersion(fallbackText);
    if (!fallback) {
      log(1, `Invalid fallback: ${fallbackText}`);
      throw new CogError(semverError(fallbackText));
    }
  }
  headSha(root);
  const tag = latestTag(reachableTags(root, settings), Boolean(opts["include-prereleases"]));
  let text;
  if (tag) text = opts.tag ? tag.display : vstr(tag.version);
  else if (fallback) text = vstr(fallback);
  else throw new CogError("No version yet");
  log(1, "Current version:");
  process.stdout.write(text);
}

// ---------------------------------------------------------------------------------------------
// `cog check`

const CHECK_USAGE = "cog check [OPTIONS] [RANGE]";

/** @param {string[]} args @param {string} configPath */
function check(args, configPath) {
  const { opts, positionals } = parseFlags(
    args,
    [{ long: "from-latest-tag", short: "l" }, { long: "ignore-merge-commits", short: "i" },
      { long: "ignore-fixup-commits" }, { long: "help", short: "h" }],
    1,
    CHECK_USAGE,
  );
  if (opts.help) return help(CHECK_USAGE);
  if (opts["from-latest-tag"] && positionals.length) {
    throw new UsageError("the argument '--from-latest-tag' cannot be used with '[RANGE]'", CHECK_USAGE);
  }
  const root = repoRoot();
  const settings = loadSettings(root, configPath);
  const ignoreMerge = Boolean(opts["ignore-merge-commits"]) || settings.ignoreMergeCommits;
  const ignoreFixup = Boolean(opts["ignore-fixup-commits"]) || settings.ignoreFixupCommits;
  const head = headSha(root);
  const tags = reachableTags(root, settings);

  let commits;
  if (positionals.length) {
    commits = rangeCommits(root, positionals[0], head);
  } else if (opts["from-latest-tag"] || settings.fromLatestTag) {
    const tag = latestTag(tags, false);
    if (!tag) throw new CogError("unable to get any tag\n");
    commits = commitsSince(root, tag.commit);
  } else {
    commits = commitsSince(root, null);
  }
  const errors = commits
    .filter((c) => !ignoreMerge || c.parents.length <= 1)
    .filter((c) => !ignoreFixup || !/^(fixup|squash|amend)!/.test(c.message))
    .map((c) => checkCommit(c, settings))
    .flatMap((r) => (r.ok ? [] : [r.error]));
  if (errors.length === 0) {
    log(2, "No errored commits");
    return;
  }
  // `CogCheckReport`: the range starts at the oldest commit walked, named as cog's tag cache names
  // it: a tag on it first, else its SHA if it is the first commit, else `HEAD` if it is HEAD.
  const oldest = commits[commits.length - 1].sha;
  const onOldest = tags.filter((t) => t.commit === oldest);
  const from = onOldest.length
    ? onOldest[onOldest.length - 1].display
    : oldest === head && oldest !== firstCommit(root, head) ? "HEAD" : oldest;
  const rule = `${" ".repeat(57)}\n\n`;
  throw new CogError(`\nFound ${errors.length} non compliant commits in ${from}..HEAD:\n\n${errors.map((e) => rule + e).join("")}`);
}

/** `get_first_commit`: the last commit of a walk from HEAD. @param {string} root @param {string} head */
function firstCommit(root, head) {
  const roots = git(["rev-list", "--max-parents=0", head], { cwd: root }).stdout.split("\n").filter(Boolean);
  return roots[roots.length - 1];
}

/** A `from..to` range as cog's revwalk reads it (an empty side is the first commit or HEAD). */
function rangeCommits(/** @type {string} */ root, /** @type {string} */ spec, /** @type {string} */ head) {
  const sep = spec.indexOf("..");
  if (sep === -1) throw new CogError(`invalid commit range pattern: \`${spec}\`\n`);
  const resolveRev = (/** @type {string} */ rev) => {
    const r = git(["rev-parse", "--verify", "-q", `${rev}^{commit}`], { cwd: root, allowFail: true });
    if (!r.ok) throw new CogError(`Unknown revision: \`${rev}\`\n`);
    return r.stdout.trim();
  };
  const first = firstCommit(root, head);
  const fromRaw = spec.slice(0, sep);
  const toRaw = spec.slice(sep + 2);
  const from = fromRaw ? resolveRev(fromRaw) : first;
  const to = toRaw ? resolveRev(toRaw) : head;
  if (from === to) return commitsSince(root, null).filter((c) => c.sha === from);
  const out = git(["log", "--format=%H", `${from}..${to}`], { cwd: root }).stdout.split("\n").filter(Boolean);
  const all = new Map(commitsSince(root, null).map((c) => [c.sha, c]));
  const walked = out.map((sha) => all.get(sha) ?? { sha, parents: [], author: "", message: "" });
  // revwalk.rs: the start is walked too when it is HEAD or the first commit.
  if (from === head || from === first) walked.push(all.get(from) ?? { sha: from, parents: [], author: "", message: "" });
  return walked;
}

// ---------------------------------------------------------------------------------------------
// Entry point

const TOP_USAGE = "cog [OPTIONS] <COMMAND>";
const SUBCOMMANDS = ["check", "commit", "edit", "log", "verify", "changelog", "get-version", "bump", "init",
  "install-hook", "generate-completions", "generate-manpages", "help"];

/** clap prints help and exits; no trailing newline from `main`. @param {string} usage @returns {"help"} */
function help(usage) {
  process.stdout.write(`${VERSION_TEXT}\nA command line tool for the conventional commits and semver specifications\n\nUsage: ${usage}\n`);
  return "help";
}

/** @param {string[]} argv */
function main(argv) {
  const logPath = process.env.COG_STANDIN_LOG;
  if (logPath) appendFileSync(logPath, `${JSON.stringify({ argv, cwd: process.cwd() })}\n`);

  // Global options come before the subcommand, as in cog's `Cli`.
  let configPath = "cog.toml";
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--version" || arg === "-V") {
      process.stdout.write(`${VERSION_TEXT}\n`);
      return;
    }
    if (arg === "--help" || arg === "-h") return help(TOP_USAGE);
    if (/^-v+$/.test(arg)) verbosity = arg.length - 2;
    else if (arg === "--verbose") verbosity = verbosity === 2 ? 0 : verbosity + 1;
    else if (arg === "-q" || arg === "--quiet") verbosity = -1;
    else if (arg === "--config") configPath = argv[++i] ?? configPath;
    else if (arg.startsWith("--config=")) configPath = arg.slice("--config=".length);
    else if (arg.startsWith("-")) throw new UsageError(`unexpected argument '${arg}' found`, TOP_USAGE);
    else break;
  }
  const command = argv[i];
  const rest = argv.slice(i + 1);
  if (command === undefined) {
    throw new CogError(`${VERSION_TEXT}\n\nUsage: ${TOP_USAGE}\n\nerror: 'cog' requires a subcommand but one was not provided\n`, 2);
  }
  /** @type {Record<string, (args: string[], configPath: string) => "help" | void>} */
  const commands = { bump, "get-version": getVersion, check };
  const run = Object.hasOwn(commands, command) ? commands[command] : undefined;
  if (run) {
    // cog's `main` ends every successful command with `println!()`.
    if (run(rest, configPath) !== "help") process.stdout.write("\n");
    return;
  }
  if (command === "help") return help(TOP_USAGE);
  if (SUBCOMMANDS.includes(command)) {
    throw new CogError(`\`cog ${command}\` is not supported by the release-kit cog stand-in\n`);
  }
  throw new UsageError(`unrecognized subcommand '${command}'`, TOP_USAGE);
}

try {
  main(process.argv.slice(2));
} catch (err) {
  if (err instanceof CogError) {
    if (err.message) process.stderr.write(err.code === 2 ? err.message : `Error: ${err.message}${err.message.endsWith("\n") ? "" : "\n"}`);
    process.exitCode = err.code;
  } else {
    throw err;
  }
}
