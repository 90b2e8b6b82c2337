// Holds the sandbox honest: every answer of every route the sandbox serves, success and error, is
// validated against GitHub's own OpenAPI description (@octokit/openapi) with ajv.
import { readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import type { ValidateFunction } from "ajv";
import { Ajv } from "ajv";
import addFormatsModule from "ajv-formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApiServer } from "../scripts/sandbox/api/server.ts";
import { startApiServer } from "../scripts/sandbox/api/server.ts";
import type { RunRecord } from "../scripts/sandbox/api/state.ts";
import { repositoryIdOf } from "../scripts/sandbox/api/state.ts";
import { defaultScenario } from "../scripts/sandbox/scenario.ts";
import { addFinishedRun, addProvenance, apiRepo, git } from "./helpers/api-repo.ts";

// ajv-formats is CommonJS: under NodeNext its default import is the module object.
const addFormats = addFormatsModule.default;
const TOKEN = "openapi-token";
const OWNER = "acme";
const REPO = "gateway";
const R = `/repos/${OWNER}/${REPO}`;
const T = "/repos/{owner}/{repo}";

type Json = Record<string, unknown>;
const isObj = (x: unknown): x is Json => typeof x === "object" && x !== null && !Array.isArray(x);

// ---- OpenAPI 3.0 → JSON Schema for ajv ----

const SKIP = new Set([
  "nullable",
  "example",
  "examples",
  "discriminator",
  "readOnly",
  "writeOnly",
  "deprecated",
  "externalDocs",
  "xml",
]);

/** Converts one OpenAPI schema: `nullable` becomes a null type, and `#/components` refs point into the "gh" document. */
function convert(s: unknown): unknown {
  if (!isObj(s)) return s;
  const out: Json = {};
  for (const [k, v] of Object.entries(s)) {
    if (SKIP.has(k) || k.startsWith("x-")) continue;
    if (k === "$ref" && typeof v === "string") out.$ref = v.startsWith("#/") ? `gh${v}` : v;
    else if ((k === "properties" || k === "patternProperties") && isObj(v))
      out[k] = Object.fromEntries(Object.entries(v).map(([p, x]) => [p, convert(x)]));
    else if (k === "items" || k === "additionalProperties" || k === "not") out[k] = convert(v);
    else if ((k === "allOf" || k === "anyOf" || k === "oneOf") && Array.isArray(v)) out[k] = v.map(convert);
    else out[k] = v;
  }
  if (s.nullable !== true) return out;
  if (typeof out.type === "string") {
    out.type = [out.type, "null"];
    if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
    return out;
  }
  return { anyOf: [out, { type: "null" }] };
}

interface Spec {
  paths: Record<string, Record<string, { responses: Record<string, Json> }>>;
  components: { schemas: Record<string, unknown>; responses: Record<string, Json> };
}

let spec: Spec;
let ajv: Ajv;
const compiled = new Map<string, ValidateFunction | null>();

function formatsIn(x: unknown, into: Set<string>): Set<string> {
  if (Array.isArray(x)) x.forEach((y) => formatsIn(y, into));
  else if (isObj(x)) {
    if (typeof x.format === "string") into.add(x.format);
    Object.values(x).forEach((y) => formatsIn(y, into));
  }
  return into;
}

/** The operation's schema for a status; undocumented errors fall back to basic-error; null = no body. */
function validatorFor(template: string, method: string, status: number): ValidateFunction | null {
  const key = `${method} ${template} ${status}`;
  if (compiled.has(key)) return compiled.get(key) ?? null;
  const op = spec.paths[template]?.[method.toLowerCase()];
  if (!op) throw new Error(`${method} ${template} is not in the OpenAPI description`);
  // Any GET may be answered 304 (no body), though few operations document it.
  if (status === 304) {
    compiled.set(key, null);
    return null;
  }
  let response = op.responses[String(status)];
  if (response && typeof response.$ref === "string")
    response = spec.components.responses[response.$ref.split("/").pop() ?? ""];
  const content = isObj(response?.content) ? response.content["application/json"] : undefined;
  let schema: unknown = isObj(content) ? content.schema : undefined;
  if (schema === undefined && status >= 400) schema = { $ref: "#/components/schemas/basic-error" };
  if (schema === undefined && !response) throw new Error(`${key}: status not documented`);
  const fn = schema === undefined ? null : ajv.compile(convert(schema) as object);
  compiled.set(key, fn);
  return fn;
}

// ---- calling the sandbox ----

interface Answer {
  status: number;
  body: unknown;
  text: string;
}

let dir: string;
let server: ApiServer;
let emptyServer: ApiServer;
const scenario = defaultScenario();
let shas: string[];
let validated = 0;
const routesSeen = new Set<string>();

async function call(
  method: string,
  url: string,
  opts: { body?: unknown; token?: string | null; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const token = opts.token === undefined ? TOKEN : opts.token;
  const res = await fetch(url, {
    method,
    headers: {
      accept: "application/vnd.github+json",
      ...(token ? { authorization: `token ${token}` } : {}),
      ...opts.headers,
    },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  return { status: res.status, text, body: text ? JSON.parse(text) : undefined };
}

/** Calls a route and validates the answer against the spec; returns the body. */
async function expectAnswer(
  template: string,
  method: string,
  urlPath: string,
  status: number,
  opts: Parameters<typeof call>[2] = {},
  base = server.url,
): Promise<any> {
  const a = await call(method, `${base}${urlPath}`, opts);
  expect(a.status, `${method} ${urlPath}: ${a.text.slice(0, 300)}`).toBe(status);
  const v = validatorFor(template, method, status);
  if (v === null) {
    expect(a.text).toBe("");
  } else {
    const ok = v(a.body);
    expect(ok, `${method} ${urlPath} ${status}: ${ajv.errorsText(v.errors)}`).toBe(true);
    validated += 1;
  }
  routesSeen.add(`${method} ${template}`);
  return a.body;
}

const enc = encodeURIComponent;

beforeAll(async () => {
  const raw = await readFile(
    createRequire(import.meta.url).resolve("@octokit/openapi/generated/api.github.com.json"),
    "utf8",
  );
  spec = JSON.parse(raw) as Spec;
  ajv = new Ajv({ strict: false, allErrors: true, logger: false });
  addFormats(ajv);
  for (const f of formatsIn(spec.components.schemas, new Set())) if (!ajv.formats[f]) ajv.addFormat(f, true);
  ajv.addSchema({
    $id: "gh",
    components: {
      schemas: Object.fromEntries(Object.entries(spec.components.schemas).map(([k, v]) => [k, convert(v)])),
    },
  });

  const { bare, work, ...made } = await apiRepo("sandbox-openapi-", ["feat: one", "fix: two"]);
  ({ dir, shas } = made);
  await git(dir, "init", "-q", "--bare", "-b", "main", path.join(dir, "empty.git"));
  await git(work, "tag", "-a", "v0.1.0", "-m", "annotated", shas[0]);
  await git(work, "push", "-q", "origin", "main", "v0.1.0");
  const t0 = performance.now();
  server = await startApiServer({
    owner: OWNER,
    repo: REPO,
    remotePath: bare,
    defaultBranch: "main",
    token: TOKEN,
    scenario,
  });
  console.log(`sandbox api: started in ${(performance.now() - t0).toFixed(1)} ms`);
  emptyServer = await startApiServer({
    owner: OWNER,
    repo: REPO,
    remotePath: path.join(dir, "empty.git"),
    defaultBranch: "main",
    token: TOKEN,
    scenario: defaultScenario(),
  });
});

afterAll(async () => {
  const t0 = performance.now();
  await server?.stop();
  await emptyServer?.stop();
  console.log(`sandbox api: two servers stopped in ${(performance.now() - t0).toFixed(1)} ms`);
  if (validated > 0) console.log(`openapi: ${validated} responses validated across ${routesSeen.size} routes`);
  if (dir) await rm(dir, { recursive: true, force: true });
});

function addRun(conclusion: "success" | "failure"): RunRecord {
  return addFinishedRun(
    server.state,
    new Date().toISOString(),
    { headBranch: "v0.1.0", headSha: shas[0]!, conclusion },
    [
      ["build", "success"],
      ["publish", conclusion],
    ],
    (c) => [
      { name: "Set up job", status: "completed", conclusion: "success", number: 1 },
      { name: "Build", status: "completed", conclusion: c, number: 2 },
    ],
  );
}

describe("every route's answers match GitHub's OpenAPI description", () => {
  it("repository, refs, commits, compare", async () => {
    await expectAnswer(T, "GET", R, 200);
    await expectAnswer(T, "GET", R, 200, { token: null });
    await expectAnswer(T, "GET", `/repos/${OWNER}/other`, 404);

    await expectAnswer(`${T}/git/ref/{ref}`, "GET", `${R}/git/ref/${enc("tags/v0.1.0")}`, 200);
    await expectAnswer(`${T}/git/ref/{ref}`, "GET", `${R}/git/ref/${enc("heads/main")}`, 200);
    await expectAnswer(`${T}/git/ref/{ref}`, "GET", `${R}/git/ref/${enc("tags/nope")}`, 404);
    await expectAnswer(`${T}/git/ref/{ref}`, "GET", `${R}/git/ref/${enc("heads/main")}`, 409, {}, emptyServer.url);
    await expectAnswer(`${T}/git/matching-refs/{ref}`, "GET", `${R}/git/matching-refs/${enc("tags/v")}`, 200);
    await expectAnswer(`${T}/git/matching-refs/{ref}`, "GET", `${R}/git/matching-refs/tags`, 409, {}, emptyServer.url);
    await expectAnswer(`${T}/git/refs`, "POST", `${R}/git/refs`, 201, { body: { ref: "refs/tags/t1", sha: shas[1] } });
    await expectAnswer(`${T}/git/refs`, "POST", `${R}/git/refs`, 422, { body: { ref: "refs/tags/t1", sha: shas[1] } });
    await expectAnswer(`${T}/git/refs`, "POST", `${R}/git/refs`, 422, { body: { ref: "refs/tags/t2" } });
    await expectAnswer(`${T}/git/refs/{ref}`, "DELETE", `${R}/git/refs/${enc("tags/t1")}`, 204);
    await expectAnswer(`${T}/git/refs/{ref}`, "DELETE", `${R}/git/refs/${enc("tags/t1")}`, 422);

    for (const ref of [shas[1], "main", "v0.1.0"])
      await expectAnswer(`${T}/commits/{ref}`, "GET", `${R}/commits/${enc(ref)}`, 200);
    await expectAnswer(`${T}/commits/{ref}`, "GET", `${R}/commits/nope`, 422);
    for (const bh of [`${shas[0]}...main`, "main...v0.1.0", "main...main"]) {
      await expectAnswer(`${T}/compare/{basehead}`, "GET", `${R}/compare/${enc(bh)}`, 200);
    }
    await expectAnswer(`${T}/compare/{basehead}`, "GET", `${R}/compare/${enc("main...nope")}`, 404);
  });

  it("check runs and combined status, in every CI state", async () => {
    for (const kind of ["checks", "statuses", "both"] as const) {
      for (const verdict of ["success", "failure", "pending", "none"] as const) {
        scenario.ciKind = kind;
        scenario.ci[shas[1]] = verdict;
        await expectAnswer(`${T}/commits/{ref}/check-runs`, "GET", `${R}/commits/main/check-runs`, 200);
        await expectAnswer(`${T}/commits/{ref}/status`, "GET", `${R}/commits/main/status`, 200);
      }
    }
    await expectAnswer(`${T}/commits/{ref}/check-runs`, "GET", `${R}/commits/nope/check-runs`, 422);
    await expectAnswer(`${T}/commits/{ref}/status`, "GET", `${R}/commits/nope/status`, 404);
    scenario.missingPermissions = ["checks:read"];
    await expectAnswer(`${T}/commits/{ref}/check-runs`, "GET", `${R}/commits/main/check-runs`, 403);
    scenario.missingPermissions = [];
  });

  it("releases", async () => {
    const published = await expectAnswer(`${T}/releases`, "POST", `${R}/releases`, 201, {
      body: { tag_name: "v1.0.0", name: "v1.0.0", body: "notes" },
    });
    const draft = await expectAnswer(`${T}/releases`, "POST", `${R}/releases`, 201, {
      body: { tag_name: "v2.0.0", draft: true },
    });
    await expectAnswer(`${T}/releases`, "POST", `${R}/releases`, 422, { body: { tag_name: "v1.0.0" } });
    await expectAnswer(`${T}/releases`, "POST", `${R}/releases`, 422, { body: {} });
    await expectAnswer(`${T}/releases`, "POST", `${R}/releases`, 401, { body: { tag_name: "v9" }, token: null });
    await expectAnswer(`${T}/releases`, "GET", `${R}/releases`, 200);
    await expectAnswer(`${T}/releases`, "GET", `/repos/${OWNER}/other/releases`, 404);
    await expectAnswer(`${T}/releases/tags/{tag}`, "GET", `${R}/releases/tags/v1.0.0`, 200);
    await expectAnswer(`${T}/releases/tags/{tag}`, "GET", `${R}/releases/tags/v2.0.0`, 404);
    await expectAnswer(`${T}/releases/{release_id}`, "GET", `${R}/releases/${draft.id}`, 200);
    await expectAnswer(`${T}/releases/{release_id}`, "GET", `${R}/releases/1`, 404);
    await expectAnswer(`${T}/releases/{release_id}`, "GET", `${R}/releases/${published.id}`, 401, { token: "wrong" });
    await expectAnswer(`${T}/releases/{release_id}`, "PATCH", `${R}/releases/${draft.id}`, 200, {
      body: { draft: false, body: "now" },
    });
    await expectAnswer(`${T}/releases/{release_id}`, "PATCH", `${R}/releases/1`, 404, { body: { name: "x" } });
    await expectAnswer(`${T}/releases/{release_id}`, "PATCH", `${R}/releases/${published.id}`, 422, {
      body: { draft: 3 },
    });

    scenario.immutableReleases = true;
    const locked = await expectAnswer(`${T}/releases`, "POST", `${R}/releases`, 201, { body: { tag_name: "v3.0.0" } });
    scenario.immutableReleases = false;
    expect(locked.immutable).toBe(true);
    await expectAnswer(`${T}/releases/{release_id}`, "PATCH", `${R}/releases/${locked.id}`, 422, {
      body: { tag_name: "v3.0.1" },
    });
    await expectAnswer(`${T}/git/refs/{ref}`, "DELETE", `${R}/git/refs/${enc("tags/v3.0.0")}`, 422);
    await expectAnswer(`${T}/releases/{release_id}`, "DELETE", `${R}/releases/${locked.id}`, 204);
    await expectAnswer(`${T}/releases/{release_id}`, "DELETE", `${R}/releases/${locked.id}`, 404);
    await expectAnswer(`${T}/releases`, "POST", `${R}/releases`, 422, { body: { tag_name: "v3.0.0" } });

    // A 304 carries no body.
    const first = await fetch(`${server.url}${R}/releases/tags/v1.0.0`);
    await first.text();
    const etag = first.headers.get("etag") ?? "";
    await expectAnswer(`${T}/releases/tags/{tag}`, "GET", `${R}/releases/tags/v1.0.0`, 304, {
      token: null,
      headers: { "if-none-match": etag },
    });
  });

  it("workflow runs, jobs and re-runs", async () => {
    const failed = addRun("failure");
    const ok = addRun("success");
    for (const wf of ["release.yml", String(server.state.workflowId)]) {
      await expectAnswer(
        `${T}/actions/workflows/{workflow_id}/runs`,
        "GET",
        `${R}/actions/workflows/${wf}/runs?event=push&head_sha=${shas[0]}`,
        200,
      );
    }
    await expectAnswer(`${T}/actions/workflows/{workflow_id}/runs`, "GET", `${R}/actions/workflows/12/runs`, 404);
    await expectAnswer(`${T}/actions/runs/{run_id}`, "GET", `${R}/actions/runs/${failed.id}`, 200);
    await expectAnswer(`${T}/actions/runs/{run_id}`, "GET", `${R}/actions/runs/1`, 404);
    await expectAnswer(`${T}/actions/runs/{run_id}/jobs`, "GET", `${R}/actions/runs/${failed.id}/jobs`, 200);
    await expectAnswer(`${T}/actions/runs/{run_id}/jobs`, "GET", `${R}/actions/runs/1/jobs`, 404);
    await expectAnswer(
      `${T}/actions/runs/{run_id}/rerun-failed-jobs`,
      "POST",
      `${R}/actions/runs/${failed.id}/rerun-failed-jobs`,
      201,
    );
    // After the re-run: attempt 2, queued, a superseded job under filter=all.
    await expectAnswer(`${T}/actions/runs/{run_id}`, "GET", `${R}/actions/runs/${failed.id}`, 200);
    await expectAnswer(`${T}/actions/runs/{run_id}/jobs`, "GET", `${R}/actions/runs/${failed.id}/jobs?filter=all`, 200);
    await expectAnswer(
      `${T}/actions/runs/{run_id}/rerun-failed-jobs`,
      "POST",
      `${R}/actions/runs/${ok.id}/rerun-failed-jobs`,
      403,
    );
    await expectAnswer(
      `${T}/actions/runs/{run_id}/rerun-failed-jobs`,
      "POST",
      `${R}/actions/runs/1/rerun-failed-jobs`,
      404,
    );
    // A whole re-run is allowed for a successful run (it is how missing images are published again).
    await expectAnswer(`${T}/actions/runs/{run_id}/rerun`, "POST", `${R}/actions/runs/${ok.id}/rerun`, 201);
    await expectAnswer(`${T}/actions/runs/{run_id}/rerun`, "POST", `${R}/actions/runs/${ok.id}/rerun`, 403);
    scenario.missingPermissions = ["actions:read"];
    await expectAnswer(`${T}/actions/runs/{run_id}`, "GET", `${R}/actions/runs/${failed.id}`, 403);
    scenario.missingPermissions = [];
  });

  it("attestations and rate limit, and faults' error bodies", async () => {
    const digest = `sha256:${"ef".repeat(32)}`;
    addProvenance(server.state, repositoryIdOf(OWNER, REPO), digest, {
      verificationMaterial: { publicKey: { hint: "x" } },
      dsseEnvelope: { payload: "e30=", payloadType: "application/vnd.in-toto+json", signatures: [] },
    });
    await expectAnswer(
      `${T}/attestations/{subject_digest}`,
      "GET",
      `${R}/attestations/${enc(digest)}?predicate_type=provenance`,
      200,
    );
    await expectAnswer(
      `${T}/attestations/{subject_digest}`,
      "GET",
      `${R}/attestations/${enc(digest)}?per_page=1&after=${Buffer.from("cursor:0").toString("base64url")}`,
      200,
    );
    await expectAnswer(
      `${T}/attestations/{subject_digest}`,
      "GET",
      `${R}/attestations/${enc(`sha256:${"00".repeat(32)}`)}`,
      404,
    );
    await expectAnswer("/rate_limit", "GET", "/rate_limit", 200);
    await expectAnswer("/rate_limit", "GET", "/rate_limit", 200, { token: null });
    await expectAnswer("/rate_limit", "GET", "/rate_limit", 401, { token: "wrong" });

    scenario.faults = [
      { route: `${T}/releases`, kind: "status", status: 429, times: 1 },
      { route: `${T}/releases`, kind: "status", status: 403, headers: { "retry-after": "1" }, times: 1 },
      { route: `${T}/releases`, kind: "status", status: 502, times: 1 },
    ];
    for (const status of [429, 403, 502]) await expectAnswer(`${T}/releases`, "GET", `${R}/releases`, status);
    scenario.faults = [];
  });

  it("rules, rulesets, branches and branch protection", async () => {
    scenario.rulesets = [
      { id: 11, name: "tags", target: "tag", include: ["refs/tags/v*"], rules: ["creation", "update", "deletion"] },
      {
        id: 12,
        name: "main",
        target: "branch",
        include: ["~DEFAULT_BRANCH"],
        rules: ["pull_request", "update", "non_fast_forward", "required_signatures", "creation", "deletion"],
        bypass: "always",
      },
    ];
    scenario.branchProtection = { main: { requiredReviews: 2, requiredChecks: ["build"], enforceAdmins: true } };
    await expectAnswer(`${T}/rules/branches/{branch}`, "GET", `${R}/rules/branches/main`, 200);
    await expectAnswer(`${T}/rules/branches/{branch}`, "GET", `${R}/rules/branches/${enc("feature/x")}`, 200);
    await expectAnswer(`${T}/rulesets`, "GET", `${R}/rulesets`, 200);
    await expectAnswer(`${T}/rulesets`, "GET", `${R}/rulesets?targets=tag`, 200);
    for (const id of [11, 12]) await expectAnswer(`${T}/rulesets/{ruleset_id}`, "GET", `${R}/rulesets/${id}`, 200);
    await expectAnswer(`${T}/rulesets/{ruleset_id}`, "GET", `${R}/rulesets/99`, 404);
    await expectAnswer(`${T}/branches/{branch}`, "GET", `${R}/branches/main`, 200);
    await expectAnswer(`${T}/branches/{branch}`, "GET", `${R}/branches/nope`, 404);
    await expectAnswer(`${T}/branches/{branch}/protection`, "GET", `${R}/branches/main/protection`, 200);
    scenario.branchProtection = {};
    await expectAnswer(`${T}/branches/{branch}`, "GET", `${R}/branches/main`, 200);
    await expectAnswer(`${T}/branches/{branch}/protection`, "GET", `${R}/branches/main/protection`, 404);
    scenario.rulesets = [];
  });

  it("latest release, annotated tags, commit and pull request lists", async () => {
    await expectAnswer(`${T}/releases/latest`, "GET", `${R}/releases/latest`, 404, {}, emptyServer.url);
    await expectAnswer(`${T}/releases`, "POST", `${R}/releases`, 201, {
      body: { tag_name: "v4.0.0", make_latest: "legacy" },
    });
    await expectAnswer(`${T}/releases/latest`, "GET", `${R}/releases/latest`, 200);
    await expectAnswer(`${T}/releases`, "POST", `${R}/releases`, 422, {
      body: { tag_name: "v4.1.0", body: "x".repeat(125_001) },
    });
    const tagSha = await git(path.join(dir, "work"), "rev-parse", "v0.1.0");
    await expectAnswer(`${T}/git/tags/{tag_sha}`, "GET", `${R}/git/tags/${tagSha}`, 200);
    await expectAnswer(`${T}/git/tags/{tag_sha}`, "GET", `${R}/git/tags/${shas[0]}`, 404);
    await expectAnswer(`${T}/git/tags/{tag_sha}`, "GET", `${R}/git/tags/${tagSha}`, 409, {}, emptyServer.url);
    scenario.accounts = { "ada@example.com": "ada" };
    await expectAnswer(`${T}/commits`, "GET", `${R}/commits?per_page=1&page=2&sha=main`, 200);
    scenario.accounts = {};
    await expectAnswer(`${T}/commits`, "GET", `${R}/commits`, 200);
    await expectAnswer(`${T}/commits`, "GET", `${R}/commits?sha=nope`, 404);
    await expectAnswer(`${T}/commits`, "GET", `${R}/commits`, 409, {}, emptyServer.url);
    await expectAnswer(`${T}/pulls`, "GET", `${R}/pulls?state=closed&per_page=100&page=1`, 200);
    await expectAnswer(`${T}/pulls`, "GET", `${R}/pulls?state=merged`, 422);
  });

  it("answers a wrong token with 401 on every route", async () => {
    const wrong = { token: "wrong" };
    const cases: [string, string, string][] = [
      [T, "GET", R],
      [`${T}/git/ref/{ref}`, "GET", `${R}/git/ref/heads%2Fmain`],
      [`${T}/git/refs`, "POST", `${R}/git/refs`],
      [`${T}/git/refs/{ref}`, "DELETE", `${R}/git/refs/tags%2Fv0.1.0`],
      [`${T}/commits/{ref}`, "GET", `${R}/commits/main`],
      [`${T}/compare/{basehead}`, "GET", `${R}/compare/main...main`],
      [`${T}/releases/tags/{tag}`, "GET", `${R}/releases/tags/v1.0.0`],
      [`${T}/actions/runs/{run_id}/jobs`, "GET", `${R}/actions/runs/1/jobs`],
      [`${T}/attestations/{subject_digest}`, "GET", `${R}/attestations/sha256%3A00`],
    ];
    for (const [template, method, url] of cases) await expectAnswer(template, method, url, 401, wrong);
  });

  it("routes covered", () => {
    // Every route the sandbox serves for GitHub (31 method + template pairs) was exercised above.
    expect(routesSeen.size).toBe(31);
  });
});

describe("the validator is not a rubber stamp", () => {
  it("rejects a release without tag_name and a run with a string id", async () => {
    const release = (await call("GET", `${server.url}${R}/releases/tags/v1.0.0`)).body as Json;
    const v = validatorFor(`${T}/releases/tags/{tag}`, "GET", 200);
    expect(v?.(release)).toBe(true);
    const { tag_name: _dropped, ...withoutTag } = release;
    expect(v?.(withoutTag)).toBe(false);
    expect(ajv.errorsText(v?.errors)).toContain("tag_name");
    // Nested $refs are followed (release.author is a simple-user) and formats are checked.
    expect(v?.({ ...release, author: { ...(release.author as Json), login: 7 } })).toBe(false);
    expect(v?.({ ...release, created_at: "yesterday" })).toBe(false);

    const run = (await call("GET", `${server.url}${R}/actions/runs/${server.state.runs[0].id}`)).body as Json;
    const vr = validatorFor(`${T}/actions/runs/{run_id}`, "GET", 200);
    expect(vr?.(run)).toBe(true);
    expect(vr?.({ ...run, id: String(run.id) })).toBe(false);
    expect(vr?.({ ...run, head_branch: null, conclusion: null })).toBe(true); // nullable honoured
    expect(vr?.({ ...run, head_sha: null })).toBe(false); // and only where declared
  });
});
