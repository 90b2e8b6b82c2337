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

export const NUM = "0|[1-9]\\d*";
export const IDENT = "[0-9A-Za-z-]+";
const PRE_IDENT = `(?:${NUM}|\\d*[A-Za-z-][0-9A-Za-z-]*)`;
export const VERSION_RE = new RegExp(
  `^(${NUM})\\.(${NUM})\\.(${NUM})(?:-(${PRE_IDENT}(?:\\.${PRE_IDENT})*))?(?:\\+(${IDENT}(?:\\.${IDENT})*))?$`,
);
export const PRE_RE = new RegExp(`^${PRE_IDENT}(?:\\.${PRE_IDENT})*$`);

/** @typedef {{ major: number, minor: number, patch: number, pre: string, build: string }} Version */

/** @param {string} text @returns {Version | null} */
export function parseVersion(text) {
  const m = VERSION_RE.exec(text);
  if (!m) return null;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), pre: m[4] ?? "", build: m[5] ?? "" };
}

/**
 * Why Rust's `semver::Version::parse` refuses `text`, in its words (semver 1.0 parse.rs and error.rs:
 * `Empty`, `UnexpectedEnd`, `LeadingZero`, `UnexpectedChar`, `UnexpectedCharAfter`, `EmptySegment`).
 * @param {string} text
 */
export function semverError(text) {
  if (text === "") return "empty string, expected a semver version";
  const quoted = (/** @type {string} */ c) => `'${c.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
  const names = ["major version number", "minor version number", "patch version number"];
  let rest = text;
  for (const [i, name] of names.entries()) {
    const digits = /^\d*/.exec(rest)?.[0] ?? "";
    if (digits.length > 1 && digits.startsWith("0")) return `invalid leading zero in ${name}`;
    if (digits === "")
      return rest === ""
        ? `unexpected end of input while parsing ${name}`
        : `unexpected character ${quoted([...rest][0])} while parsing ${name}`;
    rest = rest.slice(digits.length);
    if (i === 2) break;
    if (rest === "") return `unexpected end of input while parsing ${name}`;
    if (!rest.startsWith(".")) return `unexpected character ${quoted([...rest][0])} after ${name}`;
    rest = rest.slice(1);
  }
  let after = names[2];
  for (const [sep, name] of [
    ["-", "pre-release identifier"],
    ["+", "build metadata"],
  ]) {
    if (!rest.startsWith(sep)) continue;
    after = name;
    const ident = /^[0-9A-Za-z.-]*/.exec(rest.slice(1))?.[0] ?? "";
    const segments = ident.split(".");
    if (segments.some((x) => x === "")) return `empty identifier segment in ${name}`;
    if (sep === "-" && segments.some((x) => /^0\d+$/.test(x))) return `invalid leading zero in ${name}`;
    rest = rest.slice(1 + ident.length);
  }
  return rest === "" ? "" : `unexpected character ${quoted([...rest][0])} after ${after}`;
}

/** @param {Version} v */
export function vstr(v) {
  return `${v.major}.${v.minor}.${v.patch}${v.pre ? `-${v.pre}` : ""}${v.build ? `+${v.build}` : ""}`;
}

/** Rust semver's `Ord`: precedence, then build metadata. @param {Version} a @param {Version} b */
export function vcmp(a, b) {
  return semver.compareBuild(vstr(a), vstr(b));
}

/** @param {Version} v @param {Partial<Version>} patch @returns {Version} */
export function vwith(v, patch) {
  return { ...v, ...patch };
}

export const ZERO = parseVersion("0.0.0") ?? fail("unreachable");

/** @param {string} message @returns {never} */
export function fail(message) {
  throw new CogError(message);
}
