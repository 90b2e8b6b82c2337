// @ts-check
// The workspace, as `cargo metadata` would describe it to cargo-release: members, default members,
// versions (inherited or not), dependency tables, and `sort_workspace`'s order (src/ops/cargo.rs).

import { existsSync, readdirSync, realpathSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { CliError, fail } from "./shell.mjs";
import { isTable, readToml } from "./toml-text.mjs";
import { parseVersion } from "./versions.mjs";

/** @typedef {import("./versions.mjs").Version} Version */

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
    const re = new RegExp(
      `^${segment
        .replace(/[.+^${}()|\\]/g, "\\$&")
        .replace(/\*/g, "[^/]*")
        .replace(/\?/g, "[^/]")}$`,
    );
    dirs = dirs.flatMap((d) => {
      try {
        return readdirSync(d, { withFileTypes: true })
          .filter((e) => e.isDirectory() && re.test(e.name))
          .map((e) => join(d, e.name));
      } catch {
        return [];
      }
    });
  }
  return dirs.filter((d) => existsSync(join(d, "Cargo.toml"))).map((d) => resolve(d));
}

/** @param {string} cwd @param {string | undefined} manifestPath @returns {Workspace} */
export function loadWorkspace(cwd, manifestPath) {
  const manifest = manifestPath ? resolve(cwd, manifestPath) : findUp(cwd, "Cargo.toml");
  if (!manifest || !existsSync(manifest)) {
    throw new CliError(
      101,
      `\`cargo metadata\` exited with an error: error: could not find \`Cargo.toml\` in \`${cwd}\` or any parent directory`,
    );
  }
  let rootManifest = manifest;
  let rootDoc = readToml(manifest);
  if (!rootDoc.workspace) {
    // A member: the workspace root is the nearest parent manifest whose members include it.
    const explicit =
      isTable(rootDoc.package) && typeof rootDoc.package.workspace === "string" ? rootDoc.package.workspace : null;
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
    ? [
        ...new Set([
          ...(rootDoc.package ? [root] : []),
          ...(ws.members ?? []).flatMap((/** @type {string} */ m) => expandMember(root, m)),
        ]),
      ]
    : [root];
  memberDirs = memberDirs.filter((d) => !excluded.includes(d));
  // cargo's `find_members`: run from a member, that member is the default; from the root,
  // `default-members`, else every member of a virtual workspace, else the root package.
  const defaults =
    rootManifest !== manifest
      ? [dirname(manifest)]
      : ws?.["default-members"]
        ? ws["default-members"].flatMap((/** @type {string} */ m) => expandMember(root, m))
        : rootDoc.package
          ? [root]
          : memberDirs;
  const members = memberDirs.map((dir) => loadPackage(dir, root, rootDoc));
  return { root, rootManifest, rootDoc, members: sortWorkspace(members, rootDoc, root), defaults };
}

/** @param {string} dir @param {string} root @param {Record<string, any>} rootDoc @returns {Package} */
function loadPackage(dir, root, rootDoc) {
  const manifest = join(dir, "Cargo.toml");
  const doc = dir === root ? rootDoc : readToml(manifest);
  const pkg = isTable(doc.package)
    ? doc.package
    : fail(`failed to parse manifest at \`${manifest}\`: no \`package\` table`);
  const spec = pkg.version;
  const inherited = isTable(spec) && spec.workspace === true;
  const text = inherited ? rootDoc.workspace?.package?.version : spec;
  if (inherited && typeof text !== "string") {
    fail(
      `failed to parse manifest at \`${manifest}\`: error inheriting \`version\` from workspace root manifest's \`workspace.package.version\``,
    );
  }
  const initial =
    typeof text === "string"
      ? (parseVersion(text) ?? fail(`invalid version \`${text}\` in ${manifest}`))
      : { major: 0, minor: 0, patch: 0, pre: "", build: "" };
  return { name: String(pkg.name), dir, manifest, doc, initial, inherited, hasVersion: text !== undefined, config: {} };
}

/** Dependency tables of a manifest, as `find_dependency_tables` walks them. @param {Record<string, any>} doc */
export function dependencyTables(doc) {
  const kinds = ["dependencies", "dev-dependencies", "build-dependencies"];
  /** @type {{ path: string[], table: Record<string, any> }[]} */
  const tables = [];
  for (const [key, value] of Object.entries(doc)) {
    if (kinds.includes(key) && isTable(value)) tables.push({ path: [key], table: value });
    else if (key === "workspace" && isTable(value) && isTable(value.dependencies)) {
      tables.push({ path: ["workspace", "dependencies"], table: value.dependencies });
    } else if (key === "target" && isTable(value)) {
      for (const [target, t] of Object.entries(value)) {
        for (const kind of kinds)
          if (isTable(t) && isTable(t[kind])) tables.push({ path: ["target", target, kind], table: t[kind] });
      }
    }
  }
  return tables;
}

/** @param {string} path */
export function canonical(path) {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/** `sort_workspace`: members after their (non-dev) path dependencies, otherwise in member order. */
function sortWorkspace(
  /** @type {Package[]} */ members,
  /** @type {Record<string, any>} */ rootDoc,
  /** @type {string} */ root,
) {
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
        return typeof path === "string"
          ? [byDir.get(canonical(resolve(base, path)))].filter((x) => x !== undefined)
          : [];
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
