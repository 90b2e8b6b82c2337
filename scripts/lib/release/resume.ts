// Is a release already under way here? HEAD carrying a release tag says so; so does a journal whose
// release stopped inside `cog bump` (a stash, or hook output in the tree) or between cog's commit
// and its tag. diagnose() says where it stands.
import semver from "semver";
import { StartError } from "../cli.ts";
import type { Config } from "../config.ts";
import { type Diagnosis, diagnose } from "../diagnose.ts";
import { commitOf, remoteTags, statusLines } from "../git.ts";
import type { GitHub } from "../github.ts";
import { kitCommand } from "../hint.ts";
import { statusPath } from "../hook-output.ts";
import { journaledTags } from "../journal.ts";
import { say, writeProse } from "../output.ts";
import { HOOK_FILES } from "../release-commit.ts";
import type { Runner } from "../run.ts";
import { versionOf } from "../tags.ts";
import { tagWorkflowsAt } from "../verify/index.ts";
import { registryAccess } from "../verify/registry-access.ts";
import type { TagWorkflows } from "../workflow/index.ts";
import type { ReleaseContext } from "./steps.ts";

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

/** No workflow read: what diagnose gets when the tag's workflow is invalid. */
const noWorkflows = (rev: string): TagWorkflows => ({
  rev,
  looked: [],
  chosenBy: "found",
  started: [],
  notStarted: [],
  images: [],
  artifacts: [],
  notVerified: [],
});

/** Where the release of `tag` stands. The workflow that counts is the one at the tag GitHub has
 *  (the run used it), when that commit is here; else at the local tag, else at HEAD. */
export async function diagnoseTag(
  r: Runner,
  config: Config,
  gh: GitHub,
  gitDir: string,
  tag: string,
): Promise<Diagnosis> {
  const remote = (await remoteTags(r.with({ timeout: "60s" }))).get(tag);
  const remoteHere = remote && (await commitOf(r, remote));
  const commit = remoteHere || (await commitOf(r, `refs/tags/${tag}`)) || "HEAD";
  // An invalid workflow is a fact about the release (GitHub would not run it), not a reason to stop.
  let workflowInvalid: string | null = null;
  const workflows = await tagWorkflowsAt(r, config, tag, commit).catch((error: unknown) => {
    if (!(error instanceof StartError)) throw error;
    workflowInvalid = error.message;
    return noWorkflows(commit);
  });
  return diagnose({
    r,
    config,
    gh,
    tag,
    gitDir,
    workflows,
    workflowInvalid,
    registry: registryAccess(config, gh.token.token),
  });
}

/** What `mise run release` starts from: the target, the choice of version, and nothing known yet. */
export function newRelease(
  start: Pick<ReleaseContext, "r" | "config" | "gh" | "gitDir" | "choice" | "yes">,
): ReleaseContext {
  return { ...start, resume: null, tag: null, version: null, commit: null, base: null, releaseUrl: null };
}

/**
 * Where does this release stand? The world says. A release authored or pushed but not finished is
 * continued (`release.resume` is set); one already released, or in a state only recover should
 * touch, ends the command here with the report's verdict and note.
 */
export async function continueOrStop(release: ReleaseContext): Promise<{ ok: boolean; note: string } | null> {
  const { r, config, gh, gitDir } = release;
  const inProgress = await findReleaseInProgress(r, config, gitDir);
  if (!inProgress) return null;
  const diagnosis = await diagnoseTag(r, config, gh, gitDir, inProgress);
  release.tag = inProgress;
  release.version = diagnosis.facts.version;
  release.commit = diagnosis.facts.localCommit;
  release.releaseUrl = diagnosis.facts.release?.url ?? null;
  say.step(`${inProgress}: ${diagnosis.state}`);
  say.info(diagnosis.reason);
  if (diagnosis.state === "complete" || diagnosis.state === "workflow-running") {
    const running = kitCommand("release:verify", ["--tag", inProgress, "--wait"]);
    const workflow = diagnosis.state === "workflow-running" ? `; its tag workflow is running (${running})` : "";
    say.ok(`${inProgress} is already released${workflow}: nothing to do`);
    return { ok: true, note: `${inProgress} is already released` };
  }
  if (diagnosis.state === "authored-not-pushed" || diagnosis.state === "pushed-no-release") {
    release.resume = diagnosis;
    say.info(`continuing the release of ${inProgress}`);
    return null;
  }
  const recover = kitCommand("release:recover", ["--tag", inProgress]);
  say.fail(`${inProgress} is in state ${diagnosis.state}: the release will not guess what to do`);
  writeProse("run:", recover);
  return { ok: false, note: `${inProgress} is in state ${diagnosis.state}: ${recover}` };
}
