// The sandbox as a whole: a tag push starts a simulated run of the workflow as it is at that commit,
// which publishes exactly what the workflow declares; stop() leaves nothing behind; `mise run
// sandbox` prints how to use it once everything is ready and stops cleanly on SIGTERM.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createConnection } from "node:net";
import { describe, expect, it } from "vitest";
import { createRegistryClient } from "../scripts/lib/registry.ts";
import { gitAsync, sandbox } from "./helpers/sandbox.ts";
import { KIT, MISE, cleanEnv } from "./helpers/kit.ts";

const listening = (url: string) =>
  new Promise<boolean>((resolve) => {
    const { hostname, port } = new URL(url);
    const socket = createConnection({ host: hostname, port: Number(port) });
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });

describe("startSandbox", () => {
  it("runs the tag workflow on a new tag and publishes what it declares; stop() leaves nothing running", async () => {
    const began = performance.now();
    const sb = await sandbox();
    const startMs = performance.now() - began;
    try {
      expect(sb.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(sb.registryUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(sb.token.length).toBeGreaterThanOrEqual(40);
      expect(sb.images).toEqual(["ghcr.io/acme/gateway", "ghcr.io/acme/admin-ui"]);
      // The example's history (v0.1.0, v0.2.0) is the past: no runs for it.
      expect(sb.api.state.runs).toHaveLength(0);

      const repo = sb.repoPath!;
      const sha = await gitAsync(repo, "rev-parse", "HEAD");
      // Queued long enough to be seen after the push returns; in progress until the test lets it go.
      Object.assign(sb.scenario, { queuedMs: 1500, runMs: 100, holdRuns: true });
      await gitAsync(repo, "tag", "v0.3.0");
      await gitAsync(repo, "push", "-q", "origin", "v0.3.0");
      const run = sb.api.state.runs[0]!;
      expect(run).toMatchObject({ headBranch: "v0.3.0", headSha: sha, event: "push" });
      // GitHub reports jobs by their `name:`.
      expect(run.jobs.map((j) => j.name)).toEqual(["Gateway image", "Admin UI image", "Helm chart"]);
      // The run's life, sampled on the sandbox's own clock: queued, then in progress, then completed.
      const seen: string[] = [];
      while (run.status !== "completed") {
        if (seen.at(-1) !== run.status) seen.push(run.status);
        if (run.status === "in_progress") sb.scenario.holdRuns = false;
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(seen).toEqual(["queued", "in_progress"]);
      expect(run).toMatchObject({ status: "completed", conclusion: "success" });

      const client = createRegistryClient({ endpoint: sb.registryUrl });
      const gateway = await client.resolve("ghcr.io/acme/gateway", "v0.3.0");
      expect(gateway?.platforms).toEqual(["linux/amd64"]);
      expect(gateway?.attestationFor).toHaveLength(1);
      for (const tag of ["0.3.0", "latest", `sha-${sha.slice(0, 7)}`]) expect((await client.resolve("ghcr.io/acme/gateway", tag))?.digest).toBe(gateway?.digest);
      const admin = await client.resolve("ghcr.io/acme/admin-ui", "v0.3.0");
      expect([...admin!.platforms].sort()).toEqual(["linux/amd64", "linux/arm64"]);
      expect(sb.api.state.attestations.map((a) => a.digest).sort()).toEqual([admin!.digest, gateway!.digest].sort());
      const chart = await client.fetchManifest("ghcr.io/acme/charts/gateway", "0.3.0");
      expect(chart?.body.config.mediaType).toBe("application/vnd.cncf.helm.config.v1+json");

      // Knobs change the next run: a failing job publishes nothing, a missing platform is left out.
      sb.scenario.failJobs = [{ job: "gateway", attempts: 1 }];
      sb.scenario.missingPlatforms = [{ image: "ghcr.io/acme/admin-ui", platform: "linux/arm64" }];
      await gitAsync(repo, "tag", "v0.3.1");
      await gitAsync(repo, "push", "-q", "origin", "v0.3.1");
      await sb.settle();
      expect(sb.api.state.runs[1]).toMatchObject({ conclusion: "failure" });
      expect(await client.resolve("ghcr.io/acme/gateway", "v0.3.1")).toBeNull();
      expect((await client.resolve("ghcr.io/acme/admin-ui", "v0.3.1"))?.platforms).toEqual(["linux/amd64"]);

      // A workflow whose filters do not match starts nothing.
      await gitAsync(repo, "tag", "nightly");
      await gitAsync(repo, "push", "-q", "origin", "nightly");
      expect(sb.api.state.runs).toHaveLength(2);
    } finally {
      const stopping = performance.now();
      await sb.stop();
      console.log(`sandbox: started in ${Math.round(startMs)} ms (example repository included), stopped in ${Math.round(performance.now() - stopping)} ms`);
    }
    expect(await listening(sb.apiUrl)).toBe(false);
    expect(await listening(sb.registryUrl)).toBe(false);
    expect(existsSync(sb.dir)).toBe(false);
  });

  it("puts the stand-ins first on PATH only when the real tools are absent", async () => {
    const sb = await sandbox({ example: false });
    try {
      const env = sb.env({ PATH: "/usr/bin:/bin" });
      expect(sb.standins.sort()).toEqual(["cargo-release", "cog"]);
      expect(env.PATH?.startsWith(sb.pathPrepend)).toBe(true);
      expect(env).toMatchObject({ GITHUB_API_URL: sb.apiUrl, GITHUB_TOKEN: sb.token, GITHUB_REPOSITORY: "acme/gateway", RELEASE_REGISTRY_URL: sb.registryUrl });
    } finally {
      await sb.stop();
    }
  });
});

describe("mise run sandbox", () => {
  it("prints one JSON line once ready, serves it, and stops everything on SIGTERM", async () => {
    const child = spawn(MISE, ["run", "sandbox", "--", "--json"], { cwd: KIT, env: cleanEnv(), stdio: ["ignore", "pipe", "pipe"] });
    const line = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (d) => {
        out += d;
        if (out.includes("\n")) resolve(out);
      });
      child.once("exit", (code) => reject(new Error(`exited ${code} before printing`)));
      setTimeout(() => reject(new Error("not ready in 20 s")), 20_000);
    });
    const info = JSON.parse(line);
    expect(Object.keys(info).sort()).toEqual(["api_url", "images", "path_prepend", "registry_url", "repo_path", "repository", "token"]);
    expect(line.trim().split("\n")).toHaveLength(1);
    expect(info.images).toEqual(["ghcr.io/acme/gateway", "ghcr.io/acme/admin-ui"]);
    // Ready means ready: the API answers with the token, and the example repository exists.
    const res = await fetch(`${info.api_url}/repos/acme/gateway`, { headers: { authorization: `Bearer ${info.token}` } });
    expect(res.status).toBe(200);
    expect(existsSync(info.repo_path)).toBe(true);

    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    // mise forwards the signal to the task; the sandbox stops what it started and removes its folder.
    child.kill("SIGTERM");
    await exited;
    await new Promise((r) => setTimeout(r, 300));
    expect(await listening(info.api_url)).toBe(false);
    expect(await listening(info.registry_url)).toBe(false);
    expect(existsSync(info.repo_path)).toBe(false);
  });

  it("prints export lines and a cd for a shell, and lists its scenarios in --help", async () => {
    const help = await new Promise<string>((resolve) => {
      const child = spawn(MISE, ["run", "sandbox", "--", "--help"], { cwd: KIT, env: cleanEnv() });
      let out = "";
      child.stdout.on("data", (d) => (out += d));
      child.on("close", () => resolve(out));
    });
    for (const name of ["ci-red", "nothing-to-release", "first-release", "rate-limited", "image-job-fails"]) expect(help).toContain(name);

    const child = spawn(MISE, ["run", "sandbox", "--", "--scenario", "ci-red"], { cwd: KIT, env: cleanEnv(), stdio: ["ignore", "pipe", "pipe"] });
    const text = await new Promise<string>((resolve) => {
      let out = "";
      child.stdout.on("data", (d) => {
        out += d;
        if (/^cd /m.test(out)) resolve(out);
      });
    });
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
    expect(text).toMatch(/^export GITHUB_API_URL='http:\/\/127\.0\.0\.1:\d+'$/m);
    expect(text).toMatch(/^export GITHUB_TOKEN='sandbox-[0-9a-f]+'$/m);
    expect(text).toMatch(/^export GITHUB_REPOSITORY='acme\/gateway'$/m);
    expect(text).toMatch(/^export RELEASE_REGISTRY_URL='http:\/\/127\.0\.0\.1:\d+'$/m);
    expect(text).toMatch(/^cd '.+\/gateway'$/m);
  });
});
