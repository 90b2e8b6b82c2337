// The sandbox's GitHub: the REST routes the kit calls, answered as api.github.com answers them
// (auth, ETags, rate-limit headers, pagination, error bodies), over a real bare repository.
// Scenario knobs are read on every request, so a test can change the world mid-command.
import { createHash, randomUUID } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import http from "node:http";
import type { Socket } from "node:net";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import semver from "semver";
import type { Fault, Scenario } from "../scenario.ts";
import type { CommitInfo } from "./git.ts";
import { openBareRepo } from "./git.ts";
import type { CheckRunSpec, RenderContext, StatusSpec } from "./render.ts";
import * as render from "./render.ts";
import { judge, type RefChange, refusalText, ruleParameters, rulesFor } from "./rules.ts";
import type { JobRecord, ReleaseRecord, RunRecord, SandboxState } from "./state.ts";
import { createState, repositoryIdOf } from "./state.ts";

export interface RefUpdate {
  ref: string;
  /** The ref's previous value (a tag object's SHA for annotated tags); null when it was created. */
  oldSha: string | null;
  /** The ref's new value; null when it was deleted. */
  newSha: string | null;
  via: "push" | "api";
}

export interface ApiServerOptions {
  owner: string;
  repo: string;
  /** The bare git repository (already exists, has a default branch). */
  remotePath: string;
  defaultBranch: string;
  /** The only valid token. */
  token: string;
  /** Live knobs, read on every request. */
  scenario: Scenario;
  /** Called when a ref changes in the bare repo: from a push (via the post-receive hook) or from the API. */
  onRefUpdate?: (u: RefUpdate) => void;
  /** Called by POST .../actions/runs/{id}/rerun-failed-jobs after the run was reset for a new attempt. */
  onRerun?: (run: RunRecord) => void;
  /** The jobs a re-run resets (every job when `all`); by default the failed and cancelled ones. The
   *  workflow simulator adds the jobs that need them, as GitHub re-runs a failed job's dependents. */
  rerunJobs?: (run: RunRecord, all: boolean) => JobRecord[];
  /** Test clock. */
  now?: () => Date;
}

export interface ApiServer {
  /** http://127.0.0.1:PORT, the GITHUB_API_URL. */
  url: string;
  state: SandboxState;
  /** "METHOD /route/{template} STATUS" → count; resets, hangs and unmatched paths included. */
  requests: Map<string, number>;
  /** Requests being answered right now, and the most at once (a test may reset peak to 0). */
  inFlight: { now: number; peak: number };
  /** Writes hooks/pre-receive (GitHub's push rules: protected branches, rulesets, burned tag names) and
   *  hooks/post-receive (pushes reach onRefUpdate before `git push` returns) into remotePath. */
  installPushHook(): Promise<void>;
  /** Closes the server and every open socket (hung requests included). */
  stop(): Promise<void>;
}

interface Caller {
  /** The valid token, or null for an anonymous caller. */
  token: string | null;
  /** A token was sent and it is not the valid one. */
  bad: boolean;
  key: string;
  /** A running job's GITHUB_TOKEN: an installation token holding only what the job's `permissions:` grant. */
  grants?: Record<string, string>;
}

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface Req {
  params: Record<string, string>;
  query: URLSearchParams;
  body: Record<string, unknown>;
  caller: Caller;
  url: URL;
}

interface Route {
  method: string;
  template: string;
  /** Fine-grained permission, "contents:write"; checked for token callers. */
  perm?: string;
  handle(r: Req): Promise<Reply>;
}

class HttpError extends Error {
  status: number;
  body: unknown;
  headers: Record<string, string>;
  constructor(status: number, body: unknown, headers: Record<string, string> = {}) {
    super(`HTTP ${status}`);
    this.status = status;
    this.body = body;
    this.headers = headers;
  }
}

const DOCS = {
  refs: "https://docs.github.com/rest/git/refs",
  tags: "https://docs.github.com/rest/git/tags",
  rules: "https://docs.github.com/rest/repos/rules",
  branches: "https://docs.github.com/rest/branches/branches",
  protection: "https://docs.github.com/rest/branches/branch-protection",
  pulls: "https://docs.github.com/rest/pulls/pulls",
  releases: "https://docs.github.com/rest/releases/releases",
  commits: "https://docs.github.com/rest/commits/commits",
  runs: "https://docs.github.com/rest/actions/workflow-runs",
  rate: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
};
const ZERO_SHA = /^0+$/;
const MAX_COMPARE_COMMITS = 250;
const RERUN_WINDOW_MS = 30 * 24 * 3600 * 1000;
const MAX_ATTEMPTS = 50;
const AUTHOR = { login: "sandbox-maintainer", id: 583_231 };
// https://docs.github.com/rest/releases/releases#create-a-release: GitHub refuses longer notes with 422.
const MAX_RELEASE_BODY = 125_000;
// Roles and what GET /repos reports for them: the user's access, whatever the token may do.
// https://docs.github.com/organizations/managing-user-access-to-your-organizations-repositories/managing-repository-roles/repository-roles-for-an-organization
const ROLE_PERMISSIONS: Record<string, render.RepoPermissions> = {
  admin: { admin: true, maintain: true, push: true, triage: true, pull: true },
  maintain: { admin: false, maintain: true, push: true, triage: true, pull: true },
  write: { admin: false, maintain: false, push: true, triage: true, pull: true },
  triage: { admin: false, maintain: false, push: false, triage: true, pull: true },
  read: { admin: false, maintain: false, push: false, triage: false, pull: true },
};

const fail = (status: number, message: string, docs?: string): HttpError =>
  new HttpError(status, render.errorBody(message, status, docs));
const notFound = (docs?: string): HttpError => fail(404, "Not Found", docs);
const invalid = (
  message: string,
  docs?: string,
  errors?: { resource: string; code: string; field?: string; message?: string }[],
): HttpError => new HttpError(422, render.validationError(message, errors, docs));

