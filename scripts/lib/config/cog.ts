// cog.toml: the settings of cocogitto's that the release flow depends on.
import type { Problem } from "../settings.ts";
import { asTable, readToml, stringList } from "./toml.ts";

export interface CogSettings {
  tagPrefix: string;
  /** cog.toml sets tag_prefix (else cog's default, no prefix, applies). */
  tagPrefixSet: boolean;
  preBumpHooks: string[];
  postBumpHooks: string[];
  disableChangelog: boolean;
  branchWhitelist: string[];
  /** `[changelog] path`: the file cog writes its changelog into (CHANGELOG.md by default). */
  changelogPath: string;
  /** `skip_untracked = true`: cog never checks the tree before a bump. */
  skipUntracked: boolean;
  /** cog 7's `[monorepo.packages]`: per-package tags. */
  packages: string[];
  /** cog 6's top-level `[packages]`, which cog 7 rejects. */
  legacyPackages: string[];
  /** Top-level keys cog 7 does not know: it refuses the whole file (deny_unknown_fields). */
  unknownKeys: string[];
}

// cog 7's top-level settings (cocogitto crates/cocogitto/src/settings/mod.rs, deny_unknown_fields).
const COG_KEYS = new Set([
  "from_latest_tag",
  "ignore_merge_commits",
  "ignore_fixup_commits",
  "disable_changelog",
  "disable_bump_commit",
  "generate_mono_repository_global_tag",
  "generate_mono_repository_package_tags",
  "monorepo_version_separator",
  "branch_whitelist",
  "tag_prefix",
  "pre",
  "skip_ci",
  "skip_untracked",
  "pre_bump_hooks",
  "post_bump_hooks",
  "pre_package_bump_hooks",
  "post_package_bump_hooks",
  "git_hooks",
  "commit_types",
  "changelog",
  "bump_profiles",
  "monorepo",
  "scopes",
]);

export function readCog(root: string, problems: Problem[]): CogSettings | null {
  const { data, problem } = readToml(root, "cog.toml");
  if (problem) problems.push(problem);
  if (!data) return null;
  const prefix = data.tag_prefix ?? "";
  if (typeof prefix !== "string" || /[\s~^:?*[\\]/.test(prefix)) {
    problems.push({
      file: "cog.toml",
      key: "tag_prefix",
      message: `tag_prefix in cog.toml must be a string usable in a tag name, not ${JSON.stringify(prefix)}`,
      fix: 'set tag_prefix = "v" in cog.toml',
    });
  }
  const disable = data.disable_changelog ?? false;
  if (typeof disable !== "boolean") {
    problems.push({
      file: "cog.toml",
      key: "disable_changelog",
      message: "disable_changelog in cog.toml must be true or false",
      fix: "set disable_changelog = true in cog.toml",
    });
  }
  const changelogPath = asTable(data.changelog)?.path;
  return {
    tagPrefix: typeof prefix === "string" ? prefix : "",
    tagPrefixSet: data.tag_prefix !== undefined,
    preBumpHooks: stringList(data.pre_bump_hooks, "cog.toml", "pre_bump_hooks", problems),
    postBumpHooks: stringList(data.post_bump_hooks, "cog.toml", "post_bump_hooks", problems),
    disableChangelog: disable === true,
    branchWhitelist: stringList(data.branch_whitelist, "cog.toml", "branch_whitelist", problems),
    changelogPath: typeof changelogPath === "string" ? changelogPath : "CHANGELOG.md",
    skipUntracked: data.skip_untracked === true,
    packages: Object.keys(asTable(asTable(data.monorepo)?.packages) ?? {}),
    legacyPackages: Object.keys(asTable(data.packages) ?? {}),
    unknownKeys: Object.keys(data).filter((k) => !COG_KEYS.has(k)),
  };
}
