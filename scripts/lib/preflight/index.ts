// The runbook's Release Preflight list, in its order, as checks that run at once.
import { appendStepSummary, checksMarkdown, verdictIcon } from "../actions-report.ts";
import { type Check, runChecks } from "../checks.ts";
import type { VersionChoice } from "../cog.ts";
import { type Config, DEFAULT_BRANCH_SOURCE } from "../config.ts";
import { bold, type CheckResult, countLine, green, printCheckTable, red, say, write } from "../output.ts";
import type { Runner } from "../run.ts";
import { type CiEvent, forCiEvent } from "./ci-event.ts";
import { conventionalCommits, nextVersionCheck, tools, versions } from "./cog-checks.ts";
import { artifactsCurrent, configCheck } from "./config-checks.ts";
import { type PreflightContext, preflightContext } from "./context.ts";
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

export async function preflight(
  r: Runner,
  config: Config,
  choice: VersionChoice,
  only?: string[],
  event: CiEvent = null,
): Promise<PreflightReport> {
  const chosen = only ? PREFLIGHT_CHECKS.filter((c) => only.includes(c.id)) : PREFLIGHT_CHECKS;
  const checks = event ? forCiEvent(chosen, event) : chosen;
  // One evaluation of a state nothing else changes meanwhile: checks that read the same thing (the
  // tags reachable from HEAD, HEAD's commit, a committed file) share one answer.
  const ctx = preflightContext(r.snapshot(), config, choice);
  // Loading Octokit and finding the token take a moment: start now, while the git checks run.
  void ctx.github().catch(() => {});
  await branchFromGitHub(ctx);
  const { results, outcomes } = await runChecks(ctx, checks);
  const next = outcomes["next-version"]?.data as { version: string; tag: string } | undefined;
  return {
    ok: !results.some((c) => c.status === "fail"),
    version: next?.version ?? null,
    tag: next?.tag ?? null,
    checks: results,
  };
}

/**
 * When git could not tell origin's default branch, GitHub can: the release branch is that, `main`
 * only when GitHub cannot say either (config.sources says which).
 */
async function branchFromGitHub(ctx: PreflightContext): Promise<void> {
  const { config } = ctx;
  if (!config.sources.RELEASE_BRANCH?.startsWith(DEFAULT_BRANCH_SOURCE)) return;
  const { owner, name } = config.repository;
  try {
    const gh = await ctx.github();
    const { data } = await gh.octokit.rest.repos.get({ owner, repo: name });
    if (typeof data.default_branch === "string" && data.default_branch) {
      config.branch = data.default_branch;
      config.defaultBranch = data.default_branch;
      config.sources.RELEASE_BRANCH = `GitHub's default branch (GET /repos/${owner}/${name})`;
    }
  } catch (error) {
    config.sources.RELEASE_BRANCH += `; GitHub did not say either (${(error as Error).message.split("\n")[0]})`;
  }
}

/** What preflight derived about the repository, for --json: where each value came from, and what is not supported. */
export function describeConfig(config: Config) {
  return {
    branch: config.branch,
    default_branch: config.defaultBranch,
    tag_prefix: config.tagPrefix,
    tag_scheme: config.topology.tagScheme,
    changelog: config.topology.changelog,
    sources: config.sources,
    unsupported: config.topology.unsupported,
  };
}

const verdictOf = (report: PreflightReport) =>
  report.ok ? `releasable${report.tag ? `: ${report.tag}` : ""}` : "not releasable";

export function printPreflight(report: PreflightReport, config: Config): void {
  say.step(`Release Preflight: ${config.repository.owner}/${config.repository.name}, branch ${config.branch}`);
  printCheckTable(report.checks);
  write();
  if (report.ok) write(`${green("✔")} ${bold(verdictOf(report))} (${countLine(report.checks)})`);
  else
    write(
      `${red("✖")} ${bold(verdictOf(report))} (${countLine(report.checks)}): fix what failed, then run preflight again`,
    );
}

/** Appends the report to the Actions step summary, when there is one. */
export function writePreflightSummary(
  report: PreflightReport,
  config: Config,
  file = process.env.GITHUB_STEP_SUMMARY,
): void {
  if (!file) return;
  const warned = report.checks.some((c) => c.status === "warn");
  const heading = `release:preflight ${config.repository.owner}/${config.repository.name} ${verdictIcon(report.ok, warned)}`;
  appendStepSummary(checksMarkdown(heading, `${verdictOf(report)} (${countLine(report.checks)})`, report.checks), file);
}
