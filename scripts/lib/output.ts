// The kit's small output vocabulary. Human lines go to stderr, always; stdout is reserved for the
// one JSON document `--json` asks for, so `--json | jq` works while the human report still shows.
import { randomBytes } from "node:crypto";
import { styleText } from "node:util";
import { endGroup, startGroup } from "./actions.ts";
import { COMMAND_CLOSE, COMMAND_OPEN, plain } from "./hint.ts";
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
// per-process nonce), and turned into node:util's styleText codes only after everything else was
// escaped: a commit subject holding ESC[8m (conceal) or ESC[31m shows as text, never as styling.
const MARK = `\u{E000}${randomBytes(6).toString("hex")}`;
type Style = "bold" | "dim" | "red" | "green" | "yellow" | "cyan";
const STYLES: Style[] = ["bold", "dim", "red", "green", "yellow", "cyan"];
// styleText's own opening and closing codes for each style, split around a placeholder.
const CODES = new Map(
  STYLES.flatMap((style) => {
    // Colour is decided by useColor() (stderr a terminal, no NO_COLOR), not by stdout.
    const [open, close] = styleText(style, "\0", { validateStream: false }).split("\0") as [string, string];
    return [
      [`${MARK}<${style}>`, open],
      [`${MARK}</${style}>`, close],
    ];
  }),
);
const MARKS = new RegExp(`${MARK}</?(${STYLES.join("|")})>`, "g");
const paint = (style: Style, text: string) => (useColor() ? `${MARK}<${style}>${text}${MARK}</${style}>` : text);
export const bold = (t: string) => paint("bold", t);
export const dim = (t: string) => paint("dim", t);
export const red = (t: string) => paint("red", t);
export const green = (t: string) => paint("green", t);
export const yellow = (t: string) => paint("yellow", t);
export const cyan = (t: string) => paint("cyan", t);

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
  return plain(redact(sanitize(line))).replace(MARKS, (mark) => CODES.get(mark) ?? "");
}

export function write(line = ""): void {
  process.stderr.write(`${render(line)}\n`);
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

/**
 * Prints the one JSON document of a `--json` run on stdout, redacted. `[` after `##` is written as
 * its JSON escape: the same document, in which a GitHub Actions runner finds no `##[command]`.
 */
export function emitJson(doc: unknown): void {
  process.stdout.write(`${plain(JSON.stringify(redactDeep(doc), null, 2)).replaceAll("##[", "##\\u005b")}\n`);
}

const VERDICT: Record<CheckStatus, (t: string) => string> = {
  pass: (t) => green(t),
  fail: (t) => red(bold(t)),
  warn: (t) => yellow(t),
  skip: (t) => dim(t),
};

/** How wide our lines may be: the terminal's width, or 100 columns when stderr is not a terminal. */
export function lineWidth(): number {
  return process.stderr.isTTY && process.stderr.columns ? Math.max(60, process.stderr.columns) : 100;
}

/** Prose wrapped to `width`; a marked command is never broken: it gets a line of its own, whole,
 *  indented by `commandIndent` more (a command longer than the line overflows rather than breaks). */
export function wrap(text: string, width: number, commandIndent = 0): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split("\n")) {
    let line = "";
    const flush = () => {
      if (line) lines.push(line);
      line = "";
    };
    const parts = paragraph.split(new RegExp(`(${COMMAND_OPEN}[^${COMMAND_CLOSE}]*${COMMAND_CLOSE})`, "u"));
    for (const part of parts) {
      if (part.startsWith(COMMAND_OPEN)) {
        flush();
        lines.push(`${" ".repeat(commandIndent)}${plain(part)}`);
        continue;
      }
      for (const word of part.split(" ").filter(Boolean)) {
        if (line && line.length + 1 + word.length > width) flush();
        line = line ? `${line} ${word}` : word;
      }
    }
    flush();
    if (!paragraph) lines.push("");
  }
  return lines.length ? lines : [""];
}

/** A paragraph after a label ("what to do:"), wrapped to the terminal, its commands whole on lines of their own. */
export function writeProse(label: string, text: string, indent = "  "): void {
  const lines = wrap(text, lineWidth() - indent.length - 2, 2);
  lines.forEach((line, i) => write(i === 0 ? `${indent}${label ? `${label} ` : ""}${line}` : `${indent}  ${line}`));
}

/**
 * One table (check, result, detail) fitted to the terminal, then what to do for each check that did
 * not pass, its commands whole on lines of their own so they can be copied.
 */
export function printCheckTable(checks: CheckResult[]): void {
  const width = lineWidth();
  const idWidth = Math.max(5, ...checks.map((c) => c.id.length));
  const detailWidth = Math.max(30, width - idWidth - 14);
  const row = (id: string, verdict: string, verdictText: string, detail: string) =>
    `  ${id.padEnd(idWidth)}  ${verdict}${" ".repeat(Math.max(0, 6 - verdictText.length))}  ${detail}`.trimEnd();
  // In a GitHub Actions run the table folds under its counts; what to do stays in view.
  startGroup(`${checks.length} checks: ${countLine(checks)}`);
  write(dim(row("check", "result", "result", "detail")));
  for (const c of checks) {
    const label = c.status === "fail" ? "FAIL" : c.status;
    wrap(c.detail, detailWidth, 2).forEach((line, i) =>
      write(row(i === 0 ? c.id : "", i === 0 ? VERDICT[c.status](label) : "", i === 0 ? label : "", line)),
    );
  }
  endGroup();
  const todo = checks.filter((c) => c.status !== "pass" && c.status !== "skip" && c.fix);
  if (!todo.length) return;
  write();
  write(`  ${bold("what to do")}`);
  for (const c of todo) {
    const lines = wrap(c.fix, width - idWidth - 6, 2);
    lines.forEach((line, i) => write(`  ${(i === 0 ? c.id : "").padEnd(idWidth)}  ${line}`.trimEnd()));
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

/** A list short enough to read: "a, b, c, d, e and 95 more". */
export function summarise(items: string[], max = 5): string {
  return items.length > max ? `${items.slice(0, max).join(", ")} and ${items.length - max} more` : items.join(", ");
}
