// The sandbox's GitHub API driven by the real Octokit client over real HTTP, backed by a real bare
// repository: every route, the GitHub behaviours the kit leans on, and the scenario's faults.
import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import { Octokit } from "@octokit/rest";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ApiServer, RefUpdate } from "../scripts/sandbox/api/server.ts";
import { startApiServer } from "../scripts/sandbox/api/server.ts";
import type { RunRecord } from "../scripts/sandbox/api/state.ts";
import { repositoryIdOf } from "../scripts/sandbox/api/state.ts";
import { defaultScenario } from "../scripts/sandbox/scenario.ts";
import { addFinishedRun, addProvenance, apiRepo, execAsync, git, gitEnv } from "./helpers/api-repo.ts";

const TOKEN = "sandbox-token-0123";
const OWNER = "acme";
const REPO = "gateway";
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/** The status a rejected Octokit call carries. */
async function statusOf(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 0;
  } catch (e) {
    return (e as { status: number }).status;
  }
}

async function errorOf(p: Promise<unknown>): Promise<{ status: number; data: any; headers: Record<string, string> }> {
  try {
    await p;
  } catch (e: any) {
    return { status: e.status, data: e.response?.data, headers: e.response?.headers ?? {} };
  }
  throw new Error("expected a rejection");
}

let dir: string;
let bare: string;
let work: string;
let server: ApiServer;
let octokit: Octokit;
let anon: Octokit;
let clock = new Date("2026-03-01T12:00:00Z");
const scenario = defaultScenario();
const refUpdates: RefUpdate[] = [];
const reruns: RunRecord[] = [];
let shas: string[]; // main's commits, oldest first

const repoArgs = { owner: OWNER, repo: REPO };
/** One of the `errors` of a 422 for a release, as GitHub words a custom validation failure. */
const releaseInvalid = (message: string, field?: string) => ({
  resource: "Release",
  code: "custom",
  ...(field === undefined ? {} : { field }),
  message,
});

beforeAll(async () => {
  ({ dir, bare, work, shas } = await apiRepo("sandbox-api-", ["feat: first", "fix: second", "feat: third"]));
  await git(work, "push", "-q", "origin", "main");
  server = await startApiServer({
    ...repoArgs,
    remotePath: bare,
    defaultBranch: "main",
    token: TOKEN,
    scenario,
    onRefUpdate: (u) => refUpdates.push(u),
    onRerun: (r) => reruns.push(structuredClone(r)),
    now: () => clock,
  });
  octokit = new Octokit({ baseUrl: server.url, auth: TOKEN, log: quiet });
  anon = new Octokit({ baseUrl: server.url, log: quiet });
});

afterEach(() => {
  Object.assign(scenario, defaultScenario());
});

