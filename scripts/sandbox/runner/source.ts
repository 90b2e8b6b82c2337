// Reading the repository as the runner needs it, with as few git processes as possible (each one
// costs more than everything else a run does): a commit with its workflow files in two
// `cat-file --batch` calls, and a commit's whole tree as one `git archive`, kept for the jobs
// that check it out.
import { execFile, execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { chmod, mkdir, symlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { CommitFacts } from "./context.ts";
import { type TarEntry, untar } from "./oci/tar.ts";

interface BatchObject {
  sha: string;
  type: string;
  data: Buffer;
}

/** `git cat-file --batch` over several names; null for a missing one. */
function catFile(gitDir: string, names: string[]): (BatchObject | null)[] {
  const out = execFileSync("git", ["--git-dir", gitDir, "cat-file", "--batch"], {
    input: `${names.join("\n")}\n`,
    maxBuffer: 256 * 1024 * 1024,
    stdio: ["pipe", "pipe", "ignore"],
  });
  const objects: (BatchObject | null)[] = [];
  let at = 0;
  for (let i = 0; i < names.length; i++) {
    const end = out.indexOf(10, at);
    const header = out.subarray(at, end).toString("utf8").split(" ");
    if (header[1] === "missing" || header[1] === "ambiguous" || header.length < 3) {
      objects.push(null);
      at = end + 1;
      continue;
    }
    const size = Number(header[2]);
    objects.push({ sha: header[0]!, type: header[1]!, data: out.subarray(end + 1, end + 1 + size) });
    at = end + 1 + size + 1;
  }
  return objects;
}

function isoDate(epoch: string, tz: string): string {
  const sign = tz.startsWith("-") ? -1 : 1;
  const offset = sign * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(3, 5)));
  const local = new Date((Number(epoch) + offset * 60) * 1000).toISOString().replace(/\.\d{3}Z$/, "");
  return `${local}${tz.startsWith("-") ? "-" : "+"}${tz.slice(1, 3)}:${tz.slice(3, 5)}`;
}

function parseCommit(sha: string, data: Buffer): CommitFacts {
  const text = data.toString("utf8");
  const split = text.indexOf("\n\n");
  const headers = text.slice(0, split === -1 ? text.length : split).split("\n");
  const message = split === -1 ? "" : text.slice(split + 2);
  const person = (kind: string) => {
    const line = headers.find((h) => h.startsWith(`${kind} `)) ?? "";
    const m = /^\w+ (.*) <([^>]*)> (\d+) ([+-]\d{4})$/.exec(line);
    return m
      ? { name: m[1]!, email: m[2]!, date: isoDate(m[3]!, m[4]!) }
      : { name: "", email: "", date: new Date(0).toISOString() };
  };
  const author = person("author");
  const committer = person("committer");
  const tree = headers.find((h) => h.startsWith("tree "))?.slice(5) ?? "";
  return {
    sha,
    tree,
    message: message.replace(/\n$/, ""),
    authorName: author.name,
    authorEmail: author.email,
    authorDate: author.date,
    committerName: committer.name,
    committerEmail: committer.email,
    committerDate: committer.date,
  };
}

export interface CommitWithWorkflows {
  commit: CommitFacts;
  workflows: { path: string; text: string }[];
}

/** A branch's commit, read from the ref files (no process): null when it has none. */
function branchHead(gitDir: string, branch: string): string | null {
  try {
    return readFileSync(join(gitDir, "refs", "heads", branch), "utf8").trim();
  } catch {
    // packed
  }
  try {
    const line = readFileSync(join(gitDir, "packed-refs"), "utf8")
      .split("\n")
      .find((l) => l.endsWith(` refs/heads/${branch}`));
    return line ? line.slice(0, 40) : null;
  } catch {
    return null;
  }
}

/**
 * The commit a revision names and every .yml/.yaml directly in its .github/workflows; null when
 * there is no such commit. Commits and files are remembered by their ids, so asking again (every
 * run asks about the default branch, for workflow_run) costs no process.
 */
export function workflowReader(gitDir: string): {
  at(rev: string): CommitWithWorkflows | null;
  branch(name: string): CommitWithWorkflows | null;
} {
  const commits = new Map<string, CommitWithWorkflows>();
  const blobs = new Map<string, string>();
  const at = (rev: string): CommitWithWorkflows | null => {
    const known = commits.get(rev);
    if (known) return known;
    let commitObj: BatchObject | null;
    let tree: BatchObject | null;
    try {
      [commitObj, tree] = catFile(gitDir, [`${rev}^{commit}`, `${rev}^{commit}:.github/workflows`]) as [
        BatchObject | null,
        BatchObject | null,
      ];
    } catch {
      return null;
    }
    if (!commitObj) return null;
    const commit = parseCommit(commitObj.sha, commitObj.data);
    const entries: { name: string; sha: string }[] = [];
    if (tree?.type === "tree") {
      let i = 0;
      const data = tree.data;
      while (i < data.length) {
        const space = data.indexOf(0x20, i);
        const nul = data.indexOf(0, space);
        const mode = data.subarray(i, space).toString("utf8");
        const name = data.subarray(space + 1, nul).toString("utf8");
        const sha = data.subarray(nul + 1, nul + 21).toString("hex");
        i = nul + 21;
        if ((mode === "100644" || mode === "100755") && /\.ya?ml$/.test(name)) entries.push({ name, sha });
      }
    }
    const missing = entries.filter((e) => !blobs.has(e.sha));
    if (missing.length) {
      const read = catFile(
        gitDir,
        missing.map((e) => e.sha),
      );
      missing.forEach((e, i) => {
        blobs.set(e.sha, read[i]?.data.toString("utf8") ?? "");
      });
    }
    const result = {
      commit,
      workflows: entries.map((e) => ({ path: `.github/workflows/${e.name}`, text: blobs.get(e.sha)! })),
    };
    commits.set(commit.sha, result);
    if (commits.size > 64) commits.delete(commits.keys().next().value!);
    return result;
  };
  return {
    at,
    branch(name) {
      const sha = branchHead(gitDir, name);
      return sha ? at(sha) : null;
    },
  };
}

/** A commit's files, from one `git archive`, remembered for the next job that checks it out. */
export function sourceCache(gitDir: string): (sha: string) => Promise<TarEntry[]> {
  const cache = new Map<string, Promise<TarEntry[]>>();
  return (sha) => {
    let entries = cache.get(sha);
    if (!entries) {
      entries = new Promise<TarEntry[]>((resolve, reject) => {
        execFile(
          "git",
          ["--git-dir", gitDir, "archive", "--format=tar", sha],
          { encoding: "buffer", maxBuffer: 512 * 1024 * 1024 },
          (error, stdout) => (error ? reject(error) : resolve(untar(stdout))),
        );
      });
      cache.set(sha, entries);
      entries.catch(() => cache.delete(sha));
      if (cache.size > 8) cache.delete(cache.keys().next().value!);
    }
    return entries;
  };
}

export async function writeTree(entries: TarEntry[], target: string): Promise<void> {
  const dirs = new Set(entries.map((e) => dirname(join(target, e.path))));
  for (const d of [...dirs].sort()) await mkdir(d, { recursive: true });
  await Promise.all(
    entries.map(async (e) => {
      const path = join(target, e.path);
      if (e.link !== undefined) return symlink(e.link, path);
      await writeFile(path, e.data);
      if ((e.mode ?? 0o644) & 0o111) await chmod(path, 0o755);
    }),
  );
}
