// The sandbox's GitHub Actions: a new tag on the remote starts a run of every workflow at that
// commit whose push filters match it, and the run RUNS: its jobs in `needs` order with their
// `if:` and matrices, their steps executed by bash in a scratch checkout with only stand-in
// tools on PATH, and the marketplace actions implemented from their documentation (runner/). What
// lands in the registry and in the API's state is what the workflow really did. This is the
// project's test oracle: it never imports the kit's own reading of a workflow (scripts/lib).
import { writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { RefUpdate } from "./api/server.ts";
import { type JobRecord, type RunRecord, repositoryIdOf, type SandboxState } from "./api/state.ts";
import {
  ACTOR,
  githubContext,
  type Repo,
  type RunEvent,
  repositoryPayload,
  tagPushEvent,
  workflowRunPayload,
} from "./runner/context.ts";
import { condition, interpolateDeep, interpolateString, type Json, type Scope } from "./runner/expressions.ts";
import { type PushRecord, type RunnerHost, runOnRunner } from "./runner/leg.ts";
import { type Combination, combinationLabel, expandMatrix } from "./runner/matrix.ts";
import { makeBinDir } from "./runner/shell.ts";
import { sourceCache, workflowReader } from "./runner/source.ts";
import { startToolServer, type ToolServer } from "./runner/tools/server.ts";
import {
  asTable,
  type JobDef,
  type LoadedWorkflow,
  loadWorkflow,
  tagPushTriggers,
  type Workflow,
  workflowRunTriggers,
} from "./runner/workflow-file.ts";
import type { Scenario } from "./scenario.ts";

export interface SimulatorOptions {
  owner: string;
  repo: string;
  remotePath: string;
  /** Default "main": workflow_run runs use its head, as GitHub does. */
  defaultBranch?: string;
  /** Scratch folder for the runners' checkouts, homes and temporary files. */
  dir: string;
  /** The sandbox registry every image host maps to, or the one answering for a host. */
  registryUrl: string | ((host: string) => Promise<string>);
  scenario: Scenario;
  state: SandboxState;
  /** Repository secrets besides GITHUB_TOKEN (none by default, as in a fresh repository). */
  secrets?: Record<string, string>;
  /** Programs of this machine a workflow may run by name (name → absolute path); none by default. */
  hostTools?: Record<string, string>;
  /** The sandbox's REST API: jobs get it as github.api_url and GITHUB_API_URL. */
  apiUrl?: string;
}

export interface Simulator {
  onRefUpdate(u: RefUpdate): void;
  onRerun(run: RunRecord): void;
  /** The jobs a re-run resets: the failed ones and every job that needs them (all of them for `all`). */
  rerunJobs(run: RunRecord, all: boolean): JobRecord[];
  /** Runs an earlier release's tag workflow to completion at once (the repository's past). */
  backfill(tag: string, sha: string): Promise<void>;
  /** Resolves when no run is queued or in progress. */
  settle(): Promise<void>;
  stop(): Promise<void>;
  /** What a job printed and what the sandbox noted (skipped commands and actions), by job id; for a
   *  run that failed at startup, by the run's id. */
  jobLog(jobId: number): string;
  /** Every tagged manifest the runs pushed, in order, with the run and job that pushed it. */
  published(): PushRecord[];
}

type Result = "success" | "failure" | "cancelled" | "skipped";

interface LegResult {
  result: Result;
  outputs: Record<string, string>;
  /** A failure the job's continue-on-error forgives: the run does not fail for it. */
  forgiven: boolean;
}

interface RunState {
  run: RunRecord;
  workflow: Workflow;
  event: RunEvent;
  /** Which job and matrix combination a job record runs (index -1: not expanded yet). */
  legs: Map<JobRecord, { job: string; index: number }>;
  legResults: Map<string, Map<number, LegResult>>;
  jobResults: Map<string, { result: Result; outputs: Record<string, string> }>;
  depth: number;
  fast: boolean;
}

const now = () => new Date().toISOString();

export function createSimulator(opts: SimulatorOptions): Simulator {
  const { owner, repo: repoName, remotePath, scenario, state } = opts;
  const repo: Repo = {
    owner,
    name: repoName,
    id: repositoryIdOf(owner, repoName),
    ownerId: repositoryIdOf(owner, owner),
    defaultBranch: opts.defaultBranch ?? "main",
    apiUrl: opts.apiUrl,
  };
  const root = resolve(opts.dir, "actions-runner");
  const runs = new Map<number, RunState>();
  const runNumbers = new Map<string, number>();
  const logs = new Map<number, string[]>();
  const timers = new Set<NodeJS.Timeout>();
  const kills = new Set<() => void>();
  let waiters: (() => void)[] = [];
  let stopped = false;
  let tools: Promise<ToolServer> | null = null;
  let binDir: string | null = null;

  const busy = () => state.runs.some((r) => r.status !== "completed");
  const wake = () => {
    if (busy()) return;
    const w = waiters;
    waiters = [];
    for (const resolve of w) resolve();
  };
  const sleep = (ms: number) =>
    new Promise<void>((done) => {
      const t = setTimeout(() => {
        timers.delete(t);
        done();
      }, ms);
      timers.add(t);
    });
  const reader = workflowReader(remotePath);
  const pushes: PushRecord[] = [];
  const host: RunnerHost = {
    root,
    repo,
    gitDir: remotePath,
    registryUrl: opts.registryUrl,
    pushed: (p) => void pushes.push(p),
    secrets: opts.secrets ?? {},
    scenario,
    source: sourceCache(remotePath),
    attest: (a) => state.attestations.push({ ...a, repositoryId: repo.id }),
    issueToken: (token, permissions) => {
      state.jobTokens.set(token, permissions);
      return () => state.jobTokens.delete(token);
    },
    toolServer: () => (tools ??= startToolServer()),
    binDir: () => (binDir ??= makeBinDir(join(root, "bin"), opts.hostTools)),
    track: (kill) => {
      kills.add(kill);
      return () => kills.delete(kill);
    },
  };

  // ---- runs and their job records --------------------------------------------------------------

  function newRecord(name: string, attempt: number): JobRecord {
    return {
      id: state.nextId(),
      name,
      status: "queued",
      conclusion: null,
      runAttempt: attempt,
      startedAt: now(),
      completedAt: null,
      steps: [],
    };
  }

  /** The job's name as GitHub shows it for one combination: `name:` evaluated, or the id, then the values unless the name used them. */
  function displayName(job: JobDef, combo: Combination | null, contexts: Record<string, Json>): string {
    const declared = job.raw.name;
    let name = job.id;
    let usesMatrix = false;
    if (declared !== undefined && declared !== null) {
      const text = String(declared);
      usesMatrix = /\$\{\{[^}]*\bmatrix\b/.test(text);
      try {
        name = interpolateString(text, { contexts: { ...contexts, matrix: (combo ?? {}) as Json } });
      } catch {
        name = text;
      }
    }
    return combo && !usesMatrix && combinationLabel(combo) ? `${name} ${combinationLabel(combo)}` : name;
  }

  function staticContexts(
    event: RunEvent,
    workflow: Workflow,
    runId: number,
    runNumber: number,
    attempt: number,
  ): Record<string, Json> {
    const github = githubContext({
      repo,
      event,
      workflowName: workflow.name,
      workflowPath: workflow.path,
      runId,
      runNumber,
      runAttempt: attempt,
      jobId: "",
      workspace: "",
      eventPath: "",
      token: "",
    });
    return { github, vars: {}, inputs: {}, needs: {} };
  }

  /** Job records known before the run starts: one per job, or per combination of a literal matrix. */
  function plannedRecords(rs: RunState): void {
    const contexts = staticContexts(rs.event, rs.workflow, rs.run.id, rs.run.runNumber, 1);
    for (const job of rs.workflow.jobs) {
      const matrix = asTable(job.raw.strategy)?.matrix;
      let combos: Combination[] | null = null;
      if (matrix !== undefined && !JSON.stringify(matrix).includes("${{")) {
        try {
          combos = expandMatrix(matrix as Json);
        } catch {
          combos = null;
        }
      } else if (matrix === undefined) combos = [];
      if (combos?.length) {
        combos.forEach((combo, index) => {
          const record = newRecord(displayName(job, combo, contexts), 1);
          rs.run.jobs.push(record);
          rs.legs.set(record, { job: job.id, index });
        });
      } else {
        const record = newRecord(combos ? displayName(job, null, contexts) : String(job.raw.name ?? job.id), 1);
        rs.run.jobs.push(record);
        rs.legs.set(record, { job: job.id, index: combos ? 0 : -1 });
      }
    }
  }

  function createRun(
    loaded: LoadedWorkflow,
    event: RunEvent,
    headBranch: string,
    depth: number,
    fast: boolean,
  ): RunState | null {
    const path = loaded.ok ? loaded.workflow.path : loaded.path;
    const number = (runNumbers.get(path) ?? 0) + 1;
    runNumbers.set(path, number);
    const created = now();
    const run: RunRecord = {
      id: state.nextId(),
      runNumber: number,
      runAttempt: 1,
      name: loaded.ok ? loaded.workflow.name : loaded.name,
      workflowPath: path,
      event: event.name,
      headBranch,
      headSha: event.sha,
      status: "queued",
      conclusion: null,
      createdAt: created,
      updatedAt: created,
      runStartedAt: created,
      jobs: [],
    };
    state.runs.push(run);
    if (!loaded.ok) {
      // GitHub refuses the file before any job starts: a completed run without jobs.
      Object.assign(run, { status: "completed", conclusion: "startup_failure" });
      logs.set(run.id, [loaded.error]);
      return null;
    }
    const rs: RunState = {
      run,
      workflow: loaded.workflow,
      event,
      legs: new Map(),
      legResults: new Map(),
      jobResults: new Map(),
      depth,
      fast,
    };
    plannedRecords(rs);
    runs.set(run.id, rs);
    notifyWorkflowRun(rs, "requested");
    return rs;
  }

  function startForTag(tag: string, newValue: string, fast: boolean): RunState[] {
    const read = reader.at(newValue);
    if (!read) return [];
    const started: RunState[] = [];
    for (const file of read.workflows) {
      const loaded = loadWorkflow(file.path, file.text);
      const on = loaded.ok ? loaded.workflow.on : loaded.on;
      // A file whose triggers cannot even be read fails at startup on every push; one that can is
      // started only when its filters match.
      if (on !== undefined && !tagPushTriggers(on, tag)) continue;
      const rs = createRun(loaded, tagPushEvent(repo, tag, newValue, read.commit), tag, 0, fast);
      if (rs) started.push(rs);
    }
    for (const rs of started) void execute(rs);
    return started;
  }

  // ---- workflow_run: a completed run starts the workflows that wait for it ----------------------

  function notifyWorkflowRun(source: RunState, activity: "requested" | "in_progress" | "completed"): void {
    if (source.depth >= 3 || stopped) return;
    const read = reader.branch(repo.defaultBranch);
    if (!read) return;
    const head = read.commit.sha;
    for (const file of read.workflows) {
      const loaded = loadWorkflow(file.path, file.text);
      if (!loaded.ok || !workflowRunTriggers(loaded.workflow.on, source.run.name, activity, source.run.headBranch))
        continue;
      const event: RunEvent = {
        name: "workflow_run",
        ref: `refs/heads/${repo.defaultBranch}`,
        sha: head,
        payload: {
          action: activity,
          workflow_run: workflowRunPayload(repo, source.run, state.workflowId),
          workflow: { id: state.workflowId, name: source.workflow.name, path: source.workflow.path, state: "active" },
          repository: repositoryPayload(repo),
          sender: { login: ACTOR.login, id: ACTOR.id, type: "User" },
        },
      };
      (event.payload.workflow_run as Record<string, Json>).head_commit = source.event.payload.head_commit ?? null;
      const rs = createRun(loaded, event, repo.defaultBranch, source.depth + 1, source.fast);
      if (rs) void execute(rs);
    }
  }

  // ---- execution ---------------------------------------------------------------------------------

  async function execute(rs: RunState): Promise<void> {
    try {
      if (!rs.fast) {
        await sleep(scenario.queuedMs);
        while (!stopped && scenario.holdQueued) await sleep(25);
      }
      if (stopped) return;
      const run = rs.run;
      run.status = "in_progress";
      run.updatedAt = now();
      notifyWorkflowRun(rs, "in_progress");
      const startedAt = Date.now();
      const memo = new Map<string, Promise<void>>();
      const byId = new Map(rs.workflow.jobs.map((j) => [j.id, j]));
      const runJobOnce = (id: string): Promise<void> => {
        let p = memo.get(id);
        if (!p) {
          const job = byId.get(id)!;
          p = Promise.all(job.needs.map(runJobOnce)).then(() => runWholeJob(rs, job, startedAt));
          memo.set(id, p);
        }
        return p;
      };
      await Promise.all(rs.workflow.jobs.map((j) => runJobOnce(j.id)));
      if (stopped) return;
      const forgiven = new Set<JobRecord>();
      for (const [record, leg] of rs.legs)
        if (rs.legResults.get(leg.job)?.get(leg.index)?.forgiven) forgiven.add(record);
      run.status = "completed";
      run.conclusion = run.jobs.some((j) => j.conclusion === "failure" && !forgiven.has(j))
        ? "failure"
        : run.jobs.some((j) => j.conclusion === "cancelled")
          ? "cancelled"
          : "success";
      run.updatedAt = now();
      notifyWorkflowRun(rs, "completed");
    } catch (error) {
      if (!stopped) {
        console.error("sandbox: the workflow simulator failed:", error);
        Object.assign(rs.run, { status: "completed", conclusion: "failure", updatedAt: now() });
      }
    } finally {
      wake();
    }
  }

  function ancestorsOf(rs: RunState, job: JobDef): string[] {
    const byId = new Map(rs.workflow.jobs.map((j) => [j.id, j]));
    const seen = new Set<string>();
    const visit = (id: string) => {
      for (const need of byId.get(id)?.needs ?? []) {
        if (seen.has(need)) continue;
        seen.add(need);
        visit(need);
      }
    };
    visit(job.id);
    return [...seen];
  }

  function complete(
    record: JobRecord,
    conclusion: "success" | "failure" | "skipped" | "cancelled",
    steps: { name: string; conclusion: string }[] = [],
  ): void {
    Object.assign(record, { status: "completed", conclusion, completedAt: now() });
    record.steps = steps.map((s, i) => ({
      name: s.name,
      status: "completed",
      conclusion: s.conclusion,
      number: i + 1,
    }));
  }

  /** Every combination of one job that this attempt runs; results of the others are kept. */
  async function runWholeJob(rs: RunState, job: JobDef, startedAt: number): Promise<void> {
    if (stopped) return;
    const run = rs.run;
    const records = [...rs.legs].filter(([, leg]) => leg.job === job.id).map(([r]) => r);
    const pending = records.filter((r) => r.status !== "completed");
    if (pending.length === 0 && rs.jobResults.has(job.id)) return;
    const needs: Record<string, Json> = {};
    for (const need of job.needs)
      needs[need] = (rs.jobResults.get(need) ?? { result: "skipped", outputs: {} }) as unknown as Json;
    const ancestors = ancestorsOf(rs, job).map((id) => rs.jobResults.get(id)?.result ?? "skipped");
    const contexts = { ...staticContexts(rs.event, rs.workflow, run.id, run.runNumber, run.runAttempt), needs };
    const scope: Scope = {
      contexts,
      status: {
        success: () => ancestors.every((r) => r === "success"),
        failure: () => ancestors.some((r) => r === "failure"),
        cancelled: () => false,
      },
    };
    const legResults = rs.legResults.get(job.id) ?? new Map<number, LegResult>();
    rs.legResults.set(job.id, legResults);
    // Skipped, or failed before its matrix expanded: GitHub shows one record under the raw name.
    const settle = (result: Result, note?: string) => {
      const [kept, ...extra] = pending;
      for (const r of extra) {
        rs.legs.delete(r);
        run.jobs.splice(run.jobs.indexOf(r), 1);
      }
      legResults.clear();
      legResults.set(-1, { result, outputs: {}, forgiven: false });
      rs.jobResults.set(job.id, { result, outputs: {} });
      if (!kept) return;
      if (note) logs.set(kept.id, [...(logs.get(kept.id) ?? []), note]);
      kept.name = String(job.raw.name ?? job.id);
      rs.legs.set(kept, { job: job.id, index: -1 });
      complete(kept, result === "skipped" ? "skipped" : "failure");
    };
    let combos: Combination[];
    try {
      if (!condition(job.raw.if, scope)) return settle("skipped");
      if (job.raw.uses !== undefined) {
        for (const r of pending) {
          complete(r, "success", [
            { name: `sandbox: reusable workflow ${String(job.raw.uses)} is not simulated`, conclusion: "skipped" },
          ]);
          logs.set(r.id, [`sandbox: reusable workflow ${String(job.raw.uses)} is not simulated: skipped`]);
        }
        rs.jobResults.set(job.id, { result: "success", outputs: {} });
        return;
      }
      const strategy = asTable(interpolateDeep(job.raw.strategy ?? {}, { contexts }));
      combos = expandMatrix((strategy?.matrix ?? null) as Json);
    } catch (error) {
      return settle("failure", `Error: ${(error as Error).message}`);
    }
    const strategy = asTable(interpolateDeep(job.raw.strategy ?? {}, { contexts })) ?? {};
    const legs: (Combination | null)[] = combos.length ? combos : [null];
    // Records for each combination: reuse what exists, add what the expansion adds.
    const byIndex = new Map<number, JobRecord>();
    for (const r of records) {
      const leg = rs.legs.get(r)!;
      if (leg.index >= 0 && leg.index < legs.length) byIndex.set(leg.index, r);
    }
    const spare = records.filter((r) => rs.legs.get(r)!.index < 0 || rs.legs.get(r)!.index >= legs.length);
    if (spare.length && legResults.has(-1)) legResults.delete(-1);
    const toRun: { index: number; record: JobRecord }[] = [];
    legs.forEach((combo, index) => {
      let record = byIndex.get(index);
      if (!record) {
        record = spare.shift() ?? newRecord("", run.runAttempt);
        if (!run.jobs.includes(record)) run.jobs.push(record);
        rs.legs.set(record, { job: job.id, index });
        legResults.delete(index);
      }
      record.name = displayName(job, combo, contexts);
      if (record.status !== "completed" || !legResults.has(index)) toRun.push({ index, record });
    });
    for (const r of spare) {
      // A record the expansion no longer has (the skipped placeholder of an earlier attempt).
      rs.legs.delete(r);
      run.jobs.splice(run.jobs.indexOf(r), 1);
    }
    const failFast = strategy["fail-fast"] !== false;
    const maxParallel = Number(strategy["max-parallel"] ?? legs.length) || legs.length;
    let failedLeg = false;
    const queue = [...toRun];
    const worker = async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        if (stopped) return;
        if (failFast && failedLeg && combos.length) {
          complete(next.record, "cancelled");
          legResults.set(next.index, { result: "cancelled", outputs: {}, forgiven: false });
          continue;
        }
        const combo = legs[next.index]!;
        const result = await runLeg(
          rs,
          job,
          combo,
          next.index,
          legs.length,
          strategy,
          next.record,
          contexts,
          startedAt,
        );
        legResults.set(next.index, result);
        if (result.result === "failure" && !result.forgiven) failedLeg = true;
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(maxParallel, toRun.length)) }, worker));
    const results = [...legResults.values()];
    const result: Result = results.some((r) => r.result === "failure")
      ? "failure"
      : results.some((r) => r.result === "cancelled")
        ? "cancelled"
        : "success";
    const outputs = Object.assign({}, ...results.map((r) => r.outputs)) as Record<string, string>;
    rs.jobResults.set(job.id, { result, outputs });
  }

  async function runLeg(
    rs: RunState,
    job: JobDef,
    combo: Combination | null,
    index: number,
    total: number,
    strategy: Record<string, unknown>,
    record: JobRecord,
    contexts: Record<string, Json>,
    startedAt: number,
  ): Promise<LegResult> {
    const run = rs.run;
    const attempt = run.runAttempt;
    Object.assign(record, {
      status: "in_progress",
      conclusion: null,
      startedAt: now(),
      completedAt: null,
      runAttempt: attempt,
      steps: [],
    });
    const lines: string[] = logs.get(record.id) ?? [];
    logs.set(record.id, lines);
    const knob = scenario.failJobs.find(
      (f) =>
        (f.job === job.id || f.job === String(job.raw.name ?? job.id) || f.job === record.name) &&
        attempt <= f.attempts,
    );
    const { outcome, jobRoot } = await runOnRunner(host, {
      workflow: rs.workflow,
      event: rs.event,
      runId: run.id,
      runNumber: run.runNumber,
      attempt,
      job,
      combo,
      index,
      total,
      strategy,
      recordId: record.id,
      name: record.name,
      contexts,
      lines,
      knob,
    });
    const coe = job.raw["continue-on-error"];
    const forgiven =
      outcome.result === "failure" &&
      (coe === true ||
        (typeof coe === "string" &&
          interpolateString(coe.includes("${{") ? coe : `\${{ ${coe} }}`, {
            contexts: { ...contexts, matrix: (combo ?? {}) as Json },
          }) === "true"));
    // The run's timing knobs: a job reports completion no sooner than runMs after the run started,
    // and not while the scenario holds runs.
    if (!rs.fast) {
      while (!stopped && (Date.now() - startedAt < scenario.runMs || scenario.holdRuns))
        await sleep(Math.min(25, Math.max(1, scenario.runMs - (Date.now() - startedAt))));
    }
    complete(record, outcome.result, outcome.steps);
    await writeFile(join(jobRoot, "log.txt"), `${lines.join("\n")}\n`).catch(() => undefined);
    return { result: outcome.result, outputs: outcome.outputs, forgiven };
  }

  // ---- the Simulator -----------------------------------------------------------------------------

  function rerunJobs(run: RunRecord, all: boolean): JobRecord[] {
    const rs = runs.get(run.id);
    if (all) return run.jobs;
    const failedRecords = run.jobs.filter((j) => j.conclusion === "failure" || j.conclusion === "cancelled");
    if (!rs) return failedRecords;
    const failedJobs = new Set(failedRecords.map((r) => rs.legs.get(r)?.job).filter((j): j is string => Boolean(j)));
    const dependents = new Set<string>();
    let grew = true;
    while (grew) {
      grew = false;
      for (const job of rs.workflow.jobs) {
        if (dependents.has(job.id) || failedJobs.has(job.id)) continue;
        if (job.needs.some((n) => failedJobs.has(n) || dependents.has(n))) {
          dependents.add(job.id);
          grew = true;
        }
      }
    }
    return run.jobs.filter((r) => failedRecords.includes(r) || dependents.has(rs.legs.get(r)?.job ?? ""));
  }

  return {
    onRefUpdate(u) {
      if (stopped || !u.ref.startsWith("refs/tags/") || !u.newSha || u.oldSha) return;
      if (scenario.pushesStartNoRuns && u.via === "push") return;
      startForTag(u.ref.slice("refs/tags/".length), u.newSha, false);
    },
    onRerun(run) {
      const rs = runs.get(run.id);
      if (!rs) {
        // Nothing to run again (a startup failure): it fails the same way.
        Object.assign(run, { status: "completed", conclusion: run.conclusion ?? "startup_failure" });
        return;
      }
      for (const r of run.jobs) if (r.status !== "completed") rs.jobResults.delete(rs.legs.get(r)?.job ?? "");
      for (const job of rs.workflow.jobs) {
        const reset = run.jobs.some((r) => rs.legs.get(r)?.job === job.id && r.status !== "completed");
        if (reset) rs.jobResults.delete(job.id);
      }
      void execute(rs);
    },
    rerunJobs,
    async backfill(tag, sha) {
      const started = startForTag(tag, sha, true);
      await Promise.all(
        started.map(
          (rs) =>
            new Promise<void>((done) => {
              const check = () => (rs.run.status === "completed" || stopped ? done() : void setTimeout(check, 5));
              check();
            }),
        ),
      );
      await new Promise<void>((done) => (busy() ? waiters.push(done) : done()));
    },
    settle: () => (busy() ? new Promise<void>((resolve) => waiters.push(resolve)) : Promise.resolve()),
    async stop() {
      stopped = true;
      for (const kill of kills) kill();
      kills.clear();
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const resolve of waiters) resolve();
      waiters = [];
      if (tools) await (await tools).stop();
    },
    jobLog: (jobId) => (logs.get(jobId) ?? []).join("\n"),
    published: () => [...pushes],
  };
}
