// GitHub Actions: workflow runs and their jobs (the records the workflow simulator writes), re-runs,
// and the attestations the runs made.
import path from "node:path";
import { type ApiContext, author } from "../context.ts";
import { DOCS, fail, notFound, paginate, paginateByCursor, type Reply, type Req, type Route } from "../http.ts";
import * as render from "../render.ts";
import type { RunRecord } from "../state.ts";

const RERUN_WINDOW_MS = 30 * 24 * 3600 * 1000;
const MAX_ATTEMPTS = 50;

function findRun(c: ApiContext, r: Req): RunRecord {
  const id = Number(r.params.run_id);
  const run = c.state.runs.find((x) => x.id === id);
  if (!run) throw notFound(DOCS.runs);
  return run;
}

async function renderRuns(c: ApiContext, runs: RunRecord[]) {
  const heads = await c.git.commits(runs.map((x) => x.headSha));
  return runs.map((run, i) => render.workflowRun(c.render, run, heads[i], author(c)));
}

function checkRerunnable(c: ApiContext, run: RunRecord, all: boolean): void {
  const refuse = (message: string) => fail(403, message, DOCS.runs);
  if (run.status !== "completed") throw refuse("This workflow is already running");
  if (!all && run.conclusion !== "failure") throw refuse("This workflow run cannot be retried");
  if (c.now().getTime() - new Date(run.createdAt).getTime() > RERUN_WINDOW_MS)
    throw refuse("This workflow run cannot be retried");
  if (run.runAttempt >= MAX_ATTEMPTS) throw refuse("This workflow run cannot be retried");
}

/** `all`: POST .../rerun (every job, any completed run); otherwise .../rerun-failed-jobs. */
function rerun(c: ApiContext, r: Req, all: boolean): Reply {
  const run = findRun(c, r);
  checkRerunnable(c, run, all);
  const at = c.now().toISOString();
  run.runAttempt += 1;
  run.status = "queued";
  run.conclusion = null;
  run.updatedAt = at;
  run.runStartedAt = at;
  const history = c.jobHistory.get(run.id) ?? [];
  const chosen = new Set(
    c.opts.rerunJobs?.(run, all) ??
      run.jobs.filter((j) => all || j.conclusion === "failure" || j.conclusion === "cancelled"),
  );
  for (const j of run.jobs) {
    if (!chosen.has(j)) continue;
    history.push(structuredClone(j));
    // Same record, new attempt: a re-run job is a new job on GitHub, so it gets a new id.
    Object.assign(j, {
      id: c.state.nextId(),
      runAttempt: run.runAttempt,
      status: "queued",
      conclusion: null,
      startedAt: at,
      completedAt: null,
    });
    j.steps = j.steps.map((s) => ({ ...s, status: "queued", conclusion: null }));
  }
  c.jobHistory.set(run.id, history);
  c.opts.onRerun?.(run);
  return { status: 201, body: {} };
}

const PREDICATES: Record<string, (t: string) => boolean> = {
  provenance: (t) => t.startsWith("https://slsa.dev/provenance/"),
  sbom: (t) => /spdx|cyclonedx/i.test(t),
  release: (t) => t.startsWith("https://in-toto.io/attestation/release/"),
};

function predicateMatches(wanted: string, type: string): boolean {
  return (PREDICATES[wanted] ?? ((t: string) => t === wanted))(type);
}

export const actionsRoutes: Route[] = [
  {
    method: "GET",
    template: "/repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs",
    perm: "actions:read",
    async handle(c, r) {
      const wf = r.params.workflow_id;
      const file = wf === String(c.state.workflowId) ? "release.yml" : /^[\w.-]+\.ya?ml$/.test(wf) ? wf : null;
      if (!file) throw notFound(DOCS.runs);
      const q = r.query;
      const status = q.get("status");
      const runs = c.state.runs
        .filter((x) => path.posix.basename(x.workflowPath) === file)
        .filter((x) => !q.get("event") || x.event === q.get("event"))
        .filter((x) => !q.get("head_sha") || x.headSha === q.get("head_sha"))
        .filter((x) => !q.get("branch") || x.headBranch === q.get("branch"))
        .filter((x) => !status || x.status === status || x.conclusion === status)
        .sort((a, b) => b.id - a.id);
      const { page, headers } = paginate(c.render.apiUrl, r, runs);
      const body: render.WorkflowRunList = { total_count: runs.length, workflow_runs: await renderRuns(c, page) };
      return { status: 200, body, headers };
    },
  },
  {
    method: "GET",
    template: "/repos/{owner}/{repo}/actions/runs/{run_id}",
    perm: "actions:read",
    async handle(c, r) {
      return { status: 200, body: (await renderRuns(c, [findRun(c, r)]))[0] };
    },
  },
  {
    method: "GET",
    template: "/repos/{owner}/{repo}/actions/runs/{run_id}/jobs",
    perm: "actions:read",
    async handle(c, r) {
      const run = findRun(c, r);
      const all = r.query.get("filter") === "all";
      const jobs = (all ? [...(c.jobHistory.get(run.id) ?? []), ...run.jobs] : run.jobs)
        .slice()
        .sort((a, b) => a.id - b.id);
      const { page, headers } = paginate(c.render.apiUrl, r, jobs);
      const body: render.JobList = { total_count: jobs.length, jobs: page.map((j) => render.job(c.render, run, j)) };
      return { status: 200, body, headers };
    },
  },
  {
    method: "POST",
    template: "/repos/{owner}/{repo}/actions/runs/{run_id}/rerun-failed-jobs",
    perm: "actions:write",
    handle: async (c, r) => rerun(c, r, false),
  },
  {
    method: "POST",
    template: "/repos/{owner}/{repo}/actions/runs/{run_id}/rerun",
    perm: "actions:write",
    handle: async (c, r) => rerun(c, r, true),
  },
  {
    method: "GET",
    template: "/repos/{owner}/{repo}/attestations/{subject_digest}",
    perm: "attestations:read",
    async handle(c, r) {
      const wanted = r.query.get("predicate_type");
      const found = c.state.attestations
        .filter((a) => a.digest === r.params.subject_digest)
        .filter((a) => !wanted || predicateMatches(wanted, a.predicateType));
      if (found.length === 0) throw notFound(DOCS.attestations);
      const { page, headers } = paginateByCursor(c.render.apiUrl, r, found);
      const body: render.AttestationList = {
        attestations: page.map((a) => render.attestation(c.render, a, c.state.attestations.indexOf(a))),
      };
      return { status: 200, body, headers };
    },
  },
];
