// Reads and writes the sandbox's bare repository with git itself, so the API and `git push` see one
// truth. Every call is an argv array; names that could pass for options are refused first.
import { execFile } from "node:child_process";

export interface CommitInfo {
  sha: string;
  tree: string;
  parents: string[];
  authorName: string;
  authorEmail: string;
  authorDate: string;
  committerName: string;
  committerEmail: string;
  committerDate: string;
  message: string;
}

export interface RefInfo {
  /** Full name: "refs/tags/v1.2.3". */
  ref: string;
  sha: string;
  /** The object the ref points at: "commit" for lightweight tags and branches, "tag" for annotated tags. */
  type: string;
}

export interface Comparison {
  mergeBase: string;
  aheadBy: number;
  behindBy: number;
  /** base..head, oldest first, at most `limit`. */
  commits: CommitInfo[];
}

export interface TagObject {
  sha: string;
  tag: string;
  objectSha: string;
  objectType: string;
  taggerName: string;
  taggerEmail: string;
  /** ISO 8601. */
  taggerDate: string;
  message: string;
}

export type CreateRefResult = "created" | "exists" | "bad-object";

export interface BareGit {
  dir: string;
  listRefs(): Promise<RefInfo[]>;
  getRef(fullRef: string): Promise<RefInfo | null>;
  /** A SHA (full or unique prefix), branch, tag or full ref, peeled to its commit; null when unknown. */
  resolveCommit(rev: string): Promise<string | null>;
  commit(sha: string): Promise<CommitInfo>;
  commits(shas: string[]): Promise<CommitInfo[]>;
  /** Null when the two commits share no history. */
  compare(baseSha: string, headSha: string, limit: number): Promise<Comparison | null>;
  isValidRefName(fullRef: string): Promise<boolean>;
  /** An annotated tag object by its SHA; null when the SHA names no tag object. */
  tagObject(sha: string): Promise<TagObject | null>;
  /** Commits reachable from `headSha`, newest first (git log order), `skip` then at most `limit`. */
  log(headSha: string, skip: number, limit: number): Promise<CommitInfo[]>;
  /** Whether `ancestor` is reachable from `descendant`. */
  isAncestor(ancestor: string, descendant: string): Promise<boolean>;
  /** Creates the ref only if it does not exist yet (atomic in git). */
  createRef(fullRef: string, sha: string): Promise<CreateRefResult>;
  /** Deletes the ref if it still points at oldSha. */
  deleteRef(fullRef: string, oldSha: string): Promise<boolean>;
}

interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

const FULL_SHA = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;
// Fields are split by US and commits by NUL (`-z`); the message is last, so stray US bytes in it survive.
const FORMAT = ["%H", "%T", "%P", "%an", "%ae", "%aI", "%cn", "%ce", "%cI", "%B"].join("%x1f");

