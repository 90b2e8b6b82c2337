// The sandbox as a whole: a tag push starts a simulated run of the workflow as it is at that commit,
// which publishes exactly what the workflow declares; stop() leaves nothing behind; `mise run
// sandbox` prints how to use it once everything is ready and stops cleanly on SIGTERM.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { createRegistryClient } from "../scripts/lib/registry.ts";
import { cleanEnv, KIT, MISE, until } from "./helpers/kit.ts";
import { gitAsync, sandbox } from "./helpers/sandbox.ts";

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
      // Queued, then in progress, each until the test lets it go: no timing the machine's load can break.
      Object.assign(sb.scenario, { queuedMs: 100, runMs: 100, holdQueued: true, holdRuns: true });
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
        if (run.status === "queued") sb.scenario.holdQueued = false;
        if (run.status === "in_progress") sb.scenario.holdRuns = false;
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(seen).toEqual(["queued", "in_progress"]);
      expect(run).toMatchObject({ status: "completed", conclusion: "success" });

      const client = createRegistryClient({ endpoint: sb.registryUrl });
      const gateway = await client.resolve("ghcr.io/acme/gateway", "v0.3.0");
      expect(gateway?.platforms).toEqual(["linux/amd64"]);
      expect(gateway?.attestationFor).toHaveLength(1);
      for (const tag of ["0.3.0", "latest", `sha-${sha.slice(0, 7)}`])
        expect((await client.resolve("ghcr.io/acme/gateway", tag))?.digest).toBe(gateway?.digest);
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
      console.log(
        `sandbox: started in ${Math.round(startMs)} ms (example repository included), stopped in ${Math.round(performance.now() - stopping)} ms`,
      );
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
      expect(env).toMatchObject({
        GITHUB_API_URL: sb.apiUrl,
        GITHUB_TOKEN: sb.token,
        GITHUB_REPOSITORY: "acme/gateway",
        RELEASE_REGISTRY_URL: sb.registryUrl,
      });
    } finally {
      await sb.stop();
    }
  });
});

