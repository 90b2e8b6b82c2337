// npm run bench: how fast the kit is where it can be, and how frugal with the API. It reports; it
// fails only when it cannot measure. Medians of several runs; ratios within one run.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { growHistory } from "./bench/history.ts";
import { KIT_ROOT, TSX_LOADER } from "./lib/kit-root.ts";
import { type Sandbox, startSandbox } from "./sandbox/index.ts";

const KIT = KIT_ROOT;
const TSX = TSX_LOADER;
const json = process.argv.includes("--json");
const runs = Number(process.argv.find((a) => a.startsWith("--runs="))?.slice(7) ?? 5);
const log = (line: string) => process.stderr.write(`${line}\n`);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const round = (x: number, digits = 3) => Number(x.toFixed(digits));

interface Timed {
  code: number;
  wall: number;
  firstOutput: number;
  stdout: string;
}

/** Runs a command; wall time to exit, and time to its first byte of output. */
function timed(file: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const began = performance.now();
    let first = 0;
    let stdout = "";
    const child = spawn(file, args, {
      cwd: opts.cwd ?? KIT,
      env: opts.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const mark = () => (first ||= performance.now() - began);
    child.stdout.on("data", (d) => (mark(), (stdout += d)));
    child.stderr.on("data", mark);
    child.on("error", reject);
    child.on("close", (code) =>
      resolve({
        code: code ?? 1,
        wall: (performance.now() - began) / 1000,
        firstOutput: (first || performance.now() - began) / 1000,
        stdout,
      }),
    );
  });
}

function envFor(sb: Sandbox, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = sb.env({ ...process.env, CI: "1", ...extra });
  for (const k of ["GH_TOKEN", "MISE_ORIGINAL_CWD", "GITHUB_ACTIONS"]) delete env[k];
  return env;
}
// Through the launcher the mise tasks use, as a maintainer waits for it.
const kit = (sb: Sandbox, command: string, args: string[], repo = sb.repoPath!, extra: Record<string, string> = {}) =>
  timed(join(KIT, "scripts", "release-kit"), [command, "--repo", repo, "--json", ...args], {
    cwd: repo,
    env: envFor(sb, extra),
  });

function requestsSince(sb: Sandbox, before: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, n] of sb.api.requests) {
    const d = n - (before.get(key) ?? 0);
    // The push hook's own notification is the sandbox talking to itself, not a GitHub request.
    if (d && !key.includes("/_sandbox/")) out[key] = d;
  }
  return out;
}

async function preflightConcurrency() {
  const sb = await startSandbox({ scenario: { latencyMs: 100 } });
  try {
    const samples: { wall: number; sum: number; slowest: number }[] = [];
    for (let i = 0; i < runs; i++) {
      const res = await kit(sb, "preflight", []);
      const doc = JSON.parse(res.stdout);
      if (!doc.ok)
        throw new Error(
          `preflight failed in the benchmark world: ${JSON.stringify(doc.checks.filter((c: any) => c.status === "fail"))}`,
        );
      const ms = doc.checks.map((c: any) => c.ms as number);
      samples.push({
        wall: res.wall,
        sum: ms.reduce((a: number, b: number) => a + b, 0) / 1000,
        slowest: Math.max(...ms) / 1000,
      });
    }
    const mid = samples.sort((a, b) => a.wall - b.wall)[Math.floor(samples.length / 2)]!;
    return {
      preflight_wall_s: round(median(samples.map((s) => s.wall))),
      preflight_checks_sum_s: round(median(samples.map((s) => s.sum))),
      // Within one run, as the issue asks: the median run's own ratio.
      preflight_ratio: round(mid.wall / mid.sum),
      slowest_check_s: round(median(samples.map((s) => s.slowest))),
    };
  } finally {
    await sb.stop();
  }
}

