// The GitHub token, found as gh finds it: GH_TOKEN, then GITHUB_TOKEN, then `gh auth token`.
// Whatever is found is registered for redaction before anything can print it.
import { execFile } from "node:child_process";
import { addSecret } from "./redact.ts";

export interface TokenInfo {
  token: string | null;
  source: "GH_TOKEN" | "GITHUB_TOKEN" | "gh auth token" | null;
}

function ghAuthToken(host: string | null, env: NodeJS.ProcessEnv): Promise<string | null> {
  const args = ["auth", "token", ...(host ? ["--hostname", host] : [])];
  return new Promise((resolve) => {
    execFile("gh", args, { timeout: 5000, env: { ...env, GH_PROMPT_DISABLED: "1" } }, (error, stdout) => {
      resolve(error ? null : stdout.trim() || null);
    });
  });
}

export async function findToken(env: NodeJS.ProcessEnv = process.env): Promise<TokenInfo> {
  for (const name of ["GH_TOKEN", "GITHUB_TOKEN"] as const) {
    const value = env[name]?.trim();
    if (value) {
      addSecret(value);
      return { token: value, source: name };
    }
  }
  const api = env.GITHUB_API_URL;
  const host = api && !/api\.github\.com/.test(api) ? new URL(api).hostname : null;
  const fromGh = await ghAuthToken(host, env);
  if (fromGh) {
    addSecret(fromGh);
    return { token: fromGh, source: "gh auth token" };
  }
  return { token: null, source: null };
}

export const NO_TOKEN_FIX =
  "set GH_TOKEN (or GITHUB_TOKEN) to a token with Contents: write and Actions: read/write on the repository, or log in with `gh auth login`";
