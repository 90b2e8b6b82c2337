// Post-Release Verification, as checks over the tag as it is: the release and its notes, the tag
// workflow's run, every image and artifact it declares, their attestations, and the deploy docs.
import { appendStepSummary, checksMarkdown, verdictIcon } from "../actions-report.ts";
import { type Check, runChecks } from "../checks.ts";
import { StartError } from "../cli.ts";
import type { Config } from "../config.ts";
import { registryAccess, tagWorkflowsAt } from "../facts/index.ts";
import { commitOf } from "../git.ts";
import { connectGitHub } from "../github.ts";
import { kitCommand } from "../hint.ts";
import {
  bold,
  type CheckResult,
  countLine,
  green,
  printCheckTable,
  red,
  say,
  write,
  writeProse,
  yellow,
} from "../output.ts";
import type { Runner } from "../run.ts";
import { highestTag, versionOf } from "../tags.ts";
import type { NotVerified, TagWorkflows } from "../workflow/index.ts";
import type { Receipt, VerifyContext } from "./context.ts";
import { docsChanged, docsCheck } from "./docs-checks.ts";
import { artifactCheck, attestationCheck, imageCheck } from "./image-checks.ts";
import { notesCheck, releaseCheck } from "./release-checks.ts";
import { notVerifiedChecks, workflowCheckId, workflowChecks } from "./workflow-checks.ts";

export interface VerifyReport {
  ok: boolean;
  tag: string;
  commit: string;
  checks: CheckResult[];
  receipt: Receipt;
  /** Publishing steps of the tag workflows that verify could not read (each is also a warn row). */
  notVerified: NotVerified[];
}

/** The tag to verify: --tag, else the highest semver tag with the configured prefix. */
export async function resolveTag(
  r: Runner,
  config: Config,
  asked: string | undefined,
): Promise<{ tag: string; version: string; commit: string }> {
  const tag = asked ?? (await highestTag(r, config.tagPrefix));
  if (!tag)
    throw new StartError(
      `there is no release tag (${config.tagPrefix}X.Y.Z) to verify`,
      `release first (${kitCommand("release")}), or pass --tag TAG`,
    );
  const version = versionOf(tag, config.tagPrefix);
  if (!version)
    throw new StartError(
      `${tag} is not a release tag: expected ${config.tagPrefix}X.Y.Z (cog's tag_prefix is "${config.tagPrefix}")`,
      `pass --tag with a release tag, e.g. --tag ${config.tagPrefix}1.0.0`,
    );
  const commit = await commitOf(r, `refs/tags/${tag}`);
  if (!commit)
    throw new StartError(
      `there is no tag ${tag} in this repository`,
      `git fetch --tags origin, or check the name (git tag --list '${config.tagPrefix}*')`,
    );
  return { tag, version, commit };
}

export function verifyChecks(workflows: TagWorkflows): Check<VerifyContext>[] {
  const { images, artifacts } = workflows;
  const needs = (path: string) => [workflowCheckId(workflows, path)];
  const names = artifacts.map((a) => a.name);
  return [
    // the GitHub release exists for the pushed tag
    releaseCheck,
    // the release notes look sane
    notesCheck,
    // the tag-triggered workflows built, attested and published
    ...workflowChecks(workflows),
    // the expected image tags were published (Current Image Reality)
    ...images.flatMap((image) => [imageCheck(image, needs(image.workflow)), attestationCheck(image)]),
    ...artifacts.map((a) =>
      artifactCheck(
        a,
        needs(a.workflow),
        names.filter((n) => n === a.name).length > 1 ? `artifact:${a.name}:${a.tag}` : `artifact:${a.name}`,
      ),
    ),
    // what the workflows publish that verify cannot read: said, never passed over
    ...notVerifiedChecks(workflows),
    // the deploy docs still match the image reality
    docsCheck(images),
    // if the release changed visible behaviour, the canonical docs were updated in the same pass
    docsChanged,
  ];
}

export async function verify(
  r: Runner,
  config: Config,
  asked: { tag?: string; waitSeconds: number | null },
): Promise<VerifyReport> {
  const { tag, version, commit } = await resolveTag(r, config, asked.tag);
  const workflows = await tagWorkflowsAt(r, config, tag, commit);
  const gh = await connectGitHub(config.repository);
  const receipt: Receipt = { release_url: null, run_id: null, runs: [], images: [], artifacts: [] };
  const ctx: VerifyContext = {
    r,
    config,
    tag,
    version,
    commit,
    gh,
    workflows,
    registry: registryAccess(config, gh.token.token),
    waitSeconds: asked.waitSeconds,
    receipt,
  };
  const { results } = await runChecks(ctx, verifyChecks(workflows));
  receipt.images.sort((a, b) => a.ref.localeCompare(b.ref));
  return {
    ok: !results.some((c) => c.status === "fail"),
    tag,
    commit,
    checks: results,
    receipt,
    notVerified: workflows.notVerified,
  };
}

/** What is not verified, in a line: "cargo publish (release.yml, job crates)". */
function notVerifiedList(items: NotVerified[]): string {
  return items.map((i) => `${i.what} (${i.workflow}, job ${i.job})`).join("; ");
}

/** The verdict: released as the docs promise, released with what was not verified, or not fully released. */
export function verdict(report: VerifyReport): string {
  const n = report.notVerified.length;
  if (!report.ok) return `${report.tag} is not fully released`;
  if (n)
    return `${report.tag} is released; ${n} artifact${n === 1 ? "" : "s"} not verified: ${notVerifiedList(report.notVerified)}`;
  return `${report.tag} is released as the docs promise`;
}

export function printVerify(report: VerifyReport, config: Config): void {
  say.step(
    `Post-Release Verification: ${config.repository.owner}/${config.repository.name} ${report.tag} (${report.commit.slice(0, 7)})`,
  );
  printCheckTable(report.checks);
  write();
  const line = `${bold(verdict(report))} (${countLine(report.checks)})`;
  if (!report.ok)
    writeProse(
      red("✖"),
      `${line}: ${kitCommand("release:recover", ["--tag", report.tag])} says what state it is in`,
      "",
    );
  else if (report.notVerified.length) write(`${yellow("⚠")} ${line}: check those by hand`);
  else write(`${green("✔")} ${line}`);
}

/** Appends a Markdown summary to the Actions step summary, when there is one. */
export function writeStepSummary(report: VerifyReport, file = process.env.GITHUB_STEP_SUMMARY): void {
  if (!file) return;
  const lines = checksMarkdown(
    `release:verify ${report.tag} ${verdictIcon(report.ok, report.notVerified.length > 0)}`,
    verdict(report),
    report.checks,
  );
  if (report.receipt.images.length) {
    lines.push(
      "| image | digest | platforms |",
      "|---|---|---|",
      ...report.receipt.images.map((i) => `| \`${i.ref}\` | \`${i.digest ?? "-"}\` | ${i.platforms.join(", ")} |`),
      "",
    );
  }
  appendStepSummary(lines, file);
}
