// Why cog found nothing to release, told from the commits themselves. cog bumps the major only when
// the major is not 0; otherwise each commit bumps through its type alone: minor for a type with
// `bump_minor` (feat), patch for one with `bump_patch` (fix), nothing for the rest, breaking or not
// (cocogitto crates/cocogitto/src/conventional/bump.rs `version_increment_from_commit_history`).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseToml } from "smol-toml";
import type { Runner } from "../run.ts";

// cog's grammar for a subject (a scope holds no whitespace); the parser reads the footers.
const HEADER = /^([A-Za-z]+)(?:\(([^()\s]+)\))?!?: (\S.*)$/;
const BREAKING_HEADER = /^([A-Za-z]+)(?:\(([^()\s]+)\))?!: (\S.*)$/;

/** The types that bump: cog's defaults (feat, fix) and cog.toml's `commit_types`. */
function bumpingTypes(root: string): Set<string> {
  const types = new Set(["feat", "fix"]);
  const path = join(root, "cog.toml");
  if (!existsSync(path)) return types;
  try {
    const custom =
      (parseToml(readFileSync(path, "utf8")) as { commit_types?: Record<string, Record<string, unknown>> })
        .commit_types ?? {};
    for (const [type, c] of Object.entries(custom)) {
      if (c.bump_minor === true || c.bump_patch === true) types.add(type);
      else if (Object.keys(c).length === 0 || c.bump_minor === false || c.bump_patch === false) types.delete(type);
    }
  } catch {
    // the config check reports a cog.toml that does not parse
  }
  return types;
}

/**
 * "since v0.2.0 there are only refactor! (1), chore (2), ...": the commit types found since `latest`
 * (at `latestVersion`, 0.0.0 before the first release), and on 0.x that a breaking change bumps
 * only through its type.
 */
export async function whyNothingToRelease(
  r: Runner,
  root: string,
  latest: string | null,
  latestVersion: string,
): Promise<string> {
  const { CommitParser } = await import("conventional-commits-parser");
  const parser = new CommitParser({ headerPattern: HEADER, breakingHeaderPattern: BREAKING_HEADER });
  const range = latest ? `${latest}..HEAD` : "HEAD";
  const log = (await r.probe`git log --format=%B%x1e ${range} --`).stdout;
  const counts = new Map<string, number>();
  let unconventional = 0;
  let breaking = false;
  for (const message of log
    .split("\x1e")
    .map((m) => m.trim())
    .filter(Boolean)) {
    const commit = parser.parse(message);
    if (!commit.type) {
      unconventional++;
      continue;
    }
    // A `!` or a BREAKING CHANGE footer: the parser makes either a note.
    const bang = commit.notes.some((n) => /^BREAKING[ -]CHANGE$/.test(n.title));
    breaking ||= bang;
    const key = `${commit.type}${bang ? "!" : ""}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const found = [...counts].map(([type, n]) => `${type} (${n})`);
  if (unconventional) found.push(`${unconventional} not conventional, which cog ignores`);
  const bumping = [...bumpingTypes(root)].sort().join(", ");
  const since = latest ? `since ${latest}` : "in the history";
  let why = `${since} there are only ${found.join(", ") || "no commits"}, and only ${bumping} commits bump a version`;
  if (breaking && latestVersion.startsWith("0."))
    why += `; on 0.x a breaking change (!) bumps only through its type, so a breaking ${[...counts.keys()]
      .filter((k) => k.endsWith("!"))
      .map((k) => k.slice(0, -1))
      .join(" or ")} bumps nothing`;
  return why;
}
