// actions/checkout (v4): the repository's files at the event's commit (or `ref`), in the workspace
// or `path` under it, from the sandbox's bare remote. Only the repository itself can be checked
// out (there is no GitHub to fetch another one from), and without a .git folder: the job's PATH
// has no git to use one.
import { execFile } from "node:child_process";
import { mkdir, readdir, rm } from "node:fs/promises";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { writeTree } from "../source.ts";
import { ActionFailure, booleanInput, input, type Action, type ActionResult } from "./types.ts";

const execFileAsync = promisify(execFile);

export const checkoutAction: Action = async (call): Promise<ActionResult> => {
  const rt = call.rt;
  const repository = input(call, "repository", rt.repository);
  const target = resolve(rt.workspace, input(call, "path", "."));
  if (!target.startsWith(rt.workspace)) throw new ActionFailure(`Repository path '${target}' is not under '${rt.workspace}'`);
  if (repository.toLowerCase() !== rt.repository.toLowerCase()) {
    call.log(`sandbox: checking out ${repository} is not simulated (only ${rt.repository} exists here): skipped`);
    return { outputs: {} };
  }
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: rt.home, GIT_CONFIG_NOSYSTEM: "1", GIT_TERMINAL_PROMPT: "0", LC_ALL: "C" };
  const asked = input(call, "ref");
  let sha = rt.sha;
  if (asked) {
    try {
      const { stdout } = await execFileAsync("git", ["--git-dir", rt.gitDir, "rev-parse", "--verify", "--quiet", "--end-of-options", `${asked}^{commit}`], { env, encoding: "utf8" });
      sha = stdout.trim();
    } catch {
      throw new ActionFailure(`A branch or tag with the name '${asked}' could not be found`);
    }
  }
  await mkdir(target, { recursive: true });
  if (booleanInput(call, "clean", true)) for (const entry of await readdir(target)) await rm(resolve(target, entry), { recursive: true, force: true });
  // The files of the commit, as a checkout leaves them; no .git: git is not on the job's PATH.
  await writeTree(await rt.source(sha), target);
  call.log(`sandbox: checked out ${repository} at ${sha} into ${target}`);
  return { outputs: { ref: asked || String(call.github.ref ?? ""), commit: sha } };
};
