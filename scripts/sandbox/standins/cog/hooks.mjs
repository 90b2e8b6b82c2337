// @ts-check
// cog's bump hooks (crates/cocogitto/src/command/bump/mod.rs `run_hooks`, src/hook/mod.rs). Before
// anything runs, each hook only has to be non-empty (`Hook::from_str`; an empty one is "Cannot parse
// hook at index N"). Then, one hook at a time, its placeholders are parsed and expanded
// (`Hook::insert_versions`) and it runs as `sh -c`: a hook whose `{{...}}` does not parse fails only
// when it is reached, after the hooks before it have run and written their files.

import { spawnSync } from "node:child_process";
import { log, parseVersion, semverError, vstr, vwith } from "./core.mjs";
import { parseVersionDsl } from "./version-dsl.mjs";

/** @typedef {import("./core.mjs").Version} Version */
/** @typedef {{ prefix: string, next: Version, latest: Version | null }} HookValues */
/** @typedef {import("./version-dsl.mjs").Span} Span */

/** `HookParseError`'s display (hook/error.rs). @param {string} cause */
const parseError = (cause) => `failed to parse bump hook\n\n\tcause: ${cause}\n`;

/**
 * `VersionSpan::build_version_str`: the text one placeholder stands for.
 * @param {Span} span @param {HookValues} values @returns {{ ok: true, text: string } | { ok: false, error: string }}
 */
function spanValue(span, values) {
  if (span.token === "package") return { ok: false, error: "Current tag as no {{package}} info" };
  const isNext = span.token === "version" || span.token === "version_tag";
  const fallback = span.default_version === undefined ? null : parseVersion(span.default_version);
  const base = (isNext ? values.next : values.latest) ?? fallback;
  if (!base) return { ok: false, error: `No previous tag found to replace {{${span.token}}} version` };
  let v = { ...base };
  for (const { amount, part } of span.ops) {
    if (part === "major") v = vwith(v, { major: v.major + amount, minor: 0, patch: 0 });
    else if (part === "minor") v = vwith(v, { minor: v.minor + amount, patch: 0 });
    else v = vwith(v, { patch: v.patch + amount });
  }
  if (span.pre_release !== undefined) v.pre = span.pre_release;
  if (span.build_metadata !== undefined) v.build = span.build_metadata;
  if (span.access) return { ok: true, text: String(v[/** @type {"major" | "minor" | "patch"} */ (span.access)]) };
  const prefixed = span.token === "version_tag" || span.token === "latest_tag";
  return { ok: true, text: `${prefixed ? values.prefix : ""}${vstr(v)}` };
}

/**
 * `Hook::insert_versions`: the hook with its placeholders replaced, or the error cog reports.
 * @param {string} hook @param {HookValues} values @returns {{ ok: true, command: string } | { ok: false, error: string }}
 */
function expandHook(hook, values) {
  const parsed = parseVersionDsl(hook);
  if (!parsed.ok) return { ok: false, error: parseError(parsed.report) };
  // `parse_version` builds every span's semver values while parsing: their errors come first.
  for (const span of parsed.spans) {
    if (span.default_version !== undefined && !parseVersion(span.default_version))
      return { ok: false, error: parseError(semverError(span.default_version)) };
    if (span.pre_release?.split(".").some((x) => /^0\d+$/.test(x)))
      return { ok: false, error: parseError("invalid leading zero in pre-release identifier") };
  }
  let command = hook;
  // The last span first, as `HookSpan::replace_versions` pops them, so earlier offsets hold.
  for (const span of [...parsed.spans].reverse()) {
    const value = spanValue(span, values);
    if (!value.ok) return value;
    command = command.slice(0, span.start) + value.text + command.slice(span.end);
  }
  return { ok: true, command };
}

/**
 * `run_hooks`: the empty check for all, then each hook expanded and run in turn, stopping at the
 * first failure. `failed` is what cog names as the cause (the anyhow error's outermost message);
 * `cause` the error under it, when there is one.
 * @param {"pre-bump" | "post-bump"} kind @param {string[]} hooks @param {HookValues} values
 * @returns {{ failed: string, cause?: string } | null}
 */
export function runHooks(kind, hooks, values) {
  const empty = hooks.indexOf("");
  if (empty !== -1) return { failed: `Cannot parse hook at index ${empty}` };
  if (hooks.length > 0) log(2, `[${kind}]`);
  for (const hook of hooks) {
    const expanded = expandHook(hook, values);
    if (!expanded.ok) return { failed: expanded.error };
    log(2, `[${expanded.command}]`);
    const r = spawnSync("sh", ["-c", expanded.command], { stdio: "inherit" });
    if (r.status !== 0) {
      const status = r.status === null ? `signal: ${r.signal}` : `exit status: ${r.status}`;
      return { failed: expanded.command, cause: `hook failed with status ${status}` };
    }
    process.stdout.write("\n");
  }
  return null;
}
