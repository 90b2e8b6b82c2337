// Questions the kit asks git. Every one is a read; writes go through Runner.write in the scripts.
import type { Runner } from "./run.ts";

const text = (o: { stdout: string }) => o.stdout.trim();
const lines = (o: { stdout: string }) =>
  o.stdout
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);

/** The branch HEAD is on, or null when detached. */
export async function currentBranch(r: Runner): Promise<string | null> {
  const out = await r.probe`git symbolic-ref --quiet --short HEAD`;
  return out.exitCode === 0 ? text(out) : null;
}

export async function headSha(r: Runner): Promise<string | null> {
  const out = await r.probe`git rev-parse --verify --quiet HEAD^{commit}`;
  return out.exitCode === 0 ? text(out) : null;
}

/** The commit a ref (tag, branch, SHA) names, peeled; null when it does not exist. */
export async function commitOf(r: Runner, ref: string): Promise<string | null> {
  const out = await r.probe`git rev-parse --verify --quiet --end-of-options ${`${ref}^{commit}`}`;
  return out.exitCode === 0 ? text(out) : null;
}

export async function statusLines(r: Runner): Promise<string[]> {
  return lines(await r.read`git status --porcelain=v1 --untracked-files=all`);
}

export async function isShallow(r: Runner): Promise<boolean> {
  return text(await r.read`git rev-parse --is-shallow-repository`) === "true";
}

/** Local tags that start with the prefix. */
export async function localTags(r: Runner, prefix: string): Promise<string[]> {
  return lines(await r.read`git tag --list ${`${prefix}*`}`);
}

/** Tags on origin, as name → commit (peeled), from one ls-remote. */
export async function remoteTags(r: Runner, remote = "origin"): Promise<Map<string, string>> {
  const out = await r.read`git ls-remote --tags ${remote}`;
  const tags = new Map<string, string>();
  for (const line of lines(out)) {
    const [sha, ref] = line.split(/\s+/);
    if (!sha || !ref?.startsWith("refs/tags/")) continue;
    const name = ref.slice("refs/tags/".length);
    if (name.endsWith("^{}")) tags.set(name.slice(0, -3), sha);
    else if (!tags.has(name)) tags.set(name, sha);
  }
  return tags;
}

export async function isAncestor(r: Runner, ancestor: string, descendant: string): Promise<boolean> {
  return (await r.probe`git merge-base --is-ancestor --end-of-options ${ancestor} ${descendant}`).exitCode === 0;
}

/** Commits in `to` not in `from` (`from..to`), counted. */
export async function countBetween(r: Runner, from: string, to: string): Promise<number> {
  return Number(text(await r.read`git rev-list --count --end-of-options ${`${from}..${to}`}`));
}

export interface CommitInfo {
  sha: string;
  subject: string;
  body: string;
}

/** Commits of `range` (oldest first); `range` is `a..b`, or a single ref for all history. */
export async function commits(r: Runner, range: string): Promise<CommitInfo[]> {
  const out = await r.read`git log --reverse --format=%H%x1f%s%x1f%b%x1e --end-of-options ${range} --`;
  return out.stdout
    .split("\x1e")
    .map((chunk) => chunk.replace(/^\n/, ""))
    .filter((chunk) => chunk.trim())
    .map((chunk) => {
      const [sha = "", subject = "", body = ""] = chunk.split("\x1f");
      return { sha, subject, body: body.trim() };
    });
}

/** A file as it is at a revision; null when it does not exist there. */
export async function showFile(r: Runner, rev: string, path: string): Promise<string | null> {
  const out = await r.probe`git show --end-of-options ${`${rev}:${path}`}`;
  return out.exitCode === 0 ? out.stdout : null;
}

/** Every file path at a revision. */
export async function filesAt(r: Runner, rev: string): Promise<string[]> {
  return lines(await r.read`git ls-tree -r --name-only --end-of-options ${rev}`);
}

/** Files changed between two revisions. */
export async function changedFiles(r: Runner, from: string, to: string): Promise<string[]> {
  return lines(await r.read`git diff --name-only --end-of-options ${from} ${to} --`);
}

export async function configValue(r: Runner, key: string): Promise<string | null> {
  const out = await r.probe`git config --get ${key}`;
  return out.exitCode === 0 ? text(out) : null;
}
