// The runbook's Release Preflight list, in its order, as checks that run at once.
import { runChecks, type Check } from "../checks.ts";
import type { VersionChoice } from "../cog.ts";
import type { Config } from "../config.ts";
import { bold, countLine, green, printCheckTable, red, say, write, type CheckResult } from "../output.ts";
import type { Runner } from "../run.ts";
import { artifactsCurrent, configCheck } from "./config-checks.ts";
import { conventionalCommits, nextVersionCheck, tools, versions } from "./cog-checks.ts";
import { preflightContext, type PreflightContext } from "./context.ts";
import { cleanTree, merged, push, releaseBranch, upToDate } from "./git-checks.ts";
import { ciGreen, tagFree, token } from "./github-checks.ts";
import { tagTriggers, tokenTriggers } from "./trigger-checks.ts";

export const PREFLIGHT_CHECKS: Check<PreflightContext>[] = [
  // main is up to date locally
  releaseBranch,
  cleanTree,
  upToDate,
  // the intended release state is already merged
  merged,
  // normal CI is green for that commit
  ciGreen,
  // generated admin contract artifacts are current
  artifactsCurrent,
  // changelog-worthy commits are in the expected shape
  conventionalCommits,
  nextVersionCheck,
  versions,
  // what `mise run release` and the tag workflow will need
  tagFree,
  tagTriggers,
  tokenTriggers,
  token,
  push,
  tools,
  configCheck,
];

export interface PreflightReport {
  ok: boolean;
  version: string | null;
  tag: string | null;
  checks: CheckResult[];
}

export async function preflight(r: Runner, config: Config, choice: VersionChoice, only?: string[]): Promise<PreflightReport> {
  const checks = only ? PREFLIGHT_CHECKS.filter((c) => only.includes(c.id)) : PREFLIGHT_CHECKS;
  const ctx = preflightContext(r, config, choice);
  // Loading Octokit and finding the token take a moment: start now, while the git checks run.
  void ctx.github().catch(() => {});
  const { results, outcomes } = await runChecks(ctx, checks);
  const next = outcomes["next-version"]?.data as { version: string; tag: string } | undefined;
  return { ok: !results.some((c) => c.status === "fail"), version: next?.version ?? null, tag: next?.tag ?? null, checks: results };
}

export function printPreflight(report: PreflightReport, config: Config): void {
  say.step(`Release Preflight: ${config.repository.owner}/${config.repository.name}, branch ${config.branch}`);
  printCheckTable(report.checks);
  write();
  if (report.ok) write(`${green("✔")} ${bold(`releasable${report.tag ? `: ${report.tag}` : ""}`)} (${countLine(report.checks)})`);
  else write(`${red("✖")} ${bold("not releasable")} (${countLine(report.checks)}): fix what failed, then run preflight again`);
}
