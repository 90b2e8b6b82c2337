// What the rehearsal needs to know of a maintainer's repository before the sandbox starts: its
// release branch, the registry hosts its tag workflows publish to (each is served by the sandbox),
// and the job the "broken release" fails: a real publishing job of those workflows, read with the
// kit's own workflow reader (the simulator that runs them never reads it).
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { basename, join } from "node:path";
import { createRunner } from "../lib/run.ts";
import { readTagWorkflows, type TagWorkflows } from "../lib/workflow/index.ts";

const run = promisify(execFile);
// Asynchronous on purpose: the sandbox's API answers the remote's push hook in this same process.
export const git = async (cwd: string, ...args: string[]) => (await run("git", args, { cwd, encoding: "utf8" })).stdout.trim();
const tryGit = (cwd: string, ...args: string[]) => git(cwd, ...args).catch(() => "");

/** The repository's release branch: origin's default branch as its clone recorded it, else the branch checked out, else main. */
export async function releaseBranchOf(source: string): Promise<string> {
  const remoteHead = (await tryGit(source, "symbolic-ref", "--quiet", "refs/remotes/origin/HEAD")).replace(/^refs\/remotes\/origin\//, "");
  if (remoteHead && !remoteHead.startsWith("refs/")) return remoteHead;
  return (await tryGit(source, "symbolic-ref", "--quiet", "--short", "HEAD")) || "main";
}

/**
 * A scratch clone of the maintainer's repository, with origin pointed at the sandbox's remote, which
 * gets every branch and tag of the repository (the release branch is its default branch). The clone
 * stays on the branch the repository has checked out, as a release from there would.
 */
export async function seedFromRepo(source: string, scratch: string, remotePath: string): Promise<string> {
  const clone = join(scratch, basename(source));
  await git(scratch, "clone", "--quiet", "--no-local", "--no-hardlinks", source, clone);
  await git(clone, "fetch", "--quiet", "--tags", source);
  const branches = (await git(clone, "for-each-ref", "--format=%(refname:strip=3)", "refs/remotes/origin/")).split("\n").filter((b) => b && b !== "HEAD");
  await git(clone, "remote", "set-url", "origin", remotePath);
  await git(clone, "push", "--quiet", "origin", "--tags", ...branches.map((b) => `refs/remotes/origin/${b}:refs/heads/${b}`));
  await git(clone, "fetch", "--quiet", "--prune", "origin");
  if (!(await tryGit(clone, "config", "--get", "user.email"))) await git(clone, "config", "user.email", "rehearsal@example.com");
  return clone;
}

export interface Publishing {
  /** Registry hosts of what the tag workflows publish (images, charts, OCI artifacts). */
  hosts: string[];
  /** The first job that pushes an image, else the first that pushes another artifact; null: nothing is published that the kit reads. */
  job: { workflow: string; job: string } | null;
  /** Why there is no such job, for the report. */
  why: string | null;
}

/** A tag the workflows start on: the repository's newest release tag (the next one starts the same), else a first release's. */
async function sampleTag(source: string): Promise<string[]> {
  const tags = (await tryGit(source, "tag", "--list", "--sort=-creatordate")).split("\n").filter((t) => /\d+\.\d+\.\d+/.test(t));
  return [...tags.slice(0, 1), "v0.1.0", "0.1.0"];
}

export async function publishingOf(source: string, owner: string, name: string): Promise<Publishing> {
  const r = createRunner(source, false);
  const sha = (await tryGit(source, "rev-parse", "HEAD")) || "0".repeat(40);
  let found: TagWorkflows | null = null;
  for (const tag of await sampleTag(source)) {
    try {
      found = await readTagWorkflows(r, { workflowPaths: null }, "HEAD", { owner, repository: `${owner}/${name}`, tag, sha });
    } catch {
      // A workflow GitHub would refuse: preflight says so; the rehearsal serves what it can.
      return { hosts: [], job: null, why: "a tag workflow cannot be read (see preflight's config check)" };
    }
    if (found.started.length) break;
  }
  if (!found?.started.length) return { hosts: [], job: null, why: "no workflow starts on the repository's release tags" };
  const refs = [...found.images.map((i) => i.ref), ...found.artifacts.map((a) => a.ref)];
  const hosts = [...new Set(refs.map((ref) => ref.split("/")[0]!))];
  const first = found.images[0] ?? found.artifacts[0];
  const why = first ? null : `${found.started.map((w) => w.path).join(", ")} publish${found.started.length > 1 ? "" : "es"} no image or chart the kit verifies`;
  return { hosts, job: first ? { workflow: first.workflow, job: first.job } : null, why };
}
