// Builds or refreshes one real-world extract from a local git copy of the public repository.
//
//   npx tsx test/realworld/extract.ts test/realworld/<owner>__<name> --git-dir <path/to/repo.git> [--commit <sha>]
//
// The extraction settings live in the extract's source.json under "extract" (see README.md), so a
// refresh repeats exactly what was chosen by hand. This rewrites files/, history.jsonl and tags.json,
// and source.json's commit, commit_date and fetched_on; notes, license and expect.json are hand-written
// and stay as they are (re-check expect.json after a refresh: it is a claim about that commit).
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

export interface ExtractSettings {
  /** Tag or commit: history is every commit reachable from HEAD and not from this one's parents. */
  base: string;
  /** Paths to copy at HEAD; `dir/*` means every file directly in that directory. */
  files: string[];
  /** CHANGELOG-like files cut to their header and first N `## ` sections. */
  changelog_sections?: Record<string, number>;
  /** Cargo.lock-like files cut to these [[package]] entries. */
  lock_packages?: Record<string, string[]>;
  /** Docs cut to the lines matching this regular expression. */
  doc_lines?: Record<string, string>;
  /** Monorepo package paths: history records which of them each commit changed ("." = anything outside them). */
  touched?: string[];
  /** Also keep tagged commits that are off the branch but whose parents are in the extract (tags left on amended commits). */
  off_branch_tags?: boolean;
}

export interface HistoryEntry {
  sha: string;
  parents: string[];
  author_name: string;
  author_email: string;
  date: string;
  committer_name: string;
  committer_email: string;
  committer_date: string;
  message: string;
  touched?: string[];
  /** Not on the default branch: kept because a tag points at it. */
  off_branch?: boolean;
}

export interface TagEntry {
  name: string;
  sha: string;
  annotated: boolean;
  message?: string;
  tagger_name?: string;
  tagger_email?: string;
  tagger_date?: string;
}

function git(gitDir: string, args: string[], input?: string): string {
  return execFileSync("git", ["--git-dir", gitDir, ...args], { encoding: "utf8", input, maxBuffer: 512 * 1024 * 1024 });
}

/** `1700000000 +0530` as `2023-11-15T03:43:20+05:30`, the offset kept as written. */
export function isoFromGit(seconds: number, tz: string): string {
  const sign = tz.startsWith("-") ? -1 : 1;
  const minutes = sign * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(3, 5)));
  const local = new Date((seconds + minutes * 60) * 1000).toISOString().slice(0, 19);
  return `${local}${tz.slice(0, 3)}:${tz.slice(3, 5)}`;
}

function parseIdent(line: string): { name: string; email: string; date: string } {
  const m = /^(.*) <([^>]*)> (\d+) ([+-]\d{4})$/.exec(line);
  if (!m) throw new Error(`cannot read identity line: ${line}`);
  return { name: m[1], email: m[2], date: isoFromGit(Number(m[3]), m[4]) };
}

/** Reads many objects in one `git cat-file --batch`: sha -> raw content. */
function readObjects(gitDir: string, shas: string[]): Map<string, string> {
  const out = execFileSync("git", ["--git-dir", gitDir, "cat-file", "--batch"], {
    input: `${shas.join("\n")}\n`,
    maxBuffer: 512 * 1024 * 1024,
  });
  const result = new Map<string, string>();
  let pos = 0;
  for (const sha of shas) {
    const eol = out.indexOf(10, pos);
    const header = out.subarray(pos, eol).toString();
    const size = Number(header.split(" ")[2]);
    result.set(sha, out.subarray(eol + 1, eol + 1 + size).toString("utf8"));
    pos = eol + 1 + size + 1;
  }
  return result;
}

function splitObject(raw: string): { headers: string[]; message: string } {
  const cut = raw.indexOf("\n\n");
  const head = cut < 0 ? raw : raw.slice(0, cut);
  // Continuation lines (a gpgsig block, a mergetag) start with a space: they belong to the header above.
  const headers = head.split("\n").filter((l) => !l.startsWith(" "));
  return { headers, message: cut < 0 ? "" : raw.slice(cut + 2) };
}

