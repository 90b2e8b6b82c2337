// Failure Recovery: diagnose, say the one next action, and with --apply take it, diagnose again and
// repeat until the release is complete or a human has to decide.
import { StartError } from "../cli.ts";
import type { Config } from "../config.ts";
import { type Diagnosis, diagnoseTag, evidence } from "../diagnose.ts";
import { findRelease, findReleaseInProgress, waitForRun } from "../facts/index.ts";
import { commitOf, remoteTags } from "../git.ts";
import { describeApiError, type GitHub } from "../github.ts";
import { kitCommand } from "../hint.ts";
import { say, write } from "../output.ts";
import { CommandError, type Runner } from "../run.ts";
import { highestTag, versionOf } from "../tags.ts";
import { HumanNeeded, type Plan, planFor } from "./plan.ts";
import { printDiagnosis } from "./report.ts";

export interface RecoverOptions {
  tag?: string;
  apply: boolean;
  yes: boolean;
  deleteRelease: string | null;
  abandon: boolean;
  confirm: (question: string) => Promise<boolean>;
}

export interface RecoverReport {
  ok: boolean;
  tag: string;
  state: Diagnosis["state"];
  evidence: Record<string, unknown>;
  next: { action: string; commands: string[] }[];
  /** Every state passed through with --apply, in order. */
  history: { state: Diagnosis["state"]; action: string }[];
  /** Why recover stopped short of complete, when a human has to act. */
  human: string | null;
  /** The last line to print. */
  summary: string;
}

/** How long the tag workflow may run before recover gives up waiting (as verify --wait). */
const WAIT_SECONDS = 1800;
/** How long a pushed tag may go without any run before recover says none will start. On a loopback
 *  API (the sandbox) runs start with the push, so a few seconds tell. */
const NO_RUN_SECONDS = (gh: GitHub) => (gh.loopback ? 5 : 120);
const MAX_ROUNDS = 12;

/** --tag, else the release in progress, else the highest release tag. */
export async function chooseTag(
  r: Runner,
  config: Config,
  gh: GitHub,
  gitDir: string,
  asked?: string,
): Promise<string> {
  if (asked) {
    if (!versionOf(asked, config.tagPrefix))
      throw new StartError(
        `${asked} is not a release tag (${config.tagPrefix}X.Y.Z)`,
        `pass --tag ${config.tagPrefix}1.2.3`,
      );
    const known =
      (await commitOf(r, `refs/tags/${asked}`)) ||
      (await remoteTags(r.with({ timeout: "60s" }))).has(asked) ||
      (await findRelease(gh, asked));
    if (!known)
      throw new StartError(
        `${asked} exists neither locally, nor on origin, nor as a GitHub release: nothing to recover`,
        `check the name (git tag --list), or release it with ${kitCommand("release")}`,
      );
    return asked;
  }
  const tag = (await findReleaseInProgress(r, config, gitDir)) ?? (await highestTag(r, config.tagPrefix));
  if (!tag)
    throw new StartError(
      `there is no release tag (${config.tagPrefix}X.Y.Z) and no release in progress`,
      `nothing to recover; release with ${kitCommand("release")}`,
    );
  return tag;
}

/** What went wrong in an action, in words a maintainer can act on. */
function failureOf(error: unknown, plan: Plan): string {
  if (error instanceof HumanNeeded) return error.message;
  if (error instanceof CommandError)
    return `${plan.action}: \`${error.command}\` failed: ${(error.stderr || error.stdout).trim().split("\n").slice(-3).join(" ")}`;
  const e = error as { status?: number; response?: { data?: { message?: string; errors?: { message?: string }[] } } };
  const said = [e.response?.data?.message, ...(e.response?.data?.errors ?? []).map((x) => x.message)]
    .filter(Boolean)
    .join("; ");
  if (e.status === 422 && /immutable/i.test(said))
    return `${plan.action}: GitHub refuses (${said}): a tag an immutable release used is final; release the next version (${kitCommand("release")})`;
  if (e.status === 403 && /cannot be retried|already running/i.test(said))
    return `${plan.action}: GitHub refuses (${said}); release the next version instead (${kitCommand("release")})`;
  const status = e.status;
  if (status) {
    const { message, fix } = describeApiError(error, plan.action);
    return `${message} (${fix})`;
  }
  throw error;
}

