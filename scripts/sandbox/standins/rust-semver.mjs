// @ts-check
// Versions as Rust's `semver` crate (1.0) parses, orders and refuses them: both stand-ins' tools
// (cocogitto and cargo-release) use that crate, so they share this one reading of it.

import semver from "semver";

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
