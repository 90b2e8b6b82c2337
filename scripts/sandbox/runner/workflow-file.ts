// Workflow files as GitHub Actions reads them at a commit: every .yml/.yaml directly in
// .github/workflows, parsed with `yaml` (YAML 1.2, so a bare `on` stays a key), checked the way
// GitHub refuses a file before any job starts (a startup failure), and matched against events:
// a tag push (tags / tags-ignore / branch-only filters) and the completion of another workflow.
import { parseDocument } from "yaml";
import { matchesPatterns, patternList } from "./filter-pattern.ts";

export type Table = Record<string, unknown>;

export const asTable = (value: unknown): Table | null =>
  value && typeof value === "object" && !Array.isArray(value) ? (value as Table) : null;

export interface JobDef {
  id: string;
  raw: Table;
  needs: string[];
}

export interface Workflow {
  path: string;
  /** `name:`, or the file's path as GitHub shows a workflow without one. */
  name: string;
  root: Table;
  on: unknown;
  jobs: JobDef[];
}

export type LoadedWorkflow =
  | { ok: true; workflow: Workflow }
  /** The file cannot run: GitHub shows a run that failed at startup, with this message. */
  | { ok: false; path: string; name: string; on: unknown; error: string };

const JOB_ID = /^[A-Za-z_][A-Za-z0-9_-]*$/;

function invalid(path: string, name: string, on: unknown, message: string): LoadedWorkflow {
  return { ok: false, path, name, on, error: `The workflow is not valid. ${path}: ${message}` };
}

const loaded = new Map<string, LoadedWorkflow>();

/** Parses and checks one workflow file as GitHub does before starting it (remembered: runs never change it). */
export function loadWorkflow(path: string, text: string): LoadedWorkflow {
  const key = `${path}\0${text}`;
  let result = loaded.get(key);
  if (!result) {
    result = parseWorkflow(path, text);
    loaded.set(key, result);
    if (loaded.size > 256) loaded.delete(loaded.keys().next().value!);
  }
  return result;
}

