// The kit in GitHub Actions: detecting a run, and talking to the runner the way it listens. The
// runner reads workflow commands from every line a step prints, on stdout and stderr alike
// (actions/runner ActionCommandManager.cs): `::name props::data` once leading whitespace is
// trimmed, and the older `##[name props]data` anywhere in a line. Commit subjects, tool output and
// API answers pass through the kit's report, so a line of theirs could mask a word of the log
// (`::add-mask::`), forge an annotation or end a group; in a run, every line the kit prints is
// defused, and only the commands the kit writes itself reach the runner.
import { randomBytes, randomUUID } from "node:crypto";
import { appendFileSync } from "node:fs";
import { filterProcessOutput } from "./stream-filter.ts";

export const inActions = (env: NodeJS.ProcessEnv = process.env): boolean => env.GITHUB_ACTIONS === "true";

// The escaping @actions/core applies (toolkit packages/core/src/command.ts) and the runner undoes
// (ActionCommand.cs UnescapeData/UnescapeProperty).
export const escapeData = (text: string): string =>
  text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
export const escapeProperty = (text: string): string => escapeData(text).replace(/:/g, "%3A").replace(/,/g, "%2C");

/** `::name key=value,...::data`, escaped. */
export function workflowCommand(name: string, properties: Record<string, string>, data: string): string {
  const props = Object.entries(properties)
    .filter(([, v]) => v !== "")
    .map(([k, v]) => `${k}=${escapeProperty(v)}`)
    .join(",");
  return `::${name}${props ? ` ${props}` : ""}::${escapeData(data)}`;
}

// A zero-width space between the two characters that open a command: the line reads the same, and
// the runner no longer sees a command in it. U+0085 is whitespace to .NET's TrimStart, not to \s.
const ZWSP = "\u200B";
const LINE_START_COMMAND = /(^|[\r\n\u2028\u2029])([\s\u0085]*):(?=:)/g;

/** Text that cannot issue a workflow command, whatever it holds. */
export function defuse(text: string): string {
  return text.replaceAll("##[", `##${ZWSP}[`).replace(LINE_START_COMMAND, `$1$2:${ZWSP}`);
}

// Our own commands carry a per-process marker no outside text can hold; the guard strips it.
const OWN = `\u{E003}${randomBytes(6).toString("hex")}`;
let guarded = false;

/** From now on, whatever this process prints is defused, except the kit's own commands. */
export function guardWorkflowCommands(): void {
  if (guarded) return;
  guarded = true;
  filterProcessOutput((text) => (text.startsWith(OWN) ? text.slice(OWN.length) : defuse(text)));
}

/** Writes one of the kit's own workflow commands (stderr: stdout holds the --json document). */
export function issue(command: string): void {
  guardWorkflowCommands();
  process.stderr.write(`${OWN}${command}\n`);
}

let openGroup = false;

/** Folds what follows under `title` in the run's log, until endGroup(); nothing outside a run. */
export function startGroup(title: string): void {
  if (!inActions()) return;
  endGroup();
  issue(workflowCommand("group", {}, title));
  openGroup = true;
}

export function endGroup(): void {
  if (!openGroup) return;
  openGroup = false;
  issue("::endgroup::");
}

/**
 * Step outputs, in the runner's file syntax (`name<<delimiter`, the value, the delimiter), with a
 * fresh delimiter per value as @actions/core's prepareKeyValueMessage writes them.
 */
export function setOutputs(values: Record<string, string>, file = process.env.GITHUB_OUTPUT): boolean {
  if (!file) return false;
  let text = "";
  for (const [name, value] of Object.entries(values)) {
    const delimiter = `ghadelimiter_${randomUUID()}`;
    text += `${name}<<${delimiter}\n${value}\n${delimiter}\n`;
  }
  appendFileSync(file, text);
  return true;
}
