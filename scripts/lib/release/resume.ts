// Is a release already under way here? HEAD carrying a release tag says so; so does a journal whose
// release stopped inside `cog bump` (a stash, or hook output in the tree). diagnose() says where.
import { commitOf, statusLines } from "../git.ts";
import type { Config } from "../config.ts";
import { diagnose, type Diagnosis } from "../diagnose.ts";
import type { GitHub } from "../github.ts";
import { journaledTags } from "../journal.ts";
import type { Runner } from "../run.ts";
import { versionOf } from "../tags.ts";
import { registryAccess } from "../verify/registry-access.ts";
import { tagWorkflowsAt } from "../verify/index.ts";
import semver from "semver";

export async function findReleaseInProgress(r: Runner, config: Config, gitDir: string): Promise<string | null> {
  const atHead = (await r.read`git tag --points-at HEAD`).stdout.split("\n").map((t) => t.trim()).filter((t) => versionOf(t, config.tagPrefix));
  if (atHead.length) return atHead.sort((a, b) => semver.rcompare(versionOf(a, config.tagPrefix)!, versionOf(b, config.tagPrefix)!))[0]!;
  const stashed = (await r.read`git stash list --format=%s`).stdout.includes("cog_bump_");
  const hookOutput = (await statusLines(r)).some((l) => /(CHANGELOG\.md|Cargo\.(toml|lock)|package\.json)$/.test(l));
  if (!stashed && !hookOutput) return null;
  for (const tag of journaledTags(gitDir)) {
    if (versionOf(tag, config.tagPrefix) && !(await commitOf(r, `refs/tags/${tag}`))) return tag;
  }
  return null;
}

export async function diagnoseTag(r: Runner, config: Config, gh: GitHub, gitDir: string, tag: string): Promise<Diagnosis> {
  const commit = (await commitOf(r, `refs/tags/${tag}`)) ?? "HEAD";
  const workflows = await tagWorkflowsAt(r, config, tag, commit);
  return diagnose({ r, config, gh, tag, gitDir, workflows, registry: registryAccess(config.registryUrl, gh.token.token) });
}
