// Post-Release Verification, as checks over the tag as it is: the release and its notes, the tag
// workflow's run, every image and artifact it declares, their attestations, and the deploy docs.
import { appendFileSync } from "node:fs";
import { StartError } from "../cli.ts";
import { runChecks, type Check } from "../checks.ts";
import type { Config } from "../config.ts";
import { commitOf, showFile } from "../git.ts";
import { connectGitHub } from "../github.ts";
import { bold, countLine, green, printCheckTable, red, say, write, type CheckResult } from "../output.ts";
import { redact } from "../redact.ts";
import type { Runner } from "../run.ts";
import { highestTag, versionOf } from "../tags.ts";
import { parseWorkflow, WorkflowError, type Workflow } from "../workflow.ts";
import type { Receipt, VerifyContext } from "./context.ts";
import { docsChanged, docsCheck } from "./docs-checks.ts";
import { artifactCheck, attestationCheck, imageCheck } from "./image-checks.ts";
import { registryAccess } from "./registry-access.ts";
import { notesCheck, releaseCheck } from "./release-checks.ts";
import { workflowCheck } from "./workflow-checks.ts";

export interface VerifyReport {
  ok: boolean;
  tag: string;
  commit: string;
  checks: CheckResult[];
  receipt: Receipt;
}

/** The workflow file the tag's run used: as it is at the tag's commit. */
export async function workflowAt(r: Runner, config: Config, tag: string, commit: string): Promise<{ workflow: Workflow | null; problem: string | null }> {
  const text = await showFile(r, commit, config.workflowPath);
  if (text === null) return { workflow: null, problem: `no ${config.workflowPath} at ${tag}: nothing was meant to run` };
  const { owner, name } = config.repository;
  try {
    return { workflow: parseWorkflow(text, config.workflowPath, { owner, repository: `${owner}/${name}`, tag, sha: commit }), problem: null };
  } catch (error) {
    if (error instanceof WorkflowError) throw new StartError(`${error.message} (at ${tag})`, error.fix);
    throw error;
  }
}

/** The tag to verify: --tag, else the highest semver tag with the configured prefix. */
export async function resolveTag(r: Runner, config: Config, asked: string | undefined): Promise<{ tag: string; version: string; commit: string }> {
  const tag = asked ?? (await highestTag(r, config.tagPrefix));
  if (!tag) throw new StartError(`there is no release tag (${config.tagPrefix}X.Y.Z) to verify`, "release first (mise run release), or pass --tag TAG");
  const version = versionOf(tag, config.tagPrefix);
  if (!version) throw new StartError(`${tag} is not a release tag: expected ${config.tagPrefix}X.Y.Z (cog's tag_prefix is "${config.tagPrefix}")`, "pass --tag with a release tag, e.g. --tag " + `${config.tagPrefix}1.0.0`);
  const commit = await commitOf(r, `refs/tags/${tag}`);
  if (!commit) throw new StartError(`there is no tag ${tag} in this repository`, `git fetch --tags origin, or check the name (git tag --list '${config.tagPrefix}*')`);
  return { tag, version, commit };
}

export function verifyChecks(workflow: Workflow | null): Check<VerifyContext>[] {
  const images = workflow?.images ?? [];
  return [
    // the GitHub release exists for the pushed tag
    releaseCheck,
    // the release notes look sane
    notesCheck,
    // the tag-triggered workflow built, attested and published
    workflowCheck,
    // the expected image tags were published (Current Image Reality)
    ...images.flatMap((image) => [imageCheck(image), attestationCheck(image)]),
    ...(workflow?.artifacts ?? []).map(artifactCheck),
    // the deploy docs still match the image reality
    docsCheck(images),
    // if the release changed visible behaviour, the canonical docs were updated in the same pass
    docsChanged,
  ];
}

export async function verify(r: Runner, config: Config, asked: { tag?: string; waitSeconds: number | null }): Promise<VerifyReport> {
  const { tag, version, commit } = await resolveTag(r, config, asked.tag);
  const { workflow, problem } = await workflowAt(r, config, tag, commit);
  const gh = await connectGitHub(config.repository);
  const receipt: Receipt = { release_url: null, run_id: null, images: [], artifacts: [] };
  const ctx: VerifyContext = { r, config, tag, version, commit, gh, workflow, workflowProblem: problem, registry: registryAccess(config, gh.token.token), waitSeconds: asked.waitSeconds, receipt };
  const { results } = await runChecks(ctx, verifyChecks(workflow));
  receipt.images.sort((a, b) => a.ref.localeCompare(b.ref));
  return { ok: !results.some((c) => c.status === "fail"), tag, commit, checks: results, receipt };
}

export function printVerify(report: VerifyReport, config: Config): void {
  say.step(`Post-Release Verification: ${config.repository.owner}/${config.repository.name} ${report.tag} (${report.commit.slice(0, 7)})`);
  printCheckTable(report.checks);
  write();
  if (report.ok) write(`${green("✔")} ${bold(`${report.tag} is released as the docs promise`)} (${countLine(report.checks)})`);
  else write(`${red("✖")} ${bold(`${report.tag} is not fully released`)} (${countLine(report.checks)}): mise run release:recover -- --tag ${report.tag} says what state it is in`);
}

/** Appends a Markdown summary to the Actions step summary, when there is one. */
export function writeStepSummary(report: VerifyReport, file = process.env.GITHUB_STEP_SUMMARY): void {
  if (!file) return;
  const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");
  const icon = { pass: "✅", fail: "❌", warn: "⚠️", skip: "➖" } as const;
  const lines = [
    `### release:verify ${report.tag} ${report.ok ? "✅" : "❌"}`,
    "",
    "| check | result | detail |",
    "|---|---|---|",
    ...report.checks.map((c) => `| \`${c.id}\` | ${icon[c.status]} ${c.status} | ${cell(c.detail)} |`),
    "",
  ];
  if (report.receipt.images.length) {
    lines.push("| image | digest | platforms |", "|---|---|---|", ...report.receipt.images.map((i) => `| \`${i.ref}\` | \`${i.digest ?? "-"}\` | ${i.platforms.join(", ")} |`), "");
  }
  appendFileSync(file, redact(lines.join("\n")) + "\n");
}