export function openBareRepo(dir: string): BareGit {
  const cache = new Map<string, CommitInfo>(); // commits never change

  const env: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: "0", LC_ALL: "C" };
  // A server started from inside a git hook must not inherit that hook's repository.
  for (const k of [
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_QUARANTINE_PATH",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
  ])
    delete env[k];

  function git(args: string[]): Promise<GitResult> {
    return new Promise((resolve, reject) => {
      execFile("git", ["-C", dir, ...args], { env, encoding: "utf8", maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
        if (err && typeof err.code !== "number") return reject(err); // spawn failure, not an exit code
        resolve({ code: err ? Number(err.code) : 0, stdout, stderr });
      });
    });
  }

  async function must(args: string[]): Promise<string> {
    const r = await git(args);
    if (r.code !== 0) throw new Error(`git ${args.join(" ")} failed (${r.code}): ${r.stderr.trim()}`);
    return r.stdout;
  }

  function parseCommit(record: string): CommitInfo {
    const f = record.split("\x1f");
    const message = f.slice(9).join("\x1f");
    return {
      sha: f[0],
      tree: f[1],
      parents: f[2] ? f[2].split(" ") : [],
      authorName: f[3],
      authorEmail: f[4],
      authorDate: f[5],
      committerName: f[6],
      committerEmail: f[7],
      committerDate: f[8],
      message: message.replace(/\n$/, ""),
    };
  }

  async function commits(shas: string[]): Promise<CommitInfo[]> {
    const missing = [...new Set(shas.filter((s) => !cache.has(s)))];
    if (missing.some((s) => !FULL_SHA.test(s))) throw new Error("commits() takes full SHAs");
    if (missing.length > 0) {
      const out = await must(["log", "--no-walk=unsorted", "-z", `--format=${FORMAT}`, ...missing, "--"]);
      for (const rec of out.split("\0")) {
        if (!rec) continue;
        const c = parseCommit(rec);
        cache.set(c.sha, c);
      }
    }
    return shas.map((s) => {
      const c = cache.get(s);
      if (!c) throw new Error(`commit ${s} not found`);
      return c;
    });
  }

  async function listRefs(): Promise<RefInfo[]> {
    const out = await must(["for-each-ref", "--format=%(refname)%00%(objectname)%00%(objecttype)"]);
    return out
      .split("\n")
      .filter(Boolean)
      .map((line) => {
        const [ref, sha, type] = line.split("\0");
        return { ref, sha, type };
      });
  }

  return {
    dir,
    listRefs,
    async getRef(fullRef) {
      return (await listRefs()).find((r) => r.ref === fullRef) ?? null;
    },
    async resolveCommit(rev) {
      if (!rev || rev.startsWith("-") || /[\s\0:]|\.\./.test(rev)) return null;
      const r = await git(["rev-parse", "--verify", "--quiet", "--end-of-options", `${rev}^{commit}`]);
      return r.code === 0 ? r.stdout.trim() : null;
    },
    async commit(sha) {
      return (await commits([sha]))[0];
    },
    commits,
    async compare(baseSha, headSha, limit) {
      const mb = await git(["merge-base", baseSha, headSha]);
      if (mb.code !== 0) return null;
      const counts = (await must(["rev-list", "--left-right", "--count", `${baseSha}...${headSha}`]))
        .trim()
        .split(/\s+/);
      const shas = (await must(["rev-list", "--reverse", `${baseSha}..${headSha}`])).split("\n").filter(Boolean);
      return {
        mergeBase: mb.stdout.trim(),
        behindBy: Number(counts[0]),
        aheadBy: Number(counts[1]),
        commits: await commits(shas.slice(0, limit)),
      };
    },
    async isValidRefName(fullRef) {
      if (!fullRef.startsWith("refs/")) return false;
      return (await git(["check-ref-format", fullRef])).code === 0;
    },
    async tagObject(sha) {
      if (!FULL_SHA.test(sha)) return null;
      const type = await git(["cat-file", "-t", sha]);
      if (type.code !== 0 || type.stdout.trim() !== "tag") return null;
      const raw = await must(["cat-file", "tag", sha]);
      const split = raw.indexOf("\n\n");
      const head = split < 0 ? raw : raw.slice(0, split);
      const field = (name: string) =>
        head
          .split("\n")
          .find((l) => l.startsWith(`${name} `))
          ?.slice(name.length + 1) ?? "";
      const tagger = /^(.*) <([^>]*)> (\d+) ([+-]\d{4})$/.exec(field("tagger"));
      const message = split < 0 ? "" : raw.slice(split + 2).replace(/-----BEGIN [A-Z ]*SIGNATURE-----[\s\S]*$/, "");
      return {
        sha,
        tag: field("tag"),
        objectSha: field("object"),
        objectType: field("type"),
        taggerName: tagger?.[1] ?? "",
        taggerEmail: tagger?.[2] ?? "",
        taggerDate: tagger ? new Date(Number(tagger[3]) * 1000).toISOString() : new Date(0).toISOString(),
        message,
      };
    },
    async log(headSha, skip, limit) {
      const out = await must(["rev-list", `--skip=${skip}`, `--max-count=${limit}`, headSha, "--"]);
      return commits(out.split("\n").filter(Boolean));
    },
    async isAncestor(ancestor, descendant) {
      return (await git(["merge-base", "--is-ancestor", ancestor, descendant])).code === 0;
    },
    async createRef(fullRef, sha) {
      if (!FULL_SHA.test(sha)) return "bad-object";
      // An empty old value makes git refuse when the ref already exists.
      const r = await git(["update-ref", "--no-deref", fullRef, sha, ""]);
      if (r.code === 0) return "created";
      return (await listRefs()).some((x) => x.ref === fullRef) ? "exists" : "bad-object";
    },
    async deleteRef(fullRef, oldSha) {
      return (await git(["update-ref", "--no-deref", "-d", fullRef, oldSha])).code === 0;
    },
  };
}
