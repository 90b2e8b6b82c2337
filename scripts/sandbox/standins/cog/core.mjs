// @ts-check
// What every part of the cog stand-in shares: cog's error exits, its logger, git through argv arrays,
// and Rust `semver::Version` (strict: no `v`, no leading zeros, build metadata kept).

import { spawnSync } from "node:child_process";
import semver from "semver";

/** An error that ends the process the way cog's `main` does: `Error: <message>` and an exit code. */
export class CogError extends Error {
  /** @param {string} message @param {number} [code] */
  constructor(message, code = 1) {
    super(message);
    this.code = code;
  }
}

/** clap's usage errors: exit 2. */
export class UsageError extends CogError {
  /** @param {string} message @param {string} usage */
  constructor(message, usage) {
    super(`error: ${message}\n\nUsage: ${usage}\n\nFor more information, try '--help'.\n`, 2);
  }
}

let verbosity = 2;
/** @param {number} level */
export function setVerbosity(level) {
  verbosity = level;
}
export const getVerbosity = () => verbosity;
/** @param {number} level 0 error, 1 warn, 2 info @param {string} message */
export function log(level, message) {
  if (level <= verbosity) process.stderr.write(`${message}\n`);
}

/**
 * @param {string[]} args
 * @param {{ cwd?: string, allowFail?: boolean }} [opts]
 */
export function git(args, opts = {}) {
  const r = spawnSync("git", args, { cwd: opts.cwd ?? process.cwd(), encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.error) throw new CogError(`failed to run git: ${r.error.message}`);
  if (r.status !== 0 && !opts.allowFail) {
    throw new CogError(`fatal error\n\ncause: ${r.stderr.trim() || `git ${args[0]} failed`}\n`);
  }
  return { ok: r.status === 0, stdout: r.stdout, stderr: r.stderr };
}

export function repoRoot() {
  const r = git(["rev-parse", "--show-toplevel"], { allowFail: true });
  if (!r.ok) {
    throw new CogError(
      `failed to open repository\n\ncause: could not find repository at '.'; class=Repository (6); code=NotFound (-3)\n`,
    );
  }
  return r.stdout.trim();
}

/** @param {string} root */
export function headSha(root) {
  const r = git(["rev-parse", "--verify", "-q", "HEAD^{commit}"], { cwd: root, allowFail: true });
  if (!r.ok) throw new CogError("failed to get repository HEAD\n\ncause: reference 'refs/heads/main' not found\n");
  return r.stdout.trim();
}

/** libgit2's `head().shorthand()`: the branch name, or `HEAD` when detached; null when unborn. */
export function branchShorthand(/** @type {string} */ root) {
  const r = git(["symbolic-ref", "--short", "-q", "HEAD"], { cwd: root, allowFail: true });
  if (r.ok) return r.stdout.trim();
  return git(["rev-parse", "--verify", "-q", "HEAD"], { cwd: root, allowFail: true }).ok ? "HEAD" : null;
}

import { parseVersion } from "../rust-semver.mjs";

export { IDENT, NUM, PRE_RE, parseVersion, semverError, VERSION_RE, vcmp, vstr } from "../rust-semver.mjs";

/** @typedef {import("../rust-semver.mjs").Version} Version */

/** @param {Version} v @param {Partial<Version>} patch @returns {Version} */
export function vwith(v, patch) {
  return { ...v, ...patch };
}

export const ZERO = parseVersion("0.0.0") ?? fail("unreachable");

/** @param {string} message @returns {never} */
export function fail(message) {
  throw new CogError(message);
}
