// Does the release commit hold what the runbook's steps 2 and 4 should have written, and nothing
// they should not have destroyed? Checked before anything leaves the machine: this version's
// CHANGELOG.md section, every earlier release's section as it was, and for a Cargo workspace every
// member's version in its manifest and in Cargo.lock (DESIGN.md, release step 4).
import { parse as parseToml } from "smol-toml";
import { earlierSectionsChanged, findSection, releaseSections } from "./changelog.ts";
import type { Config } from "./config.ts";
import { changedFiles, showFile } from "./git.ts";
import { cliffHookOf, parseHooks } from "./hooks.ts";
import { summarise } from "./output.ts";
import type { Runner } from "./run.ts";

export interface CommitReview {
  ok: boolean;
  /** What is missing or was destroyed, each with where to look. */
  problems: string[];
  files: string[];
  /** Files the release should not touch (swept in by --skip-untracked, or a hook's side effect). */
  unexpected: string[];
  section: string | null;
}

/** The files the runbook's hooks write: git-cliff's CHANGELOG.md, cargo-release's manifests and lock, npm's. */
export const HOOK_FILES =
  /^(CHANGELOG\.md|Cargo\.lock|(.*\/)?Cargo\.toml|package\.json|package-lock\.json|npm-shrinkwrap\.json)$/;

