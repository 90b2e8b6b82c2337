// @ts-check
// Errors, cargo-style output and git for the cargo-release stand-in (src/ops/shell.rs, src/error.rs).
// `-q`/`-v` only move the log level (src/bin/cargo-release.rs `Verbosity`); statuses, warnings and
// errors are printed by `shell::status|warn|error` whatever it is, so they are never silenced here.

import { spawnSync } from "node:child_process";

/** Ends the process with `code`, printing `message` as cargo-release's `error:` report when set. */
export class CliError extends Error {
  /** @param {number} code @param {string} [message] */
  constructor(code, message = "") {
    super(message);
    this.code = code;
  }
}

/** A message printed exactly as given (clap writes its own `error:` lines). */
export const RAW = "\x00";

/** clap's usage errors (exit 2). @param {string} message @param {string} usage */
export const usageError = (message, usage) =>
  new CliError(2, `${RAW}error: ${message}\n\nUsage: ${usage}\n\nFor more information, try '--help'.\n`);

/** @param {string} message @returns {never} */
export function fail(message) {
  throw new CliError(101, message);
}

/** Right-aligned status, as cargo prints it. @param {string} action @param {string} message */
export function status(action, message) {
  process.stderr.write(`${action.padStart(12)} ${message}\n`);
}
/** @param {string} message */
export function warn(message) {
  process.stderr.write(`warning: ${message}\n`);
}
/** @param {string} message */
export function error(message) {
  process.stderr.write(`error: ${message}\n`);
}

/** git through an argv array, never a shell. @param {string[]} args @param {string} cwd */
export function git(args, cwd) {
  const r = spawnSync("git", args, {
    cwd,
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, GIT_TERMINAL_PROMPT: "0" },
  });
  if (r.error) throw new CliError(101, "`git` not found");
  return { ok: r.status === 0, stdout: r.stdout, stderr: r.stderr };
}
