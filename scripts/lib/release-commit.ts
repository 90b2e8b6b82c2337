// Does the release commit hold what the runbook's steps 2 and 4 should have written? Checked before
// anything leaves the machine: this version's CHANGELOG.md section and, for a Cargo workspace,
// every member's version and Cargo.lock (DESIGN.md, release step 4).
import { parse as parseToml } from "smol-toml";
import { findSection } from "./changelog.ts";
import type { Config } from "./config.ts";
import { changedFiles, showFile } from "./git.ts";
import type { Runner } from "./run.ts";

export interface CommitReview {
  ok: boolean;
  /** What is missing, each with where to look. */
  problems: string[];
  files: string[];
  /** Files the release should not touch (swept in by --skip-untracked, or a hook's side effect). */
  unexpected: string[];
  section: string | null;
}

const EXPECTED = /^(CHANGELOG\.md|Cargo\.lock|(.*\/)?Cargo\.toml|package\.json|package-lock\.json|npm-shrinkwrap\.json)$/;

const table = (v: unknown) => (v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

async function toml(r: Runner, rev: string, path: string): Promise<Record<string, unknown> | null> {
  const text = await showFile(r, rev, path);
  if (text === null) return null;
  try {
    return parseToml(text) as Record<string, unknown>;
  } catch {
    return null;
  }
}

export async function reviewReleaseCommit(r: Runner, config: Config, commit: string, version: string): Promise<CommitReview> {
  const problems: string[] = [];
  const parent = (await r.probe`git rev-parse --verify --quiet ${`${commit}^`}`).stdout.trim();
  const files = parent ? await changedFiles(r, parent, commit) : [];

  const changelog = await showFile(r, commit, "CHANGELOG.md");
  const section = changelog ? findSection(changelog, version) : null;
  if (!changelog) problems.push("the release commit has no CHANGELOG.md: the git-cliff pre_bump_hook did not write it (it needs -o CHANGELOG.md)");
  else if (!section) problems.push(`CHANGELOG.md in the release commit has no section for ${version}: the git-cliff hook needs --tag {{version_tag}} (or it ran after cog committed)`);
  else if (!files.includes("CHANGELOG.md")) problems.push("the release commit does not change CHANGELOG.md");

  const ws = config.workspace;
  if (ws.kind === "cargo") {
    const root = await toml(r, commit, "Cargo.toml");
    const workspaceVersion = table(table(root?.workspace).package).version;
    for (const member of ws.members) {
      const data = member.manifest === "Cargo.toml" ? root : await toml(r, commit, member.manifest);
      const pkg = table(data?.package);
      const has = table(pkg.version).workspace === true ? workspaceVersion : pkg.version;
      if (has !== version) problems.push(`${member.inheritsVersion ? "Cargo.toml [workspace.package]" : member.manifest} has version ${String(has)}, not ${version}: the cargo-release pre_bump_hook did not run with --execute --no-confirm`);
    }
    const lock = await toml(r, commit, "Cargo.lock");
    if (lock) {
      const packages = Array.isArray(lock.package) ? (lock.package as Record<string, unknown>[]) : [];
      for (const member of ws.members) {
        const entry = packages.find((p) => p.name === member.name && p.source === undefined);
        if (entry && entry.version !== version) problems.push(`Cargo.lock still locks ${member.name} at ${String(entry.version)}, not ${version}`);
      }
    }
  } else if (ws.kind === "npm") {
    const pkg = await showFile(r, commit, "package.json");
    const has = pkg ? (JSON.parse(pkg) as { version?: string }).version : undefined;
    if (has !== version) problems.push(`package.json has version ${String(has)}, not ${version}: add a pre_bump_hook that sets it (npm version {{version}} --no-git-tag-version)`);
  }
  return { ok: problems.length === 0, problems, files, unexpected: files.filter((f) => !EXPECTED.test(f)), section };
}
