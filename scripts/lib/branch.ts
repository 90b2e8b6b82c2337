// The release branch is origin's default branch, not a name the kit assumes: a `master` repository
// must never be checked against `main`. Asked of git first (what a clone recorded, then origin
// itself), and of GitHub by preflight when git cannot tell.
import type { Runner } from "./run.ts";

export interface DefaultBranch {
  branch: string;
  /** Where it was read, for config.sources. */
  source: string;
}

const HEAD_SYMREF = /^ref:\s+refs\/heads\/(\S+)\s+HEAD$/m;

/**
 * origin's default branch as git knows it: `refs/remotes/origin/HEAD` (set by `git clone` or
 * `git remote set-head`), else origin's own HEAD (`git ls-remote --symref`, bounded); null when
 * neither says, with why.
 */
export async function originDefaultBranch(r: Runner): Promise<DefaultBranch | { branch: null; why: string }> {
  const local = await r.probe`git symbolic-ref --quiet refs/remotes/origin/HEAD`;
  const name = local.stdout.trim().replace(/^refs\/remotes\/origin\//, "");
  if (local.exitCode === 0 && name && name !== local.stdout.trim())
    return { branch: name, source: "origin's default branch (refs/remotes/origin/HEAD)" };
  if ((await r.probe`git config --get remote.origin.url`).exitCode !== 0)
    return { branch: null, why: "there is no origin remote" };
  const remote = await r.with({ timeout: "20s" }).probe`git ls-remote --symref origin HEAD`;
  const found = HEAD_SYMREF.exec(remote.stdout)?.[1];
  if (remote.exitCode === 0 && found)
    return { branch: found, source: "origin's default branch (git ls-remote --symref origin HEAD)" };
  if (remote.exitCode !== 0)
    return {
      branch: null,
      why: `git ls-remote --symref origin HEAD failed: ${remote.stderr.trim().split("\n").pop() ?? `exit ${remote.exitCode}`}`,
    };
  return { branch: null, why: "origin's HEAD names no branch (git ls-remote --symref origin HEAD)" };
}
