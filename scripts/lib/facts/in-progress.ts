// Is a release already under way here? HEAD carrying a release tag says so; so does a journal whose
// release stopped inside `cog bump` (a stash, or hook output in the tree) or between cog's commit
// and its tag.
import semver from "semver";
import type { Config } from "../config.ts";
import { commitOf, statusLines } from "../git.ts";
import { statusPath } from "../hook-output.ts";
import { journaledTags } from "../journal.ts";
import { HOOK_FILES } from "../release-commit.ts";
import type { Runner } from "../run.ts";
import { versionOf } from "../tags.ts";

export async function findReleaseInProgress(r: Runner, config: Config, gitDir: string): Promise<string | null> {
  const atHead = (await r.read`git tag --points-at HEAD`).stdout
    .split("\n")
    .map((t) => t.trim())
    .filter((t) => versionOf(t, config.tagPrefix));
  if (atHead.length)
    return atHead.sort((a, b) => semver.rcompare(versionOf(a, config.tagPrefix)!, versionOf(b, config.tagPrefix)!))[0]!;
  const journaled = journaledTags(gitDir).filter((t) => versionOf(t, config.tagPrefix));
  if (!journaled.length) return null;
  const subject = (await r.probe`git log -1 --format=%s HEAD`).stdout.trim();
  const untagged = journaled.find((t) => subject === `chore(version): ${t}`);
  if (untagged && !(await commitOf(r, `refs/tags/${untagged}`))) return untagged;
  const stashed = (await r.read`git stash list --format=%s`).stdout.includes("cog_bump_");
  const hookFiles = (await statusLines(r)).some((l) => HOOK_FILES.test(statusPath(l)));
  if (!stashed && !hookFiles) return null;
  for (const tag of journaled) {
    if (!(await commitOf(r, `refs/tags/${tag}`))) return tag;
  }
  return null;
}
