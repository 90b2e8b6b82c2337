// What a check report leaves on a GitHub Actions run's page: an annotation for each failed check
// (a warning for each warning), with what to do; the Markdown summary; and the step's outputs with
// the JSON report in a file, so later steps and jobs can read the result.
import { appendFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inActions, issue, setOutputs, workflowCommand } from "./actions.ts";
import { plain } from "./hint.ts";
import { type CheckResult, sanitize, say } from "./output.ts";
import { redact, redactDeep } from "./redact.ts";

/** A line of ours as an annotation shows it: outside text escaped, commands unmarked, secrets hidden. */
const clean = (text: string) => redact(plain(sanitize(text))).trim();

/** `::error title=<check id>::<detail>. What to do: <fix>` for each failed check, `::warning` for each warning. */
export function annotateChecks(checks: CheckResult[]): void {
  if (!inActions()) return;
  for (const c of checks) {
    if (c.status !== "fail" && c.status !== "warn") continue;
    const detail = clean(c.detail).replace(/[.\s]+$/, "");
    const fix = clean(c.fix);
    issue(
      workflowCommand(
        c.status === "fail" ? "error" : "warning",
        { title: c.id },
        fix ? `${detail}. What to do: ${fix}` : detail,
      ),
    );
  }
}

/** A command that could not start (exit 2) or stopped unexpectedly, as an annotation. */
export function annotateError(command: string, message: string, fix: string): void {
  if (!inActions()) return;
  const text = clean(message).replace(/[.\s]+$/, "");
  issue(
    workflowCommand("error", { title: `release-kit ${command}` }, fix ? `${text}. What to do: ${clean(fix)}` : text),
  );
}

const ICON = { pass: "✅", fail: "❌", warn: "⚠️", skip: "➖" } as const;
const cell = (s: string) => clean(s).replace(/\|/g, "\\|").replace(/\r?\n/g, " ");

/** The check table in Markdown, under a heading that carries the verdict. */
export function checksMarkdown(heading: string, verdict: string, checks: CheckResult[]): string[] {
  return [
    `### ${heading}`,
    "",
    `**${cell(verdict)}**`,
    "",
    "| check | result | detail |",
    "|---|---|---|",
    ...checks.map((c) => `| \`${c.id}\` | ${ICON[c.status]} ${c.status} | ${cell(c.detail)} |`),
    "",
  ];
}

export const verdictIcon = (ok: boolean, warned: boolean) => (!ok ? "❌" : warned ? "⚠️" : "✅");

/** Appends Markdown to the Actions step summary, when there is one. */
export function appendStepSummary(lines: string[], file = process.env.GITHUB_STEP_SUMMARY): void {
  if (!file) return;
  try {
    appendFileSync(file, `${redact(plain(lines.join("\n")))}\n`);
  } catch (error) {
    // The summary is a courtesy to the Actions page: not being able to write it fails nothing.
    say.warn(
      `cannot write the step summary to GITHUB_STEP_SUMMARY (${file}): ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}; the report above is complete`,
    );
  }
}

export interface ReportDocument {
  command: string;
  ok: boolean;
  tag?: string | null;
  receipt?: unknown;
  [key: string]: unknown;
}

/**
 * The step's outputs: `ok`, `tag`, `receipt` (verify's receipt as JSON, else empty) and `report`,
 * the path of a file holding the document --json prints (in RUNNER_TEMP, which the runner empties
 * after the job). Only where the runner gave a GITHUB_OUTPUT file.
 */
export function writeOutputs(doc: ReportDocument, env: NodeJS.ProcessEnv = process.env): void {
  if (!env.GITHUB_OUTPUT) return;
  // What --json prints: secrets redacted, command marks removed.
  const safe = JSON.parse(plain(JSON.stringify(redactDeep(doc)))) as ReportDocument;
  // The report printed above is complete: failing to write either file is said, and fails nothing.
  const warn = (what: string, file: string, error: unknown) =>
    say.warn(`cannot write ${what} (${file}): ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  let report = "";
  const base = env.RUNNER_TEMP || tmpdir();
  try {
    report = join(mkdtempSync(join(base, "release-kit-")), `${doc.command}.json`);
    writeFileSync(report, `${JSON.stringify(safe, null, 2)}\n`);
  } catch (error) {
    warn("the JSON report under RUNNER_TEMP", base, error);
    report = "";
  }
  try {
    setOutputs(
      {
        ok: String(doc.ok),
        tag: doc.tag ?? "",
        receipt: safe.receipt === undefined ? "" : JSON.stringify(safe.receipt),
        report,
      },
      env.GITHUB_OUTPUT,
    );
  } catch (error) {
    warn("the step outputs to GITHUB_OUTPUT", env.GITHUB_OUTPUT, error);
  }
}

/** Everything a check report leaves on the run: annotations and outputs (the summary is the command's). */
export function reportToActions(doc: ReportDocument & { checks?: CheckResult[] }): void {
  annotateChecks(doc.checks ?? []);
  writeOutputs(doc);
}