async function startup() {
  const scratch = mkdtempSync(join(tmpdir(), "release-kit-bench-"));
  // Outside scripts/: a new file there would make the launcher fall back from the precompiled build.
  const plain = join(KIT, "node_modules", ".cache", `bench-plain-${process.pid}.mjs`);
  writeFileSync(
    plain,
    'import "zx/core"; import "@octokit/rest"; import "@octokit/plugin-retry"; import "@octokit/plugin-throttling"; import "yaml"; import "smol-toml"; import "semver"; console.log("ok");\n',
  );
  try {
    const env = {
      ...process.env,
      CI: "1",
      MISE_DATA_DIR: join(scratch, "data"),
      MISE_STATE_DIR: join(scratch, "state"),
      MISE_CACHE_DIR: join(scratch, "cache"),
    };
    const sample = async (file: string, args: string[]) => {
      await timed(file, args, { env }); // warm caches (tsx's, the OS's) once
      const xs: number[] = [];
      for (let i = 0; i < runs; i++) xs.push((await timed(file, args, { env })).firstOutput);
      return round(median(xs));
    };
    return {
      startup_task_s: await sample(join(KIT, "node_modules/.bin/mise"), ["run", "release:preflight", "--", "--help"]),
      startup_script_s: await sample(join(KIT, "scripts/release-kit"), ["preflight", "--help"]),
      startup_tsx_s: await sample("node", ["--import", TSX, join(KIT, "scripts/preflight.mts"), "--help"]),
      startup_floor_s: await sample("node", ["-e", "console.log(0)"]),
      startup_plain_imports_s: await sample("node", [plain]),
    };
  } finally {
    rmSync(plain, { force: true });
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function apiFrugality() {
  const perCommand: Record<string, Record<string, number>> = {};
  const sb = await startSandbox({});
  try {
    let before = new Map(sb.api.requests);
    await kit(sb, "preflight", []);
    perCommand.preflight = requestsSince(sb, before);
    before = new Map(sb.api.requests);
    const released = await kit(sb, "release", ["--yes"]);
    if (released.code !== 0) throw new Error(`release failed in the benchmark world: ${released.stdout}`);
    perCommand.release = requestsSince(sb, before);
    await sb.settle();
    before = new Map(sb.api.requests);
    await kit(sb, "verify", []);
    perCommand.verify = requestsSince(sb, before);
  } finally {
    await sb.stop();
  }
  // A run that stays in progress: verify --wait polls an unchanged world.
  const slow = await startSandbox({ scenario: { runMs: 60_000 } });
  try {
    if ((await kit(slow, "release", ["--yes"])).code !== 0) throw new Error("release failed in the benchmark world");
    const route = "GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs";
    const before = new Map(slow.api.requests);
    await kit(slow, "verify", ["--wait=1"], slow.repoPath!, { RELEASE_POLL_SECONDS: "1" });
    const polled = requestsSince(slow, before);
    perCommand["verify --wait (unchanged run)"] = polled;
    const count = (keep: (k: string) => boolean) =>
      Object.entries(polled)
        .filter(([k]) => k.startsWith(route) && keep(k))
        .reduce((a, [, n]) => a + n, 0);
    const polls = count(() => true);
    const non304 = count((k) => !k.endsWith(" 304"));
    return {
      requests: perCommand,
      verify_wait_polls: polls,
      verify_wait_non304_per_poll: polls > 1 ? round((non304 - 1) / (polls - 1)) : null,
    };
  } finally {
    await slow.stop();
  }
}

async function scale() {
  const wallFor = async (commits: number) => {
    const sb = await startSandbox({});
    try {
      const repo = sb.repoPath!;
      growHistory(repo, commits, 500);
      const pushed = await timed("git", ["push", "-q", "--force", "origin", "main", "--tags"], { cwd: repo });
      if (pushed.code !== 0) throw new Error("could not push the generated history");
      await kit(sb, "preflight", []); // warm
      const xs: number[] = [];
      for (let i = 0; i < Math.max(3, Math.ceil(runs / 2)); i++) {
        const res = await kit(sb, "preflight", []);
        const doc = JSON.parse(res.stdout);
        if (!doc.ok)
          throw new Error(
            `preflight failed on ${commits} commits: ${JSON.stringify(doc.checks.filter((c: any) => c.status === "fail"))}`,
          );
        xs.push(res.wall);
      }
      return median(xs);
    } finally {
      await sb.stop();
    }
  };
  const small = await wallFor(200);
  const large = await wallFor(20_000);
  return { scale_wall_200_s: round(small), scale_wall_20000_s: round(large), scale_ratio: round(large / small) };
}

try {
  if (!existsSync(join(KIT, "node_modules/.cache/release-kit/sources")))
    log("note: no precompiled build (npm run build): commands start through tsx");
  log(`release-kit benchmarks (${runs} runs each; medians)`);
  const concurrency = await preflightConcurrency();
  log(
    `  preflight with 100 ms API latency: wall ${concurrency.preflight_wall_s} s, checks' sum ${concurrency.preflight_checks_sum_s} s, ratio ${concurrency.preflight_ratio} (goal ≤ 0.35), slowest check ${concurrency.slowest_check_s} s`,
  );
  const start = await startup();
  log(
    `  start-up to first output: mise task ${start.startup_task_s} s (goal ≤ 0.3), bare script ${start.startup_script_s} s (from the TypeScript through tsx: ${start.startup_tsx_s} s), node -e ${start.startup_floor_s} s, plain .mjs with the same libraries ${start.startup_plain_imports_s} s`,
  );
  const api = await apiFrugality();
  log(
    `  verify --wait over an unchanged run: ${api.verify_wait_polls} polls, ${api.verify_wait_non304_per_poll} non-304 requests per poll after the first (goal 0)`,
  );
  for (const [command, counts] of Object.entries(api.requests)) {
    log(
      `  requests, ${command}: ${Object.entries(counts)
        .map(([k, n]) => `${n}× ${k}`)
        .join("; ")}`,
    );
  }
  const history = await scale();
  log(
    `  preflight on 200 vs 20,000 commits (500 tags): ${history.scale_wall_200_s} s vs ${history.scale_wall_20000_s} s, ratio ${history.scale_ratio} (goal ≤ 1.5)`,
  );
  const figures = {
    ...concurrency,
    wall_goal_met: concurrency.preflight_wall_s <= concurrency.slowest_check_s + 0.5,
    ...start,
    ...api,
    ...history,
  };
  if (json) process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
  else {
    const rows = Object.entries(figures).filter(([, v]) => typeof v !== "object");
    const width = Math.max(...rows.map(([k]) => k.length));
    process.stdout.write(`${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join("\n")}\n`);
  }
} catch (error) {
  log(`bench: cannot measure: ${(error as Error).message}`);
  process.exitCode = 1;
}
