// The one place the kit changes anything. Commands, files and API requests are writes unless they
// are declared reads, and every write passes one gate (`Runner.gate`): in --dry-run it prints the
// exact command, file or request and does nothing. A declared read is held to it: a git command
// that changes the repository refuses to run as a read (read-only.ts). Printed commands come from
// the same zx quoting that would execute them.

import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { type ProcessOutput, $ as zx } from "zx/core";
import { dim, say } from "./output.ts";
import { readKind, undeclaredWrite } from "./read-only.ts";

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

type Template = (pieces: TemplateStringsArray, ...args: unknown[]) => Promise<ProcessOutput>;

export interface RunOptions {
  /** zx duration, e.g. "60s": network commands get a bound so nothing hangs. */
  timeout?: string;
  env?: Record<string, string>;
  input?: string;
}

/** Where every write passes: the one owner of --dry-run. */
export interface Gate {
  dryRun: boolean;
  /** Performs the write described by `what` and resolves to its result, showing `shown` (a shorter
   *  line, `what` by default; null for the kit's own bookkeeping); in a dry run prints `what` and
   *  resolves to null. */
  pass<T>(what: string, perform: () => T | Promise<T>, shown?: string | null): Promise<T | null>;
}

export interface Runner extends Gate {
  cwd: string;
  /** A declared read: always runs; throws CommandError on a non-zero exit. */
  read: Template;
  /** A declared read whose failure is an answer (`git rev-parse --verify`): never throws on exit codes. */
  probe: Template;
  /** Changes only a scratch place the kit made and removes itself (a temporary worktree, a
   *  generator run inside it): it runs in a dry run too, since it leaves the user's state as it was.
   *  Never throws on exit codes. */
  scratch: Template;
  /** Anything else: a write, through the gate (null in a dry run). */
  write: (pieces: TemplateStringsArray, ...args: unknown[]) => Promise<ProcessOutput | null>;
  /** One of the kit's own files (its parent folders made) written through the gate: false in a dry run. */
  writeFile(path: string, text: string): Promise<boolean>;
  /** One of the kit's own files removed through the gate, if it exists: false in a dry run. */
  removeFile(path: string): Promise<boolean>;
  /** The same runner with other options or another working directory. */
  with(options: RunOptions & { cwd?: string }): Runner;
  /** The same runner, answering a repeated local git read (rev-parse, tag --list, status, show…)
   *  from its first answer until anything changes: any write or fetch through it (or the runners
   *  made from it) forgets every answer. For one
   *  evaluation of a state that nothing else changes meanwhile (a preflight), never across a wait
   *  for the user. */
  snapshot(): Runner;
}

/** The answers a snapshot keeps, by working directory, environment and command. */
type Answers = Map<string, Promise<ProcessOutput>>;

/** No command may wait for a password: git fails instead of prompting, ssh runs in batch mode. */
export function nonInteractiveEnv(base: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined) env[k] = v;
  env.GIT_TERMINAL_PROMPT = "0";
  env.GCM_INTERACTIVE = "never";
  env.GIT_SSH_COMMAND = `${base.GIT_SSH_COMMAND ?? "ssh"} -o BatchMode=yes`;
  // Reads must not take the index lock (a preflight changes nothing, not even index stat data).
  env.GIT_OPTIONAL_LOCKS = "0";
  // zx runs each command through `bash -c`. A non-interactive bash whose SHLVL says it is the
  // top-level shell reads ~/.bashrc when run over ssh or with a socket as stdin (Node's pipes are
  // sockets): the user's rc file would run before every git call, print into its output and, on a
  // machine whose rc file runs version managers, take seconds. No shell of ours is top-level.
  // Bash reads SHLVL only as a plain integer below 1000, and counts from 0 otherwise.
  const level = /^\s*\d+\s*$/.test(base.SHLVL ?? "") ? Number(base.SHLVL) : 0;
  if (level < 1 || level > 998) env.SHLVL = "1";
  return env;
}

