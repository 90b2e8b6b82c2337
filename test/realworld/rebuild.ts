// Rebuilds a real git repository from an extract: the same commit messages, authors, committers,
// dates, parents (within the extract) and tags, with files/ as the tree. One `git fast-import` run,
// so the result is deterministic: rebuilding twice gives the same commit ids.
//
// What is synthetic (README.md says the same): every commit carries the extract's files/ as they
// are at HEAD, plus a marker file `.realworld-history` holding the original commit id, so each
// commit changes something (git-cliff skips commits whose changes are all in `exclude_paths`). In a
// monorepo extract, a commit instead changes `<package path>/.realworld-history` for each package
// path it touched and the root marker only when it touched something outside them, as cog decides
// which package a commit belongs to from the paths it changes.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import type { TagEntry } from "./extract.ts";

export interface RebuiltRepository {
  path: string;
  /** The rebuilt HEAD commit id (not the original one: signatures and trees differ). */
  head: string;
  /** Tag name -> rebuilt commit id it points at. */
  tags: Record<string, string>;
}

interface Entry {
  sha: string;
  parents: string[];
  author_name: string;
  author_email: string;
  date: string;
  committer_name?: string;
  committer_email?: string;
  committer_date?: string;
  message: string;
  touched?: string[];
}

export const MARKER = ".realworld-history";

/** `2026-07-22T11:26:00+05:30` as git's raw `1784699760 +0530`. */
export function rawDate(iso: string): string {
  const seconds = Date.parse(iso) / 1000;
  if (!Number.isFinite(seconds)) throw new Error(`not an ISO 8601 date: ${iso}`);
  const m = /([+-])(\d{2}):?(\d{2})$/.exec(iso);
  const tz = m ? `${m[1]}${m[2]}${m[3]}` : "+0000";
  return `${seconds} ${tz}`;
}

function listFiles(root: string, dir = root): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? listFiles(root, full) : [relative(root, full)];
  });
}

function data(text: string | Buffer): Buffer {
  const body = typeof text === "string" ? Buffer.from(text, "utf8") : text;
  return Buffer.concat([Buffer.from(`data ${body.length}\n`), body, Buffer.from("\n")]);
}

/** A path as fast-import reads it: quoted when it holds anything unusual. */
function fiPath(path: string): string {
  return /^[\w./@+-]+$/.test(path) ? path : JSON.stringify(path);
}

export function readHistory(extractDir: string): Entry[] {
  return readFileSync(join(extractDir, "history.jsonl"), "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Entry);
}

export function readTags(extractDir: string): TagEntry[] {
  return JSON.parse(readFileSync(join(extractDir, "tags.json"), "utf8")) as TagEntry[];
}

export function rebuildRepository(extractDir: string, targetDir: string): RebuiltRepository {
  const source = JSON.parse(readFileSync(join(extractDir, "source.json"), "utf8")) as {
    default_branch: string;
    commit?: string;
  };
  const branch = source.default_branch;
  const history = readHistory(extractDir);
  const tags = readTags(extractDir);
  if (history.length === 0) throw new Error(`${extractDir}: history.jsonl is empty`);

  mkdirSync(targetDir, { recursive: true });
  const env = { ...process.env, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" };
  const git = (args: string[], input?: Buffer) =>
    execFileSync("git", args, { cwd: targetDir, env, input, maxBuffer: 256 * 1024 * 1024 }).toString();
  git(["init", "-q", "-b", branch]);

  const filesDir = join(extractDir, "files");
  const chunks: Buffer[] = [];
  const files = listFiles(filesDir);
  for (const [i, path] of files.entries())
    chunks.push(Buffer.from(`blob\nmark :${i + 1}\n`), data(readFileSync(join(filesDir, path))));

  const marks = new Map<string, number>();
  let next = files.length + 1;
  for (const entry of history) {
    const mark = next++;
    marks.set(entry.sha, mark);
    const parents = entry.parents.map((p) => {
      const m = marks.get(p);
      if (m === undefined)
        throw new Error(`${extractDir}: ${entry.sha} lists parent ${p} before it (history.jsonl must be oldest first)`);
      return m;
    });
    const committer = `${entry.committer_name ?? entry.author_name} <${entry.committer_email ?? entry.author_email}> ${rawDate(entry.committer_date ?? entry.date)}`;
    if (parents.length === 0) chunks.push(Buffer.from(`reset refs/heads/${branch}\n`));
    chunks.push(
      Buffer.from(
        `commit refs/heads/${branch}\nmark :${mark}\nauthor ${entry.author_name} <${entry.author_email}> ${rawDate(entry.date)}\ncommitter ${committer}\n`,
      ),
    );
    chunks.push(data(entry.message));
    if (parents.length > 0)
      chunks.push(
        Buffer.from(
          `from :${parents[0]}\n${parents
            .slice(1)
            .map((p) => `merge :${p}\n`)
            .join("")}`,
        ),
      );
    else for (const [i, path] of files.entries()) chunks.push(Buffer.from(`M 100644 :${i + 1} ${fiPath(path)}\n`));
    const markers = entry.touched ? entry.touched.map((p) => (p === "." ? MARKER : `${p}/${MARKER}`)) : [MARKER];
    for (const marker of markers)
      chunks.push(Buffer.from(`M 100644 inline ${fiPath(marker)}\n`), data(`${entry.sha}\n`));
    chunks.push(Buffer.from("\n"));
  }

  for (const tag of tags) {
    const mark = marks.get(tag.sha);
    if (mark === undefined)
      throw new Error(`${extractDir}: tag ${tag.name} points at ${tag.sha}, which is not in history.jsonl`);
    if (tag.annotated) {
      chunks.push(
        Buffer.from(
          `tag ${tag.name}\nfrom :${mark}\ntagger ${tag.tagger_name} <${tag.tagger_email}> ${rawDate(tag.tagger_date ?? "")}\n`,
        ),
        data(tag.message ?? ""),
      );
    } else {
      chunks.push(Buffer.from(`reset refs/tags/${tag.name}\nfrom :${mark}\n\n`));
    }
  }
  // The branch ends at the original HEAD (source.json's commit), whatever order side branches and
  // off-branch tagged commits were written in.
  const tip = marks.get(source.commit ?? "") ?? marks.get(history[history.length - 1].sha);
  chunks.push(Buffer.from(`reset refs/heads/${branch}\nfrom :${tip}\n\n`));

  git(["fast-import", "--quiet", "--date-format=raw"], Buffer.concat(chunks));
  git(["symbolic-ref", "HEAD", `refs/heads/${branch}`]);
  git(["reset", "-q", "--hard", branch]);

  const head = git(["rev-parse", "HEAD"]).trim();
  const rebuiltTags: Record<string, string> = {};
  for (const line of git(["for-each-ref", "refs/tags", "--format=%(refname:strip=2) %(*objectname) %(objectname)"])
    .split("\n")
    .filter(Boolean)) {
    const [name, peeled, object] = line.split(" ");
    rebuiltTags[name] = peeled || object;
  }
  return { path: targetDir, head, tags: rebuiltTags };
}
