// The maintainer's repository as the rehearsal takes it: its release branch, and a scratch clone
// whose origin is the sandbox's remote, holding every branch and tag of the repository.
import { execFile } from "node:child_process";
import { basename, join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
// Asynchronous on purpose: the sandbox's API answers the remote's push hook in this same process.
export const git = async (cwd: string, ...args: string[]) =>
  (await run("git", args, { cwd, encoding: "utf8" })).stdout.trim();
const tryGit = (cwd: string, ...args: string[]) => git(cwd, ...args).catch(() => "");

/** The repository's release branch: origin's default branch as its clone recorded it, else the branch checked out, else main. */
export async function releaseBranchOf(source: string): Promise<string> {
  const remoteHead = (await tryGit(source, "symbolic-ref", "--quiet", "refs/remotes/origin/HEAD")).replace(
    /^refs\/remotes\/origin\//,
    "",
  );
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
  const branches = (await git(clone, "for-each-ref", "--format=%(refname:strip=3)", "refs/remotes/origin/"))
    .split("\n")
    .filter((b) => b && b !== "HEAD");
  await git(clone, "remote", "set-url", "origin", remotePath);
  await git(
    clone,
    "push",
    "--quiet",
    "origin",
    "--tags",
    ...branches.map((b) => `refs/remotes/origin/${b}:refs/heads/${b}`),
  );
  await git(clone, "fetch", "--quiet", "--prune", "origin");
  if (!(await tryGit(clone, "config", "--get", "user.email")))
    await git(clone, "config", "user.email", "rehearsal@example.com");
  return clone;
}
