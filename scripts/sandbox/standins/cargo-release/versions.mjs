// @ts-check
// Versions and requirements for the cargo-release stand-in, with Rust `semver` semantics where they
// matter here: src/steps/mod.rs (`TargetVersion`, `BumpLevel`) and src/ops/version.rs.

import semver from "semver";
import { parseVersion, semverError, vcmp, vstr } from "../rust-semver.mjs";
import { fail } from "./shell.mjs";

export { parseVersion, semverError, vcmp };

export const LEVELS = ["major", "minor", "patch", "release", "rc", "beta", "alpha"];

/** @typedef {import("../rust-semver.mjs").Version} Version */

export const full = vstr;
/** @param {Version} v */
export const bare = (v) => `${v.major}.${v.minor}.${v.patch}${v.pre ? `-${v.pre}` : ""}`;

/**
 * `BumpLevel::bump_version` and `TargetVersion::bump`: the planned version, or null for a no-op.
 * @param {string} target @param {Version} current @param {string | undefined} metadata
 */
export function bumpTarget(target, current, metadata) {
  /** @type {Version} */
  let v = { ...current };
  const next = (/** @type {Partial<Version>} */ p) => ({ ...v, pre: "", build: "", ...p });
  if (LEVELS.includes(target)) {
    if (target === "major") v = next({ major: v.major + 1, minor: 0, patch: 0 });
    else if (target === "minor") v = next({ minor: v.minor + 1, patch: 0 });
    else if (target === "patch") v = v.pre ? { ...v, pre: "" } : next({ patch: v.patch + 1 });
    else if (target === "release") v = { ...v, pre: "" };
    else v = incrementPre(v, target);
    if (metadata !== undefined) v = { ...v, build: metadata };
    return full(v) !== full(current) ? v : null;
  }
  const wanted = parseVersion(target) ?? fail(semverError(target));
  if (!wanted.build) wanted.build = metadata ?? current.build;
  return bare(wanted) !== bare(current) ? wanted : null;
}

/** ops/version.rs `increment_alpha|beta|rc`. @param {Version} v @param {string} level */
function incrementPre(v, level) {
  const order = ["alpha", "beta", "rc"];
  if (!v.pre) return { ...v, patch: v.patch + 1, pre: `${level}.1`, build: "" };
  const dot = v.pre.indexOf(".");
  const id = dot === -1 ? v.pre : v.pre.slice(0, dot);
  const num = dot === -1 ? null : v.pre.slice(dot + 1);
  if (num !== null && !/^\d+$/.test(num)) {
    fail(
      `pre-release \`${v.pre}\` version scheme is not supported by cargo-release.  Use format like \`pre\`, \`dev\`, or \`alpha.1\` for prerelease`,
    );
  }
  if (order.includes(id) && order.indexOf(id) > order.indexOf(level)) {
    fail(`unsupported release level ${level}, only major, minor, and patch are supported`);
  }
  const n = id === level ? Number(num ?? 0) + 1 : 1;
  return { ...v, pre: `${level}.${n}` };
}

const COMPARATOR_RE =
  /^(=|>=|>|<=|<|~|\^)?\s*(\d+|\*|x|X)(?:\.(\d+|\*|x|X))?(?:\.(\d+|\*|x|X))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

/**
 * ops/version.rs `upgrade_requirement`: the same requirement pointing at `version`, keeping its
 * operator and precision; null when unchanged or unsupported (`>=`, `<`...).
 * @param {string} req @param {Version} version
 */
export function upgradeRequirement(req, version) {
  const parts = req.split(",").map((p) => p.trim());
  /** @type {string[]} */
  const out = [];
  for (const part of parts) {
    const m = COMPARATOR_RE.exec(part);
    if (!m) return null;
    const [, opRaw, major, minor, patch] = m;
    const wild = (/** @type {string | undefined} */ x) => x === "*" || x === "x" || x === "X";
    if (wild(major)) {
      if (parts.length === 1) return null; // `*` has no comparator to move
      out.push("*");
      continue;
    }
    if (wild(minor) || wild(patch)) {
      out.push(wild(minor) ? `${version.major}.*` : `${version.major}.${version.minor}.*`);
      continue;
    }
    const op = opRaw ?? "^";
    if (op !== "=" && op !== "~" && op !== "^") return null;
    let text = `${op}${version.major}`;
    if (minor !== undefined) text += `.${version.minor}`;
    if (patch !== undefined) text += `.${version.patch}`;
    if (version.pre) text += `-${version.pre}`;
    out.push(text);
  }
  let result = out.join(", ");
  if (result.startsWith("^") && !req.startsWith("^")) result = result.slice(1);
  return result === req ? null : result;
}

/** Cargo requirement matching, through npm semver (same caret/tilde rules for these cases). */
export function reqMatches(/** @type {string} */ req, /** @type {Version} */ v) {
  const range = req
    .split(",")
    .map((p) => p.trim())
    .map((p) => (/^\d/.test(p) ? `^${p}` : p))
    .join(" ");
  try {
    return semver.satisfies(bare(v), range);
  } catch {
    return false;
  }
}