export function trimChangelog(text: string, sections: number): string {
  const lines = text.split("\n");
  let seen = 0;
  for (let i = 0; i < lines.length; i++) {
    if (/^## /.test(lines[i]) && ++seen > sections) return `${lines.slice(0, i).join("\n").trimEnd()}\n`;
  }
  return text;
}

export function trimLock(text: string, keep: string[]): string {
  const [head, ...packages] = text.split("\n[[package]]\n");
  const kept = packages.filter((p) => keep.includes(/^name = "([^"]+)"/.exec(p)?.[1] ?? ""));
  return `${[head.trimEnd(), ...kept.map((p) => `[[package]]\n${p.trimEnd()}`)].join("\n\n")}\n`;
}

function listFiles(gitDir: string, commit: string, pattern: string): string[] {
  if (!pattern.endsWith("/*")) return [pattern];
  const dir = pattern.slice(0, -1);
  return git(gitDir, ["ls-tree", "--name-only", commit, dir]).split("\n").filter(Boolean);
}

export function extract(dir: string, gitDir: string, commitArg?: string): void {
  const sourcePath = join(dir, "source.json");
  const source = JSON.parse(readFileSync(sourcePath, "utf8"));
  const settings: ExtractSettings = source.extract;
  const commit = git(gitDir, ["rev-parse", `${commitArg ?? source.commit ?? "HEAD"}^{commit}`]).trim();

  rmSync(join(dir, "files"), { recursive: true, force: true });
  for (const pattern of settings.files) {
    for (const path of listFiles(gitDir, commit, pattern)) {
      let text = git(gitDir, ["show", `${commit}:${path}`]);
      const sections = settings.changelog_sections?.[path];
      if (sections) text = trimChangelog(text, sections);
      const lock = settings.lock_packages?.[path];
      if (lock) text = trimLock(text, lock);
      const lineRe = settings.doc_lines?.[path];
      if (lineRe)
        text = `${text
          .split("\n")
          .filter((l) => new RegExp(lineRe).test(l))
          .join("\n")}\n`;
      const target = join(dir, "files", path);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, text);
    }
  }

  const baseParents = git(gitDir, ["rev-parse", `${settings.base}^{commit}^@`])
    .split("\n")
    .filter(Boolean);
  const shas = git(gitDir, ["rev-list", "--topo-order", "--reverse", commit, "--not", ...baseParents])
    .split("\n")
    .filter(Boolean);
  const offBranch = new Set<string>();
  if (settings.off_branch_tags) {
    const onBranch = new Set(shas);
    const targets = git(gitDir, ["for-each-ref", "refs/tags", "--format=%(objectname)%00%(*objectname)"])
      .split("\n")
      .filter(Boolean);
    for (const line of targets) {
      const [object, peeled] = line.split("\0");
      const target = peeled || object;
      if (onBranch.has(target) || offBranch.has(target)) continue;
      const parents = git(gitDir, ["rev-parse", `${target}^@`])
        .split("\n")
        .filter(Boolean);
      if (parents.length > 0 && parents.every((p) => onBranch.has(p))) offBranch.add(target);
    }
    // Each one goes right after its parent, so history stays oldest first and HEAD stays last.
    for (const target of offBranch) {
      const parent = git(gitDir, ["rev-parse", `${target}^1`]).trim();
      shas.splice(shas.indexOf(parent) + 1, 0, target);
    }
  }
  const inSet = new Set(shas);
  const objects = readObjects(gitDir, shas);
  const history: HistoryEntry[] = shas.map((sha) => {
    const { headers, message } = splitObject(objects.get(sha) ?? "");
    const value = (key: string) => headers.filter((h) => h.startsWith(`${key} `)).map((h) => h.slice(key.length + 1));
    const author = parseIdent(value("author")[0]);
    const committer = parseIdent(value("committer")[0]);
    const entry: HistoryEntry = {
      sha,
      parents: value("parent").filter((p) => inSet.has(p)),
      author_name: author.name,
      author_email: author.email,
      date: author.date,
      committer_name: committer.name,
      committer_email: committer.email,
      committer_date: committer.date,
      message,
    };
    if (offBranch.has(sha)) entry.off_branch = true;
    if (settings.touched?.length) {
      const changed = git(gitDir, [
        "diff-tree",
        "--no-commit-id",
        "--name-only",
        "-r",
        "-m",
        "--first-parent",
        "--root",
        sha,
      ]).split("\n");
      const inside = (c: string, p: string) => c === p || c.startsWith(`${p}/`);
      const packages = settings.touched;
      entry.touched = packages.filter((p) => changed.some((c) => inside(c, p)));
      if (changed.some((c) => c && !packages.some((p) => inside(c, p)))) entry.touched.push(".");
    }
    return entry;
  });
  writeFileSync(join(dir, "history.jsonl"), `${history.map((h) => JSON.stringify(h)).join("\n")}\n`);

  const refs = git(gitDir, [
    "for-each-ref",
    "refs/tags",
    "--format=%(refname:strip=2)%00%(objecttype)%00%(objectname)%00%(*objectname)",
  ]);
  const tags: TagEntry[] = [];
  for (const line of refs.split("\n").filter(Boolean)) {
    const [name, type, object, peeled] = line.split("\0");
    const target = type === "tag" ? peeled : object;
    if (!inSet.has(target)) continue;
    if (type !== "tag") {
      tags.push({ name, sha: target, annotated: false });
      continue;
    }
    const { headers, message } = splitObject(git(gitDir, ["cat-file", "tag", object]));
    const tagger = parseIdent(headers.find((h) => h.startsWith("tagger "))?.slice(7) ?? "");
    // A signature cannot be carried over; the message is kept without it.
    const text = message.replace(/-----BEGIN (PGP|SSH) SIGNATURE-----[\s\S]*$/, "");
    tags.push({
      name,
      sha: target,
      annotated: true,
      message: text,
      tagger_name: tagger.name,
      tagger_email: tagger.email,
      tagger_date: tagger.date,
    });
  }
  const order = new Map(shas.map((s, i) => [s, i]));
  tags.sort((a, b) => (order.get(a.sha) ?? 0) - (order.get(b.sha) ?? 0) || a.name.localeCompare(b.name));
  writeFileSync(join(dir, "tags.json"), `${JSON.stringify(tags, null, 2)}\n`);

  source.commit = commit;
  source.commit_date = parseIdent(
    splitObject(git(gitDir, ["cat-file", "commit", commit]))
      .headers.find((h) => h.startsWith("committer "))
      ?.slice(10) ?? "",
  ).date;
  source.fetched_on = new Date().toISOString().slice(0, 10);
  writeFileSync(sourcePath, `${JSON.stringify(source, null, 2)}\n`);
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const [dir, ...rest] = process.argv.slice(2);
  const flag = (name: string) => {
    const i = rest.indexOf(name);
    return i >= 0 ? rest[i + 1] : undefined;
  };
  const gitDir = flag("--git-dir");
  if (!dir || !gitDir) {
    console.error("usage: npx tsx test/realworld/extract.ts <extract-dir> --git-dir <repo.git> [--commit <sha>]");
    process.exit(2);
  }
  extract(dir, gitDir, flag("--commit"));
}
