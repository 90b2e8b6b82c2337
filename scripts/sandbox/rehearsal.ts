// The rehearsal: the whole runbook, offline, against the sandbox. Each command runs as the user would
// run it (its own process, its report on the terminal) and is judged against what this world
// should make it do: a failing step that was meant to fail is a rehearsal that passed.
import { execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import { appendFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { StartError } from "../lib/cli.ts";
import { parseRemoteUrl } from "../lib/config.ts";
import { KIT_ROOT, TSX_LOADER } from "../lib/kit-root.ts";
import { bold, cyan, dim, green, red, write } from "../lib/output.ts";
import { startSandbox, type Sandbox } from "./index.ts";
import { PRESETS } from "./presets.ts";

export const REHEARSAL_STEPS = ["preflight", "release", "workflow", "verify", "broken-release", "recover", "verify-again"] as const;
type StepName = (typeof REHEARSAL_STEPS)[number];

export interface RehearsalStep {
  name: StepName;
  /** Whether the step did what this world should make it do; null when it never ran (see skipped). */
  ok: boolean | null;
  ms: number;
  report: unknown;
  /** Set when the step did not run, and why. */
  skipped?: string;
}

export interface Expectation {
  /** The rehearsal stops after this step (it was meant to fail there). */
  stopAfter?: StepName;
  /** Steps meant to fail, with the check or state that should say so. */
  fails?: Partial<Record<StepName, string>>;
}

/** What each world should make the runbook do. Worlds not listed behave as the default one. */
export const EXPECTATIONS: Record<string, Expectation> = {
  "ci-red": { stopAfter: "release", fails: { preflight: "ci-green", release: "preflight" } },
  "ci-pending": { stopAfter: "release", fails: { preflight: "ci-green", release: "preflight" } },
  "no-ci": { stopAfter: "release", fails: { preflight: "ci-green", release: "preflight" } },
  "nothing-to-release": { stopAfter: "release", fails: { preflight: "next-version", release: "preflight" } },
  "stale-artifacts": { stopAfter: "release", fails: { preflight: "artifacts-current", release: "preflight" } },
};


const run = promisify(execFile);
const KIT = KIT_ROOT;
const TSX = TSX_LOADER;

interface CommandRun {
  code: number;
  json: any;
}

/** Runs one kit command as its own process: its report goes to our terminal, its JSON to us. */
function runKit(sandbox: Sandbox, repo: string, command: string, args: string[]): Promise<CommandRun> {
  const env = sandbox.env({ ...process.env });
  for (const key of ["GH_TOKEN", "MISE_ORIGINAL_CWD", "GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "RELEASE_KIT_KILL_AFTER"]) delete env[key];
  write(dim(`\n$ mise run ${command === "release" ? "release" : `release:${command}`} -- ${args.join(" ")}`));
  const began = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", TSX, join(KIT, "scripts", `${command}.mts`), "--repo", repo, "--json", ...args], { cwd: repo, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let partial = "";
    child.stdout.on("data", (d) => (stdout += d));
    // Whole lines only, so the indent marks the command's output and never splits a line.
    child.stderr.on("data", (d) => {
      const lines = (partial + String(d)).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) process.stderr.write(`  │ ${line}\n`);
    });
    child.on("close", (code) => {
      if (partial) process.stderr.write(`  │ ${partial}\n`);
      write(dim(`  (${command} exited ${code} after ${((performance.now() - began) / 1000).toFixed(1)} s)`));
      let json: unknown = null;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = { command, ok: false, error: { message: "no JSON report", fix: "" } };
      }
      resolve({ code: code ?? 1, json });
    });
  });
}

// Asynchronous on purpose: the sandbox's API answers the remote's push hook in this same process.
const git = async (cwd: string, ...args: string[]) => (await run("git", args, { cwd, encoding: "utf8" })).stdout.trim();

