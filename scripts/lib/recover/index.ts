// Failure Recovery: diagnose, say the one next action, and with --apply take it, diagnose again and
// repeat until the release is complete or a human has to decide.
import { StartError } from "../cli.ts";
import type { Config } from "../config.ts";
import { diagnose, evidence, type Diagnosis } from "../diagnose.ts";
import { commitOf, remoteTags } from "../git.ts";
import type { GitHub } from "../github.ts";
import { bold, dim, green, red, say, write } from "../output.ts";
import { findReleaseInProgress } from "../release/resume.ts";
import type { Runner } from "../run.ts";
import { highestTag, versionOf } from "../tags.ts";
import { registryAccess } from "../verify/registry-access.ts";
import { findRelease } from "../verify/release-checks.ts";
import { waitForRun } from "../verify/workflow-checks.ts";
import { workflowAt } from "../verify/index.ts";
import { planFor, type Plan } from "./plan.ts";

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
  human: string | null;
}

/** --tag, else the release in progress, else the highest release tag. */
export async function chooseTag(r: Runner, config: Config, gh: GitHub, gitDir: string, asked?: string): Promise<string> {
  if (asked) {
    if (!versionOf(asked, config.tagPrefix)) throw new StartError(`${asked} is not a release tag (${config.tagPrefix}X.Y.Z)`, `pass --tag ${config.tagPrefix}1.2.3`);
    const known = (await commitOf(r, `refs/tags/${asked}`)) || (await remoteTags(r.with({ timeout: "60s" }))).has(asked) || (await findRelease(gh, asked));
    if (!known) throw new StartError(`${asked} exists neither locally, nor on origin, nor as a GitHub release: nothing to recover`, "check the name (git tag --list), or release it with mise run release");
    return asked;
  }
  const tag = (await findReleaseInProgress(r, config, gitDir)) ?? (await highestTag(r, config.tagPrefix));
  if (!tag) throw new StartError(`there is no release tag (${config.tagPrefix}X.Y.Z) and no release in progress`, "nothing to recover; release with mise run release");
  return tag;
}

async function diagnoseTag(r: Runner, config: Config, gh: GitHub, gitDir: string, tag: string): Promise<Diagnosis> {
  const commit = (await commitOf(r, `refs/tags/${tag}`)) ?? (await remoteTags(r.with({ timeout: "60s" }))).get(tag) ?? "HEAD";
  const { workflow } = await workflowAt(r, config, tag, commit);
  return diagnose({ r, config, gh, tag, gitDir, workflow, registry: registryAccess(config.registryUrl, gh.token.token) });
}

function printDiagnosis(d: Diagnosis, plan: Plan): void {
  say.step(`Failure Recovery: ${d.facts.tag} is ${d.state === "complete" ? green(d.state) : red(d.state)}`);
  write(`  ${d.reason}`);
  write(`  ${bold("evidence:")}`);
  for (const [key, value] of Object.entries(evidence(d.facts))) {
    if (value === null || (Array.isArray(value) && !value.length)) continue;
    write(`    ${key}: ${dim(typeof value === "string" ? value : JSON.stringify(value))}`);
  }
  write(`  ${bold("next:")} ${plan.action}`);
  for (const c of plan.commands) write(`    ${c}`);
  if (plan.human) write(`  ${bold("needs a human:")} ${plan.human}`);
}

export async function recover(r: Runner, config: Config, gh: GitHub, gitDir: string, opts: RecoverOptions): Promise<RecoverReport> {
  let tag = await chooseTag(r, config, gh, gitDir, opts.tag);
  const history: RecoverReport["history"] = [];
  let gateOpen = false;
  for (let round = 0; ; round++) {
    const d = await diagnoseTag(r, config, gh, gitDir, tag);
    const plan = await planFor({ r, config, gh, gitDir, diagnosis: d, deleteRelease: opts.deleteRelease, abandon: opts.abandon });
    printDiagnosis(d, plan);
    const report = (human: string | null): RecoverReport => ({
      ok: d.state === "complete",
      tag,
      state: d.state,
      evidence: evidence(d.facts),
      next: d.state === "complete" ? [] : [{ action: plan.action, commands: plan.commands }],
      history,
      human,
    });
    if (d.state === "complete" || !opts.apply) return report(null);
    if (plan.human) return report(plan.human);
    if (round >= 12) return report(`recover took 12 actions without reaching complete; the last state was ${d.state}`);
    history.push({ state: d.state, action: plan.action });
    if (plan.waits) {
      const bound = 1800;
      write(`  waiting up to ${bound} s for the tag workflow`);
      await waitForRun(gh, config.workflowPath, tag, d.facts.remoteCommit ?? d.facts.localCommit!, bound, config.pollSeconds);
      const again = await diagnoseTag(r, config, gh, gitDir, tag);
      if (again.state === "workflow-running") return { ...report(`the tag workflow of ${tag} is still running after ${bound} s`), state: again.state };
      continue;
    }
    if (!gateOpen && !r.dryRun) {
      if (!(await opts.confirm(`Apply: ${plan.action}?`))) return report("the gate was not confirmed: nothing was changed (use --yes without a terminal)");
      gateOpen = true;
    }
    await plan.apply!();
    if (r.dryRun) return report(null);
    if (opts.abandon && (d.state === "authored-not-pushed" || d.state === "local-changes-failed")) {
      // What was abandoned no longer exists: the release to look at is the previous one.
      const previous = await highestTag(r, config.tagPrefix);
      if (!previous) return { ...report(null), ok: true, next: [] };
      tag = previous;
      opts = { ...opts, abandon: false };
    }
  }
}
