// The one place commands run. Reads always run (so a dry run is still a real check); writes, shell
// and API alike, pass one gate that in --dry-run prints the exact command or request and does
// nothing. Printed commands come from the same zx quoting that would execute them.
import { type ProcessOutput, $ as zx } from "zx/core";
import { dim, say } from "./output.ts";

export class CommandError extends Error {
  command: string;
  exitCode: number | null;
  stdout: string;
  stderr: string;
  constructor(command: string, output: ProcessOutput) {
    const tail = (output.stderr || output.stdout).trim().split("\n").slice(-6).join("\n");
    super(`\`${command}\` failed (exit ${output.exitCode ?? output.signal ?? "?"})${tail ? `:\n${tail}` : ""}`);
    this.command = command;
    this.exitCode = output.exitCode;
    this.stdout = output.stdout;
    this.stderr = output.stderr;
  }
}

export interface ApiRequest {
  method: string;
  url: string;
  body?: unknown;
}

type Template = (pieces: TemplateStringsArray, ...args: unknown[]) => Promise<ProcessOutput>;

export interface RunOptions {
  /** zx duration, e.g. "60s": network commands get a bound so nothing hangs. */
  timeout?: string;
  env?: Record<string, string>;
  input?: string;
}

export interface Runner {
  cwd: string;
  dryRun: boolean;
  /** A read: always runs; throws CommandError on a non-zero exit. */
  read: Template;
  /** A read whose failure is an answer (`git rev-parse --verify`): never throws on exit codes. */
  probe: Template;
  /** A write: in dry-run, printed and skipped (resolves to null); otherwise printed and run. */
  write: (pieces: TemplateStringsArray, ...args: unknown[]) => Promise<ProcessOutput | null>;
  /** An API write behind the same gate. */
  api<T>(request: ApiRequest, perform: () => Promise<T>): Promise<T | null>;
  /** The same runner with other options or another working directory. */
  with(options: RunOptions & { cwd?: string }): Runner;
}

/** No command may wait for a password: git fails instead of prompting, ssh runs in batch mode. */
export function nonInteractiveEnv(base: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined) env[k] = v;
  env.GIT_TERMINAL_PROMPT = "0";
  env.GCM_INTERACTIVE = "never";
  env.GIT_SSH_COMMAND = `${base.GIT_SSH_COMMAND ?? "ssh"} -o BatchMode=yes`;
  // Reads must not take the index lock (a preflight changes nothing, not even index stat data).
  env.GIT_OPTIONAL_LOCKS = "0";
  return env;
}

export function formatRequest(request: ApiRequest): string {
  const body = request.body === undefined ? "" : ` ${JSON.stringify(request.body)}`;
  return `${request.method.toUpperCase()} ${request.url}${body}`;
}

export function createRunner(cwd: string, dryRun: boolean, options: RunOptions = {}): Runner {
  // ZX_VERBOSE=true shows every command and its output while debugging; redaction still applies.
  const verbose = process.env.ZX_VERBOSE === "true";
  const shell = zx({
    cwd,
    quiet: !verbose,
    verbose,
    env: { ...nonInteractiveEnv(), ...options.env },
    ...(options.timeout ? { timeout: options.timeout as `${number}s` } : {}),
    ...(options.input !== undefined ? { input: options.input } : {}),
  });

  const exec = async (pieces: TemplateStringsArray, args: unknown[], nothrow: boolean) => {
    // Always nothrow inside: a failure becomes our CommandError, which says what ran and why it failed.
    const pending = shell({ halt: true, nothrow: true })(pieces, ...args);
    const cmd = pending.cmd;
    pending.run();
    const output = await pending;
    if (!nothrow && output.exitCode !== 0) throw new CommandError(cmd, output);
    return output;
  };

  return {
    cwd,
    dryRun,
    read: (pieces, ...args) => exec(pieces, args, false),
    probe: (pieces, ...args) => exec(pieces, args, true),
    async write(pieces, ...args) {
      const cmd = shell({ halt: true })(pieces, ...args).cmd;
      if (dryRun) {
        say.skipped(cmd);
        return null;
      }
      say.info(dim(`$ ${cmd}`));
      return exec(pieces, args, false);
    },
    async api(request, perform) {
      if (dryRun) {
        say.skipped(formatRequest(request));
        return null;
      }
      say.info(dim(`${request.method.toUpperCase()} ${request.url}`));
      return perform();
    },
    with(more) {
      return createRunner(more.cwd ?? cwd, dryRun, { ...options, ...more, env: { ...options.env, ...more.env } });
    },
  };
}
