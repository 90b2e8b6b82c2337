// The tag prefix a repository's history uses, when cog.toml does not say. cog without tag_prefix
// reads `v2.13.1` as no version at all and starts again from 0.1.0; the kit reads the prefix the
// release tags carry instead, and says so (config.sources, and the config check's advice).
import semver from "semver";
import type { Runner } from "./run.ts";

export interface PrefixGuess {
  prefix: string;
  /** How many release tags reachable from HEAD carry it. */
  tags: number;
  /** The highest of them, pre-releases included. */
  highest: string;
}

const SPLIT = /^(.*?)(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)$/;

/** `v2.13.1` → { prefix: "v", version: "2.13.1" }; null when no SemVer version ends the name. */
export function splitTag(tag: string): { prefix: string; version: string } | null {
  const m = SPLIT.exec(tag);
  if (!m || semver.valid(m[2]!) !== m[2]) return null;
  return { prefix: m[1]!, version: m[2]! };
}

function compiled(pattern: string | null): RegExp | null {
  if (!pattern) return null;
  try {
    return new RegExp(pattern);
  } catch {
    return null;
  }
}

/**
 * The prefix most release tags reachable from HEAD carry. Tags cliff.toml's `tag_pattern` excludes
 * are not releases (when it matches any). A tie goes to the shorter prefix: a workspace crate's own
 * tags add the crate's name to the product's prefix (`v2026.8.10` and `vfox-v2026.8.15`).
 */
export async function inferTagPrefix(r: Runner, cliffPattern: string | null = null): Promise<PrefixGuess | null> {
  const out = await r.probe`git tag --merged HEAD`;
  if (out.exitCode !== 0) return null;
  let tags = out.stdout
    .split("\n")
    .map((t) => t.trim())
    .filter(Boolean);
  const pattern = compiled(cliffPattern);
  if (pattern && tags.some((t) => pattern.test(t))) tags = tags.filter((t) => pattern.test(t));
  const groups = new Map<string, string[]>();
  for (const tag of tags) {
    const split = splitTag(tag);
    if (split) groups.set(split.prefix, [...(groups.get(split.prefix) ?? []), split.version]);
  }
  const ranked = [...groups].sort(
    ([a, va], [b, vb]) => vb.length - va.length || a.length - b.length || a.localeCompare(b),
  );
  const best = ranked[0];
  if (!best) return null;
  const [prefix, versions] = best;
  const highest = versions.reduce((h, v) => (semver.gt(v, h) ? v : h));
  return { prefix, tags: versions.length, highest: `${prefix}${highest}` };
}
