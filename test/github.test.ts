// The one Octokit: token order as gh's, retries for 5xx, throttling that honours Retry-After,
// conditional GETs that cost nothing when unchanged, and a fast answer when GitHub is unreachable.
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectGitHub, describeApiError, isLoopback } from "../scripts/lib/github.ts";
import { redact } from "../scripts/lib/redact.ts";
import { findToken } from "../scripts/lib/token.ts";
import { tempDir } from "./helpers/kit.ts";
import { type Sandbox, sandbox, secondaryRateLimit } from "./helpers/sandbox.ts";

const tmp = tempDir("rk-gh-");
let sb: Sandbox;
beforeAll(async () => {
  sb = await sandbox({ example: false });
});
afterAll(async () => {
  await sb.stop();
  tmp.remove();
});

const repo = { owner: "acme", name: "gateway" };
const env = (extra: Record<string, string> = {}) => ({
  PATH: process.env.PATH,
  GITHUB_API_URL: sb.apiUrl,
  GITHUB_TOKEN: sb.token,
  ...extra,
});

describe("token", () => {
  it("is read as gh reads it: GH_TOKEN, then GITHUB_TOKEN, then `gh auth token`, and registered for redaction", async () => {
    const gh = join(tmp.path, "gh");
    writeFileSync(gh, "#!/bin/sh\n[ \"$1 $2\" = 'auth token' ] && echo gho_fromghcli0123456789abcdefghijklmnop\n");
    chmodSync(gh, 0o755);
    const path = `${tmp.path}:${process.env.PATH}`;
    expect(
      await findToken({ PATH: path, GH_TOKEN: "token-from-gh-token-var", GITHUB_TOKEN: "other-token-value" }),
    ).toEqual({ token: "token-from-gh-token-var", source: "GH_TOKEN" });
    expect(await findToken({ PATH: path, GITHUB_TOKEN: "other-token-value" })).toEqual({
      token: "other-token-value",
      source: "GITHUB_TOKEN",
    });
    expect(await findToken({ PATH: path })).toEqual({
      token: "gho_fromghcli0123456789abcdefghijklmnop",
      source: "gh auth token",
    });
    expect(await findToken({ PATH: "/nonexistent" })).toEqual({ token: null, source: null });
    expect(redact("x token-from-gh-token-var y")).toBe("x *** y");
  });
});

describe("the client against the sandbox", () => {
  it("retries 5xx answers and succeeds", async () => {
    sb.scenario.faults = [{ method: "GET", route: "/repos/{owner}/{repo}", kind: "status", status: 502, times: 2 }];
    const gh = await connectGitHub(repo, env());
    const res = await gh.octokit.rest.repos.get({ owner: "acme", repo: "gateway" });
    expect(res.status).toBe(200);
    expect(sb.api.requests.get("GET /repos/{owner}/{repo} 502")).toBe(2);
  });

  it("waits out a secondary rate limit's Retry-After instead of failing", async () => {
    sb.scenario.faults = [secondaryRateLimit(403, 1, { method: "GET", route: "/rate_limit" })];
    const gh = await connectGitHub(repo, env());
    const res = await gh.octokit.rest.rateLimit.get();
    expect(res.status).toBe(200);
  });

  it("answers an unchanged conditional GET from cache, as a 304 that costs no rate limit", async () => {
    sb.scenario.faults = [];
    const gh = await connectGitHub(repo, env());
    const route = "GET /repos/{owner}/{repo}/releases";
    const before = sb.api.requests.get(`${route} 304`) ?? 0;
    const first = await gh.cachedGet<unknown[]>(route, { owner: "acme", repo: "gateway" });
    const second = await gh.cachedGet<unknown[]>(route, { owner: "acme", repo: "gateway" });
    expect(second).toEqual(first);
    expect(sb.api.requests.get(`${route} 304`)).toBe(before + 1);
  });

  it("does not log expected 404s, and reports them as answers", async () => {
    const gh = await connectGitHub(repo, env());
    const lines: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: unknown) => (lines.push(String(chunk)), true)) as typeof process.stderr.write;
    try {
      await expect(
        gh.octokit.rest.repos.getReleaseByTag({ owner: "acme", repo: "gateway", tag: "v404.0.0" }),
      ).rejects.toMatchObject({ status: 404 });
    } finally {
      process.stderr.write = write;
    }
    expect(lines.join("")).toBe("");
  });

  it("says at once when GitHub cannot be reached, instead of retrying for seconds", async () => {
    const { createServer } = await import("node:net");
    const closed = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, "127.0.0.1", () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const gh = await connectGitHub(repo, env({ GITHUB_API_URL: `http://127.0.0.1:${closed}` }));
    let attempts = 0;
    gh.octokit.hook.before("request", () => {
      attempts++;
    });
    const error = await gh.octokit.rest.repos.get({ owner: "acme", repo: "gateway" }).catch((e) => e);
    // Answered at once: nothing listening is not retried.
    expect(error.status).toBe(599);
    expect(attempts).toBe(1);
    expect(describeApiError(error, "reading the repository").message).toMatch(
      /cannot reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/,
    );
  });

  it("explains 401, 403 with the missing permission, and rate limits with when they reset", () => {
    expect(describeApiError({ status: 401, response: { data: { message: "Bad credentials" } } }, "x").fix).toMatch(
      /GH_TOKEN or GITHUB_TOKEN/,
    );
    expect(
      describeApiError(
        {
          status: 403,
          response: {
            headers: { "x-accepted-github-permissions": "contents=write" },
            data: { message: "Resource not accessible" },
          },
        },
        "x",
      ).fix,
    ).toMatch(/contents=write/);
    const reset = Math.floor(Date.now() / 1000) + 600;
    expect(
      describeApiError(
        {
          status: 403,
          response: {
            headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(reset) },
            data: { message: "API rate limit exceeded" },
          },
        },
        "x",
      ).fix,
    ).toContain(new Date(reset * 1000).toISOString());
  });

  it("shrinks pacing only for a loopback API", () => {
    expect(isLoopback("http://127.0.0.1:4000")).toBe(true);
    expect(isLoopback("http://localhost:4000")).toBe(true);
    expect(isLoopback("https://api.github.com")).toBe(false);
    expect(isLoopback("https://ghe.example.com/api/v3")).toBe(false);
  });
});
