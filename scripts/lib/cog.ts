// What the kit asks cocogitto. cog is the only authority on the next version (git-cliff's bump
// rules differ); its answers are validated, because "nothing to release" exits 0.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import semver from "semver";
import type { Runner } from "./run.ts";

export interface VersionChoice {
  version?: string;
  bump?: string;
  pre?: string;
}

export type NextVersion = { ok: true; version: string; tag: string } | { ok: false; nothing: boolean; message: string };

export function validateChoice(choice: VersionChoice): string | null {
  if (choice.version && choice.bump) return "--version and --bump choose the same thing: give one";
  if (choice.version && !semver.valid(choice.version))
    return `--version ${choice.version} is not a semantic version such as 1.4.0`;
  if (choice.version?.startsWith("v"))
    return `--version takes the bare version (${choice.version.slice(1)}), not the tag`;
  if (choice.bump && !["major", "minor", "patch"].includes(choice.bump))
    return `--bump ${choice.bump}: expected major, minor or patch`;
  if (choice.pre !== undefined && !/^[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*$/.test(choice.pre))
    return `--pre ${choice.pre}: expected a pre-release label such as rc.1`;
  return null;
}

/** The cog bump arguments for the maintainer's choice: auto, an exact version, or an increment. */
export function bumpArgs(choice: VersionChoice): string[] {
  const args = choice.version ? ["--version", choice.version] : choice.bump ? [`--${choice.bump}`] : ["--auto"];
  if (choice.pre) args.push("--pre", choice.pre);
  return args;
}

/**
 * `cog bump --dry-run`: stdout must be a version (prefix allowed). cog prints a sentence and exits 0
 * when nothing needs a bump, and exits 1 when nothing is conventional at all.
 */
export async function nextVersion(
  r: Runner,
  prefix: string,
  choice: VersionChoice,
  global: string[] = [],
): Promise<NextVersion> {
  const out = await r.probe`cog ${global} bump ${bumpArgs(choice)} --dry-run --skip-untracked`;
  const stdout = out.stdout.trim();
  const last = stdout.split("\n").pop()?.trim() ?? "";
  const bare = last.startsWith(prefix) ? last.slice(prefix.length) : last;
  if (out.exitCode === 0 && semver.valid(bare)) return { ok: true, version: bare, tag: `${prefix}${bare}` };
  const said = out.exitCode === 0 ? lines(stdout) : (errorLines(out.stderr) ?? lines(out.stderr.trim() || stdout));
  const message = said.slice(0, 4).join(" ") || `cog exited ${out.exitCode} without a version`;
  return { ok: false, nothing: out.exitCode === 0, message };
}

const lines = (text: string): string[] =>
  text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);

/**
 * cog's own error, without what came before it: with --skip-untracked cog first prints the dirty
 * files as a warning ("Untracked files : ..."), and that is not why it failed.
 */
function errorLines(stderr: string): string[] | null {
  const all = lines(stderr);
  const at = all.findIndex((l) => /^error:/i.test(l));
  return at === -1 ? null : [all[at]!.replace(/^error:\s*/i, ""), ...all.slice(at + 1)];
}

const copies = new Map<string, string>();

/**
 * cog's global options for a read (a dry run, a check) of this repository. When cog.toml sets no
 * tag_prefix but the history's tags carry one, cog is given a copy of cog.toml that sets it, in a
 * scratch folder: cog then reads the releases the tags are, as it will once the maintainer adds
 * the prefix the config check advises. cog.toml itself is never written.
 */
export function cogGlobalArgs(config: { root: string; inferredPrefix: { prefix: string } | null }): string[] {
  if (!config.inferredPrefix) return [];
  const key = `${config.root}\0${config.inferredPrefix.prefix}`;
  let path = copies.get(key);
  if (!path) {
    const dir = mkdtempSync(join(tmpdir(), "release-kit-cog-"));
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
    const original = join(config.root, "cog.toml");
    // Top-level keys come before the first table, so the prefix goes first.
    const text = `tag_prefix = ${JSON.stringify(config.inferredPrefix.prefix)}\n${existsSync(original) ? readFileSync(original, "utf8") : ""}`;
    path = join(dir, "cog.toml");
    writeFileSync(path, text);
    copies.set(key, path);
  }
  return ["--config", path];
}

/**
 * What a failing hook itself printed, from `cog bump`'s stderr: cog runs each hook with inherited
 * output, after a line naming it (`[git-cliff --tag v1.2.0 -o CHANGELOG.md]`), and then ends with its
 * own error (`Error: prehook run ... failed`, or a panic when there was nothing to stash). The
 * hook's last lines are what say why (git-cliff's "could not get github metadata"), not cog's.
 */
export function failedHookOutput(stderr: string, max = 6): { hook: string | null; lines: string[] } {
  const all = stderr.split("\n").map((l) => l.trimEnd());
  // cog's own error is the last one: a hook may print "Error: ..." lines of its own before it.
  let end = all.length;
  for (let i = all.length - 1; i >= 0; i--) {
    if (/^Error: |^thread '.*' panicked/.test(all[i]!)) {
      end = i;
      break;
    }
  }
  const named = /(?:prehook|posthook|hook) run `(.+?)` failed/.exec(stderr)?.[1] ?? null;
  let start = -1;
  for (let i = end - 1; i >= 0; i--) {
    const marker = /^\[(.+)\]$/.exec(all[i]!.trim());
    if (marker && (named === null || marker[1] === named) && !/^(pre|post)-bump$/.test(marker[1]!)) {
      start = i;
      break;
    }
  }
  if (start === -1 && named === null) return { hook: null, lines: [] };
  const hook = named ?? all[start]!.trim().slice(1, -1);
  let lines = all.slice(start + 1, end);
  // Stack traces follow the tool's own words: a Rust backtrace, or the Node wrapper's (git-cliff's npm package).
  const trace = lines.findIndex((l) =>
    /^(file:\/\/\/|node:internal\/)|^\/\S+\.[cm]?js:\d+$|^\s*(Stack|stack) backtrace:/.test(l),
  );
  if (trace !== -1) lines = lines.slice(0, trace);
  lines = lines.map((l) => l.trim()).filter(Boolean);
  // From the first line that says what went wrong; else the hook's last lines.
  const first = lines.findIndex((l) =>
    /error|panicked|fail|could not|cannot|not found|denied|refused|invalid/i.test(l),
  );
  return { hook, lines: first === -1 ? lines.slice(-max) : lines.slice(first, first + max) };
}
