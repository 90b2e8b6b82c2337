// How the runner calls a marketplace action the sandbox implements: its `with:` inputs as strings,
// the step's environment, the github context; it answers outputs, and may export environment
// variables as a real action does through $GITHUB_ENV.
import type { Json } from "../expressions.ts";
import type { JobRuntime } from "../runtime.ts";

/** What an action is given: read-only, as a real action sees its inputs and environment; what it
 *  changes goes back through its result. */
export interface ActionCall {
  readonly rt: JobRuntime;
  /** `owner/repo[/path]@ref` as written. */
  readonly uses: string;
  readonly inputs: Readonly<Record<string, string>>;
  readonly env: Readonly<Record<string, string>>;
  readonly github: Readonly<Record<string, Json>>;
  log(line: string): void;
}

export interface ActionResult {
  outputs: Record<string, string>;
  env?: Record<string, string>;
  summary?: string;
}

export type Action = (call: ActionCall) => Promise<ActionResult>;

/** The action failed: the step fails with this message, as core.setFailed reports it. */
export class ActionFailure extends Error {}

/** An input as @actions/core's getInput returns it: trimmed, "" when absent. */
export function input(call: ActionCall, name: string, fallback = ""): string {
  const value = call.inputs[name];
  return value === undefined || value.trim() === "" ? fallback : value.trim();
}

/** @actions/core's getBooleanInput: YAML 1.2 core booleans only. */
export function booleanInput(call: ActionCall, name: string, fallback: boolean): boolean {
  const value = input(call, name);
  if (value === "") return fallback;
  if (["true", "True", "TRUE"].includes(value)) return true;
  if (["false", "False", "FALSE"].includes(value)) return false;
  throw new ActionFailure(
    `Input does not meet YAML 1.2 "Core Schema" specification: ${name}\nSupport boolean input list: \`true | True | TRUE | false | False | FALSE\``,
  );
}

/** A list input as docker's actions read them: one item a line (and a comma, unless ignoreComma), comments and blanks dropped. */
export function listInput(
  call: ActionCall,
  name: string,
  opts: { ignoreComma?: boolean; comments?: boolean } = {},
): string[] {
  const raw = call.inputs[name] ?? "";
  const lines = raw.split(/\r?\n/).filter((l) => !(opts.comments && l.trim().startsWith("#")));
  const items = opts.ignoreComma ? lines : lines.flatMap((l) => splitCsv(l));
  return items.map((s) => s.trim()).filter(Boolean);
}

/** One CSV record: commas separate fields, double quotes protect them ("" is a quote). */
export function splitCsv(line: string): string[] {
  const fields: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field.trim() === "") {
      quoted = true;
      field = "";
    } else if (c === ",") {
      fields.push(field);
      field = "";
    } else field += c;
  }
  fields.push(field);
  return fields;
}