export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const now = opts.now ?? (() => new Date());
  const scenario = opts.scenario;
  const state = createState();
  const git = openBareRepo(opts.remotePath);
  const requests = new Map<string, number>();
  const inFlight = { now: 0, peak: 0 };
  const jobHistory = new Map<number, JobRecord[]>(); // superseded attempts, for filter=all
  const rates = new Map<string, render.RateCounter>();
  const sockets = new Set<Socket>();
  const stopping = new AbortController();
  let writes: Promise<unknown> = Promise.resolve();
  let ctx: RenderContext; // set once the port is known

  const count = (key: string): void => {
    requests.set(key, (requests.get(key) ?? 0) + 1);
  };
  const author = () => render.user(ctx, AUTHOR.login, AUTHOR.id);

  // Writes are serialized, as two racing creates of one tag must see each other.
  function serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = writes.then(fn, fn);
    writes = p.catch(() => undefined);
    return p;
  }

  const fineGrained = (): boolean => scenario.tokenKind === "fine-grained" || scenario.missingPermissions.length > 0;

  function lacks(perm: string, caller?: Caller): boolean {
    const [scope, level] = perm.split(":");
    if (caller?.grants) {
      // Every GITHUB_TOKEN reads metadata; the workflow file writes pull-requests for pull_requests.
      if (scope === "metadata") return false;
      const granted = caller.grants[scope!.replace(/_/g, "-")];
      return level === "write" ? granted !== "write" : granted !== "read" && granted !== "write";
    }
    const missing = scenario.missingPermissions;
    return missing.includes(perm) || (level === "write" && missing.includes(`${scope}:read`));
  }

  const canPush = (c: Caller): boolean =>
    c.token !== null && !lacks("contents:write", c) && ROLE_PERMISSIONS[scenario.role]!.push;

  // ---- rate limits (real clock: clients compare reset with their own Date.now()) ----

  function rateOf(c: Caller): render.RateCounter {
    const nowS = Math.floor(Date.now() / 1000);
    let r = rates.get(c.key);
    const limit = c.token ? scenario.tokenLimit : scenario.anonymousLimit;
    // A test that changes the limit starts a new window, as if an hour had passed.
    if (!r || nowS >= r.reset || r.limit !== limit) {
      r = { limit, remaining: limit, used: 0, reset: nowS + 3600 };
      rates.set(c.key, r);
    }
    return r;
  }

  function rateHeaders(r: render.RateCounter): Record<string, string> {
    return {
      "x-ratelimit-limit": String(r.limit),
      "x-ratelimit-remaining": String(r.remaining),
      "x-ratelimit-used": String(r.used),
      "x-ratelimit-reset": String(r.reset),
      "x-ratelimit-resource": "core",
    };
  }

  // ---- git helpers shared by routes ----

  async function commitOrFail(ref: string, status: number): Promise<CommitInfo> {
    const sha = await git.resolveCommit(ref);
    if (!sha)
      throw status === 422
        ? invalid(`No commit found for SHA: ${ref}`, DOCS.commits)
        : fail(status, `No commit found for SHA: ${ref}`, DOCS.commits);
    return git.commit(sha);
  }

  /** GitHub's tag auto-creation: a missing tag is made lightweight at the target (branch or SHA). */
  async function ensureTag(tag: string, target: string): Promise<void> {
    const ref = `refs/tags/${tag}`;
    if (await git.getRef(ref)) return;
    const sha = await git.resolveCommit(target);
    if (!sha)
      throw invalid("Validation Failed", DOCS.releases, [
        { resource: "Release", code: "invalid", field: "target_commitish" },
      ]);
    const refused = judgeChange({ ref, oldSha: null, newSha: sha });
    if (refused) {
      // As GitHub answers when a ruleset stops the tag a release would create (observed, e.g.
      // googleapis/release-please-action#1194).
      throw invalid("Validation Failed", DOCS.releases, [
        {
          resource: "Release",
          code: "custom",
          field: "pre_receive",
          message: `pre_receive Repository rule violations found\n\n${refused.reasons.join("\n")}\n\n`,
        },
        { resource: "Release", code: "custom", message: "Published releases must have a valid tag" },
      ]);
    }
    const made = await git.createRef(ref, sha);
    if (made !== "created")
      throw invalid("Validation Failed", DOCS.releases, [
        { resource: "Release", code: "invalid", field: "target_commitish" },
      ]);
    opts.onRefUpdate?.({ ref, oldSha: null, newSha: sha, via: "api" });
  }

  function judgeChange(change: RefChange) {
    return judge(scenario, change, opts.defaultBranch, state.burnedTags);
  }

  // ---- releases: which one is Latest ----
  // https://docs.github.com/rest/releases/releases: make_latest defaults to true for newly published
  // releases; drafts and prereleases cannot be latest; "legacy" picks by creation date and higher
  // semantic version. GET /releases/latest: the most recent non-prerelease, non-draft release.
  let latestId: number | null = null;

  const latestCandidates = () => state.releases.filter((x) => !x.draft && !x.prerelease);

  function legacyLatest(): number | null {
    const ranked = latestCandidates()
      .slice()
      .sort((a, b) => {
        const [va, vb] = [
          semver.valid(semver.clean(a.tagName) ?? a.tagName.replace(/^[^\d]*/, "")),
          semver.valid(semver.clean(b.tagName) ?? b.tagName.replace(/^[^\d]*/, "")),
        ];
        if (va && vb && semver.neq(va, vb)) return semver.rcompare(va, vb);
        return b.createdAt.localeCompare(a.createdAt) || b.id - a.id;
      });
    return ranked[0]?.id ?? null;
  }

  function onPublished(rel: ReleaseRecord): void {
    if (rel.draft || rel.prerelease) return;
    if (rel.makeLatest === "true") latestId = rel.id;
    else if (rel.makeLatest === "legacy") latestId = legacyLatest();
  }

  function currentLatest(): ReleaseRecord | null {
    const marked = latestCandidates().find((x) => x.id === latestId);
    if (marked) return marked;
    return (
      latestCandidates()
        .slice()
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id - a.id)[0] ?? null
    );
  }

  function checkBody(body: unknown): void {
    if (typeof body === "string" && body.length > MAX_RELEASE_BODY) {
      throw invalid("Validation Failed", DOCS.releases, [
        {
          resource: "Release",
          code: "custom",
          field: "body",
          message: `body is too long (maximum is ${MAX_RELEASE_BODY} characters)`,
        },
      ]);
    }
  }

  // ---- pagination ----

  function paginate<T>(r: Req, items: T[]): { page: T[]; headers: Record<string, string> } {
    const perPage = Math.min(100, Math.max(1, intParam(r.query, "per_page") ?? 30));
    const page = Math.max(1, intParam(r.query, "page") ?? 1);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const link = (n: number, rel: string): string => {
      const q = new URLSearchParams(r.query);
      q.set("page", String(n));
      return `<${ctx.apiUrl}${r.url.pathname}?${q}>; rel="${rel}"`;
    };
    const links: string[] = [];
    if (page > 1) links.push(link(page - 1, "prev"), link(1, "first"));
    if (page < last) links.push(link(page + 1, "next"), link(last, "last"));
    return {
      page: items.slice((page - 1) * perPage, page * perPage),
      headers: links.length ? { link: links.join(", ") } : {},
    };
  }

  /**
   * Cursor pagination (https://docs.github.com/rest/using-the-rest-api/using-pagination-in-the-rest-api):
   * `before`/`after` take opaque cursors from the Link header; `page` is not accepted.
   */
  function paginateByCursor<T>(r: Req, items: T[]): { page: T[]; headers: Record<string, string> } {
    const perPage = Math.min(100, Math.max(1, intParam(r.query, "per_page") ?? 30));
    const cursor = (i: number) => Buffer.from(`cursor:${i}`).toString("base64url");
    const position = (c: string | null): number | null => {
      if (c === null) return null;
      const m = /^cursor:(\d+)$/.exec(Buffer.from(c, "base64url").toString("utf8"));
      if (!m) throw fail(400, "Invalid cursor", "https://docs.github.com/rest/repos/repos#list-attestations");
      return Number(m[1]);
    };
    const after = position(r.query.get("after"));
    const before = position(r.query.get("before"));
    let start = after !== null ? after + 1 : 0;
    let end = start + perPage;
    if (before !== null && after === null) {
      end = before;
      start = Math.max(0, end - perPage);
    }
    end = Math.min(end, items.length);
    const page = items.slice(start, end);
    const links: string[] = [];
    const link = (key: "after" | "before", i: number, rel: string) => {
      const q = new URLSearchParams(r.query);
      q.delete("after");
      q.delete("before");
      q.set(key, cursor(i));
      return `<${ctx.apiUrl}${r.url.pathname}?${q}>; rel="${rel}"`;
    };
    if (end < items.length && page.length) links.push(link("after", end - 1, "next"));
    if (start > 0 && page.length) links.push(link("before", start, "prev"));
    return { page, headers: links.length ? { link: links.join(", ") } : {} };
  }

  // ---- releases ----

  function findRelease(r: Req): ReleaseRecord {
    const id = Number(r.params.release_id);
    const rel = state.releases.find((x) => x.id === id);
    if (!rel || (rel.draft && !canPush(r.caller))) throw notFound(DOCS.releases);
    return rel;
  }

  const renderRelease = (rel: ReleaseRecord) =>
    render.release(
      ctx,
      rel,
      render.user(
        ctx,
        rel.authorLogin,
        rel.authorLogin === AUTHOR.login ? AUTHOR.id : render.derivedId("user", rel.authorLogin) % 10_000_000,
      ),
    );

  function checkTagFree(tag: string, selfId: number | null): void {
    if (state.burnedTags.has(tag)) {
      throw invalid("Validation Failed", DOCS.releases, [
        {
          resource: "Release",
          code: "custom",
          field: "tag_name",
          message: "tag_name was used by an immutable release",
        },
      ]);
    }
    if (state.releases.some((x) => !x.draft && x.tagName === tag && x.id !== selfId)) {
      throw invalid("Validation Failed", DOCS.releases, [
        { resource: "Release", code: "already_exists", field: "tag_name" },
      ]);
    }
  }

  async function checkTagName(tag: string): Promise<void> {
    if (!(await git.isValidRefName(`refs/tags/${tag}`))) {
      throw invalid("Validation Failed", DOCS.releases, [
        { resource: "Release", code: "custom", field: "tag_name", message: "tag_name is not a valid tag" },
      ]);
    }
  }

  async function createRelease(r: Req): Promise<Reply> {
    const b = r.body;
    const tag = b.tag_name;
    if (typeof tag !== "string" || tag === "")
      throw invalid(`Invalid request.\n\n"tag_name" wasn't supplied.`, DOCS.releases);
    expectTypes(b, {
      target_commitish: "string",
      name: "string?",
      body: "string?",
      draft: "boolean",
      prerelease: "boolean",
      generate_release_notes: "boolean",
      make_latest: "string",
    });
    const makeLatest = typeof b.make_latest === "string" ? b.make_latest : "true";
    if (!["true", "false", "legacy"].includes(makeLatest))
      throw invalid(
        `Invalid request.\n\nFor 'properties/make_latest', "${makeLatest}" is not a valid value.`,
        DOCS.releases,
      );
    checkBody(b.body);
    await checkTagName(tag);
    checkTagFree(tag, null);
    const draft = b.draft === true;
    const target =
      typeof b.target_commitish === "string" && b.target_commitish ? b.target_commitish : opts.defaultBranch;
    if (!draft) await ensureTag(tag, target);
    let notes = typeof b.body === "string" ? b.body : null;
    if (b.generate_release_notes === true)
      notes = `${notes ? `${notes}\n\n` : ""}**Full Changelog**: ${ctx.htmlUrl}/${opts.owner}/${opts.repo}/commits/${tag}`;
    const at = render.isoSeconds(now());
    const rel: ReleaseRecord = {
      id: state.nextId(),
      tagName: tag,
      targetCommitish: target,
      name: typeof b.name === "string" ? b.name : null,
      body: notes,
      draft,
      prerelease: b.prerelease === true,
      immutable: !draft && scenario.immutableReleases,
      makeLatest,
      createdAt: at,
      publishedAt: draft ? null : at,
      authorLogin: AUTHOR.login,
    };
    state.releases.push(rel);
    onPublished(rel);
    const out = renderRelease(rel);
    return { status: 201, body: out, headers: { location: out.url } };
  }

  async function updateRelease(r: Req): Promise<Reply> {
    const rel = findRelease(r);
    const b = r.body;
    expectTypes(b, {
      tag_name: "string",
      target_commitish: "string",
      name: "string?",
      body: "string?",
      draft: "boolean",
      prerelease: "boolean",
      make_latest: "string",
    });
    checkBody(b.body);
    if (rel.immutable && !rel.draft) {
      // Only the title and notes of a published immutable release may change.
      const current: Record<string, unknown> = {
        tag_name: rel.tagName,
        target_commitish: rel.targetCommitish,
        draft: rel.draft,
        prerelease: rel.prerelease,
        make_latest: rel.makeLatest,
      };
      const locked = Object.keys(current).filter((k) => k in b && b[k] !== current[k]);
      if (locked.length) {
        throw invalid(
          "Validation Failed",
          DOCS.releases,
          locked.map((field) => ({
            resource: "Release",
            code: "custom",
            field,
            message: `${field} cannot be changed on an immutable release`,
          })),
        );
      }
    }
    const next = { ...rel };
    if (typeof b.tag_name === "string") next.tagName = b.tag_name;
    if (typeof b.target_commitish === "string") next.targetCommitish = b.target_commitish;
    if ("name" in b) next.name = typeof b.name === "string" ? b.name : null;
    if ("body" in b) next.body = typeof b.body === "string" ? b.body : null;
    if (typeof b.prerelease === "boolean") next.prerelease = b.prerelease;
    if (typeof b.make_latest === "string") {
      if (!["true", "false", "legacy"].includes(b.make_latest))
        throw invalid(
          `Invalid request.\n\nFor 'properties/make_latest', "${b.make_latest}" is not a valid value.`,
          DOCS.releases,
        );
      next.makeLatest = b.make_latest;
    }
    if (typeof b.draft === "boolean") next.draft = b.draft;
    if (next.tagName !== rel.tagName) await checkTagName(next.tagName);
    if (!next.draft) {
      checkTagFree(next.tagName, rel.id);
      await ensureTag(next.tagName, next.targetCommitish);
      if (rel.draft) {
        next.publishedAt = render.isoSeconds(now());
        next.immutable = scenario.immutableReleases;
      }
    } else {
      next.publishedAt = null;
    }
    const published = rel.draft && !next.draft;
    Object.assign(rel, next);
    if (published || typeof b.make_latest === "string") onPublished(rel);
    return { status: 200, body: renderRelease(rel) };
  }

  // ---- CI derived from the scenario ----

  function ciOf(sha: string) {
    return scenario.ci[sha] ?? scenario.ciDefault;
  }

  function checkSpecs(sha: string, at: Date): CheckRunSpec[] {
    const verdict = ciOf(sha);
    if (verdict === "none" || scenario.ciKind === "statuses") return [];
    const t0 = render.isoSeconds(new Date(at.getTime() + 60_000));
    const t1 = render.isoSeconds(new Date(at.getTime() + 180_000));
    const build: CheckRunSpec = {
      name: "build",
      status: "completed",
      conclusion: "success",
      startedAt: t0,
      completedAt: t1,
    };
    const test: CheckRunSpec =
      verdict === "pending"
        ? { name: "test", status: "in_progress", conclusion: null, startedAt: t0, completedAt: null }
        : { name: "test", status: "completed", conclusion: verdict, startedAt: t0, completedAt: t1 };
    return [build, test];
  }

  function statusSpecs(sha: string, at: Date): StatusSpec[] {
    const verdict = ciOf(sha);
    if (verdict === "none" || scenario.ciKind === "checks") return [];
    const t = render.isoSeconds(new Date(at.getTime() + 120_000));
    return [
      { context: "ci/build", state: "success", at: t },
      { context: "ci/test", state: verdict, at: t },
    ];
  }

  // ---- actions ----

  function findRun(r: Req): RunRecord {
    const id = Number(r.params.run_id);
    const run = state.runs.find((x) => x.id === id);
    if (!run) throw notFound(DOCS.runs);
    return run;
  }

  async function renderRuns(runs: RunRecord[]) {
    const heads = await git.commits(runs.map((x) => x.headSha));
    return runs.map((run, i) => render.workflowRun(ctx, run, heads[i], author()));
  }

  /** `all`: POST .../rerun (every job, any completed run); otherwise .../rerun-failed-jobs. */
  function rerunFailedJobs(r: Req, all = false): Reply {
    const run = findRun(r);
    const refuse = (message: string) => fail(403, message, DOCS.runs);
    if (run.status !== "completed") throw refuse("This workflow is already running");
    if (!all && run.conclusion !== "failure") throw refuse("This workflow run cannot be retried");
    if (now().getTime() - new Date(run.createdAt).getTime() > RERUN_WINDOW_MS)
      throw refuse("This workflow run cannot be retried");
    if (run.runAttempt >= MAX_ATTEMPTS) throw refuse("This workflow run cannot be retried");
    const at = now().toISOString();
    run.runAttempt += 1;
    run.status = "queued";
    run.conclusion = null;
    run.updatedAt = at;
    run.runStartedAt = at;
    const history = jobHistory.get(run.id) ?? [];
    const chosen = new Set(
      opts.rerunJobs?.(run, all) ??
        run.jobs.filter((j) => all || j.conclusion === "failure" || j.conclusion === "cancelled"),
    );
    for (const j of run.jobs) {
      if (!chosen.has(j)) continue;
      history.push(structuredClone(j));
      // Same record, new attempt: a re-run job is a new job on GitHub, so it gets a new id.
      Object.assign(j, {
        id: state.nextId(),
        runAttempt: run.runAttempt,
        status: "queued",
        conclusion: null,
        startedAt: at,
        completedAt: null,
      });
      j.steps = j.steps.map((s) => ({ ...s, status: "queued", conclusion: null }));
    }
    jobHistory.set(run.id, history);
    opts.onRerun?.(run);
    return { status: 201, body: {} };
  }

  // ---- routes ----

  const routes: Route[] = [
    {
      method: "GET",
      template: "/repos/{owner}/{repo}",
      async handle(r) {
        const head = await git.resolveCommit(`refs/heads/${opts.defaultBranch}`);
        const pushedAt = head ? render.isoSeconds((await git.commit(head)).committerDate) : ctx.createdAt;
        // The user's role, not the token's grants: a fine-grained token without Contents: write still
        // reports push: true for a maintainer (only its writes are refused).
        const perms = r.caller.token ? { ...ROLE_PERMISSIONS[scenario.role]! } : undefined;
        return { status: 200, body: render.fullRepository(ctx, perms, pushedAt) };
      },
    },
    {
      method: "GET",
      template: "/repos/{owner}/{repo}/git/ref/{ref}",
      perm: "contents:read",
      async handle(r) {
        const refs = await git.listRefs();
        if (refs.length === 0) throw fail(409, "Git Repository is empty.", DOCS.refs);
        const ref = refs.find((x) => x.ref === `refs/${r.params.ref}`);
        if (!ref) throw notFound(DOCS.refs);
        return { status: 200, body: render.gitRef(ctx, ref) };
      },
    },
    {
      method: "GET",
      template: "/repos/{owner}/{repo}/git/matching-refs/{ref}",
      perm: "contents:read",
      async handle(r) {
        const refs = await git.listRefs();
        if (refs.length === 0) throw fail(409, "Git Repository is empty.", DOCS.refs);
        const prefix = `refs/${r.params.ref}`;
        return { status: 200, body: refs.filter((x) => x.ref.startsWith(prefix)).map((x) => render.gitRef(ctx, x)) };
      },
    },
    {
      method: "POST",
      template: "/repos/{owner}/{repo}/git/refs",
      perm: "contents:write",
      async handle(r) {
        const { ref, sha } = r.body;
        const missing = [
          ["ref", ref],
          ["sha", sha],
        ]
          .filter(([, v]) => typeof v !== "string")
          .map(([k]) => `"${k}"`);
        if (missing.length || typeof ref !== "string" || typeof sha !== "string") {
          throw invalid(
            `Invalid request.\n\n${missing.join(", ")} ${missing.length > 1 ? "weren't" : "wasn't"} supplied.`,
            DOCS.refs,
          );
        }
        if (ref.split("/").length < 3 || !(await git.isValidRefName(ref)))
          throw invalid("Reference name must start with 'refs/' and have at least two slashes.", DOCS.refs);
        const refused = judgeChange({ ref, oldSha: null, newSha: sha });
        if (refused) throw invalid(`Repository rule violations found\n\n${refused.reasons.join("\n")}\n\n`, DOCS.refs);
        const made = await git.createRef(ref, sha);
        if (made === "exists") throw invalid("Reference already exists", DOCS.refs);
        if (made === "bad-object") throw invalid("Object does not exist", DOCS.refs);
        opts.onRefUpdate?.({ ref, oldSha: null, newSha: sha, via: "api" });
        const info = await git.getRef(ref);
        if (!info) throw new Error(`${ref} vanished after creation`);
        const body = render.gitRef(ctx, info);
        return { status: 201, body, headers: { location: body.url } };
      },
    },
    {
      method: "DELETE",
      template: "/repos/{owner}/{repo}/git/refs/{ref}",
      perm: "contents:write",
      async handle(r) {
        const full = `refs/${r.params.ref}`;
        const ref = await git.getRef(full);
        if (!ref) throw invalid("Reference does not exist", DOCS.refs);
        if (full === `refs/heads/${opts.defaultBranch}`) throw invalid("Cannot delete the default branch", DOCS.refs);
        const tag = full.startsWith("refs/tags/") ? full.slice("refs/tags/".length) : null;
        if (tag !== null && state.releases.some((x) => x.immutable && !x.draft && x.tagName === tag)) {
          throw invalid(`Cannot delete tag ${tag}: it belongs to an immutable release`, DOCS.refs);
        }
        const refused = judgeChange({ ref: full, oldSha: ref.sha, newSha: null });
        if (refused) throw invalid(`Repository rule violations found\n\n${refused.reasons.join("\n")}\n\n`, DOCS.refs);
        if (!(await git.deleteRef(full, ref.sha))) throw invalid("Reference does not exist", DOCS.refs);
        opts.onRefUpdate?.({ ref: full, oldSha: ref.sha, newSha: null, via: "api" });
        return { status: 204 };
      },
    },
    {
      method: "GET",
      template: "/repos/{owner}/{repo}/commits/{ref}/check-runs",
      perm: "checks:read",
      async handle(r) {
        const c = await commitOrFail(r.params.ref, 422);
        const q = r.query;
        const runs = checkSpecs(c.sha, new Date(c.committerDate))
          .filter((s) => !q.get("check_name") || s.name === q.get("check_name"))
          .filter((s) => !q.get("status") || s.status === q.get("status"))
          .filter(() => !q.get("app_id") || q.get("app_id") === String(render.ACTIONS_APP_ID))
          .map((s) => render.checkRun(ctx, c.sha, s));
        const { page, headers } = paginate(r, runs);
        const body: render.CheckRunList = { total_count: runs.length, check_runs: page };
        return { status: 200, body, headers };
      },
    },
    {
      method: "GET",
      template: "/repos/{owner}/{repo}/commits/{ref}/status",
      perm: "statuses:read",
      async handle(r) {
        const c = await commitOrFail(r.params.ref, 404);
        return { status: 200, body: render.combinedStatus(ctx, c.sha, statusSpecs(c.sha, new Date(c.committerDate))) };
      },
    },
    {
      method: "GET",
      template: "/repos/{owner}/{repo}/commits/{ref}",
      perm: "contents:read",
      async handle(r) {
        return { status: 200, body: render.commit(ctx, await commitOrFail(r.params.ref, 422)) };
      },
    },
    {
      method: "GET",
      template: "/repos/{owner}/{repo}/compare/{basehead}",
      perm: "contents:read",
      async handle(r) {
        const parts = r.params.basehead.split("...");
        if (parts.length !== 2) throw notFound(DOCS.commits);
        // "owner:branch" names a fork; only this repository is known.
        const [base, head] = parts.map((p) => (p.startsWith(`${opts.owner}:`) ? p.slice(opts.owner.length + 1) : p));
        const [baseSha, headSha] = [await git.resolveCommit(base), await git.resolveCommit(head)];
        if (!baseSha || !headSha) throw notFound(DOCS.commits);
        const cmp = await git.compare(baseSha, headSha, MAX_COMPARE_COMMITS);
        if (!cmp) throw fail(404, `No common ancestor between ${base} and ${head}.`, DOCS.commits);
        const [b, mb] = await git.commits([baseSha, cmp.mergeBase]);
        return { status: 200, body: render.comparison(ctx, r.params.basehead, cmp, b, mb) };
      },
    },
    {
      method: "GET",
      template: "/repos/{owner}/{repo}/releases",
      perm: "contents:read",
      async handle(r) {
        const visible = state.releases
          .filter((x) => !x.draft || canPush(r.caller))
          .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id - a.id);
        const { page, headers } = paginate(r, visible);
        return { status: 200, body: page.map(renderRelease), headers };
      },
    },
    {
      method: "POST",
      template: "/repos/{owner}/{repo}/releases",
      perm: "contents:write",
      handle: createRelease,
    },
    {
      method: "GET",
      template: "/repos/{owner}/{repo}/releases/tags/{tag}",
      perm: "contents:read",
      async handle(r) {
        // Drafts are never found by tag, whoever asks.
        const rel = state.releases.find((x) => !x.draft && x.tagName === r.params.tag);
        if (!rel) throw notFound(DOCS.releases);
        return { status: 200, body: renderRelease(rel) };
      },
    },
    {
      method: "GET",
      template: "/repos/{owner}/{repo}/releases/latest",
      perm: "contents:read",
      async handle() {
        const rel = currentLatest();
        if (!rel) throw notFound(DOCS.releases);
        return { status: 200, body: renderRelease(rel) };
      },
    },
    {
      method: "GET",
      template: "/repos/{owner}/{repo}/releases/{release_id}",
      perm: "contents:read",
      async handle(r) {
        return { status: 200, body: renderRelease(findRelease(r)) };
      },
    },
    {
      method: "PATCH",
      template: "/repos/{owner}/{repo}/releases/{release_id}",
      perm: "contents:write",
      handle: updateRelease,
    },
    {
      method: "DELETE",
      template: "/repos/{owner}/{repo}/releases/{release_id}",
      perm: "contents:write",
      async handle(r) {
        const rel = findRelease(r);
        state.releases.splice(state.releases.indexOf(rel), 1);
        // The tag stays; an immutable release's name can never be used again.
        if (rel.immutable && !rel.draft) state.burnedTags.add(rel.tagName);
        return { status: 204 };
      },
    },
    {
      method: "GET",
      template: "/repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs",
      perm: "actions:read",
      async handle(r) {
        const wf = r.params.workflow_id;
        const file = wf === String(state.workflowId) ? "release.yml" : /^[\w.-]+\.ya?ml$/.test(wf) ? wf : null;
        if (!file) throw notFound(DOCS.runs);
        const q = r.query;
        const status = q.get("status");
        const runs = state.runs
          .filter((x) => path.posix.basename(x.workflowPath) === file)
          .filter((x) => !q.get("event") || x.event === q.get("event"))
          .filter((x) => !q.get("head_sha") || x.headSha === q.get("head_sha"))
          .filter((x) => !q.get("branch") || x.headBranch === q.get("branch"))
          .filter((x) => !status || x.status === status || x.conclusion === status)
          .sort((a, b) => b.id - a.id);
        const { page, headers } = paginate(r, runs);
        const body: render.WorkflowRunList = { total_count: runs.length, workflow_runs: await renderRuns(page) };
        return { status: 200, body, headers };
      },
    },
    {
      method: "GET",
      template: "/repos/{owner}/{repo}/actions/runs/{run_id}",
      perm: "actions:read",
      async handle(r) {
        return { status: 200, body: (await renderRuns([findRun(r)]))[0] };
      },
    },
    {
      method: "GET",
      template: "/repos/{owner}/{repo}/actions/runs/{run_id}/jobs",
      perm: "actions:read",
      async handle(r) {
        const run = findRun(r);
        const all = r.query.get("filter") === "all";
        const jobs = (all ? [...(jobHistory.get(run.id) ?? []), ...run.jobs] : run.jobs)
          .slice()
          .sort((a, b) => a.id - b.id);
        const { page, headers } = paginate(r, jobs);
        const body: render.JobList = { total_count: jobs.length, jobs: page.map((j) => render.job(ctx, run, j)) };
        return { status: 200, body, headers };
      },
    },
    {
      method: "POST",
      template: "/repos/{owner}/{repo}/actions/runs/{run_id}/rerun-failed-jobs",
      perm: "actions:write",
      async handle(r) {
        return rerunFailedJobs(r);
      },
    },
    {
      method: "POST",
      template: "/repos/{owner}/{repo}/actions/runs/{run_id}/rerun",
      perm: "actions:write",
      async handle(r) {
        return rerunFailedJobs(r, true);
      },
    },
    {
      method: "GET",
      template: "/repos/{owner}/{repo}/attestations/{subject_digest}",
      perm: "attestations:read",
      async handle(r) {
        const wanted = r.query.get("predicate_type");
        const found = state.attestations
          .filter((a) => a.digest === r.params.subject_digest)
          .filter((a) => !wanted || predicateMatches(wanted, a.predicateType));
        if (found.length === 0) throw notFound("https://docs.github.com/rest/repos/repos#list-attestations");
        const { page, headers } = paginateByCursor(r, found);
        const body: render.AttestationList = {
          attestations: page.map((a) => render.attestation(ctx, a, state.attestations.indexOf(a))),
        };
        return { status: 200, body, headers };
      },
    },
    {
      method: "GET",
      template: "/repos/{owner}/{repo}/git/tags/{tag_sha}",
      perm: "contents:read",
      async handle(r) {
        const refs = await git.listRefs();
        if (refs.length === 0) throw fail(409, "Git Repository is empty.", DOCS.tags);
        const tag = await git.tagObject(r.params.tag_sha);
        if (!tag) throw notFound(DOCS.tags);
        return { status: 200, body: render.gitTag(ctx, tag) };
      },
    },
    {
      // What git-cliff's [remote.github] reads (git-cliff-core/src/remote/github.rs: per_page, page, sha).
      method: "GET",
      template: "/repos/{owner}/{repo}/commits",
      perm: "contents:read",
      async handle(r) {
        const refs = await git.listRefs();
        if (refs.length === 0) throw fail(409, "Git Repository is empty.", DOCS.commits);
        const start = r.query.get("sha") || opts.defaultBranch;
        const head = await git.resolveCommit(start);
        if (!head) throw notFound(DOCS.commits);
        const perPage = Math.min(100, Math.max(1, intParam(r.query, "per_page") ?? 30));
        const page = Math.max(1, intParam(r.query, "page") ?? 1);
        const commits = await git.log(head, (page - 1) * perPage, perPage + 1);
        const more = commits.length > perPage;
        const links: string[] = [];
        const link = (n: number, rel: string) => {
          const q = new URLSearchParams(r.query);
          q.set("page", String(n));
          return `<${ctx.apiUrl}${r.url.pathname}?${q}>; rel="${rel}"`;
        };
        if (more) links.push(link(page + 1, "next"));
        if (page > 1) links.push(link(page - 1, "prev"), link(1, "first"));
        return {
          status: 200,
          body: commits.slice(0, perPage).map((c) => render.commit(ctx, c)),
          headers: links.length ? { link: links.join(", ") } : {},
        };
      },
    },
    {
      // The sandbox has no pull requests: every list is empty, as on a repository that never had one.
      method: "GET",
      template: "/repos/{owner}/{repo}/pulls",
      perm: "pull_requests:read",
      async handle(r) {
        const st = r.query.get("state");
        if (st !== null && !["open", "closed", "all"].includes(st))
          throw invalid(`Invalid request.\n\nFor 'properties/state', "${st}" is not a valid value.`, DOCS.pulls);
        return { status: 200, body: [] };
      },
    },
    {
      method: "GET",
      template: "/repos/{owner}/{repo}/branches/{branch}/protection",
      perm: "administration:read",
      async handle(r) {
        // Reading protection is an admin's: others hear so (as GitHub words it), whatever the branch.
        if (scenario.role !== "admin") throw fail(403, "Must have admin rights to Repository.", DOCS.protection);
        const p = scenario.branchProtection[r.params.branch];
        if (!p) throw fail(404, "Branch not protected", DOCS.protection);
        return { status: 200, body: render.branchProtection(ctx, r.params.branch, p) };
      },
    },
    {
      method: "GET",
      template: "/repos/{owner}/{repo}/branches/{branch}",
      perm: "contents:read",
      async handle(r) {
        const head = await git.resolveCommit(`refs/heads/${r.params.branch}`);
        if (!head) throw fail(404, "Branch not found", DOCS.branches);
        return {
          status: 200,
          body: render.branch(ctx, r.params.branch, await git.commit(head), scenario.branchProtection[r.params.branch]),
        };
      },
    },
    {
      // https://docs.github.com/rest/repos/rules#get-rules-for-a-branch: every active rule that would
      // apply to a branch of that name (it need not exist), with the ruleset it comes from.
      method: "GET",
      template: "/repos/{owner}/{repo}/rules/branches/{branch}",
      perm: "metadata:read",
      async handle(r) {
        const rules = rulesFor(scenario, `refs/heads/${r.params.branch}`, opts.defaultBranch).map(({ type, ruleset }) =>
          render.ruleDetailed(ctx, ruleset, type, ruleParameters(type)),
        );
        const { page, headers } = paginate(r, rules);
        return { status: 200, body: page, headers };
      },
    },
    {
      method: "GET",
      template: "/repos/{owner}/{repo}/rulesets",
      perm: "metadata:read",
      async handle(r) {
        const targets = (r.query.get("targets") ?? "branch,tag,push").split(",").map((t) => t.trim());
        const list = scenario.rulesets
          .filter((rs) => targets.includes(rs.target))
          .map((rs) => render.ruleset(ctx, rs, false, []));
        const { page, headers } = paginate(r, list);
        return { status: 200, body: page, headers };
      },
    },
    {
      method: "GET",
      template: "/repos/{owner}/{repo}/rulesets/{ruleset_id}",
      perm: "metadata:read",
      async handle(r) {
        const rs = scenario.rulesets.find((x) => String(x.id) === r.params.ruleset_id);
        if (!rs) throw notFound(DOCS.rules);
        return {
          status: 200,
          body: render.ruleset(
            ctx,
            rs,
            true,
            rs.rules.map((type) => ({ type, ...(ruleParameters(type) ? { parameters: ruleParameters(type) } : {}) })),
          ),
        };
      },
    },
    {
      method: "GET",
      template: "/rate_limit",
      async handle(r) {
        return { status: 200, body: render.rateLimit(rateOf(r.caller)) };
      },
    },
  ];
  const compiled = routes.map((route) => ({ route, parts: route.template.split("/").filter(Boolean) }));

  // ---- request handling ----

  function callerOf(req: http.IncomingMessage): Caller {
    const header = req.headers.authorization;
    if (!header) return { token: null, bad: false, key: `anon:${req.socket.remoteAddress}` };
    const m = /^(?:token|bearer)\s+(\S+)\s*$/i.exec(header);
    let sent = m?.[1] ?? null;
    const basic = /^basic\s+(\S+)\s*$/i.exec(header);
    if (basic) sent = Buffer.from(basic[1], "base64").toString("utf8").split(":").slice(1).join(":");
    const ok = sent === opts.token;
    const grants = !ok && sent ? state.jobTokens.get(sent) : undefined;
    if (grants) return { token: sent, bad: false, key: `token:${sent}`, grants };
    return { token: ok ? sent : null, bad: !ok, key: ok ? `token:${sent}` : `anon:${req.socket.remoteAddress}` };
  }

  function takeFault(method: string, template: string): Fault | null {
    const f = scenario.faults.find(
      (x) => x.times > 0 && (!x.method || x.method.toUpperCase() === method) && (!x.route || x.route === template),
    );
    if (!f) return null;
    f.times -= 1; // Infinity stays Infinity
    return f;
  }

  function faultReply(f: Fault, caller: Caller): Reply {
    const status = f.status ?? 500;
    const headers: Record<string, string> = {};
    let body: unknown = render.errorBody(http.STATUS_CODES[status] ?? "Error", status);
    const custom = f.body === undefined ? null : typeof f.body === "string" ? f.body : messageOf(f.body);
    const rateLimited = (status === 403 || status === 429) && (custom === null || /rate limit/i.test(custom));
    if (rateLimited) {
      const secondary =
        Object.keys(f.headers ?? {}).some((k) => k.toLowerCase() === "retry-after") ||
        /secondary rate/i.test(custom ?? "");
      const id = randomUUID().toUpperCase();
      if (secondary) {
        body = render.errorBody(
          `You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID ${id}.`,
          status,
          `${DOCS.rate}#about-secondary-rate-limits`,
        );
        headers["retry-after"] = "1";
      } else {
        const who = caller.token ? `user ID ${AUTHOR.id}` : "127.0.0.1";
        body = render.errorBody(
          `API rate limit exceeded for ${who}. If you reach out to GitHub Support for help, please include the request ID ${id}.`,
          status,
          `${DOCS.rate}#about-the-primary-rate-limit`,
        );
        const rate = rateOf(caller);
        Object.assign(
          headers,
          rateHeaders({ ...rate, remaining: 0, used: rate.limit, reset: Math.ceil(Date.now() / 1000) + 1 }),
        );
      }
    }
    if (f.body !== undefined) body = f.body;
    Object.assign(headers, f.headers);
    return { status, body, headers };
  }

  /** A spent primary limit: 403 until the window resets, as GitHub answers
   *  (https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#exceeding-the-rate-limit). */
  function exhausted(caller: Caller, template: string): Reply | null {
    if (template === "/rate_limit" || caller.bad) return null;
    const rate = rateOf(caller);
    if (rate.remaining > 0) return null;
    const who = caller.token ? `user ID ${AUTHOR.id}` : "127.0.0.1";
    return {
      status: 403,
      body: render.errorBody(
        `API rate limit exceeded for ${who}. (But here's the good news: Authenticated requests get a higher rate limit. Check out the documentation for more details.)`,
        403,
        `${DOCS.rate}#about-the-primary-rate-limit`,
      ),
      headers: rateHeaders(rate),
    };
  }

  async function dispatch(
    req: http.IncomingMessage,
    url: URL,
    method: string,
    match: Match | null,
    caller: Caller,
  ): Promise<Reply> {
    if (caller.bad) throw fail(401, "Bad credentials");
    if (!match?.route) throw notFound();
    const { route, params } = match;
    if (
      params.owner !== undefined &&
      (params.owner.toLowerCase() !== opts.owner.toLowerCase() || params.repo.toLowerCase() !== opts.repo.toLowerCase())
    )
      throw notFound();
    const write = method !== "GET" && method !== "HEAD";
    if (write && !caller.token) throw fail(401, "Requires authentication");
    const accepted = route.perm ? { "x-accepted-github-permissions": route.perm.replace(":", "=") } : undefined;
    if (route.perm && caller.token && lacks(route.perm, caller))
      throw new HttpError(
        403,
        render.errorBody(`Resource not accessible by ${caller.grants ? "integration" : "personal access token"}`, 403),
        accepted,
      );
    const raw = await readBody(req);
    let body: Record<string, unknown> = {};
    if (write && raw.trim() !== "") {
      // GitHub parses the body as JSON whatever its Content-Type says.
      const parsed = parseJson(raw);
      if (!isRecord(parsed)) throw fail(400, "Problems parsing JSON");
      body = parsed;
    }
    const r: Req = { params, query: url.searchParams, body, caller, url };
    const reply = await (write ? serial(() => route.handle(r)) : route.handle(r));
    return accepted ? { ...reply, headers: { ...accepted, ...reply.headers } } : reply;
  }

  function send(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    reply: Reply,
    caller: Caller,
    countRate: boolean,
  ): number {
    const headers: Record<string, string> = {
      "x-github-api-version-selected": "2022-11-28",
      "x-github-media-type": "github.v3; format=json",
      "x-github-request-id": randomUUID().toUpperCase(),
    };
    const text =
      reply.body === undefined ? null : typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body);
    const etag = text === null ? null : `W/"${createHash("sha256").update(text).digest("hex")}"`;
    if (caller.token && !caller.grants && !fineGrained()) headers["x-oauth-scopes"] = scenario.tokenScopes.join(", ");
    const rate = rateOf(caller);
    if (etag && req.method === "GET" && reply.status === 200 && etagMatches(req.headers["if-none-match"], etag)) {
      // A conditional request answered 304 is free only when it is authorized; anonymous ones count.
      // https://docs.github.com/rest/using-the-rest-api/best-practices-for-using-the-rest-api#use-conditional-requests-if-appropriate
      if (countRate && !caller.token) {
        rate.used += 1;
        rate.remaining = Math.max(0, rate.limit - rate.used);
      }
      res.writeHead(304, { ...headers, ...rateHeaders(rate), etag });
      res.end();
      return 304;
    }
    if (countRate) {
      rate.used += 1;
      rate.remaining = Math.max(0, rate.limit - rate.used);
    }
    Object.assign(headers, rateHeaders(rate), reply.headers);
    if (text === null) {
      res.writeHead(reply.status, headers);
      res.end();
    } else {
      res.writeHead(reply.status, {
        ...headers,
        "content-type": "application/json; charset=utf-8",
        etag: etag ?? "",
        "content-length": String(Buffer.byteLength(text)),
      });
      res.end(text);
    }
    return reply.status;
  }

  async function handleRefsHook(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const raw = await readBody(req);
    let status = 204;
    try {
      for (const line of raw.split("\n")) {
        const [oldSha, newSha, ref] = line.trim().split(/\s+/);
        if (!ref) continue;
        opts.onRefUpdate?.({
          ref,
          oldSha: ZERO_SHA.test(oldSha) ? null : oldSha,
          newSha: ZERO_SHA.test(newSha) ? null : newSha,
          via: "push",
        });
      }
    } catch (e) {
      console.error("sandbox: onRefUpdate failed:", e);
      status = 500;
    }
    res.writeHead(status);
    res.end();
    count(`POST /_sandbox/refs ${status}`);
  }

  /** The pre-receive hook asks here whether GitHub would take a push; a refusal is GitHub's text. */
  async function handlePreReceive(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const texts: string[] = [];
    for (const line of raw.split("\n")) {
      const [oldSha, newSha, ref, forced] = line.trim().split(/\s+/);
      if (!ref) continue;
      const refused = judgeChange({
        ref,
        oldSha: ZERO_SHA.test(oldSha) ? null : oldSha,
        newSha: ZERO_SHA.test(newSha) ? null : newSha,
        forced: forced === "1",
      });
      if (refused) texts.push(refusalText(refused, `${ctx.htmlUrl}/${opts.owner}/${opts.repo}`));
    }
    const status = texts.length ? 403 : 204;
    res.writeHead(status, texts.length ? { "content-type": "text/plain; charset=utf-8" } : {});
    res.end(texts.join(""));
    count(`POST /_sandbox/pre-receive ${status}`);
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const method = (req.method ?? "GET").toUpperCase();
    const url = new URL(req.url ?? "/", ctx.apiUrl);
    if (method === "POST" && url.pathname === "/_sandbox/refs") return handleRefsHook(req, res);
    if (method === "POST" && url.pathname === "/_sandbox/pre-receive") return handlePreReceive(req, res);
    const match = matchRoute(compiled, method, url.pathname);
    const template = match?.template ?? url.pathname;
    const key = (status: number) => `${method} ${template} ${status}`;
    const caller = callerOf(req);
    const fault = takeFault(method, template);
    if (fault?.kind === "reset") {
      count(key(0));
      req.socket.destroy();
      return;
    }
    if (fault?.kind === "hang") {
      count(key(0)); // never answered; stop() closes the socket
      return;
    }
    inFlight.peak = Math.max(inFlight.peak, ++inFlight.now);
    try {
      try {
        if (scenario.latencyMs > 0) await sleep(scenario.latencyMs, undefined, { signal: stopping.signal });
      } catch {
        return; // stopping
      }
      let reply: Reply;
      try {
        reply = fault
          ? faultReply(fault, caller)
          : (exhausted(caller, template) ?? (await dispatch(req, url, method, match, caller)));
      } catch (e) {
        if (e instanceof HttpError) reply = { status: e.status, body: e.body, headers: e.headers };
        else {
          console.error(`sandbox: ${method} ${url.pathname} failed:`, e);
          reply = { status: 500, body: render.errorBody("Server Error", 500) };
        }
      }
      if (res.destroyed || res.writableEnded) return;
      count(
        key(
          send(
            req,
            res,
            reply,
            caller,
            template !== "/rate_limit" && !(reply.status === 403 && rateOf(caller).remaining === 0),
          ),
        ),
      );
    } finally {
      inFlight.now--;
    }
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((e) => {
      console.error("sandbox: request failed:", e);
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500);
        res.end();
      }
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("sandbox API: no TCP address");
  const url = `http://127.0.0.1:${address.port}`;
  ctx = {
    apiUrl: url,
    htmlUrl: url,
    owner: opts.owner,
    repo: opts.repo,
    repoId: repositoryIdOf(opts.owner, opts.repo),
    defaultBranch: opts.defaultBranch,
    workflowId: state.workflowId,
    createdAt: render.isoSeconds(now()),
    accountOf: (email) => {
      const login =
        scenario.accounts[email.toLowerCase()] ??
        /^(?:\d+\+)?([A-Za-z0-9-]+)@users\.noreply\.github\.com$/i.exec(email)?.[1];
      return login ? { login, id: render.derivedId("user", login) % 100_000_000 } : null;
    },
  };

  return {
    url,
    state,
    requests,
    inFlight,
    async installPushHook() {
      const hooks = path.join(opts.remotePath, "hooks");
      await mkdir(hooks, { recursive: true });
      await writeFile(path.join(hooks, "pre-receive"), preReceiveScript(`${url}/_sandbox/pre-receive`), {
        mode: 0o755,
      });
      await writeFile(path.join(hooks, "post-receive"), pushHookScript(`${url}/_sandbox/refs`), { mode: 0o755 });
    },
    async stop() {
      stopping.abort();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      await closed;
    },
  };
}

