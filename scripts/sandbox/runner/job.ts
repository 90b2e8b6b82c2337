// One job (one matrix combination) on its runner: its env and defaults, then each step in order
// with its `if:`, `env`, `continue-on-error` and `timeout-minutes`, `run:` steps through bash
// (shell.ts) and `uses:` steps through the sandbox's actions (actions/) or a local composite
// action, the $GITHUB_ENV / $GITHUB_OUTPUT / $GITHUB_PATH / $GITHUB_STEP_SUMMARY files after
// each step, and the job's `outputs` at the end.
import { existsSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { findAction } from "./actions/index.ts";
import { ActionFailure } from "./actions/types.ts";
import { CommandFileError } from "./command-files.ts";
import {
  asString,
  condition,
  ExpressionFailure,
  interpolate,
  interpolateString,
  type Json,
  type Scope,
} from "./expressions.ts";
import { runStep } from "./run-step.ts";
import type { JobRuntime } from "./runtime.ts";
import { asTable, type JobDef, type Table, type Workflow } from "./workflow-file.ts";

export interface JobPlan {
  workflow: Workflow;
  job: JobDef;
  /** github, vars, secrets, inputs, needs, strategy, matrix. */
  contexts: Record<string, Json>;
  /** The workflow's `env:`, already evaluated. */
  workflowEnv: Record<string, string>;
  /** What every step's process starts from: HOME, TMPDIR, CI, GITHUB_*, RUNNER_*, the stand-ins' port. */
  processEnv: Record<string, string>;
  binDir: string;
  skippedLog: string;
  timeoutMs: number;
  track(kill: () => void): () => void;
}

export interface StepRecord {
  name: string;
  conclusion: "success" | "failure" | "skipped";
}

export interface JobOutcome {
  result: "success" | "failure";
  outputs: Record<string, string>;
  steps: StepRecord[];
  /** Commands the job's shells did not find, as they were called. */
  skippedCommands: string[];
}

export interface StepResult {
  ok: boolean;
  outputs: Record<string, string>;
}

interface StepState {
  outputs: Record<string, string>;
  outcome: string;
  conclusion: string;
}

export interface JobState {
  /** What $GITHUB_ENV set, for every later step. */
  exported: Record<string, string>;
  /** What $GITHUB_PATH added, newest first. */
  paths: string[];
  skipped: string[];
  skippedRead: number;
  fileCounter: number;
  deadline: number;
}

export interface Frame {
  /** Contexts other than env and steps. */
  contexts: Record<string, Json>;
  env: Record<string, string>;
  steps: Record<string, StepState>;
  failed: boolean;
  /** Inside a composite action: its folder, and `shell:` is required. */
  actionPath?: string;
  depth: number;
}

/** The job being run: its runtime, its plan, and what its steps have changed so far. */
export interface JobRun {
  rt: JobRuntime;
  plan: JobPlan;
  state: JobState;
}

/** One step about to run, in its frame, with its evaluated env and expression scope. */
export interface StepRun {
  frame: Frame;
  step: Table;
  id: string;
  env: Record<string, string>;
  scope: Scope;
  defaults: Table;
}

const stringMap = (value: Json): Record<string, string> => {
  const out: Record<string, string> = {};
  if (value && typeof value === "object" && !Array.isArray(value))
    for (const [k, v] of Object.entries(value)) out[k] = asString(v);
  return out;
};

/** An `env:` mapping evaluated in `scope`, each value as a string. */
export function evaluateEnv(raw: unknown, scope: Scope): Record<string, string> {
  const table = asTable(raw);
  if (!table) {
    if (typeof raw === "string") return stringMap(interpolate(raw, scope));
    return {};
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(table)) out[k] = interpolateString(v, scope);
  return out;
}

function stepDisplayName(step: Table, scope: Scope): string {
  if (step.name !== undefined) {
    try {
      return interpolateString(step.name, scope);
    } catch {
      return String(step.name);
    }
  }
  if (typeof step.uses === "string") return `Run ${step.uses}`;
  const first =
    String(step.run ?? "")
      .split("\n")
      .find((l) => l.trim()) ?? "";
  return `Run ${first.trim()}`;
}

export async function runJob(rt: JobRuntime, plan: JobPlan): Promise<JobOutcome> {
  const raw = plan.job.raw;
  const jobScope: Scope = { contexts: { ...plan.contexts } };
  const jobEnv = evaluateEnv(raw.env, jobScope);
  const state: JobState = {
    exported: {},
    paths: [],
    skipped: [],
    skippedRead: 0,
    fileCounter: 0,
    deadline: Date.now() + plan.timeoutMs,
  };
  const defaults = {
    ...(asTable(asTable(plan.workflow.root.defaults)?.run) ?? {}),
    ...(asTable(asTable(raw.defaults)?.run) ?? {}),
  };
  const frame: Frame = {
    contexts: { ...plan.contexts, job: { status: "success", container: {}, services: {} }, runner: runnerContext(rt) },
    env: { ...plan.workflowEnv, ...jobEnv },
    steps: {},
    failed: false,
    depth: 0,
  };
  const records: StepRecord[] = [{ name: "Set up job", conclusion: "success" }];
  const steps = (Array.isArray(raw.steps) ? raw.steps : []).map((s) => asTable(s) ?? {});
  await executeSteps({ rt, plan, state }, frame, steps, defaults, records);
  const outputs: Record<string, string> = {};
  const outputDefs = asTable(raw.outputs) ?? {};
  const outScope = scopeOf(frame, { ...frame.env, ...state.exported }, rt);
  for (const [name, value] of Object.entries(outputDefs)) {
    try {
      outputs[name] = interpolateString(value, outScope);
    } catch (error) {
      rt.log(`Error: job output ${name}: ${(error as Error).message}`);
    }
  }
  records.push({ name: "Complete job", conclusion: "success" });
  return { result: frame.failed ? "failure" : "success", outputs, steps: records, skippedCommands: state.skipped };
}

function runnerContext(rt: JobRuntime): Record<string, Json> {
  return {
    os: rt.os,
    arch: rt.arch === "arm64" ? "ARM64" : "X64",
    name: `GitHub Actions ${rt.runId % 1000}`,
    environment: "github-hosted",
    temp: rt.temp,
    tool_cache: join(rt.root, "toolcache"),
    debug: "",
  };
}

function scopeOf(frame: Frame, env: Record<string, string>, rt: JobRuntime, statusOf?: { failed: boolean }): Scope {
  const status = statusOf ?? frame;
  return {
    contexts: {
      ...frame.contexts,
      job: { ...(frame.contexts.job as Record<string, Json>), status: status.failed ? "failure" : "success" },
      env,
      steps: frame.steps as unknown as Json,
    },
    status: { success: () => !status.failed, failure: () => status.failed, cancelled: () => false },
    workspace: rt.workspace,
  };
}

/** A step's id: its own, or the runner's generated one (__run, __owner_repo, with _N after the first). */
function stepId(step: Table, index: number): string {
  if (typeof step.id === "string") return step.id;
  return `__${typeof step.uses === "string" ? step.uses.split("@")[0]!.replace(/[^A-Za-z0-9]/g, "_") : "run"}${index ? `_${index + 1}` : ""}`;
}

const asIds = (value: unknown): string[] =>
  Array.isArray(value) ? value.map(String) : value === undefined || value === null ? [] : [String(value)];

/**
 * The steps in order. Parallel steps (GitHub, 2026): `background: true` starts a step and goes on,
 * `wait:` / `wait-all:` wait for background steps, `cancel:` stops one, and `parallel:` runs a group
 * at once and waits for all of it. Background steps still running when the job's steps end are cancelled.
 */
async function executeSteps(
  job: JobRun,
  frame: Frame,
  steps: Table[],
  defaults: Table,
  records: StepRecord[] | null,
): Promise<void> {
  const background = new Map<string, { done: Promise<void>; cancel(): void }>();
  const start = (step: Table, id: string) => {
    const kills = new Set<() => void>();
    const track = (kill: () => void) => {
      kills.add(kill);
      const untrack = job.plan.track(kill);
      return () => {
        kills.delete(kill);
        untrack();
      };
    };
    const done = runOneStep({ ...job, plan: { ...job.plan, track } }, frame, step, id, defaults, records);
    return {
      done,
      cancel: () => {
        for (const kill of kills) kill();
      },
    };
  };
  for (const [index, step] of steps.entries()) {
    if (Array.isArray(step.parallel)) {
      const group = step.parallel.map((s) => asTable(s) ?? {}).map((s, i) => start(s, stepId(s, index * 100 + i)));
      await Promise.all(group.map((g) => g.done));
    } else if (step.wait !== undefined || step["wait-all"] !== undefined) {
      const ids = step["wait-all"] !== undefined ? [...background.keys()] : asIds(step.wait);
      await Promise.all(ids.map((id) => background.get(id)?.done));
    } else if (step.cancel !== undefined) {
      for (const id of asIds(step.cancel)) {
        background.get(id)?.cancel();
        await background.get(id)?.done;
      }
    } else if (step.background === true) {
      const id = stepId(step, index);
      background.set(id, start(step, id));
    } else {
      await start(step, stepId(step, index)).done;
    }
  }
  for (const b of background.values()) b.cancel();
  await Promise.all([...background.values()].map((b) => b.done));
}

async function runOneStep(
  job: JobRun,
  frame: Frame,
  step: Table,
  id: string,
  defaults: Table,
  records: StepRecord[] | null,
): Promise<void> {
  const { rt, state } = job;
  const envContext = { ...frame.env, ...state.exported };
  let scope = scopeOf(frame, envContext, rt);
  let name = stepDisplayName(step, scope);
  let stepEnv: Record<string, string> = {};
  let run = false;
  let continueOnError = false;
  // The record keeps its place in the job's list even when steps finish out of order.
  const record: StepRecord = { name, conclusion: "skipped" };
  records?.push(record);
  try {
    stepEnv = evaluateEnv(step.env, scope);
    scope = scopeOf(frame, { ...envContext, ...stepEnv }, rt);
    name = record.name = stepDisplayName(step, scope);
    run = condition(step.if, scope);
    const coe = step["continue-on-error"];
    if (typeof coe === "string") {
      const value = interpolate(coe.includes("${{") ? coe : `\${{ ${coe} }}`, scope);
      continueOnError = value === true || value === "true";
    } else continueOnError = coe === true;
  } catch (error) {
    rt.log(`Error: ${name}: ${(error as Error).message}`);
    frame.failed = true;
    frame.steps[id] = { outputs: {}, outcome: "failure", conclusion: "failure" };
    record.conclusion = "failure";
    return;
  }
  if (!run) {
    frame.steps[id] = { outputs: {}, outcome: "skipped", conclusion: "skipped" };
    return;
  }
  rt.log(`##[group]${name}`);
  let ok: boolean;
  let outputs: Record<string, string> = {};
  try {
    const result = await executeStep(job, { frame, step, id, env: { ...envContext, ...stepEnv }, scope, defaults });
    ok = result.ok;
    outputs = result.outputs;
  } catch (error) {
    if (error instanceof ExpressionFailure || error instanceof ActionFailure || error instanceof CommandFileError)
      rt.log(`Error: ${error.message}`);
    else
      rt.log(
        `Error: sandbox: the step failed unexpectedly: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
    ok = false;
  }
  await collectSkipped(job);
  const outcome = ok ? "success" : "failure";
  const conclusion = ok || continueOnError ? "success" : "failure";
  if (!ok && continueOnError) rt.log(`sandbox: ${name} failed; continue-on-error keeps the job going`);
  if (conclusion === "failure") frame.failed = true;
  frame.steps[id] = { outputs, outcome, conclusion };
  record.conclusion = outcome === "failure" ? "failure" : "success";
  rt.log("##[endgroup]");
}

async function collectSkipped({ rt, plan, state }: JobRun): Promise<void> {
  if (!existsSync(plan.skippedLog)) return;
  const text = await readFile(plan.skippedLog, "utf8");
  const fresh = text.slice(state.skippedRead);
  state.skippedRead = text.length;
  for (const line of fresh.split("\n").filter(Boolean)) {
    state.skipped.push(line);
    rt.log(`sandbox: skipped \`${line}\`: not available in the sandbox`);
  }
}

async function executeStep(job: JobRun, s: StepRun): Promise<StepResult> {
  const { rt, state } = job;
  const { step, env, scope } = s;
  if (typeof step.run === "string" || typeof step.run === "number") return runStep(job, s);
  const uses = String(step.uses);
  const inputs: Record<string, string> = {};
  for (const [k, v] of Object.entries(asTable(step.with) ?? {})) inputs[k.toLowerCase()] = interpolateString(v, scope);
  if (uses.startsWith("./") || uses === ".") return compositeStep(job, s.frame, uses, inputs, env, scope);
  if (uses.startsWith("docker://")) {
    rt.log(`sandbox: container action ${uses} is not simulated: skipped`);
    return { ok: true, outputs: {} };
  }
  const action = findAction(uses);
  if (!action) {
    rt.log(`sandbox: ${uses} is not simulated: skipped`);
    return { ok: true, outputs: {} };
  }
  const result = await action({
    rt,
    uses,
    inputs,
    env,
    github: scope.contexts.github as Record<string, Json>,
    log: (l) => rt.log(l),
  });
  Object.assign(state.exported, result.env ?? {});
  if (result.summary) rt.log(result.summary);
  return { ok: true, outputs: result.outputs };
}

async function compositeStep(
  job: JobRun,
  frame: Frame,
  uses: string,
  inputs: Record<string, string>,
  env: Record<string, string>,
  scope: Scope,
): Promise<StepResult> {
  const { rt, state } = job;
  const dir = resolve(rt.workspace, uses);
  if (!rt.inside(dir)) throw new ActionFailure(`${uses} is outside the workspace`);
  const file = ["action.yml", "action.yaml"].map((f) => join(dir, f)).find((f) => existsSync(f));
  if (!file)
    throw new ActionFailure(
      `Can't find 'action.yml', 'action.yaml' or 'Dockerfile' under '${dir}'. Did you forget to run actions/checkout before running your local action?`,
    );
  if (frame.depth >= 9) throw new ActionFailure("Composite actions nest too deeply (at most 10 levels)");
  const action = asTable(parseYaml(readFileSync(file, "utf8"))) ?? {};
  const runs = asTable(action.runs) ?? {};
  if (runs.using !== "composite") {
    rt.log(`sandbox: ${uses} runs with ${String(runs.using)}, which is not simulated: skipped`);
    return { ok: true, outputs: {} };
  }
  const inputContext: Record<string, Json> = {};
  // Inside a composite action, github.action_path is its folder (GitHub's "Contexts reference").
  const github = { ...(scope.contexts.github as Record<string, Json>), action_path: dir };
  // What the action sees of its caller's contexts; env, steps and inputs are its own.
  const shared: Record<string, Json> = { github };
  for (const name of ["vars", "secrets", "job", "runner", "strategy", "matrix"]) shared[name] = scope.contexts[name]!;
  const baseScope: Scope = { contexts: { ...shared, env: scope.contexts.env!, steps: {}, inputs: {} } };
  for (const [name, def] of Object.entries(asTable(action.inputs) ?? {})) {
    const given = inputs[name.toLowerCase()];
    const d = asTable(def) ?? {};
    if (given !== undefined) inputContext[name] = given;
    else if (d.default !== undefined) inputContext[name] = interpolateString(d.default, baseScope);
    else if (d.required === true) rt.log(`Warning: Input required and not supplied: ${name}`);
    else inputContext[name] = "";
  }
  const inner: Frame = {
    contexts: { ...shared, needs: scope.contexts.needs!, inputs: inputContext },
    env,
    steps: {},
    failed: false,
    actionPath: dir,
    depth: frame.depth + 1,
  };
  const steps = (Array.isArray(runs.steps) ? runs.steps : []).map((s) => asTable(s) ?? {});
  await executeSteps(job, inner, steps, {}, null);
  const outputs: Record<string, string> = {};
  const outScope = scopeOf(inner, { ...env, ...state.exported }, rt);
  for (const [name, def] of Object.entries(asTable(action.outputs) ?? {}))
    outputs[name] = interpolateString(asTable(def)?.value, outScope);
  return { ok: !inner.failed, outputs };
}