function parseWorkflow(path: string, text: string): LoadedWorkflow {
  const doc = parseDocument(text, { uniqueKeys: true, merge: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const at = e.linePos?.[0];
    return invalid(
      path,
      path,
      undefined,
      `${at ? `(Line: ${at.line}, Col: ${at.col}): ` : ""}${e.message.split("\n")[0]}`,
    );
  }
  const root = asTable(doc.toJS());
  if (!root) return invalid(path, path, undefined, "a workflow is a mapping with `on` and `jobs`");
  const name = typeof root.name === "string" && root.name.trim() ? root.name : path;
  const on = root.on;
  if (on === undefined || on === null) return invalid(path, name, on, "Required property is missing: on");
  const push = asTable(asTable(on)?.push);
  if (push && push.tags !== undefined && push["tags-ignore"] !== undefined) {
    return invalid(path, name, on, "you may only define one of `tags` and `tags-ignore` for a single event");
  }
  if (push && push.branches !== undefined && push["branches-ignore"] !== undefined) {
    return invalid(path, name, on, "you may only define one of `branches` and `branches-ignore` for a single event");
  }
  const jobsTable = asTable(root.jobs);
  if (!jobsTable || Object.keys(jobsTable).length === 0)
    return invalid(path, name, on, "Required property is missing: jobs");
  const jobs: JobDef[] = [];
  for (const [id, value] of Object.entries(jobsTable)) {
    if (!JOB_ID.test(id))
      return invalid(
        path,
        name,
        on,
        `The identifier '${id}' is invalid. IDs may only contain alphanumeric characters, '_', and '-'. IDs must start with a letter or '_' and and must be less than 100 characters.`,
      );
    const raw = asTable(value);
    if (!raw) return invalid(path, name, on, `Job '${id}' is not a mapping`);
    const needs = patternList(raw.needs) ?? [];
    if (raw.uses === undefined) {
      if (raw["runs-on"] === undefined)
        return invalid(path, name, on, `Job '${id}': Required property is missing: runs-on`);
      if (!Array.isArray(raw.steps) || raw.steps.length === 0)
        return invalid(path, name, on, `Job '${id}': Required property is missing: steps`);
      const ids = new Set<string>();
      const flat = raw.steps.flatMap((s) =>
        Array.isArray(asTable(s)?.parallel) ? (asTable(s)!.parallel as unknown[]) : [s],
      );
      for (const [index, stepValue] of flat.entries()) {
        const step = asTable(stepValue);
        if (!step) return invalid(path, name, on, `Job '${id}', step ${index + 1}: a step is a mapping`);
        // A step runs something (run, uses) or, with parallel steps, controls others (wait, wait-all, cancel).
        const kinds = ["run", "uses", "wait", "wait-all", "cancel"].filter((k) => step[k] !== undefined);
        if (kinds.length !== 1)
          return invalid(
            path,
            name,
            on,
            `Job '${id}', step ${index + 1}: a step has one of \`run\`, \`uses\`, \`parallel\`, \`wait\`, \`wait-all\` or \`cancel\`${kinds.length ? `, not ${kinds.join(" and ")}` : ""}`,
          );
        for (const key of ["with", "env"] as const) {
          const problem = scalarMapProblem(step[key]);
          if (problem) return invalid(path, name, on, `Job '${id}', step ${index + 1}, ${key}: ${problem}`);
        }
        if (typeof step.id === "string") {
          if (ids.has(step.id))
            return invalid(
              path,
              name,
              on,
              `Job '${id}': The identifier '${step.id}' may not be used more than once within the same scope.`,
            );
          ids.add(step.id);
        }
      }
    }
    jobs.push({ id, raw, needs });
  }
  const known = new Set(jobs.map((j) => j.id));
  for (const job of jobs) {
    for (const need of job.needs)
      if (!known.has(need)) return invalid(path, name, on, `Job '${job.id}' depends on unknown job '${need}'.`);
  }
  const cycle = findCycle(jobs);
  if (cycle) return invalid(path, name, on, `Job '${cycle}' depends on itself through its needs (a dependency cycle).`);
  return { ok: true, workflow: { path, name, root, on, jobs } };
}

/** `with:` and `env:` hold scalars only (an expression may stand for a whole `env:`). */
function scalarMapProblem(value: unknown): string | null {
  if (value === undefined || value === null || typeof value === "string") return null;
  const table = asTable(value);
  if (!table) return "A mapping was expected";
  for (const v of Object.values(table)) {
    if (Array.isArray(v)) return "A sequence was not expected";
    if (v && typeof v === "object") return "A mapping was not expected";
  }
  return null;
}

function findCycle(jobs: JobDef[]): string | null {
  const byId = new Map(jobs.map((j) => [j.id, j]));
  const state = new Map<string, "visiting" | "done">();
  const visit = (id: string): string | null => {
    if (state.get(id) === "done") return null;
    if (state.get(id) === "visiting") return id;
    state.set(id, "visiting");
    for (const need of byId.get(id)!.needs) {
      const found = visit(need);
      if (found) return found;
    }
    state.set(id, "done");
    return null;
  };
  for (const job of jobs) {
    const found = visit(job.id);
    if (found) return found;
  }
  return null;
}

/** The events `on:` names, each with its settings (null when written without any). */
export function eventsOf(on: unknown): Map<string, Table | null> {
  const events = new Map<string, Table | null>();
  if (typeof on === "string") events.set(on, null);
  else if (Array.isArray(on)) for (const e of on) events.set(String(e), null);
  else for (const [event, settings] of Object.entries(asTable(on) ?? {})) events.set(event, asTable(settings));
  return events;
}

/** Would a push creating this tag start the workflow? (Path filters are not evaluated for tags.) */
export function tagPushTriggers(on: unknown, tag: string): boolean {
  const events = eventsOf(on);
  if (!events.has("push")) return false;
  const push = events.get("push");
  if (!push) return true;
  const tags = patternList(push.tags);
  const tagsIgnore = patternList(push["tags-ignore"]);
  if (tags) return matchesPatterns(tags, tag);
  if (tagsIgnore) return !matchesPatterns(tagsIgnore, tag);
  // Only branch filters: tag pushes never start it.
  return push.branches === undefined && push["branches-ignore"] === undefined;
}

/** Would this activity of a run of `workflowName` on `headBranch` start the workflow? */
export function workflowRunTriggers(
  on: unknown,
  workflowName: string,
  activity: "requested" | "in_progress" | "completed",
  headBranch: string,
): boolean {
  const settings = eventsOf(on).get("workflow_run");
  if (!settings) return false;
  const workflows = patternList(settings.workflows) ?? [];
  if (!workflows.includes(workflowName)) return false;
  const types = patternList(settings.types);
  if (types && !types.includes(activity)) return false;
  const branches = patternList(settings.branches);
  const ignore = patternList(settings["branches-ignore"]);
  if (branches && !matchesPatterns(branches, headBranch)) return false;
  if (ignore && matchesPatterns(ignore, headBranch)) return false;
  return true;
}
