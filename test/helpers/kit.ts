// Test helpers: run the kit's real entry points, and make throwaway git repositories.
import { execFile, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const KIT = fileURLToPath(new URL("../..", import.meta.url));
export const LAUNCHER = join(KIT, "scripts", "release-kit");
export const MISE = join(KIT, "node_modules", ".bin", "mise");

export interface KitRun {
  code: number;
  stdout: string;
  stderr: string;
  /** The --json document, when stdout holds one. */
  json: any;
}

/** The environment a test command starts from: no tokens or GitHub settings leak in from outside. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^(GH_|GITHUB_|RELEASE_|MISE_|usage_)/.test(key)) delete env[key];
  }
  env.CI = "1";
  env.GIT_CONFIG_NOSYSTEM = "1";
  // Node reads NODE_EXTRA_CA_CERTS's certificates as it starts, before any code runs: two thirds of
  // a start (50 ms instead of 17), in every kit command and stand-in a test runs, for TLS none of
  // them uses (they speak plain HTTP on loopback). The Quick start test, whose npm ci may go out to
  // the npm registry, passes it back; the TLS tests of the HTTP client set their own.
  delete env.NODE_EXTRA_CA_CERTS;
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

function parseJson(stdout: string): unknown {
  try {
    return stdout.trim() ? JSON.parse(stdout) : undefined;
  } catch {
    return undefined;
  }
}

export function run(
  file: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): Promise<KitRun> {
  return new Promise((resolve) => {
    const child = execFile(
      file,
      args,
      {
        cwd: opts.cwd ?? KIT,
        env: opts.env ?? cleanEnv(),
        timeout: opts.timeoutMs ?? 300_000,
        maxBuffer: 32 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error
          ? typeof (error as { code?: unknown }).code === "number"
            ? (error as { code: number }).code
            : 1
          : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr), json: parseJson(String(stdout)) });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

/** Runs `scripts/release-kit <command> ...args`, as the mise tasks do. */
export function kit(
  command: string,
  args: string[] = [],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): Promise<KitRun> {
  return run(LAUNCHER, [command, ...args], opts);
}

export function tempDir(prefix = "rk-"): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Runs `story` with a fresh temporary folder, removed afterwards whatever happens. */
export async function withTempDir<T>(prefix: string, story: (dir: string) => Promise<T>): Promise<T> {
  const tmp = tempDir(prefix);
  try {
    return await story(tmp.path);
  } finally {
    tmp.remove();
  }
}

export function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd, encoding: "utf8", env: cleanEnv() }).trim();
}

/** A small repository with one commit and local identity; origin as given. */
export function initRepo(dir: string, opts: { origin?: string; files?: Record<string, string> } = {}): string {
  git(dir, "init", "-q", "-b", "main");
  git(dir, "config", "user.name", "Test");
  git(dir, "config", "user.email", "test@example.com");
  git(dir, "config", "commit.gpgsign", "false");
  if (opts.origin) git(dir, "remote", "add", "origin", opts.origin);
  return dir;
}

/** Every file below `dir` as path → mode and sha256, for "byte for byte unchanged" assertions. */
export function fileHashes(dir: string, opts: { skipGit?: boolean } = {}): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      if (opts.skipGit && name === ".git") continue;
      const path = join(d, name);
      const st = statSync(path);
      if (st.isDirectory()) walk(path);
      else out[path.slice(dir.length)] = `${st.mode}:${createHash("sha256").update(readFileSync(path)).digest("hex")}`;
    }
  };
  walk(dir);
  return out;
}

/** Resolves once `done()` holds: a test waits on what it can see happen, never on a clock. */
export async function until(done: () => boolean, what: string, limitMs = 240_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`gave up after ${limitMs / 1000} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