/** The gate alone, for a writer that is not a command (the GitHub client). */
export function createGate(dryRun: boolean): Gate {
  return {
    dryRun,
    async pass(what, perform, shown = what) {
      if (dryRun) {
        say.skipped(what);
        return null;
      }
      if (shown !== null) say.info(dim(shown));
      return perform();
    },
  };
}

export function createRunner(
  cwd: string,
  dryRun: boolean,
  options: RunOptions = {},
  answers: Answers | null = null,
): Runner {
  // ZX_VERBOSE=true shows every command and its output while debugging; redaction still applies.
  const verbose = process.env.ZX_VERBOSE === "true";
  const shell = zx({
    cwd,
    quiet: !verbose,
    verbose,
    env: { ...nonInteractiveEnv(), ...options.env },
    ...(options.timeout ? { timeout: options.timeout as `${number}s` } : {}),
    // No command reads the kit's stdin: one that tries gets end-of-file rather than waiting, and
    // bash sees no socket on stdin (see nonInteractiveEnv).
    ...(options.input !== undefined ? { input: options.input } : { stdio: ["ignore", "pipe", "pipe"] as const }),
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

  const gate = createGate(dryRun);
  const quoted = (pieces: TemplateStringsArray, args: unknown[]) => shell({ halt: true })(pieces, ...args).cmd;
  // Everything that may change what a read answers forgets the snapshot's answers, before and
  // after (a read that started meanwhile is forgotten with them).
  const changing = async <T>(change: () => Promise<T>): Promise<T> => {
    answers?.clear();
    try {
      return await change();
    } finally {
      answers?.clear();
    }
  };
  const remembered = async (cmd: string, pieces: TemplateStringsArray, args: unknown[], nothrow: boolean) => {
    const kind = answers ? readKind(cmd) : "other";
    if (kind === "fetch") return changing(() => exec(pieces, args, nothrow));
    if (kind !== "local" || !answers) return exec(pieces, args, nothrow);
    const key = `${cwd}\0${options.timeout ?? ""}\0${JSON.stringify(options.env ?? {})}\0${cmd}`;
    let answer = answers.get(key);
    if (!answer) {
      answer = exec(pieces, args, true);
      answers.set(key, answer);
    }
    const output = await answer;
    if (!nothrow && output.exitCode !== 0) throw new CommandError(cmd, output);
    return output;
  };
  const declaredRead =
    (nothrow: boolean) =>
    async (pieces: TemplateStringsArray, ...args: unknown[]) => {
      const cmd = quoted(pieces, args);
      const wrong = undeclaredWrite(cmd);
      if (wrong) throw new Error(`internal error: \`${wrong}\` changes the repository, so it cannot run as a read`);
      return remembered(cmd, pieces, args, nothrow);
    };

  return {
    cwd,
    dryRun,
    pass: gate.pass,
    read: declaredRead(false),
    probe: declaredRead(true),
    // A scratch command changes only the scratch place it made (a worktree's folder, whose reads
    // are kept under its own cwd) and git's list of worktrees, which no kept read reads.
    scratch: (pieces, ...args) => exec(pieces, args, true),
    write(pieces, ...args) {
      const cmd = quoted(pieces, args);
      return gate.pass(cmd, () => changing(() => exec(pieces, args, false)), `$ ${cmd}`);
    },
    async writeFile(path, text) {
      const done = await gate.pass(
        `write ${path}`,
        () =>
          changing(async () => {
            mkdirSync(dirname(path), { recursive: true });
            writeFileSync(path, text);
            return true;
          }),
        null,
      );
      return done === true;
    },
    async removeFile(path) {
      const done = await gate.pass(
        `remove ${path}`,
        () =>
          changing(async () => {
            rmSync(path, { force: true });
            return true;
          }),
        null,
      );
      return done === true;
    },
    with(more) {
      return createRunner(
        more.cwd ?? cwd,
        dryRun,
        { ...options, ...more, env: { ...options.env, ...more.env } },
        answers,
      );
    },
    snapshot() {
      return answers ? this : createRunner(cwd, dryRun, options, new Map());
    },
  };
}
