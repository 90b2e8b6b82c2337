// actions/checkout (v4 and later): the repository's files at the event's commit (or `ref`), in the
// workspace or `path` under it, from the sandbox's bare remote. Only the repository itself can be
// checked out (there is no GitHub to fetch another one from). As the action does, it makes a git
// repository when git is on the job's PATH (one of the sandbox's hostTools): `fetch-depth` commits
// (0: every branch and tag), tags only with `fetch-tags` or depth 0, a branch checked out as itself,
// origin being the sandbox's remote. Without git the action downloads the files alone (its REST API
// fallback): no .git folder.
import { execFile } from "node:child_process";
import { mkdir, readdir, rm } from "node:fs/promises";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { writeTree } from "../source.ts";
import { type Action, type ActionCall, ActionFailure, type ActionResult, booleanInput, input } from "./types.ts";

const execFileAsync = promisify(execFile);

export const checkoutAction: Action = async (call): Promise<ActionResult> => {
  const rt = call.rt;
  const repository = input(call, "repository", rt.repository);
  const target = resolve(rt.workspace, input(call, "path", "."));
  if (!target.startsWith(rt.workspace))
    throw new ActionFailure(`Repository path '${target}' is not under '${rt.workspace}'`);
  if (repository.toLowerCase() !== rt.repository.toLowerCase()) {
    call.log(`sandbox: checking out ${repository} is not simulated (only ${rt.repository} exists here): skipped`);
    return { outputs: {} };
  }
  const env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: rt.home,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_TERMINAL_PROMPT: "0",
    LC_ALL: "C",
  };
  const remote = (...args: string[]) =>
    execFileAsync("git", ["--git-dir", rt.gitDir, ...args], { env, encoding: "utf8" });
  const asked = input(call, "ref");
  let sha = rt.sha;
  let ref = asked ? "" : rt.ref;
  if (asked) {
    try {
      sha = (await remote("rev-parse", "--verify", "--quiet", "--end-of-options", `${asked}^{commit}`)).stdout.trim();
    } catch {
      throw new ActionFailure(`A branch or tag with the name '${asked}' could not be found`);
    }
    for (const full of asked.startsWith("refs/") ? [asked] : [`refs/heads/${asked}`, `refs/tags/${asked}`]) {
      if (!ref && (await remote("rev-parse", "--verify", "--quiet", full).catch(() => null))) ref = full;
    }
  }
  await mkdir(target, { recursive: true });
  if (booleanInput(call, "clean", true))
    for (const entry of await readdir(target)) await rm(resolve(target, entry), { recursive: true, force: true });
  if (rt.hasTool("git")) {
    await gitCheckout(call, target, ref, sha, env);
    call.log(
      `sandbox: checked out ${repository} at ${sha} into ${target} (a git repository: git is on the job's PATH)`,
    );
  } else {
    // The files of the commit, as the action's REST API fallback leaves them: no .git.
    await writeTree(await rt.source(sha), target);
    call.log(`sandbox: checked out ${repository} at ${sha} into ${target}`);
  }
  return { outputs: { ref: asked || String(call.github.ref ?? ""), commit: sha } };
};

/** What actions/checkout's git path runs (src/git-source-provider.ts, ref-helper.ts), against the sandbox's remote. */
async function gitCheckout(
  call: ActionCall,
  target: string,
  ref: string,
  sha: string,
  env: Record<string, string>,
): Promise<void> {
  const git = (...args: string[]) => execFileAsync("git", args, { cwd: target, env, encoding: "utf8" });
  const depth = Number(input(call, "fetch-depth", "1"));
  if (!Number.isInteger(depth) || depth < 0)
    throw new ActionFailure(`The input 'fetch-depth' must be a number of commits, 0 for all history`);
  const all = depth === 0;
  const branch = ref.startsWith("refs/heads/") ? ref.slice("refs/heads/".length) : null;
  const tag = ref.startsWith("refs/tags/") ? ref : null;
  const specs = all
    ? ["+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*"]
    : [branch ? `+${sha}:refs/remotes/origin/${branch}` : tag ? `+${sha}:${tag}` : sha];
  await git("init", "-q");
  await git("remote", "add", "origin", call.rt.gitDir);
  const tags = all || booleanInput(call, "fetch-tags", false) ? [] : ["--no-tags"];
  await git(
    "-c",
    "protocol.version=2",
    "fetch",
    ...tags,
    "--prune",
    "--no-recurse-submodules",
    ...(all ? [] : [`--depth=${depth}`]),
    "origin",
    ...specs,
  );
  if (branch) await git("checkout", "--progress", "--force", "-B", branch, `refs/remotes/origin/${branch}`);
  else await git("checkout", "--progress", "--force", tag ?? sha);
}