/** A scratch clone of the maintainer's repository, with origin pointed at the sandbox's remote. */
async function seedFromRepo(source: string, scratch: string, remotePath: string): Promise<string> {
  const clone = join(scratch, basename(source));
  await git(scratch, "clone", "--quiet", "--no-local", "--no-hardlinks", source, clone);
  await git(clone, "remote", "set-url", "origin", remotePath);
  await git(clone, "fetch", "--quiet", "--tags", source);
  await git(clone, "push", "--quiet", "origin", "--tags", "HEAD:refs/heads/main");
  if (!(await git(clone, "config", "--get", "user.email").catch(() => ""))) await git(clone, "config", "user.email", "rehearsal@example.com");
  return clone;
}

async function ownerOf(source: string): Promise<{ owner: string; name: string }> {
  try {
    const parsed = parseRemoteUrl(await git(source, "config", "--get", "remote.origin.url"));
    if (parsed) return { owner: parsed.owner.toLowerCase(), name: parsed.name };
  } catch {
    // no origin: name it after the folder
  }
  return { owner: "acme", name: basename(source) };
}

function checkFailed(doc: any, id: string): boolean {
  return Boolean(doc?.checks?.some((c: any) => c.id === id && c.status === "fail") || doc?.steps?.some((s: any) => s.name === id && s.status === "failed"));
}

export interface RehearsalOptions {
  scenario: string;
  repo?: string;
  keep: boolean;
}

