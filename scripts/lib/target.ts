// Which repository a command acts on: --repo PATH, else the git root of the directory the task was
// invoked from (mise passes it as MISE_ORIGINAL_CWD; the task itself runs in the kit's folder).
import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { type Context, StartError } from "./cli.ts";
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