const table = (v: unknown) => (v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const list = (items: string[]) => summarise(items, 8);

async function toml(r: Runner, rev: string, path: string): Promise<Record<string, unknown> | null> {
  const text = await showFile(r, rev, path);
  if (text === null) return null;
  try {
    return parseToml(text) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** Why the release commit's CHANGELOG.md has no section for the version, from who writes it. */
async function missingSectionCause(config: Config, version: string): Promise<string> {
  if (config.topology.changelog === "cog")
    return `cog did not write a section for ${version} (check [changelog] in cog.toml and its template)`;
  const cliff = (await parseHooks(config.cog?.preBumpHooks ?? [])).map(cliffHookOf).find((c) => c !== null);
  if (!cliff) return "no pre_bump_hook runs git-cliff, so nothing wrote it (or it ran after cog committed)";
  if (cliff.output === null || cliff.output === "-")
    return `the git-cliff hook (${cliff.hook}) writes no file: it needs -o CHANGELOG.md`;
  if (!cliff.tagged)
    return `the git-cliff hook (${cliff.hook}) titles the new section "Unreleased": it needs --tag {{version_tag}}`;
  return `the git-cliff hook (${cliff.hook}) rendered no section for it: run it by hand to see why (cliff.toml's tag_pattern, commit_parsers or filters may leave every commit out)`;
}

async function changelogProblems(
  r: Runner,
  config: Config,
  commit: string,
  parent: string,
  version: string,
  files: string[],
): Promise<{ problems: string[]; section: string | null }> {
  const writer = config.topology.changelog === "cog" ? "cog" : "the git-cliff pre_bump_hook";
  const changelog = await showFile(r, commit, "CHANGELOG.md");
  if (!changelog)
    return {
      problems: [
        `the release commit has no CHANGELOG.md: ${writer} did not write it${writer === "cog" ? "" : " (it needs -o CHANGELOG.md, or --prepend CHANGELOG.md with --unreleased)"}`,
      ],
      section: null,
    };
  const section = findSection(changelog, version);
  const problems: string[] = [];
  const before = parent ? await showFile(r, parent, "CHANGELOG.md") : null;
  const earlier = before ? releaseSections(before) : new Map<string, string>();
  // A hook that fails quietly (git-cliff that could not reach GitHub, a range with nothing in it)
  // can leave the file as its header alone: every release's notes gone at once.
  if (!section && earlier.size && !releaseSections(changelog).size) {
    problems.push(
      `CHANGELOG.md was emptied: the release commit leaves only its header (${earlier.size} earlier release${earlier.size === 1 ? "" : "s"}' sections and no ${version} section); ${writer} wrote no release at all: run it by hand to see why`,
    );
    return { problems, section };
  }
  if (!section)
    problems.push(
      `CHANGELOG.md in the release commit has no section for ${version}: ${await missingSectionCause(config, version)}`,
    );
  else if (!files.includes("CHANGELOG.md")) problems.push("the release commit does not change CHANGELOG.md");
  // Earlier releases' sections must come through as they were: a hook that regenerates the file
  // from a template that does not match it would silently replace hand-written history.
  if (before) {
    const { removed, changed } = earlierSectionsChanged(before, changelog, version);
    if (removed.length || changed.length) {
      problems.push(
        `${writer === "cog" ? "cog" : "the git-cliff hook"} rewrote CHANGELOG.md's earlier releases (${[removed.length ? `removed: ${list(removed)}` : "", changed.length ? `changed: ${list(changed)}` : ""].filter(Boolean).join("; ")}): ` +
          "make the hook prepend the new section instead (git-cliff --unreleased --tag {{version_tag}} --prepend CHANGELOG.md), or make cliff.toml render the old sections as they are; " +
          "if rewriting them is wanted, do it in a reviewed commit of its own before the release",
      );
    }
  }
  return { problems, section };
}

async function cargoProblems(r: Runner, config: Config, commit: string, version: string): Promise<string[]> {
  const ws = config.workspace;
  if (ws.kind !== "cargo") return [];
  const problems: string[] = [];
  const root = await toml(r, commit, "Cargo.toml");
  const workspaceVersion = table(table(root?.workspace).package).version;
  for (const member of ws.members) {
    const data = member.manifest === "Cargo.toml" ? root : await toml(r, commit, member.manifest);
    const pkg = table(data?.package);
    const has = table(pkg.version).workspace === true ? workspaceVersion : pkg.version;
    if (has !== version)
      problems.push(
        `${member.inheritsVersion ? "Cargo.toml [workspace.package]" : member.manifest} has version ${String(has)}, not ${version}: the cargo-release pre_bump_hook did not run with --execute --no-confirm`,
      );
  }
  // A workspace that ignores Cargo.lock (a library's choice) has none to check; otherwise the lock
  // must lock every released member at the new version, or `cargo build --locked` fails at the tag.
  const ignored = (await r.probe`git check-ignore --quiet --no-index -- Cargo.lock`).exitCode === 0;
  if (ignored) return problems;
  const lock = await toml(r, commit, "Cargo.lock");
  if (!lock) {
    problems.push(
      `the release commit has no ${(await showFile(r, commit, "Cargo.lock")) === null ? "" : "readable "}Cargo.lock: cargo-release refreshes it when it stamps the versions; commit Cargo.lock, or list it in .gitignore if the workspace does not keep one`,
    );
    return problems;
  }
  const packages = Array.isArray(lock.package) ? (lock.package as Record<string, unknown>[]) : [];
  for (const member of ws.members) {
    const entry = packages.find((p) => p.name === member.name && p.source === undefined);
    if (!entry)
      problems.push(
        `Cargo.lock has no entry for ${member.name}: run cargo-release (or cargo metadata) so the lock knows every member`,
      );
    else if (entry.version !== version)
      problems.push(`Cargo.lock still locks ${member.name} at ${String(entry.version)}, not ${version}`);
  }
  return problems;
}

export async function reviewReleaseCommit(
  r: Runner,
  config: Config,
  commit: string,
  version: string,
): Promise<CommitReview> {
  const parent = (await r.probe`git rev-parse --verify --quiet ${`${commit}^`}`).stdout.trim();
  const files = parent ? await changedFiles(r, parent, commit) : [];
  const { problems, section } = await changelogProblems(r, config, commit, parent, version, files);
  problems.push(...(await cargoProblems(r, config, commit, version)));
  if (config.workspace.kind === "npm") {
    const pkg = await showFile(r, commit, "package.json");
    let has: unknown;
    try {
      has = pkg ? (JSON.parse(pkg) as { version?: unknown }).version : undefined;
    } catch {
      has = "(unreadable)";
    }
    if (has !== version)
      problems.push(
        `package.json has version ${String(has)}, not ${version}: add a pre_bump_hook that sets it (npm version {{version}} --no-git-tag-version)`,
      );
  }
  return { ok: problems.length === 0, problems, files, unexpected: files.filter((f) => !HOOK_FILES.test(f)), section };
}
