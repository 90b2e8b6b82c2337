// The rehearsal: the whole runbook, offline, against the sandbox. Each command runs as the user would
// run it (its own process, its report on the terminal) and is judged against what this world
// should make it do: a failing step that was meant to fail is a rehearsal that passed.
import { spawn } from "node:child_process";
import { appendFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { StartError } from "../lib/cli.ts";
import { KIT_ROOT } from "../lib/kit-root.ts";
import { bold, cyan, dim, green, red, write } from "../lib/output.ts";
import { parseRemoteUrl } from "../lib/remote-url.ts";
import { type Sandbox, startSandbox } from "./index.ts";
import { PRESETS } from "./presets.ts";
import { git, releaseBranchOf, seedFromRepo } from "./rehearsal-repo.ts";
import type { PushRecord } from "./runner/leg.ts";

export const REHEARSAL_STEPS = [
  "preflight",
  "release",
  "workflow",
  "verify",
  "broken-release",
  "recover",
  "verify-again",
] as const;
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

// Each command starts as the user's would: through the launcher, which runs the build while it
// matches the sources, and the sources through tsx otherwise.
const LAUNCHER = join(KIT_ROOT, "scripts", "release-kit");

interface CommandRun {
  code: number;
  json: any;
}

/** Runs one kit command as its own process: its report goes to our terminal, its JSON to us. */
function runKit(sandbox: Sandbox, repo: string, command: string, args: string[]): Promise<CommandRun> {
  const env = sandbox.env({ ...process.env });
  for (const key of [
    "GH_TOKEN",
    "MISE_ORIGINAL_CWD",
    "GITHUB_ACTIONS",
    "GITHUB_STEP_SUMMARY",
    "RELEASE_KIT_KILL_AFTER",
  ])
    delete env[key];
  write(dim(`\n$ mise run ${command === "release" ? "release" : `release:${command}`} -- ${args.join(" ")}`));
  const began = performance.now();
  return new Promise((resolve) => {
    const child = spawn(LAUNCHER, [command, "--repo", repo, "--json", ...args], {
      cwd: repo,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
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

async function ownerOf(source: string): Promise<{ owner: string; name: string }> {
  try {
    const parsed = parseRemoteUrl(await git(source, "config", "--get", "remote.origin.url"));
    if (parsed) return { owner: parsed.owner.toLowerCase(), name: parsed.name };
  } catch {
    // no origin: name it after the folder
  }
  return { owner: "acme", name: basename(source) };
}

function checkFailed(doc: any, id: string | RegExp): boolean {
  const named = (name: string) => (typeof id === "string" ? name === id : id.test(name));
  return Boolean(
    doc?.checks?.some((c: any) => named(c.id) && c.status === "fail") ||
      doc?.steps?.some((s: any) => named(s.name) && s.status === "failed"),
  );
}

/** verify's run check of a workflow: `workflow`, or `workflow:<file>` when several start. */
const runCheckOf = (path: string) =>
  new RegExp(`^workflow(:${basename(path).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")})?$`);

/**
 * The job the broken release fails: of what the release's own runs pushed, the first job (in its
 * workflow's order) that pushed an image, else a chart or another artifact; null when they pushed nothing.
 */
function publishingJob(pushes: PushRecord[]): { workflow: string; job: string } | null {
  const images = pushes.filter((p) => p.kind === "image");
  const [first] = [...(images.length ? images : pushes)].sort(
    (a, b) => a.workflow.localeCompare(b.workflow) || a.jobIndex - b.jobIndex,
  );
  return first ? { workflow: first.workflow, job: first.job } : null;
}

/** What stopped a step, in a line: the checks or the release step that failed, or the error. */
function whatFailed(report: any): string | null {
  const failed = (report?.checks ?? []).filter((c: any) => c.status === "fail").map((c: any) => c.id);
  if (failed.length) return `failed: ${failed.join(", ")}`;
  const step = (report?.steps ?? []).find((s: any) => s.status === "failed");
  if (step) return `stopped at ${step.name}`;
  return typeof report?.error?.message === "string" ? report.error.message : null;
}

export interface RehearsalOptions {
  scenario: string;
  repo?: string;
  keep: boolean;
}

export async function rehearse(
  opts: RehearsalOptions,
): Promise<{ ok: boolean; target: string; steps: RehearsalStep[]; dir: string }> {
  const preset = PRESETS[opts.scenario]!;
  const expect = EXPECTATIONS[opts.scenario] ?? {};
  const scratch = mkdtempSync(join(tmpdir(), "release-kit-rehearsal-"));
  let repoPath = "";
  let sandbox: Sandbox;
  let branch = "main";
  try {
    const who = opts.repo ? await ownerOf(opts.repo) : { owner: "acme", name: "gateway" };
    if (opts.repo) branch = await releaseBranchOf(opts.repo);
    sandbox = await startSandbox({
      dir: scratch,
      keep: opts.keep,
      history: true,
      ...who,
      defaultBranch: branch,
      // Every registry host the tag workflows push to, each answering as that host does.
      registryHosts: "each",
      scenario: preset.scenario,
      example: opts.repo ? false : (preset.example ?? {}),
      seed: opts.repo ? async (remote) => void (repoPath = await seedFromRepo(opts.repo!, scratch, remote)) : undefined,
    });
  } catch (error) {
    // Nothing was rehearsed: nothing of it stays behind, --keep or not.
    rmSync(scratch, { recursive: true, force: true });
    const said =
      String((error as { stderr?: string }).stderr ?? "")
        .trim()
        .split("\n")
        .filter(Boolean)
        .pop() ?? (error as Error).message.split("\n")[0];
    if (opts.repo)
      throw new StartError(
        `cannot make the rehearsal's scratch clone of ${opts.repo}: ${said}`,
        "the rehearsal clones the repository and pushes its branch and tags to the sandbox: it needs at least one commit on the checked-out branch; fix what git says, then run it again",
      );
    throw error;
  }
  repoPath ||= sandbox.repoPath!;
  const steps: RehearsalStep[] = [];
  try {
    write(
      `${bold("Rehearsal")} of the release runbook on ${opts.repo ? `a scratch clone of ${opts.repo}` : "the built-in example repository"} (${repoPath}), world "${opts.scenario}"`,
    );
    write(
      dim(
        `GitHub sandbox ${sandbox.apiUrl}, a registry for each host the workflows push to, origin ${sandbox.remotePath} (release branch ${branch})`,
      ),
    );
    if (sandbox.standins.length)
      write(dim(`stand-ins for ${sandbox.standins.join(" and ")} (the real tools are not on PATH)`));

    let stopped: string | null = null;
    // Steps that cannot run in this repository (it publishes nothing to break), by design: not a failure.
    let notApplicable: string | null = null;
    const step = async (name: StepName, heading: string, body: () => Promise<{ ok: boolean; report: unknown }>) => {
      if (stopped || notApplicable) {
        steps.push({ name, ok: null, ms: 0, report: null, skipped: (stopped ?? notApplicable)! });
        return;
      }
      write(`\n${cyan("━━")} ${bold(heading)}`);
      const began = performance.now();
      const { ok, report } = await body();
      steps.push({ name, ok, ms: Math.round(performance.now() - began), report });
      if (!ok) stopped = `not run: ${name} did not do what the rehearsal expected`;
      else if (expect.stopAfter === name)
        stopped = `not run: in world "${opts.scenario}" the release stops at ${name}, as it should`;
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
    let released: string | null = null;
    await step("workflow", "What GitHub Actions Does: the tag workflows", async () => {
      await sandbox.settle();
      released = (steps.find((s) => s.name === "release")?.report as { tag?: string } | null)?.tag ?? null;
      // Every workflow the tag started, each as GitHub would show its run.
      const runs = sandbox.api.state.runs.filter((r) => r.headBranch === released);
      const ok = runs.length > 0 && runs.every((r) => r.conclusion === "success");
      const report = {
        tag: released,
        conclusion: !runs.length ? null : ok ? "success" : "failure",
        runs: runs.map((run) => ({
          run_id: run.id,
          workflow: run.workflowPath,
          status: run.status,
          conclusion: run.conclusion,
          jobs: run.jobs.map((j) => ({ name: j.name, conclusion: j.conclusion })),
        })),
      };
      for (const run of runs)
        write(
          `  ${run.workflowPath} run ${run.id} for ${run.headBranch}: ${run.conclusion} (${run.jobs.map((j) => `${j.name} ${j.conclusion}`).join(", ")})`,
        );
      if (!runs.length) write(`  no run started for ${released ?? "the release"}`);
      write(dim(`  registries the kit is pointed at: RELEASE_REGISTRY_URL=${sandbox.registryMapping}`));
      return { ok, report };
    });
    await step("verify", "Post-Release Verification", async () => {
      const run = await runKit(sandbox, repoPath, "verify", ["--wait=120"]);
      return { ok: judge("verify", run), report: run.json };
    });
    // Chosen from what the release's runs really pushed, not from a name.
    const releaseRuns = sandbox.api.state.runs.filter((r) => r.headBranch === released).map((r) => r.id);
    const broken = publishingJob(sandbox.published().filter((p) => releaseRuns.includes(p.runId)));
    if (!broken && !stopped)
      notApplicable = `not run: ${released ?? "the release"}'s tag workflows pushed nothing to a registry, so there is no publishing job to break`;
    await step("broken-release", `A second release, whose ${broken?.job ?? "publishing"} job fails`, async () => {
      const { workflow, job } = broken!;
      appendFileSync(join(repoPath, "REHEARSAL.md"), `A second release, whose ${job} job fails once.\n`);
      await git(repoPath, "add", "REHEARSAL.md");
      await git(repoPath, "commit", "--quiet", "-m", `feat: a second release, whose ${job} job fails`);
      await git(repoPath, "push", "--quiet", "origin", `HEAD:refs/heads/${branch}`);
      // A real publishing job of the repository's own workflow fails on its first attempt.
      sandbox.scenario.failJobs = [{ job, attempts: 1 }];
      write(dim(`  the sandbox fails ${workflow}'s job ${job} on its first attempt`));
      const released = await runKit(sandbox, repoPath, "release", ["--yes"]);
      if (released.code !== 0) return { ok: false, report: released.json };
      await sandbox.settle();
      const verified = await runKit(sandbox, repoPath, "verify", ["--wait=120"]);
      // It must fail, and for the right reason: that workflow's run failed.
      return { ok: verified.code === 1 && checkFailed(verified.json, runCheckOf(workflow)), report: verified.json };
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
      const why = s.ok === false ? whatFailed(s.report) : null;
      write(
        `  ${s.name.padEnd(15)} ${verdict.padEnd(20)} ${(s.ms / 1000).toFixed(1).padStart(5)} s${s.skipped ? dim(`  ${s.skipped}`) : why ? `  ${why}` : ""}`,
      );
    }
    // Every step that ran did what it should, and none was left out because an earlier one did not
    // (steps this repository gives nothing to do are left out by design).
    const ok =
      !steps.some((s) => s.ok === false) &&
      steps.every(
        (s) => s.ok === true || (s.ok === null && (expect.stopAfter !== undefined || s.skipped === notApplicable)),
      );
    write(
      ok
        ? `\n${green("✔")} ${bold("the rehearsal went as the runbook says it should")}`
        : `\n${red("✖")} ${bold("the rehearsal did not go as expected")}: see the steps above`,
    );
    if (opts.keep) write(`scratch folder kept: ${scratch}`);
    return { ok, target: opts.repo ?? "built-in example", steps, dir: scratch };
  } finally {
    await sandbox.stop();
    if (!opts.keep) rmSync(scratch, { recursive: true, force: true });
  }
}
