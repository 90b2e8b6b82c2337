// Which repository a command acts on: --repo PATH, else the git root of the directory the task was
// invoked from (mise passes it as MISE_ORIGINAL_CWD; the task itself runs in the kit's folder).
import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { type Context, StartError } from "./cli.ts";
import type { Config } from "./config.ts";
import { API_TIMEOUT_MAX, apiTimeoutSeconds, type GitHub } from "./github.ts";
import type { Lock } from "./lock.ts";
import { createRunner, type Runner } from "./run.ts";

export interface Target {
  root: string;
  r: Runner;
}

export function invokedFrom(env: NodeJS.ProcessEnv = process.env): string {
  return env.MISE_ORIGINAL_CWD || process.cwd();
}

/** GITHUB_API_URL is checked before anything else: a typo must not cost minutes of retries. */
export function checkApiUrl(env: NodeJS.ProcessEnv = process.env): void {
  const value = env.GITHUB_API_URL;
  if (!value) return;
  let url: URL | null = null;
  try {
    url = new URL(value);
  } catch {
    // reported below
  }
  if (!url || (url.protocol !== "https:" && url.protocol !== "http:") || url.search || url.hash) {
    throw new StartError(
      `GITHUB_API_URL=${JSON.stringify(value)} is not an http(s) URL of a GitHub API`,
      "unset GITHUB_API_URL for github.com, or set it to your GitHub Enterprise API (https://HOST/api/v3)",
    );
  }
}

export async function openTarget(ctx: Context, dryRun = false): Promise<Target> {
  checkApiUrl();
  if (apiTimeoutSeconds() === null)
    throw new StartError(
      `RELEASE_API_TIMEOUT=${JSON.stringify(process.env.RELEASE_API_TIMEOUT)} is not a number of seconds up to ${API_TIMEOUT_MAX}`,
      `set RELEASE_API_TIMEOUT to a number of seconds from 0.001 to ${API_TIMEOUT_MAX} (default 30), or unset it`,
    );
  const asked = typeof ctx.flags.repo === "string" ? ctx.flags.repo : undefined;
  const dir = resolve(invokedFrom(), asked ?? ".");
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new StartError(`${dir} does not exist or is not a directory`, "pass --repo PATH of a git checkout");
  }
  const out = await createRunner(dir, dryRun).probe`git rev-parse --show-toplevel`;
  if (out.exitCode !== 0) {
    throw new StartError(
      `${dir} is not a git repository`,
      asked
        ? "pass --repo PATH of a git checkout"
        : "run the task from inside the repository to release, or pass --repo PATH",
    );
  }
  const root = out.stdout.trim();
  return { root, r: createRunner(root, dryRun) };
}

export interface Work extends Target {
  config: Config;
  gitDir: string;
  gh: GitHub;
  /** Held while the command writes; null in a dry run or a read-only run. */
  lock: Lock | null;
}

/** What release and recover work on: the target and its valid configuration, its git folder, GitHub
 *  behind the runner's gate and, when `lock` names the command, the repository's lock. */
export async function openWork(
  ctx: Context,
  opts: { dryRun: boolean; lock: "release" | "recover" | null },
): Promise<Work> {
  const [{ loadConfig, requireValidConfig }, { connectGitHub }, { acquireLock }, { say }] = await Promise.all([
    import("./config.ts"),
    import("./github.ts"),
    import("./lock.ts"),
    import("./output.ts"),
  ]);
  const { root, r } = await openTarget(ctx, opts.dryRun);
  const config = await loadConfig(r, root);
  requireValidConfig(config);
  const gitDir = (await r.read`git rev-parse --absolute-git-dir`).stdout.trim();
  const command = opts.lock;
  const lock = command
    ? await r.pass(`take the ${command} lock`, () => acquireLock(gitDir, command, say.warn), null)
    : null;
  const gh = await connectGitHub(config.repository, process.env, r);
  return { root, r, config, gitDir, gh, lock };
}
