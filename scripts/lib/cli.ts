// Flags, help and the exit-code rule every command shares (DESIGN.md, "Commands").
// This module imports nothing heavy: `--help` must print at node's start-up speed.
import { parseArgs } from "node:util";
import { guardWorkflowCommands, inActions } from "./actions.ts";
import { annotateError, writeOutputs } from "./actions-report.ts";
import { type KitTask, kitCommand, setInvocation } from "./hint.ts";
import { emitJson, write, writeProse } from "./output.ts";
import { addEnvironmentSecrets, installRedaction, redact } from "./redact.ts";

export interface Flag {
  name: string;
  /** "optional": `--wait` alone, or `--wait=600`. */
  type: "boolean" | "string" | "optional";
  value?: string;
  help: string;
}

export interface CommandSpec {
  name: string;
  /** The runbook section this command translates. */
  section: string;
  summary: string;
  flags: Flag[];
  /** Extra help text: check ids, states, examples. */
  more?: string;
}

export type Flags = Record<string, string | boolean | undefined>;

export interface Context {
  command: string;
  flags: Flags;
  json: boolean;
}

/** The command could not start: bad flags, no repository, unreadable configuration. Exit 2. */
export class StartError extends Error {
  fix: string;
  constructor(message: string, fix: string) {
    super(message);
    this.fix = fix;
  }
}

const COMMON: Flag[] = [
  {
    name: "repo",
    type: "string",
    value: "PATH",
    help: "the repository to act on (default: the git root of the directory the task was run from)",
  },
  { name: "json", type: "boolean", help: "print one JSON document on stdout (the human report still goes to stderr)" },
  { name: "help", type: "boolean", help: "show this help" },
];

export function allFlags(spec: CommandSpec): Flag[] {
  return [...spec.flags, ...COMMON];
}

/** Marks `--wait` given alone: node's parseArgs has no options whose value may be left out. */
const ALONE = "\u0000alone";

/**
 * The command line, through node's own parser (strict: no positionals, no unknown flags), with our
 * words for its refusals. A flag of type "optional" takes `--name` alone or `--name=VALUE`.
 */
export function parseFlags(spec: CommandSpec, argv: string[]): Flags {
  const known = allFlags(spec);
  const help = `see the flags with: ${kitCommand(taskName(spec) as KitTask, ["--help"])}`;
  const optional = new Set(known.filter((f) => f.type === "optional").map((f) => `--${f.name}`));
  const args = argv.map((arg) => (optional.has(arg) ? `${arg}=${ALONE}` : arg));
  const options = Object.fromEntries(
    known.map((f) => [
      f.name,
      { type: f.type === "boolean" ? "boolean" : "string", ...(f.name === "help" ? { short: "h" } : {}) },
    ]),
  ) as Record<string, { type: "boolean" | "string"; short?: string }>;
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args, options, strict: true, allowPositionals: false }));
  } catch (error) {
    const code = (error as { code?: string }).code;
    const named = /'(-[^' ]*)/.exec((error as Error).message)?.[1] ?? "";
    const flag = known.find((f) => `--${f.name}` === named);
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && named.startsWith("--"))
      throw new StartError(`unknown flag ${named}`, help);
    if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && flag?.type === "boolean")
      throw new StartError(`${named} takes no value`, `write ${named} alone`);
    if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && flag)
      throw new StartError(
        `${named} needs a value (${flag.value ?? "VALUE"})`,
        `write ${named} ${flag.value ?? "VALUE"}`,
      );
    const arg = /'([^']*)'/.exec((error as Error).message)?.[1] ?? "";
    throw new StartError(`unexpected argument '${arg}'`, `flags start with --; ${help}`);
  }
  const flags: Flags = {};
  for (const f of known) {
    const value = values[f.name];
    if (value === undefined) continue;
    if (f.type === "string" && value === "")
      throw new StartError(
        `--${f.name} needs a value (${f.value ?? "VALUE"})`,
        `write --${f.name} ${f.value ?? "VALUE"}`,
      );
    flags[f.name] = value === ALONE ? true : value;
  }
  return flags;
}

export function taskName(spec: CommandSpec): string {
  return spec.name === "release" || spec.name === "sandbox" ? spec.name : `release:${spec.name}`;
}

export function helpText(spec: CommandSpec): string {
  const flags = allFlags(spec);
  const label = (f: Flag) =>
    `--${f.name}${f.type === "string" ? ` ${f.value ?? "VALUE"}` : f.type === "optional" ? `[=${f.value ?? "VALUE"}]` : ""}`;
  const width = Math.max(...flags.map((f) => label(f).length));
  return [
    `mise run ${taskName(spec)} -- [flags]`,
    "",
    spec.summary,
    `Runbook section: ${spec.section}`,
    "",
    "Flags:",
    ...flags.map((f) => `  ${label(f).padEnd(width)}  ${f.help}`),
    ...(spec.more ? ["", spec.more.trimEnd()] : []),
    "",
    "Exit codes: 0 done or every check passed; 1 a check or step failed, a broken state was found,",
    "or the review gate was refused; 2 the command could not start (bad flags, not a git repository,",
    "no GitHub repository to name, unreadable configuration).",
    "",
  ].join("\n");
}

