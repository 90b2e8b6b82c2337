// Tests against the GitHub sandbox: start one, run the kit's real entry points against it.
// The sandbox answers the remote's push hook in this process, so git commands that push must be
// asynchronous here (gitAsync): a synchronous push would block the very server it waits for.
import { execFile } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { type Sandbox, type SandboxOptions, startSandbox } from "../../scripts/sandbox/index.ts";
import { cleanEnv, type KitRun, kit, LAUNCHER, withTempDir } from "./kit.ts";

const exec = promisify(execFile);

export type { Sandbox };

export async function sandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  return startSandbox(options);
}

/** The environment a kit command gets in tests: clean, pointed at the sandbox. */
export function sandboxEnv(sb: Sandbox, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env = sb.env(cleanEnv());
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** Runs `scripts/release-kit <command> --repo <example> ...args` against the sandbox. */
export function kitIn(
  sb: Sandbox,
  command: string,
  args: string[] = [],
  opts: { env?: Record<string, string | undefined>; repo?: string; input?: string; timeoutMs?: number } = {},
): Promise<KitRun> {
  const repo = opts.repo ?? sb.repoPath!;
  return kit(command, ["--repo", repo, ...args], {
    cwd: repo,
    env: sandboxEnv(sb, opts.env),
    input: opts.input,
    timeoutMs: opts.timeoutMs,
  });
}

export async function gitAsync(cwd: string, ...args: string[]): Promise<string> {
  return (await exec("git", args, { cwd, encoding: "utf8", env: cleanEnv() })).stdout.trim();
}

/** Who a clone commits as: another person's checkout, with signing off so no key is asked for. */
export interface Identity {
  name: string;
  email: string;
}
export const TESTER: Identity = { name: "Test", email: "test@example.com" };

/** A clone of `source` (a remote or another clone) at `path`, committing as `who`. */
export async function cloneAs(source: string, path: string, who: Identity = TESTER): Promise<string> {
  await gitAsync(tmpdir(), "clone", "-q", source, path);
  await gitAsync(path, "config", "user.name", who.name);
  await gitAsync(path, "config", "user.email", who.email);
  await gitAsync(path, "config", "commit.gpgsign", "false");
  return path;
}

/** Runs `story` in a throwaway clone of `source` (its folder named `name`), removed afterwards. */
export async function withClone<T>(
  source: string,
  story: (clone: string) => Promise<T>,
  opts: { name?: string; who?: Identity } = {},
): Promise<T> {
  return withTempDir("rk-clone-", async (dir) =>
    story(await cloneAs(source, join(dir, opts.name ?? "gateway"), opts.who)),
  );
}

/** Commits everything in the tree as TESTER, whoever the repository's own settings name. */
export async function commitAll(repo: string, message: string): Promise<void> {
  await gitAsync(repo, "add", "-A");
  await gitAsync(
    repo,
    "-c",
    `user.name=${TESTER.name}`,
    "-c",
    `user.email=${TESTER.email}`,
    "commit",
    "-q",
    "-m",
    message,
  );
}

/** A new conventional commit on main, pushed to origin (as a merged change would be). */
export async function landCommit(
  sb: Sandbox,
  message: string,
  file = "NOTES.md",
  text = `${message}\n`,
): Promise<string> {
  const repo = sb.repoPath!;
  const { appendFileSync } = await import("node:fs");
  appendFileSync(`${repo}/${file}`, text);
  await gitAsync(repo, "add", file);
  await gitAsync(repo, "commit", "-q", "-m", message);
  await gitAsync(repo, "push", "-q", "origin", "HEAD:refs/heads/main");
  return gitAsync(repo, "rev-parse", "HEAD");
}

/** The bare remote's refs, for "nothing changed" assertions. */
export async function remoteRefs(sb: Sandbox): Promise<string> {
  return gitAsync(sb.remotePath, "for-each-ref", "--format=%(refname) %(objectname)");
}

/** A hint to run one of the kit's commands, as the kit prints it for a command started the way
 *  kitIn starts them: by the launcher's path, with --repo. */
export function hintIn(sb: Sandbox, task: string, args: string[] = [], repo = sb.repoPath!): string {
  const command = task === "release" || task === "sandbox" ? task : task.slice("release:".length);
  return [LAUNCHER, command, ...args, "--repo", repo].join(" ");
}

/** GitHub's secondary rate limit, `times` over, as it answers it: `status` (403 or 429) with a Retry-After of 1 s. */
export function secondaryRateLimit(status: 403 | 429, times: number, where: { method?: string; route?: string } = {}) {
  return {
    ...where,
    kind: "status" as const,
    status,
    headers: { "retry-after": "1" },
    body: { message: "You have exceeded a secondary rate limit" },
    times,
  };
}
