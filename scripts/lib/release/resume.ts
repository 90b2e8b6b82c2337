// Where `mise run release` starts: a new release, or the one already under way here, continued
// from the state diagnose() finds it in.
import { diagnoseTag } from "../diagnose.ts";
import { findReleaseInProgress } from "../facts/index.ts";
import { kitCommand } from "../hint.ts";
import { say, writeProse } from "../output.ts";
import type { ReleaseContext } from "./steps.ts";

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
