// Commits and what CI says about them: single commits, history, comparisons, and the check runs and
// commit statuses the scenario's CI verdicts describe.
import type { ApiContext } from "../context.ts";
import type { CommitInfo } from "../git.ts";
import { DOCS, fail, invalid, notFound, paginate, paginateOpenEnded, type Route } from "../http.ts";
import * as render from "../render.ts";
import { refsOrEmpty } from "./refs.ts";

const MAX_COMPARE_COMMITS = 250;

async function commitOrFail(c: ApiContext, ref: string, status: number): Promise<CommitInfo> {
  const sha = await c.git.resolveCommit(ref);
  if (!sha)
    throw status === 422
      ? invalid(`No commit found for SHA: ${ref}`, DOCS.commits)
      : fail(status, `No commit found for SHA: ${ref}`, DOCS.commits);
  return c.git.commit(sha);
}

// ---- CI derived from the scenario ----

const ciOf = (c: ApiContext, sha: string) => c.scenario.ci[sha] ?? c.scenario.ciDefault;
const later = (at: Date, ms: number) => render.isoSeconds(new Date(at.getTime() + ms));

function checkSpecs(c: ApiContext, sha: string, at: Date): render.CheckRunSpec[] {
  const verdict = ciOf(c, sha);
  if (verdict === "none" || c.scenario.ciKind === "statuses") return [];
  const [t0, t1] = [later(at, 60_000), later(at, 180_000)];
  const build: render.CheckRunSpec = {
    name: "build",
    status: "completed",
    conclusion: "success",
    startedAt: t0,
    completedAt: t1,
  };
  const test: render.CheckRunSpec =
    verdict === "pending"
      ? { name: "test", status: "in_progress", conclusion: null, startedAt: t0, completedAt: null }
      : { name: "test", status: "completed", conclusion: verdict, startedAt: t0, completedAt: t1 };
  return [build, test];
}

function statusSpecs(c: ApiContext, sha: string, at: Date): render.StatusSpec[] {
  const verdict = ciOf(c, sha);
  if (verdict === "none" || c.scenario.ciKind === "checks") return [];
  const t = later(at, 120_000);
  return [
    { context: "ci/build", state: "success", at: t },
    { context: "ci/test", state: verdict, at: t },
  ];
}

export const commitRoutes: Route[] = [
  {
    method: "GET",
    template: "/repos/{owner}/{repo}/commits/{ref}/check-runs",
    perm: "checks:read",
    async handle(c, r) {
      const commit = await commitOrFail(c, r.params.ref, 422);
      const q = r.query;
      const runs = checkSpecs(c, commit.sha, new Date(commit.committerDate))
        .filter((s) => !q.get("check_name") || s.name === q.get("check_name"))
        .filter((s) => !q.get("status") || s.status === q.get("status"))
        .filter(() => !q.get("app_id") || q.get("app_id") === String(render.ACTIONS_APP_ID))
        .map((s) => render.checkRun(c.render, commit.sha, s));
      const { page, headers } = paginate(c.render.apiUrl, r, runs);
      const body: render.CheckRunList = { total_count: runs.length, check_runs: page };
      return { status: 200, body, headers };
    },
  },
  {
    method: "GET",
    template: "/repos/{owner}/{repo}/commits/{ref}/status",
    perm: "statuses:read",
    async handle(c, r) {
      const commit = await commitOrFail(c, r.params.ref, 404);
      const specs = statusSpecs(c, commit.sha, new Date(commit.committerDate));
      return { status: 200, body: render.combinedStatus(c.render, commit.sha, specs) };
    },
  },
  {
    method: "GET",
    template: "/repos/{owner}/{repo}/commits/{ref}",
    perm: "contents:read",
    async handle(c, r) {
      return { status: 200, body: render.commit(c.render, await commitOrFail(c, r.params.ref, 422)) };
    },
  },
  {
    method: "GET",
    template: "/repos/{owner}/{repo}/compare/{basehead}",
    perm: "contents:read",
    async handle(c, r) {
      const parts = r.params.basehead.split("...");
      if (parts.length !== 2) throw notFound(DOCS.commits);
      // "owner:branch" names a fork; only this repository is known.
      const owner = `${c.opts.owner}:`;
      const [base, head] = parts.map((p) => (p.startsWith(owner) ? p.slice(owner.length) : p));
      const [baseSha, headSha] = [await c.git.resolveCommit(base), await c.git.resolveCommit(head)];
      if (!baseSha || !headSha) throw notFound(DOCS.commits);
      const cmp = await c.git.compare(baseSha, headSha, MAX_COMPARE_COMMITS);
      if (!cmp) throw fail(404, `No common ancestor between ${base} and ${head}.`, DOCS.commits);
      const [b, mb] = await c.git.commits([baseSha, cmp.mergeBase]);
      return { status: 200, body: render.comparison(c.render, r.params.basehead, cmp, b, mb) };
    },
  },
  {
    // What git-cliff's [remote.github] reads (git-cliff-core/src/remote/github.rs: per_page, page, sha).
    method: "GET",
    template: "/repos/{owner}/{repo}/commits",
    perm: "contents:read",
    async handle(c, r) {
      await refsOrEmpty(c, DOCS.commits);
      const head = await c.git.resolveCommit(r.query.get("sha") || c.opts.defaultBranch);
      if (!head) throw notFound(DOCS.commits);
      const { page, headers } = await paginateOpenEnded(c.render.apiUrl, r, (skip, n) => c.git.log(head, skip, n));
      return { status: 200, body: page.map((commit) => render.commit(c.render, commit)), headers };
    },
  },
];
