// Release tags as cog sees them: `<prefix><semver>`, highest version wins.
import semver from "semver";
import type { Runner } from "./run.ts";

export function versionOf(tag: string, prefix: string): string | null {
  if (!tag.startsWith(prefix)) return null;
  const v = semver.valid(tag.slice(prefix.length));
  return v && v === tag.slice(prefix.length) ? v : null;
}

function highest(tags: string[], prefix: string, includePrerelease: boolean): string | null {
  let best: { tag: string; version: string } | null = null;
  for (const tag of tags) {
    const version = versionOf(tag, prefix);
    if (!version || (!includePrerelease && semver.prerelease(version))) continue;
    if (!best || semver.gt(version, best.version)) best = { tag, version };
  }
  return best?.tag ?? null;
}

/** cog's "current version": the highest non-pre-release tag reachable from `rev`. */
export async function latestTag(r: Runner, prefix: string, rev = "HEAD"): Promise<string | null> {
  const out = await r.probe`git tag --merged ${rev} --list ${`${prefix}*`}`;
  return out.exitCode === 0
    ? highest(
        out.stdout
          .split("\n")
          .map((t) => t.trim())
          .filter(Boolean),
        prefix,
        false,
      )
    : null;
}

/** The highest release tag in the repository, reachable or not, pre-releases included. */
export async function highestTag(r: Runner, prefix: string): Promise<string | null> {
  const out = await r.read`git tag --list ${`${prefix}*`}`;
  return highest(
    out.stdout
      .split("\n")
      .map((t) => t.trim())
      .filter(Boolean),
    prefix,
    true,
  );
}

/** The release tag before `tag` in version order, for "since the previous release". */
export async function previousTag(r: Runner, prefix: string, tag: string): Promise<string | null> {
  const current = versionOf(tag, prefix);
  if (!current) return null;
  const out = await r.read`git tag --list ${`${prefix}*`}`;
  const older = out.stdout
    .split("\n")
    .map((t) => t.trim())
    .filter((t) => {
      const v = versionOf(t, prefix);
      return v && !semver.prerelease(v) && semver.lt(v, current);
    });
  return highest(older, prefix, false);
}