afterAll(async () => {
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("lifecycle", () => {
  it("starts, answers and stops (its speed is the bench's to measure)", async () => {
    const t0 = performance.now();
    const s = await startApiServer({
      ...repoArgs,
      remotePath: bare,
      defaultBranch: "main",
      token: TOKEN,
      scenario: defaultScenario(),
    });
    const res = await fetch(`${s.url}/rate_limit`);
    await s.stop();
    const ms = performance.now() - t0;
    console.log(`sandbox api: start + one request + stop in ${ms.toFixed(1)} ms`);
    expect(res.status).toBe(200);
  });

  it("stop() closes hung requests", async () => {
    const sc = defaultScenario();
    sc.faults.push({ kind: "hang", times: 1 });
    const s = await startApiServer({
      ...repoArgs,
      remotePath: bare,
      defaultBranch: "main",
      token: TOKEN,
      scenario: sc,
    });
    const hung = fetch(`${s.url}/repos/${OWNER}/${REPO}`).then(
      () => "answered",
      () => "closed",
    );
    await new Promise((r) => setTimeout(r, 100));
    await s.stop();
    expect(await hung).toBe("closed");
    expect(s.requests.get("GET /repos/{owner}/{repo} 0")).toBe(1);
  });
});

describe("repository and auth", () => {
  it("reports permissions and the default branch", async () => {
    const { data } = await octokit.rest.repos.get(repoArgs);
    expect(data.full_name).toBe(`${OWNER}/${REPO}`);
    expect(data.default_branch).toBe("main");
    expect(data.permissions).toEqual({ admin: true, maintain: true, push: true, triage: true, pull: true });
    expect((await anon.rest.repos.get(repoArgs)).data.permissions).toBeUndefined();
  });

  it("answers 401 to a wrong token on every route and to anonymous writes", async () => {
    const wrong = new Octokit({ baseUrl: server.url, auth: "nope", log: quiet });
    const e1 = await errorOf(wrong.rest.repos.get(repoArgs));
    expect([e1.status, e1.data.message]).toEqual([401, "Bad credentials"]);
    expect(await statusOf(wrong.rest.rateLimit.get())).toBe(401);
    expect(await statusOf(wrong.request("GET /nowhere"))).toBe(401);
    const e2 = await errorOf(anon.rest.repos.createRelease({ ...repoArgs, tag_name: "v9.9.9" }));
    expect([e2.status, e2.data.message]).toEqual([401, "Requires authentication"]);
    // Both header schemes GitHub accepts.
    const bearer = await fetch(`${server.url}/repos/${OWNER}/${REPO}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(((await bearer.json()) as { permissions?: unknown }).permissions).toBeDefined();
  });

  it("parses bodies as JSON whatever the Content-Type, and rejects bad JSON with 400", async () => {
    const post = (body: string) =>
      fetch(`${server.url}/repos/${OWNER}/${REPO}/releases`, {
        method: "POST",
        body,
        headers: { authorization: `token ${TOKEN}`, "content-type": "text/plain" },
      });
    const ok = await post(JSON.stringify({ tag_name: "v0.0.1-plain", draft: true }));
    expect(ok.status).toBe(201);
    expect(((await ok.json()) as { tag_name: string }).tag_name).toBe("v0.0.1-plain");
    const bad = await post("{not json");
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toBe("Problems parsing JSON");
  });

  it("answers unknown routes with GitHub's 404 body", async () => {
    const res = await fetch(`${server.url}/repos/${OWNER}/${REPO}/no-such-thing`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      message: "Not Found",
      documentation_url: "https://docs.github.com/rest",
      status: "404",
    });
    expect(await statusOf(octokit.rest.repos.get({ owner: OWNER, repo: "other" }))).toBe(404);
  });

  it("answers 403 with the accepted permission when the token lacks it", async () => {
    for (const [perm, call, header] of [
      [
        "actions:read",
        () => octokit.rest.actions.listWorkflowRuns({ ...repoArgs, workflow_id: "release.yml" }),
        "actions=read",
      ],
      ["checks:read", () => octokit.rest.checks.listForRef({ ...repoArgs, ref: "main" }), "checks=read"],
      [
        "statuses:read",
        () => octokit.rest.repos.getCombinedStatusForRef({ ...repoArgs, ref: "main" }),
        "statuses=read",
      ],
      [
        "contents:write",
        () => octokit.rest.git.createRef({ ...repoArgs, ref: "refs/tags/nope", sha: shas[0] }),
        "contents=write",
      ],
      [
        "attestations:read",
        () => octokit.rest.repos.listAttestations({ ...repoArgs, subject_digest: "sha256:00" }),
        "attestations=read",
      ],
    ] as const) {
      scenario.missingPermissions = [perm];
      const e = await errorOf(call());
      expect([e.status, e.data.message, e.headers["x-accepted-github-permissions"]]).toEqual([
        403,
        "Resource not accessible by personal access token",
        header,
      ]);
    }
    expect(await git(bare, "tag", "--list", "nope")).toBe("");
  });
});

describe("refs, commits and compare", () => {
  it("reads, creates and deletes refs in the bare repository", async () => {
    await git(work, "tag", "-a", "v0.1.0", "-m", "annotated", shas[1]);
    await git(work, "push", "-q", "origin", "v0.1.0");
    const main = await octokit.rest.git.getRef({ ...repoArgs, ref: "heads/main" });
    expect(main.data).toMatchObject({ ref: "refs/heads/main", object: { type: "commit", sha: shas[2] } });
    const tag = await octokit.rest.git.getRef({ ...repoArgs, ref: "tags/v0.1.0" });
    expect(tag.data.object.type).toBe("tag");
    expect(tag.data.object.sha).toBe(await git(bare, "rev-parse", "refs/tags/v0.1.0"));
    expect(await statusOf(octokit.rest.git.getRef({ ...repoArgs, ref: "tags/v0.1" }))).toBe(404); // exact match only

    const before = refUpdates.length;
    const made = await octokit.rest.git.createRef({ ...repoArgs, ref: "refs/tags/v0.1.5", sha: shas[0] });
    expect(made.status).toBe(201);
    expect(await git(bare, "rev-parse", "refs/tags/v0.1.5")).toBe(shas[0]);
    expect(refUpdates.slice(before)).toEqual([{ ref: "refs/tags/v0.1.5", oldSha: null, newSha: shas[0], via: "api" }]);
    const dup = await errorOf(octokit.rest.git.createRef({ ...repoArgs, ref: "refs/tags/v0.1.5", sha: shas[1] }));
    expect([dup.status, dup.data.message]).toEqual([422, "Reference already exists"]);
    const ghost = await errorOf(
      octokit.rest.git.createRef({ ...repoArgs, ref: "refs/tags/ghost", sha: "1".repeat(40) }),
    );
    expect([ghost.status, ghost.data.message]).toEqual([422, "Object does not exist"]);

    const matching = await octokit.rest.git.listMatchingRefs({ ...repoArgs, ref: "tags/v0.1" });
    expect(matching.data.map((r) => r.ref)).toEqual(["refs/tags/v0.1.0", "refs/tags/v0.1.5"]);

    expect((await octokit.rest.git.deleteRef({ ...repoArgs, ref: "tags/v0.1.5" })).status).toBe(204);
    expect(await git(bare, "tag", "--list", "v0.1.5")).toBe("");
    expect(refUpdates.at(-1)).toEqual({ ref: "refs/tags/v0.1.5", oldSha: shas[0], newSha: null, via: "api" });
    const gone = await errorOf(octokit.rest.git.deleteRef({ ...repoArgs, ref: "tags/v0.1.5" }));
    expect([gone.status, gone.data.message]).toEqual([422, "Reference does not exist"]);
  });

  it("gets commits by SHA, branch and tag (peeled)", async () => {
    const bySha = await octokit.rest.repos.getCommit({ ...repoArgs, ref: shas[1] });
    expect(bySha.data.commit.message).toBe("fix: second");
    expect(bySha.data.parents.map((p) => p.sha)).toEqual([shas[0]]);
    expect(bySha.data.commit.author?.email).toBe("ada@example.com");
    expect((await octokit.rest.repos.getCommit({ ...repoArgs, ref: "main" })).data.sha).toBe(shas[2]);
    expect((await octokit.rest.repos.getCommit({ ...repoArgs, ref: "v0.1.0" })).data.sha).toBe(shas[1]);
    const e = await errorOf(octokit.rest.repos.getCommit({ ...repoArgs, ref: "no-such-ref" }));
    expect([e.status, e.data.message]).toEqual([422, "No commit found for SHA: no-such-ref"]);
  });

  it("compares like GitHub: ahead, behind, identical, diverged", async () => {
    const cmp = (basehead: string) => octokit.rest.repos.compareCommitsWithBasehead({ ...repoArgs, basehead });
    const ahead = (await cmp(`${shas[0]}...main`)).data;
    expect([ahead.status, ahead.ahead_by, ahead.behind_by, ahead.total_commits]).toEqual(["ahead", 2, 0, 2]);
    expect(ahead.commits.map((c) => c.sha)).toEqual([shas[1], shas[2]]); // oldest first
    expect(ahead.merge_base_commit.sha).toBe(shas[0]);
    expect((await cmp("main...v0.1.0")).data).toMatchObject({ status: "behind", ahead_by: 0, behind_by: 1 });
    expect((await cmp("main...main")).data).toMatchObject({ status: "identical", total_commits: 0 });
    await git(work, "checkout", "-q", "-b", "side", shas[0]);
    await git(work, "commit", "-q", "--allow-empty", "-m", "chore: side");
    await git(work, "push", "-q", "origin", "side");
    await git(work, "checkout", "-q", "main");
    const div = (await cmp("main...side")).data;
    expect([div.status, div.ahead_by, div.behind_by, div.merge_base_commit.sha]).toEqual(["diverged", 1, 2, shas[0]]);
    expect(await statusOf(cmp("main...nowhere"))).toBe(404);
  });
});

describe("CI state from the scenario", () => {
  it("derives check runs and combined status per commit", async () => {
    const checks = async (ref: string) => (await octokit.rest.checks.listForRef({ ...repoArgs, ref })).data;
    const ok = await checks("main");
    expect(ok.check_runs.map((c) => [c.name, c.status, c.conclusion, c.app?.id, c.head_sha])).toEqual([
      ["build", "completed", "success", 15368, shas[2]],
      ["test", "completed", "success", 15368, shas[2]],
    ]);
    scenario.ci[shas[2]] = "failure";
    expect((await checks("main")).check_runs.find((c) => c.name === "test")?.conclusion).toBe("failure");
    scenario.ci[shas[2]] = "pending";
    expect((await checks(shas[2])).check_runs.find((c) => c.name === "test")).toMatchObject({
      status: "in_progress",
      conclusion: null,
    });
    const filtered = await octokit.rest.checks.listForRef({ ...repoArgs, ref: "main", check_name: "build" });
    expect(filtered.data.total_count).toBe(1);
    scenario.ci[shas[2]] = "none";
    expect((await checks("main")).total_count).toBe(0);

    // Actions-only repository: combined status is pending with nothing in it.
    const combined = async () => (await octokit.rest.repos.getCombinedStatusForRef({ ...repoArgs, ref: "main" })).data;
    expect(await combined()).toMatchObject({ state: "pending", total_count: 0, sha: shas[2] });
    scenario.ciKind = "statuses";
    scenario.ci[shas[2]] = "success";
    expect(await combined()).toMatchObject({ state: "success", total_count: 2 });
    expect((await checks("main")).total_count).toBe(0);
    scenario.ci[shas[2]] = "failure";
    expect((await combined()).state).toBe("failure");
    expect(await statusOf(octokit.rest.repos.getCombinedStatusForRef({ ...repoArgs, ref: "nope" }))).toBe(404);
  });
});

describe("releases", () => {
  it("creates the missing tag at the default branch head, lightweight, and refuses a duplicate", async () => {
    const before = refUpdates.length;
    const created = await octokit.rest.repos.createRelease({
      ...repoArgs,
      tag_name: "v1.0.0",
      name: "v1.0.0",
      body: "notes",
      make_latest: "true",
    });
    expect(created.status).toBe(201);
    expect(created.data).toMatchObject({
      tag_name: "v1.0.0",
      draft: false,
      immutable: false,
      target_commitish: "main",
    });
    expect(await git(bare, "rev-parse", "refs/tags/v1.0.0")).toBe(await git(bare, "rev-parse", "refs/heads/main"));
    expect(await git(bare, "cat-file", "-t", "refs/tags/v1.0.0")).toBe("commit");
    expect(refUpdates.slice(before)).toEqual([{ ref: "refs/tags/v1.0.0", oldSha: null, newSha: shas[2], via: "api" }]);

    const dup = await errorOf(octokit.rest.repos.createRelease({ ...repoArgs, tag_name: "v1.0.0" }));
    expect(dup.status).toBe(422);
    expect(dup.data.errors).toEqual([{ resource: "Release", code: "already_exists", field: "tag_name" }]);
    expect((await octokit.rest.repos.getReleaseByTag({ ...repoArgs, tag: "v1.0.0" })).data.id).toBe(created.data.id);
    expect((await octokit.rest.repos.getRelease({ ...repoArgs, release_id: created.data.id })).data.body).toBe("notes");
  });

  it("uses target_commitish for a missing tag and ignores it for an existing one", async () => {
    await octokit.rest.repos.createRelease({ ...repoArgs, tag_name: "v1.0.1", target_commitish: shas[0] });
    expect(await git(bare, "rev-parse", "refs/tags/v1.0.1")).toBe(shas[0]);
    await octokit.rest.repos.createRelease({ ...repoArgs, tag_name: "v0.1.0", target_commitish: shas[0] });
    expect(await git(bare, "rev-parse", "refs/tags/v0.1.0^{commit}")).toBe(shas[1]);
    expect(
      await statusOf(
        octokit.rest.repos.createRelease({ ...repoArgs, tag_name: "v1.0.2", target_commitish: "nowhere" }),
      ),
    ).toBe(422);
    expect(
      await statusOf(
        octokit.rest.repos.createRelease({ ...repoArgs, tag_name: "v1.0.3", make_latest: "maybe" as "true" }),
      ),
    ).toBe(422);
  });

  it("hides drafts from get-by-tag, lists them for pushers only, tags them on publish", async () => {
    const draft = (
      await octokit.rest.repos.createRelease({ ...repoArgs, tag_name: "v2.0.0", draft: true, body: "draft notes" })
    ).data;
    expect(draft.html_url).toMatch(/\/releases\/tag\/untagged-/);
    expect(await git(bare, "tag", "--list", "v2.0.0")).toBe(""); // drafts make no tag
    expect(await statusOf(octokit.rest.repos.getReleaseByTag({ ...repoArgs, tag: "v2.0.0" }))).toBe(404);
    const listed = await octokit.paginate(octokit.rest.repos.listReleases, { ...repoArgs, per_page: 100 });
    expect(listed.find((r) => r.id === draft.id)?.draft).toBe(true);
    const public_ = await anon.paginate(anon.rest.repos.listReleases, { ...repoArgs, per_page: 100 });
    expect(public_.some((r) => r.draft)).toBe(false);
    expect(await statusOf(anon.rest.repos.getRelease({ ...repoArgs, release_id: draft.id }))).toBe(404);

    const published = await octokit.rest.repos.updateRelease({ ...repoArgs, release_id: draft.id, draft: false });
    expect(published.data.draft).toBe(false);
    expect(published.data.published_at).not.toBeNull();
    expect(await git(bare, "rev-parse", "refs/tags/v2.0.0")).toBe(shas[2]);
    expect((await octokit.rest.repos.getReleaseByTag({ ...repoArgs, tag: "v2.0.0" })).data.body).toBe("draft notes");
    expect((await octokit.rest.repos.deleteRelease({ ...repoArgs, release_id: draft.id })).status).toBe(204);
    expect(await git(bare, "rev-parse", "refs/tags/v2.0.0")).toBe(shas[2]); // the tag stays
  });

  it("locks an immutable release and burns its tag name on delete", async () => {
    scenario.immutableReleases = true;
    const rel = (await octokit.rest.repos.createRelease({ ...repoArgs, tag_name: "v3.0.0", body: "one" })).data;
    expect(rel.immutable).toBe(true);
    expect((await octokit.rest.repos.updateRelease({ ...repoArgs, release_id: rel.id, body: "two" })).data.body).toBe(
      "two",
    );
    expect(
      await statusOf(octokit.rest.repos.updateRelease({ ...repoArgs, release_id: rel.id, tag_name: "v3.0.1" })),
    ).toBe(422);
    expect(await statusOf(octokit.rest.git.deleteRef({ ...repoArgs, ref: "tags/v3.0.0" }))).toBe(422);
    await octokit.rest.repos.deleteRelease({ ...repoArgs, release_id: rel.id });
    expect(server.state.burnedTags.has("v3.0.0")).toBe(true);
    expect(await git(bare, "rev-parse", "refs/tags/v3.0.0")).toBe(shas[2]);
    const again = await errorOf(octokit.rest.repos.createRelease({ ...repoArgs, tag_name: "v3.0.0" }));
    expect(again.status).toBe(422);
    expect(again.data.errors[0]).toMatchObject({
      code: "custom",
      field: "tag_name",
      message: "tag_name was used by an immutable release",
    });
  });

  it("paginates with a Link header", async () => {
    for (let i = 0; i < 4; i++)
      await octokit.rest.repos.createRelease({ ...repoArgs, tag_name: `v4.0.${i}`, draft: true });
    const total = (await octokit.paginate(octokit.rest.repos.listReleases, { ...repoArgs, per_page: 100 })).length;
    const first = await octokit.rest.repos.listReleases({ ...repoArgs, per_page: 2 });
    expect(first.data).toHaveLength(2);
    expect(first.headers.link).toContain('rel="next"');
    expect(first.headers.link).toContain(`page=${Math.ceil(total / 2)}>; rel="last"`);
    const all = await octokit.paginate(octokit.rest.repos.listReleases, { ...repoArgs, per_page: 2 });
    expect(all).toHaveLength(total);
    expect(new Set(all.map((r) => r.id)).size).toBe(total);
  });
});

describe("conditional requests, rate limits, faults and latency", () => {
  it("answers a matching If-None-Match with 304, which Octokit rejects, at no rate cost", async () => {
    const first = await octokit.rest.repos.getReleaseByTag({ ...repoArgs, tag: "v1.0.0" });
    const etag = first.headers.etag ?? "";
    expect(etag).toMatch(/^W\/"[0-9a-f]{64}"$/);
    const e = await errorOf(
      octokit.rest.repos.getReleaseByTag({ ...repoArgs, tag: "v1.0.0", headers: { "if-none-match": etag } }),
    );
    expect(e.status).toBe(304);
    expect(e.headers.etag).toBe(etag);
    expect(e.headers["x-ratelimit-remaining"]).toBe(first.headers["x-ratelimit-remaining"]);
    expect(server.requests.get("GET /repos/{owner}/{repo}/releases/tags/{tag} 304")).toBe(1);
    const third = await octokit.rest.repos.getReleaseByTag({ ...repoArgs, tag: "v1.0.0" });
    expect(Number(third.headers["x-ratelimit-remaining"])).toBe(Number(first.headers["x-ratelimit-remaining"]) - 1);
  });

  it("reports rate limits without spending them", async () => {
    const a = (await octokit.rest.rateLimit.get()).data;
    const b = (await octokit.rest.rateLimit.get()).data;
    expect(a.resources.core.limit).toBe(5000);
    expect(b.resources.core.remaining).toBe(a.resources.core.remaining);
    expect(a.rate).toEqual(a.resources.core);
    expect((await anon.rest.rateLimit.get()).data.resources.core.limit).toBe(60);
  });

  it("injects status faults, consuming them", async () => {
    const route = "/repos/{owner}/{repo}";
    scenario.faults = [{ method: "GET", route, kind: "status", status: 503, times: 2 }];
    expect(await statusOf(octokit.rest.repos.get(repoArgs))).toBe(503);
    expect(await statusOf(octokit.rest.repos.get(repoArgs))).toBe(503);
    expect(await statusOf(octokit.rest.repos.get(repoArgs))).toBe(0);
    expect(scenario.faults[0].times).toBe(0);
    expect(server.requests.get(`GET ${route} 503`)).toBe(2);

    scenario.faults = [{ route, kind: "status", status: 429, times: 1 }];
    const primary = await errorOf(octokit.rest.repos.get(repoArgs));
    expect(primary.status).toBe(429);
    expect(primary.data.message).toMatch(/^API rate limit exceeded for /);
    expect(primary.headers["x-ratelimit-remaining"]).toBe("0");
    expect(Number(primary.headers["x-ratelimit-reset"])).toBeGreaterThan(Date.now() / 1000);

    scenario.faults = [{ route, kind: "status", status: 403, headers: { "retry-after": "2" }, times: 1 }];
    const secondary = await errorOf(octokit.rest.repos.get(repoArgs));
    expect(secondary.status).toBe(403);
    expect(secondary.data.message).toContain("You have exceeded a secondary rate limit");
    expect(secondary.headers["retry-after"]).toBe("2");
  });

  it("drives plugin-throttling's primary and secondary handlers as GitHub does", async () => {
    const seen: string[] = [];
    const Kit = Octokit.plugin(retry, throttling);
    const kit = new Kit({
      baseUrl: server.url,
      auth: TOKEN,
      log: quiet,
      retry: { doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451] },
      throttle: {
        id: `sandbox-api-${process.pid}`,
        onRateLimit: (after: number) => {
          seen.push(`primary ${after}`);
          return false;
        },
        onSecondaryRateLimit: (after: number, _o: unknown, _k: unknown, n: number) => {
          seen.push(`secondary ${after}`);
          return n < 1;
        },
      },
    });
    const route = "/repos/{owner}/{repo}";
    // plugin-throttling reads retry-after "0" as "unset" (60 s), so the shortest real wait is 1 s.
    scenario.faults = [{ route, kind: "status", status: 403, headers: { "retry-after": "1" }, times: 1 }];
    expect((await kit.rest.repos.get(repoArgs)).status).toBe(200); // retried once by the handler's choice
    scenario.faults = [{ route, kind: "status", status: 429, times: 1 }];
    expect(await statusOf(kit.rest.repos.get(repoArgs))).toBe(429);
    expect(seen).toHaveLength(2);
    expect(seen[0]).toBe("secondary 1");
    expect(seen[1]).toMatch(/^primary \d+$/);
  });

  it("resets sockets and hangs on request", async () => {
    const route = "/repos/{owner}/{repo}/releases";
    scenario.faults = [{ method: "GET", route, kind: "reset", times: 1 }];
    const reset = await fetch(`${server.url}/repos/${OWNER}/${REPO}/releases`).then(
      () => "answered",
      (e: Error) => e.message,
    );
    expect(reset).toBe("fetch failed");
    expect(server.requests.get(`GET ${route} 0`)).toBe(1);

    scenario.faults = [{ method: "GET", route, kind: "hang", times: 1 }];
    const hung = await fetch(`${server.url}/repos/${OWNER}/${REPO}/releases`, {
      signal: AbortSignal.timeout(300),
    }).then(
      () => "answered",
      (e: Error) => e.name,
    );
    expect(hung).toBe("TimeoutError");
    expect(server.requests.get(`GET ${route} 0`)).toBe(2);
    expect((await octokit.rest.repos.listReleases(repoArgs)).status).toBe(200); // the next one is answered
  });

  it("waits latencyMs before answering", async () => {
    scenario.latencyMs = 150;
    const t0 = performance.now();
    await octokit.rest.repos.get(repoArgs);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(145);
  });
});

describe("push hook", () => {
  it("reports pushed refs to onRefUpdate before git push returns", async () => {
    await server.installPushHook();
    const hook = await readFile(path.join(bare, "hooks", "post-receive"), "utf8");
    expect(hook).toContain("/_sandbox/refs");
    expect(hook).toContain(`/dev/tcp/"'127.0.0.1'"/${new URL(server.url).port}`);
    const before = refUpdates.length;
    await git(work, "commit", "-q", "--allow-empty", "-m", "feat: pushed");
    const head = await git(work, "rev-parse", "HEAD");
    await git(work, "tag", "v5.0.0");
    const { stderr } = await execAsync("git", ["push", "-q", "origin", "main", "v5.0.0"], { cwd: work, env: gitEnv });
    expect(stderr).toBe(""); // the hook prints nothing
    expect(refUpdates.slice(before)).toEqual(
      expect.arrayContaining([
        { ref: "refs/heads/main", oldSha: shas[2], newSha: head, via: "push" },
        { ref: "refs/tags/v5.0.0", oldSha: null, newSha: head, via: "push" },
      ]),
    );
    await git(work, "push", "-q", "origin", ":refs/tags/v5.0.0");
    expect(refUpdates.at(-1)).toEqual({ ref: "refs/tags/v5.0.0", oldSha: head, newSha: null, via: "push" });
    expect(server.requests.get("POST /_sandbox/refs 204")).toBe(2);
  });

  it("sends a ref name beyond ASCII whole (the length is counted in bytes)", async () => {
    await server.installPushHook();
    const branch = "refs/heads/release-ünïcödé-✓";
    const { stderr } = await execAsync("git", ["push", "-q", "origin", `HEAD:${branch}`], { cwd: work, env: gitEnv });
    expect(stderr).toBe("");
    expect(refUpdates.at(-1)).toMatchObject({ ref: branch, oldSha: null, via: "push" });
    await git(work, "push", "-q", "origin", `:${branch}`);
    expect(refUpdates.at(-1)).toMatchObject({ ref: branch, newSha: null, via: "push" });
  });

  it("lets a push through, saying so, when the sandbox no longer answers", async () => {
    const { installPushHooks } = await import("../scripts/sandbox/api/hooks.ts");
    try {
      await installPushHooks(bare, "http://127.0.0.1:1");
      const { stderr } = await execAsync("git", ["push", "origin", "HEAD:refs/heads/unheard"], {
        cwd: work,
        env: gitEnv,
      });
      expect(stderr).toContain("sandbox: push rules not checked: the sandbox did not answer");
      expect(stderr).toContain("sandbox: ref notification failed: the sandbox did not answer");
      expect(await git(bare, "rev-parse", "refs/heads/unheard")).toBe(await git(work, "rev-parse", "HEAD"));
    } finally {
      await server.installPushHook();
      await git(work, "push", "-q", "origin", ":refs/heads/unheard");
    }
  });
});

describe("actions", () => {
  const iso = (d: Date) => d.toISOString();

  const addRun = (over: Partial<Omit<RunRecord, "jobs">> = {}): RunRecord =>
    addFinishedRun(
      server.state,
      iso(clock),
      { headBranch: "v1.0.0", headSha: shas[2]!, conclusion: "failure", ...over },
      [
        ["build", "success"],
        ["publish", "failure"],
      ],
    );

  it("lists, filters and gets runs and jobs", async () => {
    const r = addRun();
    addRun({ headBranch: "v1.0.1", headSha: shas[0], conclusion: "success" });
    const list = async (q: Record<string, string>) =>
      (await octokit.rest.actions.listWorkflowRuns({ ...repoArgs, workflow_id: "release.yml", ...q })).data;
    expect((await list({ event: "push", head_sha: shas[2] })).workflow_runs.map((x) => x.id)).toEqual([r.id]);
    expect((await list({ branch: "v1.0.1" })).workflow_runs[0].head_sha).toBe(shas[0]);
    expect((await list({ status: "failure" })).total_count).toBe(1);
    expect((await list({ status: "completed" })).total_count).toBe(2);
    const byId = await octokit.rest.actions.listWorkflowRuns({ ...repoArgs, workflow_id: server.state.workflowId });
    expect(byId.data.total_count).toBe(2);
    expect(await statusOf(octokit.rest.actions.listWorkflowRuns({ ...repoArgs, workflow_id: 12 }))).toBe(404);
    const got = (await octokit.rest.actions.getWorkflowRun({ ...repoArgs, run_id: r.id })).data;
    expect([got.head_branch, got.event, got.conclusion, got.run_attempt, got.head_commit?.message]).toEqual([
      "v1.0.0",
      "push",
      "failure",
      1,
      "feat: third",
    ]);
    const jobs = (await octokit.rest.actions.listJobsForWorkflowRun({ ...repoArgs, run_id: r.id })).data;
    expect(jobs.jobs.map((j) => [j.name, j.conclusion])).toEqual([
      ["build", "success"],
      ["publish", "failure"],
    ]);
    expect(await statusOf(octokit.rest.actions.getWorkflowRun({ ...repoArgs, run_id: 1 }))).toBe(404);
  });

  it("paginates runs past 30", async () => {
    for (let i = 0; i < 33; i++) addRun({ headBranch: `v9.${i}.0`, conclusion: "success" });
    const total = server.state.runs.length;
    const page = await octokit.rest.actions.listWorkflowRuns({ ...repoArgs, workflow_id: "release.yml" });
    expect(page.data.workflow_runs).toHaveLength(30);
    expect(page.data.total_count).toBe(total);
    expect(page.headers.link).toContain('rel="next"');
    const all = await octokit.paginate(octokit.rest.actions.listWorkflowRuns, {
      ...repoArgs,
      workflow_id: "release.yml",
    });
    expect(all).toHaveLength(total);
  });

  it("re-runs failed jobs only when GitHub would", async () => {
    const r = addRun();
    const failedJob = r.jobs[1].id;
    const res = await octokit.rest.actions.reRunWorkflowFailedJobs({ ...repoArgs, run_id: r.id });
    expect([res.status, res.data]).toEqual([201, {}]);
    expect(reruns.at(-1)?.id).toBe(r.id);
    const got = (await octokit.rest.actions.getWorkflowRun({ ...repoArgs, run_id: r.id })).data;
    expect([got.run_attempt, got.status, got.conclusion]).toEqual([2, "queued", null]);
    const latest = (await octokit.rest.actions.listJobsForWorkflowRun({ ...repoArgs, run_id: r.id })).data.jobs;
    expect(latest.map((j) => [j.name, j.status, j.conclusion, j.run_attempt])).toEqual([
      ["build", "completed", "success", 1],
      ["publish", "queued", null, 2],
    ]);
    expect(latest.some((j) => j.id === failedJob)).toBe(false); // a re-run job is a new job
    const all = (await octokit.rest.actions.listJobsForWorkflowRun({ ...repoArgs, run_id: r.id, filter: "all" })).data;
    expect(all.total_count).toBe(3);

    const refusal = async (run_id: number) =>
      errorOf(octokit.rest.actions.reRunWorkflowFailedJobs({ ...repoArgs, run_id }));
    expect((await refusal(r.id)).status).toBe(403); // queued: already running
    const ok = addRun({ conclusion: "success" });
    expect(await refusal(ok.id)).toMatchObject({
      status: 403,
      data: { message: "This workflow run cannot be retried" },
    });
    const old = addRun({ createdAt: iso(new Date(clock.getTime() - 31 * 24 * 3600 * 1000)) });
    expect((await refusal(old.id)).status).toBe(403);
    clock = new Date(clock.getTime() - 2 * 24 * 3600 * 1000); // the same run seen 2 days earlier is re-runnable
    expect(await statusOf(octokit.rest.actions.reRunWorkflowFailedJobs({ ...repoArgs, run_id: old.id }))).toBe(0);
    const tired = addRun({ runAttempt: 50 });
    expect((await refusal(tired.id)).status).toBe(403);
    scenario.missingPermissions = ["actions:write"];
    expect((await refusal(addRun().id)).headers["x-accepted-github-permissions"]).toBe("actions=write");
  });
});

describe("attestations", () => {
  it("lists attestations by digest and predicate, 404 when none", async () => {
    const digest = `sha256:${"ab".repeat(32)}`;
    addProvenance(server.state, repositoryIdOf(OWNER, REPO), digest, {
      verificationMaterial: {},
      dsseEnvelope: { payloadType: "application/vnd.in-toto+json" },
    });
    const res = await octokit.rest.repos.listAttestations({
      ...repoArgs,
      subject_digest: digest,
      predicate_type: "provenance",
    });
    expect(res.data.attestations).toHaveLength(1);
    expect(res.data.attestations?.[0]).toMatchObject({
      repository_id: repositoryIdOf(OWNER, REPO),
      bundle: { mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json" },
    });
    expect(
      await statusOf(
        octokit.rest.repos.listAttestations({ ...repoArgs, subject_digest: digest, predicate_type: "sbom" }),
      ),
    ).toBe(404);
    expect(
      await statusOf(octokit.rest.repos.listAttestations({ ...repoArgs, subject_digest: `sha256:${"cd".repeat(32)}` })),
    ).toBe(404);
  });
});

// ---- The GitHub the kit will meet: each behaviour below is GitHub's documented (or observed)
// answer; the source is cited beside each test.

async function pushRefused(...refspecs: string[]): Promise<string> {
  try {
    await execAsync("git", ["push", "origin", ...refspecs], { cwd: work, env: gitEnv });
  } catch (e) {
    return (e as { stderr: string }).stderr;
  }
  throw new Error(`git push ${refspecs.join(" ")} was accepted`);
}

describe("token permissions: the role, not the token's grants", () => {
  // https://docs.github.com/rest/repos/repos#get-a-repository: `permissions` is the authenticated
  // user's access; a fine-grained token's grants are not listed anywhere, and a write it lacks is
  // refused with 403 and X-Accepted-GitHub-Permissions
  // (https://docs.github.com/rest/authentication/permissions-required-for-fine-grained-personal-access-tokens).
  it("reports the user's role whatever a fine-grained token lacks, and refuses the write itself", async () => {
    scenario.missingPermissions = ["contents:write"];
    const { data, headers } = await octokit.rest.repos.get(repoArgs);
    expect(data.permissions?.push).toBe(true);
    expect(headers["x-oauth-scopes"]).toBeUndefined(); // fine-grained tokens have no scopes
    const e = await errorOf(octokit.rest.repos.createRelease({ ...repoArgs, tag_name: "v8.0.0" }));
    expect([e.status, e.headers["x-accepted-github-permissions"]]).toEqual([403, "contents=write"]);
    scenario.missingPermissions = [];
    scenario.role = "read";
    expect((await octokit.rest.repos.get(repoArgs)).data.permissions).toEqual({
      admin: false,
      maintain: false,
      push: false,
      triage: false,
      pull: true,
    });
  });

  it("names a classic token's scopes in X-OAuth-Scopes on every answer", async () => {
    // https://docs.github.com/apps/oauth-apps/building-oauth-apps/scopes-for-oauth-apps#checking-for-scopes
    expect((await octokit.rest.repos.get(repoArgs)).headers["x-oauth-scopes"]).toBe("repo, workflow");
    expect((await anon.rest.repos.get(repoArgs)).headers["x-oauth-scopes"]).toBeUndefined();
  });
});

describe("server-side push rules", () => {
  it("refuses a direct push to a protected branch with GH006, and shows the protection", async () => {
    // https://docs.github.com/repositories/configuring-branches-and-merges-in-your-repository/managing-protected-branches/about-protected-branches
    await server.installPushHook();
    scenario.branchProtection = { main: { requiredReviews: 1, enforceAdmins: true } };
    await git(work, "commit", "-q", "--allow-empty", "-m", "chore: direct");
    const said = await pushRefused("HEAD:refs/heads/main");
    expect(said).toContain("remote: error: GH006: Protected branch update failed for refs/heads/main.");
    expect(said).toContain("remote: error: Changes must be made through a pull request.");
    expect(said).toMatch(/\[remote rejected\] +HEAD -> main/);
    const branch = await octokit.rest.repos.getBranch({ ...repoArgs, branch: "main" });
    expect(branch.data.protected).toBe(true);
    const protection = await octokit.rest.repos.getBranchProtection({ ...repoArgs, branch: "main" });
    expect(protection.data.required_pull_request_reviews?.required_approving_review_count).toBe(1);
    expect(protection.data.enforce_admins?.enabled).toBe(true);
    // Only admins may read protection; an unprotected branch is a 404 "Branch not protected".
    scenario.role = "write";
    expect((await errorOf(octokit.rest.repos.getBranchProtection({ ...repoArgs, branch: "main" }))).data.message).toBe(
      "Must have admin rights to Repository.",
    );
    scenario.role = "admin";
    scenario.branchProtection = {};
    expect((await errorOf(octokit.rest.repos.getBranchProtection({ ...repoArgs, branch: "main" }))).data.message).toBe(
      "Branch not protected",
    );
    await git(work, "reset", "-q", "--hard", "HEAD~1");
  });

  it("lets an admin through a protection that does not enforce admins", async () => {
    scenario.branchProtection = { main: { requiredReviews: 1 } };
    await git(work, "commit", "-q", "--allow-empty", "-m", "chore: admin push");
    await execAsync("git", ["push", "-q", "origin", "HEAD:refs/heads/main"], { cwd: work, env: gitEnv });
    scenario.role = "maintain";
    await git(work, "commit", "-q", "--allow-empty", "-m", "chore: maintainer push");
    expect(await pushRefused("HEAD:refs/heads/main")).toContain("GH006");
    await git(work, "reset", "-q", "--hard", "HEAD~1");
  });

  it("refuses tag creation under a ruleset with GH013, and serves the rules API", async () => {
    // Observed GH013 text, e.g. opensearch-project/.github#531 and guardian/gha-scala-library-release-workflow#126.
    scenario.rulesets = [
      {
        id: 901,
        name: "release tags",
        target: "tag",
        include: ["refs/tags/v*"],
        rules: ["creation", "update", "deletion"],
      },
      {
        id: 902,
        name: "main",
        target: "branch",
        include: ["~DEFAULT_BRANCH"],
        rules: ["pull_request", "non_fast_forward"],
        bypass: "pull_requests_only",
      },
    ];
    await git(work, "tag", "v6.0.0");
    const said = await pushRefused("refs/tags/v6.0.0");
    expect(said).toContain("remote: error: GH013: Repository rule violations found for refs/tags/v6.0.0.");
    expect(said).toContain(
      `remote: Review all repository rules at ${server.url}/${OWNER}/${REPO}/rules?ref=refs%2Ftags%2Fv6.0.0`,
    );
    expect(said).toContain("remote: - Cannot create ref due to creations being restricted.");
    await git(work, "tag", "other-1");
    await execAsync("git", ["push", "-q", "origin", "refs/tags/other-1"], { cwd: work, env: gitEnv }); // not covered
    // The API refuses the same ref, as GitHub does for a release whose tag a ruleset blocks
    // (googleapis/release-please-action#1194).
    const e = await errorOf(octokit.rest.repos.createRelease({ ...repoArgs, tag_name: "v6.0.0" }));
    expect(e.status).toBe(422);
    expect(e.data.errors).toEqual([
      releaseInvalid(
        "pre_receive Repository rule violations found\n\nCannot create ref due to creations being restricted.\n\n",
        "pre_receive",
      ),
      releaseInvalid("Published releases must have a valid tag"),
    ]);

    // https://docs.github.com/rest/repos/rules#get-rules-for-a-branch
    const rules = await octokit.request("GET /repos/{owner}/{repo}/rules/branches/{branch}", {
      ...repoArgs,
      branch: "main",
    });
    expect(rules.data.map((x: { type: string }) => x.type)).toEqual(["pull_request", "non_fast_forward"]);
    expect(rules.data[0]).toMatchObject({
      ruleset_id: 902,
      ruleset_source_type: "Repository",
      ruleset_source: `${OWNER}/${REPO}`,
    });
    expect(
      (await octokit.request("GET /repos/{owner}/{repo}/rules/branches/{branch}", { ...repoArgs, branch: "feature/x" }))
        .data,
    ).toEqual([]);
    const sets = await octokit.request("GET /repos/{owner}/{repo}/rulesets", { ...repoArgs, targets: "tag" });
    expect(sets.data.map((x: { id: number }) => x.id)).toEqual([901]);
    const one = await octokit.request("GET /repos/{owner}/{repo}/rulesets/{ruleset_id}", {
      ...repoArgs,
      ruleset_id: 902,
    });
    expect(one.data).toMatchObject({
      current_user_can_bypass: "pull_requests_only",
      conditions: { ref_name: { include: ["~DEFAULT_BRANCH"], exclude: [] } },
    });

    // The branch ruleset refuses the direct push; bypass "always" lets it through.
    await git(work, "commit", "-q", "--allow-empty", "-m", "chore: under ruleset");
    expect(await pushRefused("HEAD:refs/heads/main")).toContain("- Changes must be made through a pull request.");
    scenario.rulesets[1]!.bypass = "always";
    await execAsync("git", ["push", "-q", "origin", "HEAD:refs/heads/main"], { cwd: work, env: gitEnv });
  });

  it("refuses a tag name an immutable release burned, by push and by API", async () => {
    // A deleted immutable release's tag name is reserved for good: pushing it fails with GH013
    // "Cannot create ref due to creations being restricted." (observed: ZAAI-com/git-same 3.0.1 notes).
    await server.installPushHook();
    scenario.immutableReleases = true;
    const rel = await octokit.rest.repos.createRelease({ ...repoArgs, tag_name: "v7.0.0" });
    scenario.immutableReleases = false;
    await octokit.rest.repos.deleteRelease({ ...repoArgs, release_id: rel.data.id });
    await git(bare, "update-ref", "-d", "refs/tags/v7.0.0"); // the tag gone, as after a repository re-creation
    await git(work, "tag", "v7.0.0");
    expect(await pushRefused("refs/tags/v7.0.0")).toContain(
      "remote: - Cannot create ref due to creations being restricted.",
    );
    const e = await errorOf(octokit.rest.git.createRef({ ...repoArgs, ref: "refs/tags/v7.0.0", sha: shas[0] }));
    expect([e.status, e.data.message]).toEqual([
      422,
      "Repository rule violations found\n\nCannot create ref due to creations being restricted.\n\n",
    ]);
  });
});

describe("rate limits of conditional requests", () => {
  it("counts an anonymous 304 against the 60 an hour, never an authorized one", async () => {
    // https://docs.github.com/rest/using-the-rest-api/best-practices-for-using-the-rest-api#use-conditional-requests-if-appropriate:
    // "making a conditional request does not count against your primary rate limit if a 304
    // response is returned and the request was made while correctly authorized".
    const first = await anon.rest.repos.get(repoArgs);
    expect(first.headers["x-ratelimit-limit"]).toBe("60");
    const e = await errorOf(anon.rest.repos.get({ ...repoArgs, headers: { "if-none-match": first.headers.etag } }));
    expect(e.status).toBe(304);
    expect(Number(e.headers["x-ratelimit-remaining"])).toBe(Number(first.headers["x-ratelimit-remaining"]) - 1);
    expect(e.headers["x-ratelimit-used"]).toBe(String(Number(first.headers["x-ratelimit-used"]) + 1));
  });
});

describe("releases as GitHub keeps them", () => {
  it("refuses notes over 125,000 characters with GitHub's validation message", async () => {
    // https://docs.github.com/rest/releases/releases#create-a-release (body limit, observed message).
    const e = await errorOf(
      octokit.rest.repos.createRelease({ ...repoArgs, tag_name: "v9.0.0", body: "x".repeat(125_001) }),
    );
    expect(e.status).toBe(422);
    expect(e.data.errors).toEqual([releaseInvalid("body is too long (maximum is 125000 characters)", "body")]);
    expect(await git(bare, "tag", "--list", "v9.0.0")).toBe("");
    const ok = await octokit.rest.repos.createRelease({
      ...repoArgs,
      tag_name: "v9.0.0",
      body: "x".repeat(125_000),
      draft: true,
    });
    const p = await errorOf(
      octokit.rest.repos.updateRelease({ ...repoArgs, release_id: ok.data.id, body: "y".repeat(125_001) }),
    );
    expect(p.status).toBe(422);
    await octokit.rest.repos.deleteRelease({ ...repoArgs, release_id: ok.data.id });
  });

  it("marks Latest as make_latest asks: true, false, or legacy (highest version)", async () => {
    // https://docs.github.com/rest/releases/releases#create-a-release (make_latest) and
    // #get-the-latest-release.
    const latest = async () => (await octokit.rest.repos.getLatestRelease(repoArgs)).data.tag_name;
    await octokit.rest.repos.createRelease({ ...repoArgs, tag_name: "v20.0.0" });
    expect(await latest()).toBe("v20.0.0");
    await octokit.rest.repos.createRelease({ ...repoArgs, tag_name: "v19.4.1", make_latest: "false" });
    expect(await latest()).toBe("v20.0.0");
    await octokit.rest.repos.createRelease({ ...repoArgs, tag_name: "v19.4.2", make_latest: "legacy" });
    expect(await latest()).toBe("v20.0.0"); // legacy: the higher version stays Latest
    await octokit.rest.repos.createRelease({ ...repoArgs, tag_name: "v21.0.0-rc.1", prerelease: true });
    expect(await latest()).toBe("v20.0.0"); // prereleases are never Latest
    await octokit.rest.repos.createRelease({ ...repoArgs, tag_name: "v19.4.3" }); // default "true"
    expect(await latest()).toBe("v19.4.3");
  });

  it("serves annotated tag objects at git/tags/{sha}", async () => {
    // https://docs.github.com/rest/git/tags#get-a-tag
    await git(work, "tag", "-a", "v10.0.0", "-m", "release v10.0.0\n\nnotes", shas[0]);
    const tagSha = await git(work, "rev-parse", "v10.0.0");
    await execAsync("git", ["push", "-q", "origin", "refs/tags/v10.0.0"], { cwd: work, env: gitEnv });
    const { data } = await octokit.rest.git.getTag({ ...repoArgs, tag_sha: tagSha });
    expect(data).toMatchObject({
      sha: tagSha,
      tag: "v10.0.0",
      message: "release v10.0.0\n\nnotes\n",
      object: { sha: shas[0], type: "commit" },
      tagger: { name: "Ada", email: "ada@example.com" },
    });
    expect(await statusOf(octokit.rest.git.getTag({ ...repoArgs, tag_sha: shas[0] }))).toBe(404); // a commit, not a tag
  });
});

describe("cursor pagination for attestations", () => {
  it("pages with after/before cursors in the Link header, as GitHub's cursor-based endpoints do", async () => {
    // https://docs.github.com/rest/using-the-rest-api/using-pagination-in-the-rest-api
    const digest = `sha256:${"5a".repeat(32)}`;
    for (let i = 0; i < 5; i++)
      addProvenance(server.state, repositoryIdOf(OWNER, REPO), digest, { mediaType: `m${i}` });
    const first = await octokit.rest.repos.listAttestations({ ...repoArgs, subject_digest: digest, per_page: 2 });
    expect(first.data.attestations?.map((a) => a.bundle?.mediaType)).toEqual(["m0", "m1"]);
    const next = /<([^>]+)>; rel="next"/.exec(first.headers.link ?? "")?.[1];
    expect(next).toMatch(/[?&]after=/);
    expect(next).not.toMatch(/[?&]page=/);
    const all: string[] = [];
    for await (const page of octokit.paginate.iterator(octokit.rest.repos.listAttestations, {
      ...repoArgs,
      subject_digest: digest,
      per_page: 2,
    })) {
      const data = page.data as { attestations?: { bundle?: { mediaType?: string } }[] };
      all.push(...(data.attestations ?? []).map((a) => String(a.bundle?.mediaType)));
    }
    expect(all).toEqual(["m0", "m1", "m2", "m3", "m4"]);
    const second = await octokit.request(`GET ${new URL(next!).pathname}${new URL(next!).search}`);
    const prev = /<([^>]+)>; rel="prev"/.exec(second.headers.link ?? "")?.[1];
    expect(prev).toMatch(/[?&]before=/);
    const back = await octokit.request(`GET ${new URL(prev!).pathname}${new URL(prev!).search}`);
    expect(back.data.attestations.map((a: any) => a.bundle.mediaType)).toEqual(["m0", "m1"]);
  });
});

describe("what git-cliff's [remote.github] reads", () => {
  it("lists commits from a ref, newest first, with the authors GitHub links, and pull requests", async () => {
    // git-cliff-core/src/remote/github.rs: GET /repos/{o}/{r}/commits?per_page=&page=&sha= and
    // GET /repos/{o}/{r}/pulls?per_page=&page=&state=closed.
    scenario.accounts = { "ada@example.com": "ada-l" };
    const head = await git(work, "rev-parse", "main");
    const page1 = await octokit.rest.repos.listCommits({ ...repoArgs, sha: "main", per_page: 2 });
    expect(page1.data[0]!.sha).toBe(head);
    expect(page1.data[0]!.author?.login).toBe("ada-l");
    expect(page1.headers.link).toMatch(/rel="next"/);
    const all = await octokit.paginate(octokit.rest.repos.listCommits, { ...repoArgs, sha: shas[1], per_page: 1 });
    expect(all.map((c) => c.sha)).toEqual([shas[1], shas[0]]);
    scenario.accounts = {};
    expect((await octokit.rest.repos.listCommits({ ...repoArgs, per_page: 1 })).data[0]!.author).toBeNull();
    expect((await octokit.rest.pulls.list({ ...repoArgs, state: "closed", per_page: 100 })).data).toEqual([]);
  });
});

describe("the primary rate limit", () => {
  it("refuses with 403 and x-ratelimit-remaining 0 once the hour's requests are spent", async () => {
    // https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#exceeding-the-rate-limit
    scenario.anonymousLimit = 3;
    for (let i = 0; i < 3; i++) expect((await anon.rest.repos.get(repoArgs)).status).toBe(200);
    const e = await errorOf(anon.rest.repos.get(repoArgs));
    expect([e.status, e.headers["x-ratelimit-remaining"]]).toEqual([403, "0"]);
    expect(e.data.message).toMatch(/^API rate limit exceeded for 127\.0\.0\.1\./);
    expect((await octokit.rest.repos.get(repoArgs)).status).toBe(200); // a token has its own 5,000
  });
});

describe("the real git-cliff against the sandbox", () => {
  it("fills GitHub usernames from [remote.github] through GITHUB_API_URL", async () => {
    // git-cliff honours GITHUB_API_URL (git-cliff-core/src/remote/github.rs: API_URL_ENV) and reads
    // the commits and pulls lists; commit.remote.username is the author GitHub linked.
    scenario.accounts = { "ada@example.com": "ada-l" };
    const config = path.join(dir, "cliff-remote.toml");
    await writeFile(
      config,
      [
        "[remote.github]",
        `owner = "${OWNER}"`,
        `repo = "${REPO}"`,
        "",
        "[changelog]",
        'body = """{% for commit in commits %}- {{ commit.message | split(pat="\\n") | first }} by @{{ commit.remote.username }}\n{% endfor %}"""',
        "",
        "[git]",
        "conventional_commits = false",
        "filter_unconventional = false",
        "",
      ].join("\n"),
    );
    const { stdout, stderr } = await execAsync(path.resolve("node_modules/.bin/git-cliff"), ["--config", config], {
      cwd: work,
      env: { ...gitEnv, GITHUB_API_URL: server.url, GITHUB_TOKEN: TOKEN },
    });
    expect(stderr).not.toMatch(/could not get github metadata/i);
    expect(stdout).toContain("- feat: first by @ada-l");
    expect(server.requests.get("GET /repos/{owner}/{repo}/commits 200")).toBeGreaterThan(0);
    expect(server.requests.get("GET /repos/{owner}/{repo}/pulls 200")).toBeGreaterThan(0);
  });
});