export async function rehearse(opts: RehearsalOptions): Promise<{ ok: boolean; target: string; steps: RehearsalStep[]; dir: string }> {
  const preset = PRESETS[opts.scenario]!;
  const expect = EXPECTATIONS[opts.scenario] ?? {};
  const scratch = mkdtempSync(join(tmpdir(), "release-kit-rehearsal-"));
  let repoPath = "";
  let sandbox: Sandbox;
  try {
    const who = opts.repo ? await ownerOf(opts.repo) : { owner: "acme", name: "gateway" };
    sandbox = await startSandbox({
      dir: scratch,
      keep: opts.keep,
      history: true,
      ...who,
      scenario: preset.scenario,
      example: opts.repo ? false : preset.example ?? {},
      seed: opts.repo ? async (remote) => void (repoPath = await seedFromRepo(opts.repo!, scratch, remote)) : undefined,
    });
  } catch (error) {
    // Nothing was rehearsed: nothing of it stays behind, --keep or not.
    rmSync(scratch, { recursive: true, force: true });
    const said = String((error as { stderr?: string }).stderr ?? "").trim().split("\n").filter(Boolean).pop() ?? (error as Error).message.split("\n")[0];
    if (opts.repo) throw new StartError(`cannot make the rehearsal's scratch clone of ${opts.repo}: ${said}`, "the rehearsal clones the repository and pushes its branch and tags to the sandbox: it needs at least one commit on the checked-out branch; fix what git says, then run it again");
    throw error;
  }
  repoPath ||= sandbox.repoPath!;
  const steps: RehearsalStep[] = [];
  try {
    write(`${bold("Rehearsal")} of the release runbook on ${opts.repo ? `a scratch clone of ${opts.repo}` : "the built-in example repository"} (${repoPath}), world "${opts.scenario}"`);
    write(dim(`GitHub sandbox ${sandbox.apiUrl}, registry ${sandbox.registryUrl}, origin ${sandbox.remotePath}`));
    if (sandbox.standins.length) write(dim(`stand-ins for ${sandbox.standins.join(" and ")} (the real tools are not on PATH)`));

    let stopped: string | null = null;
    const step = async (name: StepName, heading: string, body: () => Promise<{ ok: boolean; report: unknown }>) => {
      if (stopped) {
        steps.push({ name, ok: null, ms: 0, report: null, skipped: stopped });
        return;
      }
      write(`\n${cyan("━━")} ${bold(heading)}`);
      const began = performance.now();
      const { ok, report } = await body();
      steps.push({ name, ok, ms: Math.round(performance.now() - began), report });
      if (!ok) stopped = `not run: ${name} did not do what the rehearsal expected`;
      else if (expect.stopAfter === name) stopped = `not run: in world "${opts.scenario}" the release stops at ${name}, as it should`;
    };
    const judge = (name: StepName, run: CommandRun) => {
      const meant = expect.fails?.[name];
      return meant ? run.code === 1 && checkFailed(run.json, meant) : run.code === 0;
    };

    await step("preflight", "Release Preflight", async () => {
      const run = await runKit(sandbox, repoPath, "preflight", []);
      return { ok: judge("preflight", run), report: run.json };
    });
    await step("release", "Current Release Flow: mise run release", async () => {
      const run = await runKit(sandbox, repoPath, "release", ["--yes"]);
      return { ok: judge("release", run), report: run.json };
    });
    await step("workflow", "What GitHub Actions Does: the tag workflow", async () => {
      await sandbox.settle();
      const run = sandbox.api.state.runs.at(-1);
      const report = run ? { run_id: run.id, tag: run.headBranch, status: run.status, conclusion: run.conclusion, jobs: run.jobs.map((j) => ({ name: j.name, conclusion: j.conclusion })) } : null;
      write(run ? `  run ${run.id} for ${run.headBranch}: ${run.conclusion} (${run.jobs.map((j) => `${j.name} ${j.conclusion}`).join(", ")})` : "  no run started");
      return { ok: run?.conclusion === "success", report };
    });
    await step("verify", "Post-Release Verification", async () => {
      const run = await runKit(sandbox, repoPath, "verify", ["--wait=120"]);
      return { ok: judge("verify", run), report: run.json };
    });
    await step("broken-release", "A second release, whose image job fails", async () => {
      appendFileSync(join(repoPath, "CHANGELOG-NOTES.md"), "The admin UI shows each release's notes.\n");
      await git(repoPath, "add", "CHANGELOG-NOTES.md");
      await git(repoPath, "commit", "--quiet", "-m", "feat(admin-ui): show each release's notes");
      await git(repoPath, "push", "--quiet", "origin", "HEAD:refs/heads/main");
      sandbox.scenario.failJobs = [{ job: "admin-ui", attempts: 1 }];
      const released = await runKit(sandbox, repoPath, "release", ["--yes"]);
      if (released.code !== 0) return { ok: false, report: released.json };
      await sandbox.settle();
      const verified = await runKit(sandbox, repoPath, "verify", ["--wait=120"]);
      // It must fail, and for the right reason: the image workflow failed.
      return { ok: verified.code === 1 && checkFailed(verified.json, "workflow"), report: verified.json };
    });
    await step("recover", "Failure Recovery: diagnose, then --apply --yes", async () => {
      const diagnosed = await runKit(sandbox, repoPath, "recover", []);
      if (diagnosed.json?.state !== "workflow-failed") return { ok: false, report: diagnosed.json };
      const applied = await runKit(sandbox, repoPath, "recover", ["--apply", "--yes"]);
      return { ok: applied.code === 0 && applied.json?.state === "complete", report: applied.json };
    });
    await step("verify-again", "Post-Release Verification, again", async () => {
      const run = await runKit(sandbox, repoPath, "verify", ["--wait=120"]);
      return { ok: run.code === 0, report: run.json };
    });

    write(`\n${bold("Summary")}`);
    for (const s of steps) {
      const verdict = s.skipped ? dim("skipped") : s.ok ? green("as expected") : red("NOT as expected");
      write(`  ${s.name.padEnd(15)} ${verdict.padEnd(20)} ${(s.ms / 1000).toFixed(1).padStart(5)} s${s.skipped ? dim(`  ${s.skipped}`) : ""}`);
    }
    // Every step that ran did what it should, and none was left out because an earlier one did not.
    const ok = steps.every((s) => s.ok === true || (s.ok === null && expect.stopAfter !== undefined && !steps.some((t) => t.ok === false)));
    write(ok ? `\n${green("✔")} ${bold("the rehearsal went as the runbook says it should")}` : `\n${red("✖")} ${bold("the rehearsal did not go as expected")}: see the steps above`);
    if (opts.keep) write(`scratch folder kept: ${scratch}`);
    return { ok, target: opts.repo ?? "built-in example", steps, dir: scratch };
  } finally {
    await sandbox.stop();
    if (!opts.keep) rmSync(scratch, { recursive: true, force: true });
  }
}
