// The kit's small output vocabulary. Human lines go to stderr, always; stdout is reserved for the
// one JSON document `--json` asks for, so `--json | jq` works while the human report still shows.
import { randomBytes } from "node:crypto";
import { redact, redactDeep } from "./redact.ts";

export type CheckStatus = "pass" | "fail" | "warn" | "skip";

export interface CheckResult {
  id: string;
  status: CheckStatus;
  detail: string;
  fix: string;
  ms: number;
}

const useColor = () => Boolean(process.stderr.isTTY) && !process.env.NO_COLOR;
// Our styling is written as a marker no outside text can forge (a private-use character and a
// per-process nonce), and turned into escape codes only after everything else was escaped: a
// commit subject holding ESC[8m (conceal) or ESC[31m shows as text, never as styling.
const MARK = `\u{E000}${randomBytes(6).toString("hex")}[`;
const paint = (code: number, text: string) => (useColor() ? `${MARK}${code}m${text}${MARK}0m` : text);
export const bold = (t: string) => paint(1, t);
export const dim = (t: string) => paint(2, t);
export const red = (t: string) => paint(31, t);
export const green = (t: string) => paint(32, t);
export const yellow = (t: string) => paint(33, t);
export const cyan = (t: string) => paint(36, t);

/**
 * Text from outside (commit messages, tool output, API answers) may hold terminal control
 * sequences or bidirectional overrides: shown escaped, never obeyed. Only newlines and tabs pass.
 */
export function sanitize(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const code = c.charCodeAt(0);
    return code > 0xff ? `\\u${code.toString(16).padStart(4, "0")}` : `\\x${code.toString(16).padStart(2, "0")}`;
  });
}

/** A line as the terminal gets it: outside text escaped, our own styling applied, secrets hidden. */
export function render(line: string): string {
  return redact(sanitize(line)).replaceAll(MARK, "\u001b[");
}

export function write(line = ""): void {
  process.stderr.write(render(line) + "\n");
}

export const say = {
  step: (title: string) => write(`\n${cyan("▸")} ${bold(title)}`),
  info: (text: string) => write(`  ${text}`),
  ok: (text: string) => write(`  ${green("✔")} ${text}`),
  warn: (text: string) => write(`  ${yellow("!")} ${text}`),
  fail: (text: string) => write(`  ${red("✖")} ${text}`),
  /** A write that --dry-run did not perform, shown as the exact command or request. */
  skipped: (text: string) => write(`  ${yellow("[dry-run]")} ${text}`),
};

/** Prints the one JSON document of a `--json` run on stdout, redacted. */
export function emitJson(doc: unknown): void {
  process.stdout.write(JSON.stringify(redactDeep(doc), null, 2) + "\n");
}

const VERDICT: Record<CheckStatus, (t: string) => string> = {
  pass: (t) => green(t),
  fail: (t) => red(bold(t)),
  warn: (t) => yellow(t),
  skip: (t) => dim(t),
};

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split("\n")) {
    let line = "";
    for (const word of paragraph.split(" ")) {
      if (line && line.length + 1 + word.length > width) {
        lines.push(line);
        line = word;
      } else {
        line = line ? `${line} ${word}` : word;
      }
    }
    lines.push(line);
  }
  return lines;
}

/** One table: check, verdict, detail, what to do. Long cells wrap instead of being cut. */
export function printCheckTable(checks: CheckResult[]): void {
  const idWidth = Math.max(5, ...checks.map((c) => c.id.length));
  const total = process.stderr.isTTY ? Math.max(100, process.stderr.columns ?? 0) : 150;
  const rest = total - idWidth - 12;
  const detailWidth = Math.max(30, Math.floor(rest * 0.55));
  const fixWidth = Math.max(24, rest - detailWidth);
  const row = (id: string, verdict: string, verdictText: string, detail: string, fix: string) =>
    `  ${id.padEnd(idWidth)}  ${verdict}${" ".repeat(Math.max(0, 6 - verdictText.length))}  ${detail.padEnd(detailWidth)}  ${fix}`.trimEnd();
  write(dim(row("check", "result", "result", "detail", "what to do")));
  for (const c of checks) {
    const details = wrap(c.detail, detailWidth);
    const fixes = c.status === "pass" ? [""] : wrap(c.fix, fixWidth);
    const label = c.status === "fail" ? "FAIL" : c.status;
    for (let i = 0; i < Math.max(details.length, fixes.length); i++) {
      write(row(i === 0 ? c.id : "", i === 0 ? VERDICT[c.status](label) : "", i === 0 ? label : "", details[i] ?? "", fixes[i] ?? ""));
    }
  }
}

/** "3 passed, 1 failed, 1 warning, 2 skipped" */
export function countLine(checks: CheckResult[]): string {
  const n = (s: CheckStatus) => checks.filter((c) => c.status === s).length;
  const parts = [`${n("pass")} passed`, `${n("fail")} failed`];
  if (n("warn")) parts.push(`${n("warn")} warning${n("warn") > 1 ? "s" : ""}`);
  if (n("skip")) parts.push(`${n("skip")} skipped`);
  return parts.join(", ");
}