export async function recover(
  r: Runner,
  config: Config,
  gh: GitHub,
  gitDir: string,
  opts: RecoverOptions,
): Promise<RecoverReport> {
  const tag = await chooseTag(r, config, gh, gitDir, opts.tag);
  const history: RecoverReport["history"] = [];
  for (let round = 0; ; round++) {
    const d = await diagnoseTag(r, config, gh, gitDir, tag);
    const plan = await planFor({
      r,
      config,
      gh,
      gitDir,
      diagnosis: d,
      deleteRelease: opts.deleteRelease,
      abandon: opts.abandon && !history.length,
    });
    printDiagnosis(d, plan);
    const report = (human: string | null, summary?: string, next?: RecoverReport["next"][number]): RecoverReport => ({
      ok: d.state === "complete",
      tag,
      state: d.state,
      evidence: evidence(d.facts),
      next: d.state === "complete" ? [] : [next ?? { action: plan.action, commands: plan.commands }],
      history,
      human,
      summary:
        summary ??
        (d.state === "complete"
          ? `${tag} is complete${history.length ? ` after ${history.length} action${history.length > 1 ? "s" : ""}` : ""}`
          : human
            ? `stopped at ${d.state}: ${human}`
            : `${tag} is ${d.state}: run with --apply to take the next step${plan.commands.some((c) => c.includes("--delete-release")) ? ` (and --delete-release ${tag} to delete the published release)` : ""}`),
    });
    if (d.state === "complete" || !opts.apply) return report(null);
    if (plan.human) return report(plan.human);
    if (round >= MAX_ROUNDS)
      return report(`recover took ${MAX_ROUNDS} actions without reaching complete; the last state was ${d.state}`);
    if (plan.waits) {
      if (r.dryRun)
        return {
          ...report(null, `dry run: would wait up to ${WAIT_SECONDS} s for the tag workflow of ${tag}, then go on`),
          ok: true,
        };
      history.push({ state: d.state, action: plan.action });
      const sha = d.facts.remoteCommit ?? d.facts.localCommit!;
      const bound = d.facts.run ? WAIT_SECONDS : NO_RUN_SECONDS(gh);
      write(`  waiting up to ${bound} s for the tag workflow`);
      // Each tag workflow in turn; the first without a finished run is the one to report.
      let waitedFor = d.facts.workflowPaths[0] ?? "the tag workflow";
      let run = null;
      for (const path of d.facts.workflowPaths) {
        waitedFor = path;
        run = await waitForRun(gh, path, tag, sha, bound, config.pollSeconds);
        if (run?.status !== "completed") break;
      }
      if (!run) {
        const why = `no run of ${waitedFor} started for ${tag} within ${bound} s`;
        const next = {
          action: `${why}: a tag pushed with the Actions GITHUB_TOKEN starts no workflow. Start the release workflow for ${tag} by hand, or release the next version with credentials that start workflows (preflight's token-triggers check)`,
          commands: [kitCommand("release:preflight"), kitCommand("release")],
        };
        return report(why, undefined, next);
      }
      if (run.status !== "completed") {
        const why = `run ${run.id} of ${tag} is still ${run.status} after ${bound} s`;
        return report(why, undefined, {
          action: `${why}: look at ${run.url}, then run recover again`,
          commands: [
            kitCommand("release:verify", ["--tag", tag, "--wait"]),
            kitCommand("release:recover", ["--tag", tag, "--apply"]),
          ],
        });
      }
      continue;
    }
    // Each write is confirmed on its own (--yes answers them all): the next one depends on the world.
    if (!r.dryRun && !(await opts.confirm(`Apply: ${plan.action}?`))) {
      return report(
        `the gate was not confirmed: ${history.length ? `${history.length} action${history.length > 1 ? "s were" : " was"} taken, then recover stopped` : "nothing was changed"} (use --yes without a terminal)`,
      );
    }
    try {
      await plan.apply!();
    } catch (error) {
      const why = failureOf(error, plan);
      return report(why, undefined, { action: why, commands: [kitCommand("release:recover", ["--tag", tag])] });
    }
    if (r.dryRun) return { ...report(null, `dry run: the commands above would run; nothing was changed`), ok: true };
    history.push({ state: d.state, action: plan.action });
    if (plan.ends) {
      // Abandoned, or set back: nothing of the release is left here to take further.
      const after = await diagnoseTag(r, config, gh, gitDir, tag);
      say.step(`Failure Recovery: ${tag}: ${plan.action}`);
      const next = [
        {
          action: `none here: ${tag} was ${opts.abandon ? "abandoned" : "set back"}; fix what failed, then release again`,
          commands: [kitCommand("release")],
        },
      ];
      return {
        ok: true,
        tag,
        state: after.state,
        evidence: evidence(after.facts),
        next,
        history,
        human: null,
        summary: `${tag} was ${opts.abandon ? "abandoned" : "set back"}: release again with ${kitCommand("release")}`,
      };
    }
  }
}