describe("mise run sandbox", () => {
  it("prints one JSON line once ready, serves it, and stops everything on SIGTERM", async () => {
    const child = spawn(MISE, ["run", "sandbox", "--", "--json"], {
      cwd: KIT,
      env: cleanEnv(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    const line = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (d) => {
        out += d;
        if (out.includes("\n")) resolve(out);
      });
      child.once("exit", (code) => reject(new Error(`exited ${code} before printing`)));
      // Only a hang is caught: a cold `mise run sandbox` on a loaded machine takes tens of seconds.
      setTimeout(() => reject(new Error("not ready in 240 s")), 240_000);
    });
    const info = JSON.parse(line);
    expect(Object.keys(info).sort()).toEqual([
      "api_url",
      "images",
      "path_prepend",
      "registry_url",
      "repo_path",
      "repository",
      "token",
    ]);
    expect(line.trim().split("\n")).toHaveLength(1);
    expect(info.images).toEqual(["ghcr.io/acme/gateway", "ghcr.io/acme/admin-ui"]);
    // Ready means ready: the API answers with the token, and the example repository exists.
    const res = await fetch(`${info.api_url}/repos/acme/gateway`, {
      headers: { authorization: `Bearer ${info.token}` },
    });
    expect(res.status).toBe(200);
    expect(existsSync(info.repo_path)).toBe(true);

    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    // mise forwards the signal to the task; the sandbox stops what it started and removes its folder.
    child.kill("SIGTERM");
    await exited;
    // mise may exit before the sandbox has finished stopping: wait for the stop itself, however
    // long a loaded machine makes it (bounded only by the test's own timeout).
    const stopped = async () =>
      !(await listening(info.api_url)) && !(await listening(info.registry_url)) && !existsSync(info.repo_path);
    while (!(await stopped())) await new Promise((r) => setTimeout(r, 100));
    expect(await listening(info.api_url)).toBe(false);
    expect(await listening(info.registry_url)).toBe(false);
    expect(existsSync(info.repo_path)).toBe(false);
  });

  it("prints export lines, then the kit's commands for that repository, which work as pasted from any folder", async () => {
    const help = await new Promise<string>((resolve) => {
      const child = spawn(MISE, ["run", "sandbox", "--", "--help"], { cwd: KIT, env: cleanEnv() });
      let out = "";
      child.stdout.on("data", (d) => (out += d));
      child.on("close", () => resolve(out));
    });
    for (const name of ["ci-red", "nothing-to-release", "first-release", "rate-limited", "image-job-fails"])
      expect(help).toContain(name);

    const child = spawn(MISE, ["run", "sandbox"], { cwd: KIT, env: cleanEnv(), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    await until(() => /Ctrl-C stops it/.test(stderr), "the sandbox to say it is ready");
    try {
      expect(stdout).toMatch(/^export GITHUB_API_URL='http:\/\/127\.0\.0\.1:\d+'$/m);
      expect(stdout).toMatch(/^export GITHUB_TOKEN='sandbox-[0-9a-f]+'$/m);
      expect(stdout).toMatch(/^export GITHUB_REPOSITORY='acme\/gateway'$/m);
      expect(stdout).toMatch(/^export RELEASE_REGISTRY_URL='http:\/\/127\.0\.0\.1:\d+'$/m);
      const commands = [
        ...stderr.matchAll(/^ {2}(\S+release-kit (preflight|release|verify|recover) --repo \S+)$/gm),
      ].map((m) => m[1]!);
      expect(commands.map((c) => c.split(" ")[1])).toEqual(["preflight", "release", "verify", "recover"]);
      // Pasted into a shell in another folder, after the export block: the preflight passes there.
      const shell = spawn("sh", ["-c", `${stdout}\n${commands[0]} --json`], { cwd: tmpdir(), env: cleanEnv() });
      let out = "";
      shell.stdout.on("data", (d) => (out += d));
      const code = await new Promise((resolve) => shell.once("exit", resolve));
      expect(code).toBe(0);
      expect(JSON.parse(out)).toMatchObject({ command: "preflight", ok: true, tag: "v0.3.0" });
    } finally {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGINT");
      await exited;
    }
    // A normal stop is not a failed task, and leaves nothing behind.
    expect(stderr).not.toMatch(/ERROR|task failed/);
    const repo = /--repo (\S+)$/m.exec(stderr)![1]!;
    await until(() => !existsSync(repo), `the scratch folder ${repo} to be removed; the sandbox said:\n${stderr}`);
  });

  it("stops, leaving no process and no folder, when the process that started it is killed (npx mise run sandbox &)", async () => {
    const npx = spawn("npx", ["--no-install", "mise", "run", "sandbox", "--", "--json"], {
      cwd: KIT,
      env: cleanEnv(),
      stdio: ["ignore", "pipe", "ignore"],
    });
    let out = "";
    npx.stdout.on("data", (d) => (out += d));
    await until(() => out.includes("\n"), "the sandbox to print its JSON line");
    const info = JSON.parse(out.split("\n")[0]!);
    const tree = descendants(npx.pid!);
    expect(tree.length, "npx started mise, which started the sandbox").toBeGreaterThanOrEqual(2);
    npx.kill("SIGTERM"); // only npx: mise and the sandbox are not told
    await until(
      () => tree.every((pid) => !exists(pid)) && !existsSync(info.repo_path),
      "every process under npx to be gone, and the folder",
    );
    expect(await listening(info.api_url)).toBe(false);
    expect(await listening(info.registry_url)).toBe(false);
  });
});

/** The pids below `pid`, from /proc. */
function descendants(pid: number): number[] {
  const children = (p: number): number[] => {
    try {
      return readFileSync(`/proc/${p}/task/${p}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
    } catch {
      return [];
    }
  };
  const out: number[] = [];
  for (let queue = children(pid); queue.length; ) {
    const next = queue.shift()!;
    out.push(next);
    queue.push(...children(next));
  }
  return out;
}

function exists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