function printStartError(spec: CommandSpec, json: boolean, error: StartError): void {
  write(`release-kit ${spec.name}: ${error.message}`);
  if (error.fix) writeProse("what to do:", error.fix);
  if (json) emitJson({ command: spec.name, ok: false, error: { message: error.message, fix: error.fix } });
  reportFailure(spec.name, { message: error.message, fix: error.fix });
}

/** In a GitHub Actions run, a command that did not finish still says why on the run's page, and in its outputs. */
function reportFailure(command: string, error: { message: string; fix: string }): void {
  annotateError(command, error.message, error.fix);
  writeOutputs({ command, ok: false, error });
}

/**
 * Failures of the world, not of the kit: origin or GitHub cannot be reached or refuse. They get the
 * same clear sentence preflight gives, never "unexpected error ... report it".
 */
async function describeFailure(error: unknown): Promise<{ message: string; fix: string } | null> {
  const e = error as { command?: string; stderr?: string; status?: number; name?: string };
  if (typeof e.command === "string" && /^git (ls-remote|fetch|push|pull)\b/.test(e.command)) {
    const said = (e.stderr ?? "").trim().split("\n").filter(Boolean).pop() ?? "";
    return {
      message: redact(`cannot reach origin (\`${e.command}\` failed): ${said}`),
      fix: "check the network and git's credentials for origin (git ls-remote origin shows whether it answers), then run the command again",
    };
  }
  if (typeof e.status === "number" && (e.name === "HttpError" || e.status === 599 || e.status >= 500)) {
    const { describeApiError } = await import("./github.ts");
    const { message, fix } = describeApiError(error, "talking to GitHub");
    return { message: redact(message), fix };
  }
  return null;
}

/**
 * Runs one command: parses flags, answers --help, then runs `body`, whose return value is the exit
 * code. A StartError exits 2; anything unexpected exits 1 with its message and no stack trace
 * (RELEASE_KIT_DEBUG=1 shows it).
 */
export async function command(spec: CommandSpec, body: (ctx: Context) => Promise<number>): Promise<void> {
  installRedaction();
  addEnvironmentSecrets();
  if (inActions()) guardWorkflowCommands();
  const argv = process.argv.slice(2);
  const json = argv.includes("--json");
  setInvocation(process.env, undefined, process.env.MISE_ORIGINAL_CWD || process.cwd());
  let flags: Flags;
  try {
    flags = parseFlags(spec, argv);
  } catch (error) {
    printStartError(spec, json, error as StartError);
    process.exitCode = 2;
    return;
  }
  if (flags.help) {
    process.stdout.write(helpText(spec));
    return;
  }
  // From here on, every hint names the kit's commands the way this one was started.
  setInvocation(
    process.env,
    typeof flags.repo === "string" ? flags.repo : undefined,
    process.env.MISE_ORIGINAL_CWD || process.cwd(),
  );
  // The command's work begins: the precompiled start keeps V8's code cache only from such a run
  // (scripts/start.cjs). Until the body ends, the exit code is a failure: a process whose work
  // stopped waiting on something that can no longer happen (an input that closed) must not exit 0.
  (globalThis as Record<symbol, unknown>)[Symbol.for("release-kit.work-began")] = true;
  process.exitCode = 1;
  // Node ends a process whose event loop has nothing left to do: say so if the work had not ended.
  const unfinished = () => {
    write(
      `release-kit ${spec.name}: stopped before finishing: it was left waiting for something that can no longer happen`,
    );
    writeProse(
      "what to do:",
      `run it again; ${kitCommand("release:recover")} names the state a release or recovery stopped in, and the next step`,
    );
  };
  process.once("beforeExit", unfinished);
  try {
    process.exitCode = await body({ command: spec.name, flags, json });
  } catch (error) {
    if (error instanceof StartError) {
      printStartError(spec, json, error);
      process.exitCode = 2;
      return;
    }
    const known = await describeFailure(error);
    if (known) {
      write(`release-kit ${spec.name}: ${known.message}`);
      writeProse("what to do:", known.fix);
      if (json) emitJson({ command: spec.name, ok: false, error: known });
      reportFailure(spec.name, known);
      process.exitCode = 1;
      return;
    }
    const message = redact(error instanceof Error ? error.message : String(error));
    write(`release-kit ${spec.name}: unexpected error: ${message}`);
    if (process.env.RELEASE_KIT_DEBUG && error instanceof Error) write(redact(error.stack ?? ""));
    else write("  what to do: re-run with RELEASE_KIT_DEBUG=1 for the stack trace, and report it");
    if (json)
      emitJson({
        command: spec.name,
        ok: false,
        error: { message, fix: "report this error with RELEASE_KIT_DEBUG=1 output" },
      });
    reportFailure(spec.name, {
      message: `unexpected error: ${message}`,
      fix: "re-run with RELEASE_KIT_DEBUG=1 for the stack trace, and report it",
    });
    process.exitCode = 1;
  } finally {
    process.removeListener("beforeExit", unfinished);
  }
}
