// Flags, help and the exit-code rule every command shares (DESIGN.md, "Commands").
// This module imports nothing heavy: `--help` must print at node's start-up speed.
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

export function parseFlags(spec: CommandSpec, argv: string[]): Flags {
  const known = new Map(allFlags(spec).map((f) => [f.name, f]));
  const flags: Flags = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "-h") {
      flags.help = true;
      continue;
    }
    if (!arg.startsWith("--") || arg === "--") {
      throw new StartError(
        `unexpected argument '${arg}'`,
        `flags start with --; see: ${kitCommand(taskName(spec) as KitTask, ["--help"])}`,
      );
    }
    const eq = arg.indexOf("=");
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    const flag = known.get(name);
    if (!flag)
      throw new StartError(
        `unknown flag --${name}`,
        `see the flags with: ${kitCommand(taskName(spec) as KitTask, ["--help"])}`,
      );
    if (flag.type === "boolean") {
      if (eq !== -1) throw new StartError(`--${name} takes no value`, `write --${name} alone`);
      flags[name] = true;
    } else if (flag.type === "optional") {
      flags[name] = eq === -1 ? true : arg.slice(eq + 1);
    } else {
      const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
      if (value === undefined || value === "" || (eq === -1 && value.startsWith("--"))) {
        throw new StartError(
          `--${name} needs a value (${flag.value ?? "VALUE"})`,
          `write --${name} ${flag.value ?? "VALUE"}`,
        );
      }
      flags[name] = value;
    }
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
  }
}
