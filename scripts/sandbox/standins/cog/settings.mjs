// @ts-check
// cog.toml, read as settings/mod.rs does: at the repository root, `deny_unknown_fields`, custom commit
// types merged into the defaults.

import { existsSync, readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { parse as parseToml } from "smol-toml";
import { CogError } from "./core.mjs";

/**
 * settings/mod.rs `Settings`, field by field in declaration order (serde lists them in that order when
 * it refuses an unknown one), with the kind of TOML value each field deserializes from.
 * @type {Record<string, "bool" | "string" | "strings" | "map">}
 */
const FIELDS = {
  from_latest_tag: "bool",
  ignore_merge_commits: "bool",
  ignore_fixup_commits: "bool",
  disable_changelog: "bool",
  disable_bump_commit: "bool",
  generate_mono_repository_global_tag: "bool",
  generate_mono_repository_package_tags: "bool",
  monorepo_version_separator: "string",
  branch_whitelist: "strings",
  tag_prefix: "string",
  pre: "string",
  skip_ci: "string",
  skip_untracked: "bool",
  pre_bump_hooks: "strings",
  post_bump_hooks: "strings",
  pre_package_bump_hooks: "strings",
  post_package_bump_hooks: "strings",
  git_hooks: "map",
  commit_types: "map",
  changelog: "map",
  bump_profiles: "map",
  monorepo: "map",
  scopes: "strings",
};
const CHANGELOG_KEYS = ["template", "package_template", "remote", "path", "owner", "repository", "authors"];
const COMMIT_CONFIG_KEYS = ["changelog_title", "omit_from_changelog", "bump_minor", "bump_patch", "order"];

/**
 * What serde expects of each kind, as its "invalid type" errors say it.
 * @type {Record<string, { expected: string, ok: (v: unknown) => boolean }>}
 */
const KINDS = {
  bool: { expected: "a boolean", ok: (v) => typeof v === "boolean" },
  string: { expected: "a string", ok: (v) => typeof v === "string" },
  strings: { expected: "a sequence of strings", ok: (v) => Array.isArray(v) && v.every((x) => typeof x === "string") },
  map: { expected: "a map", ok: (v) => isTable(v) },
};

/** A sub-table of the settings, already checked to be a map; empty when absent. */
const table = (/** @type {unknown} */ v) => /** @type {Record<string, unknown>} */ (v ?? {});

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
export function isTable(v) {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** cog's default types (settings/mod.rs `default_commit_config`), in changelog order. */
function defaultTypes() {
  /** @type {[string, string, Partial<CommitConfig>][]} */
  const rows = [
    ["feat", "Features", { bump_minor: true }],
    ["fix", "Bug Fixes", { bump_patch: true }],
    ["perf", "Performance Improvements", {}],
    ["revert", "Revert", {}],
    ["docs", "Documentation", {}],
    ["test", "Tests", {}],
    ["build", "Build system", {}],
    ["ci", "Continuous Integration", {}],
    ["refactor", "Refactoring", {}],
    ["chore", "Miscellaneous Chores", {}],
    ["style", "Style", {}],
  ];
  /** @type {Map<string, CommitConfig>} */
  const types = new Map();
  rows.forEach(([type, title, extra], i) => {
    types.set(type, {
      changelog_title: title,
      omit_from_changelog: false,
      bump_minor: false,
      bump_patch: false,
      order: i + 1,
      ...extra,
    });
  });
  return types;
}

/** @param {CommitConfig} c */
const isEmptyConfig = (c) =>
  c.bump_patch === undefined &&
  c.omit_from_changelog === undefined &&
  c.bump_minor === undefined &&
  c.changelog_title === undefined;

/** @param {string} root @param {string} configPath @returns {Settings} */
export function loadSettings(root, configPath) {
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
  denyUnknown(raw, Object.keys(FIELDS));
  for (const [key, value] of Object.entries(raw)) {
    const { expected, ok } = KINDS[FIELDS[key]];
    if (!ok(value)) settingsError(`invalid type: expected ${expected} for key \`${key}\``);
  }
  const changelog = table(raw.changelog);
  denyUnknown(changelog, CHANGELOG_KEYS);
  const profiles = table(raw.bump_profiles);
  for (const profile of Object.values(profiles)) {
    if (!isTable(profile)) settingsError("invalid type: expected a map for a bump profile");
    denyUnknown(profile, ["pre_bump_hooks", "post_bump_hooks"]);
  }
  const monorepo = table(raw.monorepo);
  denyUnknown(monorepo, ["resolver", "packages"]);

  // `load_commit_types`: custom types merge into the defaults; an empty table removes a type.
  const types = defaultTypes();
  const custom = table(raw.commit_types);
  for (const [type, value] of Object.entries(custom)) {
    if (!isTable(value)) settingsError(`invalid type: expected a map for commit type \`${type}\``);
    denyUnknown(value, COMMIT_CONFIG_KEYS);
    const config = /** @type {CommitConfig} */ (value);
    const base = types.get(type);
    const merged = isEmptyConfig(config) || !base ? config : { ...base, ...config };
    types.set(type, merged);
  }
  for (const [type, config] of types) if (isEmptyConfig(config)) types.delete(type);

  const str = (/** @type {string} */ key, /** @type {string} */ dflt) => /** @type {string} */ (raw[key] ?? dflt);
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