// ---- helpers without server state ----

interface Match {
  route: Route | null;
  template: string;
  params: Record<string, string>;
}

// Parameters that may hold slashes: Octokit sends them as one %2F-encoded segment, curl as several.
const MULTI = new Set(["ref", "tag", "basehead", "subject_digest", "branch"]);

function matchParts(
  tpl: string[],
  segs: string[],
  i: number,
  j: number,
  params: Record<string, string>,
): Record<string, string> | null {
  if (i === tpl.length) return j === segs.length ? params : null;
  const t = tpl[i];
  const name = /^\{(\w+)\}$/.exec(t)?.[1];
  if (!name) return segs[j] === t ? matchParts(tpl, segs, i + 1, j + 1, params) : null;
  if (!MULTI.has(name))
    return j < segs.length && segs[j] !== ""
      ? matchParts(tpl, segs, i + 1, j + 1, { ...params, [name]: segs[j] })
      : null;
  for (let k = segs.length; k > j; k--) {
    const m = matchParts(tpl, segs, i + 1, k, { ...params, [name]: segs.slice(j, k).join("/") });
    if (m) return m;
  }
  return null;
}

function matchRoute(compiled: { route: Route; parts: string[] }[], method: string, pathname: string): Match | null {
  let segs: string[];
  try {
    segs = pathname
      .split("/")
      .filter((s, i, all) => i > 0 && !(s === "" && i === all.length - 1))
      .map(decodeURIComponent);
  } catch {
    return null; // malformed percent-encoding
  }
  let other: Match | null = null;
  for (const { route, parts } of compiled) {
    const params = matchParts(parts, segs, 0, 0, {});
    if (!params) continue;
    if (route.method === method) return { route, template: route.template, params };
    other ??= { route: null, template: route.template, params };
  }
  return other; // the path exists for another method: GitHub answers 404 too
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

function messageOf(x: unknown): string {
  return isRecord(x) && typeof x.message === "string" ? x.message : "";
}

function intParam(q: URLSearchParams, name: string): number | null {
  const v = q.get(name);
  if (v === null || !/^\d+$/.test(v)) return null;
  return Number(v);
}

function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const strip = (t: string) => t.trim().replace(/^W\//, "");
  return header.split(",").some((t) => t.trim() === "*" || strip(t) === strip(etag));
}

type Expect = "string" | "string?" | "boolean";

/** GitHub rejects wrongly typed fields with 422 before doing anything. */
function expectTypes(body: Record<string, unknown>, fields: Record<string, Expect>): void {
  for (const [k, want] of Object.entries(fields)) {
    if (!(k in body)) continue;
    const v = body[k];
    const ok =
      want === "boolean" ? typeof v === "boolean" : typeof v === "string" || (want === "string?" && v === null);
    if (!ok)
      throw invalid(
        `Invalid request.\n\nFor 'properties/${k}', ${JSON.stringify(v)} is not a ${want === "boolean" ? "boolean" : "string"}.`,
      );
  }
}

const PREDICATES: Record<string, (t: string) => boolean> = {
  provenance: (t) => t.startsWith("https://slsa.dev/provenance/"),
  sbom: (t) => /spdx|cyclonedx/i.test(t),
  release: (t) => t.startsWith("https://in-toto.io/attestation/release/"),
};

function predicateMatches(wanted: string, type: string): boolean {
  return (PREDICATES[wanted] ?? ((t: string) => t === wanted))(type);
}

/** Single-quotes a word for /bin/sh. */
function shQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

// The hook only relays git's "<old> <new> <ref>" lines; the server calls onRefUpdate before answering,
// and git waits for the hook, so the callback has run by the time `git push` returns.
const HOOK_JS = [
  "let input = '';",
  "process.stdin.setEncoding('utf8');",
  "process.stdin.on('data', (d) => { input += d; });",
  "process.stdin.on('end', () => {",
  "  fetch(process.argv[1], { method: 'POST', body: input, signal: AbortSignal.timeout(15000) })",
  "    .then((r) => { if (!r.ok) console.error('sandbox: ref notification answered ' + r.status); })",
  "    .catch((e) => console.error('sandbox: ref notification failed: ' + e.message));",
  "});",
].join("\n");

// Asks the server about every ref; a refusal is printed (git shows it after "remote: ") and fails the
// push, as GitHub's own pre-receive does. An unreachable server lets the push through, loudly.
const PRE_RECEIVE_JS = [
  "let input = '';",
  "process.stdin.setEncoding('utf8');",
  "process.stdin.on('data', (d) => { input += d; });",
  "process.stdin.on('end', () => {",
  "  fetch(process.argv[1], { method: 'POST', body: input, signal: AbortSignal.timeout(15000) })",
  "    .then(async (r) => { const t = await r.text(); if (r.status === 403) { process.stderr.write(t); process.exitCode = 1; } })",
  "    .catch((e) => console.error('sandbox: push rules not checked: ' + e.message));",
  "});",
].join("\n");

function preReceiveScript(endpoint: string): string {
  // The new objects are quarantined until the hook succeeds: only the hook itself can ask git
  // whether an update is a fast-forward, so it adds that to each line.
  return [
    "#!/bin/sh",
    "# release-kit sandbox: GitHub's push rules (protected branches, rulesets, burned tag names).",
    "unset NODE_OPTIONS",
    "zero=0000000000000000000000000000000000000000",
    "lines=''",
    "while read -r old new ref; do",
    "  forced=0",
    '  if [ "$old" != "$zero" ] && [ "$new" != "$zero" ] && ! git merge-base --is-ancestor "$old" "$new" 2>/dev/null; then forced=1; fi',
    '  lines="$lines$old $new $ref $forced',
    '"',
    "done",
    `printf '%s' "$lines" | exec ${shQuote(process.execPath)} -e ${shQuote(PRE_RECEIVE_JS)} ${shQuote(endpoint)}`,
    "",
  ].join("\n");
}

function pushHookScript(endpoint: string): string {
  return [
    "#!/bin/sh",
    "# release-kit sandbox: tell the API server which refs this push changed.",
    "unset NODE_OPTIONS",
    `exec ${shQuote(process.execPath)} -e ${shQuote(HOOK_JS)} ${shQuote(endpoint)}`,
    "",
  ].join("\n");
}
