// Which uncommitted changes are a release's own hook output? Not a guess from file names (any edit
// to Cargo.toml would pass): the hooks are run again, for that version, in a throwaway worktree, and
// only a file whose content is exactly what they write counts. Everything else is somebody's work
// that nobody reviewed for this release: recover never commits it, and never discards it.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseToml } from "smol-toml";
import type { Config } from "./config.ts";
import { showFile, statusLines } from "./git.ts";
import type { Runner } from "./run.ts";

export interface TreeReading {
  /** Changed paths whose content is exactly what the hooks write for this version. */
  hookOutput: string[];
  /** Changed paths the hooks do not write, or write otherwise. */
  otherEdits: string[];
  /** Why the hooks could not be run again (then every change counts as another edit). */
  unproven: string | null;
}

/** The path of a `git status --porcelain` line (the new name of a rename). statusLines() trims its
 *  lines, so " M file" arrives as "M file": the status is the first word, not two fixed columns. */
export const statusPath = (line: string) =>
  line
    .trim()
    .replace(/^[MADRCUT?!]{1,2}\s+/, "")
    .split(" -> ")
    .pop()!;

/** What cog's pre_bump_hooks are at a commit; the runbook's own steps when it has none (its literal order). */
async function hooksAt(r: Runner, config: Config, rev: string): Promise<string[]> {
  const text = await showFile(r, rev, "cog.toml");
  let hooks: string[] = [];
  try {
    const listed = text ? (parseToml(text) as { pre_bump_hooks?: unknown }).pre_bump_hooks : undefined;
    if (Array.isArray(listed)) hooks = listed.filter((h): h is string => typeof h === "string");
  } catch {
    // an unreadable cog.toml is reported by the config check; fall back to the runbook's steps
  }
  if (hooks.length) return hooks;
  const steps = ["git-cliff --tag {{version_tag}} -o CHANGELOG.md"];
  if (config.workspace.kind === "cargo") steps.push("cargo release version {{version}} --execute --no-confirm");
  if (config.workspace.kind === "npm") steps.push("npm version {{version}} --no-git-tag-version --allow-same-version");
  return steps;
}

/** cog's placeholders, as cog expands them; null when a hook uses one this cannot know. */
export function expandHook(
  hook: string,
  values: { version: string; tag: string; latest: string | null; latestTag: string | null },
): string | null {
  let unknown = false;
  const out = hook.replace(/\{\{([a-z_]+)(?:\|([^}]*))?\}\}/g, (whole, name: string, fallback: string | undefined) => {
    const value =
      name === "version"
        ? values.version
        : name === "version_tag"
          ? values.tag
          : name === "latest"
            ? values.latest
            : name === "latest_tag"
              ? values.latestTag
              : undefined;
    if (value) return value;
    if (value === null && fallback !== undefined) return fallback;
    unknown = true;
    return whole;
  });
  return unknown || out.includes("{{") ? null : out;
}

export interface Regeneration {
  /** The commit the hooks ran on (the release commit, or the base cog ran them on). */
  rev: string;
  version: string;
  tag: string;
  latestTag: string | null;
  /** The hooks to run; cog.toml's pre_bump_hooks at `rev` (or the runbook's steps) by default. */
  hooks?: string[];
}

/**
 * Runs the release's hooks again for its version on a worktree of `rev`, and tells which of
 * `paths` hold exactly what they write (`contentOf` gives each path's content to compare, null
 * for a deleted file).
 */
export async function proveHookOutput(
  r: Runner,
  config: Config,
  input: Regeneration,
  paths: string[],
  contentOf: (path: string) => Promise<Buffer | null>,
): Promise<TreeReading> {
  if (!paths.length) return { hookOutput: [], otherEdits: [], unproven: null };
  const latest = input.latestTag ? input.latestTag.slice(config.tagPrefix.length) : null;
  const hooks = (input.hooks ?? (await hooksAt(r, config, input.rev))).map((h) => ({
    hook: h,
    cmd: expandHook(h, { version: input.version, tag: input.tag, latest, latestTag: input.latestTag }),
  }));
  const unknown = hooks.find((h) => h.cmd === null);
  if (unknown)
    return {
      hookOutput: [],
      otherEdits: paths,
      unproven: `the hook \`${unknown.hook}\` uses a placeholder release-kit cannot fill in`,
    };

  const scratch = mkdtempSync(join(tmpdir(), "release-kit-hooks-"));
  const tree = join(scratch, "tree");
  try {
    const added = await r.scratch`git worktree add --detach --quiet ${tree} ${input.rev}`;
    if (added.exitCode !== 0)
      return {
        hookOutput: [],
        otherEdits: paths,
        unproven: `cannot make a worktree of ${input.rev.slice(0, 7)}: ${added.stderr.trim()}`,
      };
    const inTree = r.with({ cwd: tree, timeout: "300s" });
    for (const { hook, cmd } of hooks) {
      const ran = await inTree.scratch`sh -c ${cmd}`;
      if (ran.exitCode !== 0)
        return {
          hookOutput: [],
          otherEdits: paths,
          unproven: `running \`${hook}\` again failed (exit ${ran.exitCode}): ${(ran.stderr || ran.stdout).trim().split("\n").pop() ?? ""}`,
        };
    }
    const written = new Set(
      (await inTree.read`git status --porcelain=v1 --untracked-files=all`).stdout
        .split("\n")
        .filter(Boolean)
        .map(statusPath),
    );
    const proven: string[] = [];
    for (const path of paths) {
      if (!written.has(path)) continue;
      const theirs = await contentOf(path);
      let ours: Buffer | null = null;
      try {
        ours = readFileSync(join(tree, path));
      } catch {
        // deleted by the hooks
      }
      if ((theirs === null && ours === null) || (theirs && ours && theirs.equals(ours))) proven.push(path);
    }
    return { hookOutput: proven, otherEdits: paths.filter((p) => !proven.includes(p)), unproven: null };
  } finally {
    await r.scratch`git worktree remove --force ${tree}`;
    rmSync(scratch, { recursive: true, force: true });
    await r.scratch`git worktree prune`;
  }
}

/** The working tree's uncommitted changes, told apart: this release's hook output, and everything else. */
export async function readTree(r: Runner, config: Config, input: Regeneration): Promise<TreeReading> {
  const dirty = (await statusLines(r)).map(statusPath);
  return proveHookOutput(r, config, input, dirty, async (path) => {
    try {
      return readFileSync(join(r.cwd, path));
    } catch {
      return null;
    }
  });
}
