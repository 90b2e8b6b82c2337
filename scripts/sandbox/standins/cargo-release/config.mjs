// @ts-check
// cargo-release's configuration (src/config.rs: home, workspace and crate release.toml, Cargo.toml
// metadata) and the checks before changing anything (src/steps/mod.rs), which in the version step
// only warn, except downgrades.

import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { basename, join, resolve } from "node:path";
import { CliError, git } from "./shell.mjs";
import { isTable, readToml } from "./toml-text.mjs";

/** @typedef {import("./workspace.mjs").Workspace} Workspace */
/** @typedef {import("./workspace.mjs").Package} Package */
/** @typedef {import("./version-step.mjs").VersionArgs} VersionArgs */

const CONFIG_KEYS = [
  "unstable",
  "allow-branch",
  "sign-commit",
  "sign-tag",
  "push-remote",
  "registry",
  "release",
  "publish",
  "verify",
  "owners",
  "push",
  "push-options",
  "shared-version",
  "consolidate-commits",
  "pre-release-commit-message",
  "pre-release-replacements",
  "pre-release-hook",
  "tag-message",
  "tag-prefix",
  "tag-name",
  "tag",
  "enable-features",
  "enable-all-features",
  "dependent-version",
  "metadata",
  "target",
  "rate-limit",
  "certs-source",
];

/** @param {unknown} config @param {string} where @returns {Record<string, any>} */
function checkConfig(config, where) {
  if (config === undefined) return {};
  if (!isTable(config)) throw new CliError(101, `Failed to parse \`${where}\``);
  for (const key of Object.keys(config)) {
    if (!CONFIG_KEYS.includes(key)) {
      throw new CliError(
        101,
        `Failed to parse \`${where}\`\n\nCaused by:\n    unknown field \`${key}\`, expected one of ${CONFIG_KEYS.map((k) => `\`${k}\``).join(", ")}`,
      );
    }
  }
  return config;
}

/** @param {string} path */
export const fileConfig = (path) => (existsSync(path) ? checkConfig(readToml(path), path) : {});

/** `resolve_workspace_config`. @param {Workspace} ws @param {boolean} isolated */
export function workspaceSources(ws, isolated) {
  if (isolated) return {};
  return {
    ...fileConfig(join(homedir(), ".release.toml")),
    ...fileConfig(join(homedir(), ".config", "cargo-release", "release.toml")),
    ...fileConfig(join(ws.root, "release.toml")),
    ...checkConfig(ws.rootDoc.workspace?.metadata?.release, ws.rootManifest),
  };
}

/** `load_package_config`, overrides included. @param {Workspace} ws @param {Package} pkg @param {VersionArgs} args */
export function packageConfig(ws, pkg, args) {
  const config = args.isolated
    ? {}
    : {
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

// Checks before changing anything (steps/mod.rs). In the version step they warn, except downgrades.

/** @param {string} root */
export function dirtyEntries(root) {
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
    const flags = [
      index[/** @type {keyof typeof index} */ (f[0])],
      work[/** @type {keyof typeof work} */ (f[1])],
    ].filter(Boolean);
    entries.push(`${f.slice(3)} (Status(${flags.join(" | ")}))`);
  }
  return entries;
}

/** @param {string} root */
export function currentBranch(root) {
  const r = git(["symbolic-ref", "--short", "-q", "HEAD"], root);
  return r.ok ? r.stdout.trim() : "HEAD";
}

/** gitignore-style `allow-branch` globs: the last matching pattern wins; `!` negates. */
export function branchAllowed(/** @type {string} */ branch, /** @type {string[]} */ patterns) {
  const candidates = branch.split("/").map((_, i, all) => all.slice(0, all.length - i).join("/"));
  for (const candidate of candidates) {
    /** @type {boolean | null} */
    let verdict = null;
    for (const raw of patterns) {
      const negated = raw.startsWith("!");
      const pattern = negated ? raw.slice(1) : raw;
      const subject = pattern.includes("/") ? candidate : basename(candidate);
      const re = new RegExp(
        `^${pattern
          .replace(/^\//, "")
          .replace(/[.+^${}()|\\]/g, "\\$&")
          .replace(/\*\*/g, "\0")
          .replace(/\*/g, "[^/]*")
          .replace(/\?/g, "[^/]")
          .replace(/\0/g, ".*")}$`,
      );
      if (re.test(subject)) verdict = !negated;
    }
    if (verdict !== null) return verdict;
  }
  return false;
}
