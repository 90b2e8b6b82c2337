// Turns the sandbox's records and git data into GitHub's JSON. Each builder returns the type
// @octokit/openapi-types declares for that schema, so the compiler holds every required field.
import { createHash } from "node:crypto";
import type { components, operations } from "@octokit/openapi-types";
import type { ProtectionSpec, RulesetSpec } from "../scenario.ts";
import type { CommitInfo, Comparison, RefInfo, TagObject } from "./git.ts";
import type { AttestationRecord, JobRecord, ReleaseRecord, RunRecord, RunStatus } from "./state.ts";

type Schemas = components["schemas"];
type Json<Op extends keyof operations> = operations[Op]["responses"] extends {
  200: { content: { "application/json": infer T } };
}
  ? T
  : never;
export type CheckRunList = Json<"checks/list-for-ref">;
export type WorkflowRunList = Json<"actions/list-workflow-runs">;
export type JobList = Json<"actions/list-jobs-for-workflow-run">;
export type AttestationList = Json<"repos/list-attestations">;
type Attestation = NonNullable<AttestationList["attestations"]>[number];

export interface RenderContext {
  apiUrl: string;
  /** Where GitHub's web pages would be; the sandbox serves none of them. */
  htmlUrl: string;
  owner: string;
  repo: string;
  repoId: number;
  defaultBranch: string;
  workflowId: number;
  /** When the repository was created (fixed at server start). */
  createdAt: string;
  /** The GitHub account a commit author's e-mail belongs to, or null (GitHub matches verified e-mails). */
  accountOf?: (email: string) => { login: string; id: number } | null;
}

export const ACTIONS_APP_ID = 15368;
const DOCS = "https://docs.github.com/rest";

/** GitHub's timestamps: UTC, whole seconds. */
export function isoSeconds(d: Date | string): string {
  return new Date(d).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function nodeId(kind: string, id: number | string): string {
  return Buffer.from(`${kind}:${id}`).toString("base64").replace(/=+$/, "");
}

function repoApi(c: RenderContext): string {
  return `${c.apiUrl}/repos/${c.owner}/${c.repo}`;
}

function repoHtml(c: RenderContext): string {
  return `${c.htmlUrl}/${c.owner}/${c.repo}`;
}

export function user(c: RenderContext, login: string, id: number, type = "User"): Schemas["simple-user"] {
  const api = `${c.apiUrl}/users/${login}`;
  return {
    login,
    id,
    node_id: nodeId("User", id),
    type,
    site_admin: false,
    gravatar_id: "",
    avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
    url: api,
    html_url: `${c.htmlUrl}/${login}`,
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
  };
}

function ownerUser(c: RenderContext): Schemas["simple-user"] {
  return user(c, c.owner, 9_000_000 + (c.repoId % 1000), "Organization");
}

export function minimalRepository(c: RenderContext): Schemas["minimal-repository"] {
  return repoCore(c);
}

// The fields minimal and full repositories share; left untyped so both can spread it.
function repoCore(c: RenderContext) {
  const api = repoApi(c);
  return {
    id: c.repoId,
    node_id: nodeId("Repository", c.repoId),
    name: c.repo,
    full_name: `${c.owner}/${c.repo}`,
    owner: ownerUser(c),
    private: false,
    html_url: repoHtml(c),
    description: null,
    fork: false,
    url: api,
    archive_url: `${api}/{archive_format}{/ref}`,
    assignees_url: `${api}/assignees{/user}`,
    blobs_url: `${api}/git/blobs{/sha}`,
    branches_url: `${api}/branches{/branch}`,
    collaborators_url: `${api}/collaborators{/collaborator}`,
    comments_url: `${api}/comments{/number}`,
    commits_url: `${api}/commits{/sha}`,
    compare_url: `${api}/compare/{base}...{head}`,
    contents_url: `${api}/contents/{+path}`,
    contributors_url: `${api}/contributors`,
    deployments_url: `${api}/deployments`,
    downloads_url: `${api}/downloads`,
    events_url: `${api}/events`,
    forks_url: `${api}/forks`,
    git_commits_url: `${api}/git/commits{/sha}`,
    git_refs_url: `${api}/git/refs{/sha}`,
    git_tags_url: `${api}/git/tags{/sha}`,
    hooks_url: `${api}/hooks`,
    issue_comment_url: `${api}/issues/comments{/number}`,
    issue_events_url: `${api}/issues/events{/number}`,
    issues_url: `${api}/issues{/number}`,
    keys_url: `${api}/keys{/key_id}`,
    labels_url: `${api}/labels{/name}`,
    languages_url: `${api}/languages`,
    merges_url: `${api}/merges`,
    milestones_url: `${api}/milestones{/number}`,
    notifications_url: `${api}/notifications{?since,all,participating}`,
    pulls_url: `${api}/pulls{/number}`,
    releases_url: `${api}/releases{/id}`,
    stargazers_url: `${api}/stargazers`,
    statuses_url: `${api}/statuses/{sha}`,
    subscribers_url: `${api}/subscribers`,
    subscription_url: `${api}/subscription`,
    tags_url: `${api}/tags`,
    teams_url: `${api}/teams`,
    trees_url: `${api}/git/trees{/sha}`,
  };
}

export interface RepoPermissions {
  admin: boolean;
  maintain: boolean;
  push: boolean;
  triage: boolean;
  pull: boolean;
}

/** `permissions` is left out for anonymous callers, as GitHub does. */
export function fullRepository(
  c: RenderContext,
  permissions: RepoPermissions | undefined,
  pushedAt: string,
): Schemas["full-repository"] {
  const html = repoHtml(c);
  const host = new URL(c.htmlUrl).host;
  const repo: Schemas["full-repository"] = {
    ...repoCore(c),
    git_url: `git://${host}/${c.owner}/${c.repo}.git`,
    ssh_url: `git@${host}:${c.owner}/${c.repo}.git`,
    clone_url: `${html}.git`,
    svn_url: html,
    mirror_url: null,
    homepage: null,
    language: "Rust",
    forks_count: 0,
    forks: 0,
    stargazers_count: 0,
    watchers_count: 0,
    watchers: 0,
    size: 0,
    default_branch: c.defaultBranch,
    open_issues_count: 0,
    open_issues: 0,
    has_issues: true,
    has_projects: false,
    has_wiki: false,
    has_pages: false,
    has_discussions: false,
    archived: false,
    disabled: false,
    visibility: "public",
    pushed_at: pushedAt,
    created_at: c.createdAt,
    updated_at: pushedAt,
    subscribers_count: 0,
    network_count: 0,
    license: null,
    topics: [],
  };
  if (permissions) repo.permissions = permissions;
  return repo;
}

export function release(c: RenderContext, r: ReleaseRecord, author: Schemas["simple-user"]): Schemas["release"] {
  const api = `${repoApi(c)}/releases/${r.id}`;
  // A draft has no tag yet, so GitHub names its page after a placeholder.
  const page = r.draft
    ? `untagged-${createHash("sha1").update(String(r.id)).digest("hex").slice(0, 20)}`
    : encodeURIComponent(r.tagName);
  return {
    url: api,
    html_url: `${repoHtml(c)}/releases/tag/${page}`,
    assets_url: `${api}/assets`,
    upload_url: `${c.apiUrl}/repos/${c.owner}/${c.repo}/releases/${r.id}/assets{?name,label}`,
    tarball_url: r.draft ? null : `${repoApi(c)}/tarball/${encodeURIComponent(r.tagName)}`,
    zipball_url: r.draft ? null : `${repoApi(c)}/zipball/${encodeURIComponent(r.tagName)}`,
    id: r.id,
    node_id: nodeId("Release", r.id),
    tag_name: r.tagName,
    target_commitish: r.targetCommitish,
    name: r.name,
    body: r.body,
    draft: r.draft,
    prerelease: r.prerelease,
    immutable: r.immutable,
    created_at: r.createdAt,
    published_at: r.publishedAt,
    updated_at: r.publishedAt ?? r.createdAt,
    author,
    assets: [],
  };
}

export function gitRef(c: RenderContext, ref: RefInfo): Schemas["git-ref"] {
  const kind = ref.type === "tag" ? "tags" : ref.type === "commit" ? "commits" : `${ref.type}s`;
  return {
    ref: ref.ref,
    node_id: nodeId("Ref", ref.ref),
    url: `${repoApi(c)}/git/${ref.ref}`,
    object: { type: ref.type, sha: ref.sha, url: `${repoApi(c)}/git/${kind}/${ref.sha}` },
  };
}

export function commit(c: RenderContext, g: CommitInfo): Schemas["commit"] {
  const api = repoApi(c);
  const account = (email: string) => {
    const a = c.accountOf?.(email);
    return a ? user(c, a.login, a.id) : null;
  };
  return {
    url: `${api}/commits/${g.sha}`,
    sha: g.sha,
    node_id: nodeId("Commit", g.sha),
    html_url: `${repoHtml(c)}/commit/${g.sha}`,
    comments_url: `${api}/commits/${g.sha}/comments`,
    commit: {
      url: `${api}/git/commits/${g.sha}`,
      author: { name: g.authorName, email: g.authorEmail, date: isoSeconds(g.authorDate) },
      committer: { name: g.committerName, email: g.committerEmail, date: isoSeconds(g.committerDate) },
      message: g.message,
      comment_count: 0,
      tree: { sha: g.tree, url: `${api}/git/trees/${g.tree}` },
      verification: { verified: false, reason: "unsigned", payload: null, signature: null, verified_at: null },
    },
    // GitHub links a commit's author and committer to the accounts whose verified e-mails they used.
    author: account(g.authorEmail),
    committer: account(g.committerEmail),
    parents: g.parents.map((p) => ({ sha: p, url: `${api}/commits/${p}`, html_url: `${repoHtml(c)}/commit/${p}` })),
  };
}

export function comparison(
  c: RenderContext,
  basehead: string,
  cmp: Comparison,
  base: CommitInfo,
  mergeBase: CommitInfo,
): Schemas["commit-comparison"] {
  const status =
    cmp.aheadBy === 0 && cmp.behindBy === 0
      ? "identical"
      : cmp.behindBy === 0
        ? "ahead"
        : cmp.aheadBy === 0
          ? "behind"
          : "diverged";
  const html = `${repoHtml(c)}/compare/${basehead}`;
  return {
    url: `${repoApi(c)}/compare/${basehead}`,
    html_url: html,
    permalink_url: `${repoHtml(c)}/compare/${c.owner}:${base.sha.slice(0, 7)}...${c.owner}:${cmp.commits.at(-1)?.sha.slice(0, 7) ?? base.sha.slice(0, 7)}`,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    base_commit: commit(c, base),
    merge_base_commit: commit(c, mergeBase),
    status,
    ahead_by: cmp.aheadBy,
    behind_by: cmp.behindBy,
    total_commits: cmp.aheadBy,
    commits: cmp.commits.map((g) => commit(c, g)),
    files: [],
  };
}

/** A stable numeric id for a derived record (check runs, statuses), so ETags stay valid. */
export function derivedId(...parts: string[]): number {
  let h = 7;
  for (const ch of parts.join("\0")) h = (h * 33 + ch.charCodeAt(0)) >>> 0;
  return 1_000_000_000 + (h % 1_000_000_000);
}

export function actionsApp(c: RenderContext): NonNullable<Schemas["nullable-integration"]> {
  return {
    id: ACTIONS_APP_ID,
    slug: "github-actions",
    node_id: "MDM6QXBwMTUzNjg=",
    name: "GitHub Actions",
    owner: user(c, "github", 9919, "Organization"),
    description: "Automate your workflow from idea to production",
    external_url: "https://help.github.com/en/actions",
    html_url: "https://github.com/apps/github-actions",
    created_at: "2018-07-30T09:30:17Z",
    updated_at: "2024-04-10T20:33:16Z",
    permissions: { actions: "write", checks: "write", contents: "write", metadata: "read", statuses: "write" },
    events: ["check_run", "check_suite", "push", "workflow_dispatch"],
  };
}

export interface CheckRunSpec {
  name: string;
  status: RunStatus;
  conclusion: "success" | "failure" | null;
  startedAt: string;
  completedAt: string | null;
}

export function checkRun(c: RenderContext, sha: string, s: CheckRunSpec): Schemas["check-run"] {
  const id = derivedId("check", sha, s.name);
  const suite = derivedId("suite", sha);
  return {
    id,
    head_sha: sha,
    node_id: nodeId("CheckRun", id),
    external_id: String(id),
    url: `${repoApi(c)}/check-runs/${id}`,
    html_url: `${repoHtml(c)}/runs/${id}`,
    details_url: `${repoHtml(c)}/runs/${id}`,
    status: s.status,
    conclusion: s.conclusion,
    started_at: s.startedAt,
    completed_at: s.completedAt,
    name: s.name,
    output: {
      title: null,
      summary: null,
      text: null,
      annotations_count: 0,
      annotations_url: `${repoApi(c)}/check-runs/${id}/annotations`,
    },
    check_suite: { id: suite },
    app: actionsApp(c),
    pull_requests: [],
  };
}

export interface StatusSpec {
  context: string;
  state: "success" | "failure" | "pending";
  at: string;
}

export function combinedStatus(
  c: RenderContext,
  sha: string,
  statuses: StatusSpec[],
): Schemas["combined-commit-status"] {
  // GitHub's rule: any failure fails; no statuses at all, or any pending, is pending.
  const state = statuses.some((s) => s.state === "failure")
    ? "failure"
    : statuses.length === 0 || statuses.some((s) => s.state === "pending")
      ? "pending"
      : "success";
  return {
    state,
    sha,
    total_count: statuses.length,
    repository: minimalRepository(c),
    commit_url: `${repoApi(c)}/commits/${sha}`,
    url: `${repoApi(c)}/commits/${sha}/status`,
    statuses: statuses.map((s) => {
      const id = derivedId("status", sha, s.context);
      return {
        id,
        node_id: nodeId("StatusContext", id),
        state: s.state,
        context: s.context,
        description: s.state === "pending" ? "In progress" : `Build ${s.state}`,
        target_url: `${repoHtml(c)}/runs/${id}`,
        avatar_url: "https://avatars.githubusercontent.com/in/15368?v=4",
        url: `${repoApi(c)}/statuses/${sha}`,
        created_at: s.at,
        updated_at: s.at,
      };
    }),
  };
}

export function workflowRun(
  c: RenderContext,
  r: RunRecord,
  head: CommitInfo,
  actor: Schemas["simple-user"],
): Schemas["workflow-run"] {
  const api = `${repoApi(c)}/actions/runs/${r.id}`;
  const suite = derivedId("suite", r.headSha, String(r.id));
  return {
    id: r.id,
    name: r.name,
    node_id: nodeId("WorkflowRun", r.id),
    check_suite_id: suite,
    check_suite_node_id: nodeId("CheckSuite", suite),
    head_branch: r.headBranch,
    head_sha: r.headSha,
    path: r.workflowPath,
    run_number: r.runNumber,
    run_attempt: r.runAttempt,
    referenced_workflows: [],
    event: r.event,
    status: r.status,
    conclusion: r.conclusion,
    workflow_id: c.workflowId,
    url: api,
    html_url: `${repoHtml(c)}/actions/runs/${r.id}`,
    pull_requests: [],
    created_at: r.createdAt,
    updated_at: r.updatedAt,
    actor,
    triggering_actor: actor,
    run_started_at: r.runStartedAt,
    jobs_url: `${api}/jobs`,
    logs_url: `${api}/logs`,
    check_suite_url: `${repoApi(c)}/check-suites/${suite}`,
    artifacts_url: `${api}/artifacts`,
    cancel_url: `${api}/cancel`,
    rerun_url: `${api}/rerun`,
    previous_attempt_url: r.runAttempt > 1 ? `${api}/attempts/${r.runAttempt - 1}` : null,
    workflow_url: `${repoApi(c)}/actions/workflows/${c.workflowId}`,
    head_commit: {
      id: head.sha,
      tree_id: head.tree,
      message: head.message,
      timestamp: isoSeconds(head.committerDate),
      author: { name: head.authorName, email: head.authorEmail },
      committer: { name: head.committerName, email: head.committerEmail },
    },
    repository: minimalRepository(c),
    head_repository: minimalRepository(c),
    head_repository_id: c.repoId,
    display_title: head.message.split("\n")[0],
  };
}

type StepStatus = Schemas["job"]["steps"] extends (infer S)[] | undefined
  ? S extends { status: infer T }
    ? T
    : never
  : never;

function stepStatus(s: string): StepStatus {
  return s === "completed" || s === "in_progress" ? s : "queued";
}

export function job(c: RenderContext, r: RunRecord, j: JobRecord): Schemas["job"] {
  const started = j.status !== "queued";
  const runnerId = derivedId("runner", String(j.id)) % 100_000;
  return {
    id: j.id,
    run_id: r.id,
    run_url: `${repoApi(c)}/actions/runs/${r.id}`,
    run_attempt: j.runAttempt,
    node_id: nodeId("CheckRun", j.id),
    head_sha: r.headSha,
    url: `${repoApi(c)}/actions/jobs/${j.id}`,
    html_url: `${repoHtml(c)}/actions/runs/${r.id}/job/${j.id}`,
    status: j.status,
    conclusion: j.conclusion,
    created_at: j.startedAt,
    started_at: j.startedAt,
    completed_at: j.completedAt,
    name: j.name,
    steps: j.steps.map((s) => ({
      name: s.name,
      status: stepStatus(s.status),
      conclusion: s.conclusion,
      number: s.number,
    })),
    check_run_url: `${repoApi(c)}/check-runs/${j.id}`,
    labels: ["ubuntu-latest"],
    runner_id: started ? runnerId : null,
    runner_name: started ? `GitHub Actions ${runnerId}` : null,
    runner_group_id: started ? 0 : null,
    runner_group_name: started ? "GitHub Actions" : null,
    workflow_name: r.name,
    head_branch: r.headBranch,
  };
}

export interface RateCounter {
  limit: number;
  remaining: number;
  reset: number;
  used: number;
}

export function rateLimit(core: RateCounter): Schemas["rate-limit-overview"] {
  const fresh = (limit: number) => ({ limit, remaining: limit, reset: core.reset, used: 0 });
  return {
    resources: {
      core: { ...core },
      search: fresh(30),
      graphql: fresh(5000),
      code_search: fresh(10),
      integration_manifest: fresh(5000),
      source_import: fresh(100),
    },
    rate: { ...core },
  };
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

/** A bundle as the spec types it; anything else the simulator stored is dropped rather than sent malformed. */
function bundleOf(x: unknown): Attestation["bundle"] {
  if (!isRecord(x)) return undefined;
  const out: NonNullable<Attestation["bundle"]> = {};
  if (typeof x.mediaType === "string") out.mediaType = x.mediaType;
  if (isRecord(x.verificationMaterial)) out.verificationMaterial = x.verificationMaterial;
  if (isRecord(x.dsseEnvelope)) out.dsseEnvelope = x.dsseEnvelope;
  return out;
}

export function attestation(c: RenderContext, a: AttestationRecord, index: number): Attestation {
  const out: Attestation = {
    repository_id: a.repositoryId,
    bundle_url: `${repoApi(c)}/attestations/${encodeURIComponent(a.digest)}/bundles/${index}`,
  };
  const bundle = bundleOf(a.bundle);
  if (bundle) out.bundle = bundle;
  return out;
}

/** GitHub's error body. */
export function errorBody(message: string, status: number, docs = DOCS): Schemas["basic-error"] {
  return { message, documentation_url: docs, status: String(status) };
}

export function validationError(
  message: string,
  errors: Schemas["validation-error"]["errors"],
  docs = DOCS,
): Schemas["validation-error"] & { status: string } {
  const body: Schemas["validation-error"] & { status: string } = { message, documentation_url: docs, status: "422" };
  if (errors) body.errors = errors;
  return body;
}

export function gitTag(c: RenderContext, t: TagObject): Schemas["git-tag"] {
  const api = repoApi(c);
  const kind = t.objectType === "tag" ? "tags" : t.objectType === "commit" ? "commits" : `${t.objectType}s`;
  return {
    node_id: nodeId("Tag", t.sha),
    tag: t.tag,
    sha: t.sha,
    url: `${api}/git/tags/${t.sha}`,
    message: t.message,
    tagger: { date: isoSeconds(t.taggerDate), email: t.taggerEmail, name: t.taggerName },
    object: { sha: t.objectSha, type: t.objectType, url: `${api}/git/${kind}/${t.objectSha}` },
    verification: { verified: false, reason: "unsigned", payload: null, signature: null, verified_at: null },
  };
}

export function ruleset(
  c: RenderContext,
  rs: RulesetSpec,
  withDetails: boolean,
  rules: { type: string; parameters?: Record<string, unknown> }[],
): Schemas["repository-ruleset"] {
  const out: Schemas["repository-ruleset"] = {
    id: rs.id,
    name: rs.name,
    target: rs.target,
    source_type: "Repository",
    source: `${c.owner}/${c.repo}`,
    enforcement: rs.enforcement ?? "active",
    node_id: nodeId("RepositoryRuleset", rs.id),
    _links: { self: { href: `${repoApi(c)}/rulesets/${rs.id}` }, html: { href: `${repoHtml(c)}/rules/${rs.id}` } },
    created_at: c.createdAt,
    updated_at: c.createdAt,
  };
  if (withDetails) {
    out.current_user_can_bypass = rs.bypass ?? "never";
    out.conditions = { ref_name: { include: rs.include, exclude: rs.exclude ?? [] } };
    out.rules = rules as Schemas["repository-ruleset"]["rules"];
  }
  return out;
}

export function ruleDetailed(
  c: RenderContext,
  rs: RulesetSpec,
  type: string,
  parameters?: Record<string, unknown>,
): Schemas["repository-rule-detailed"] {
  return {
    type,
    ...(parameters ? { parameters } : {}),
    ruleset_source_type: "Repository",
    ruleset_source: `${c.owner}/${c.repo}`,
    ruleset_id: rs.id,
  } as Schemas["repository-rule-detailed"];
}

export function branchProtection(c: RenderContext, branch: string, p: ProtectionSpec): Schemas["branch-protection"] {
  const url = `${repoApi(c)}/branches/${encodeURIComponent(branch)}/protection`;
  const flag = (enabled: boolean) => ({ enabled });
  const out: Schemas["branch-protection"] = {
    url,
    enabled: true,
    enforce_admins: { url: `${url}/enforce_admins`, enabled: p.enforceAdmins === true },
    required_linear_history: flag(false),
    allow_force_pushes: flag(false),
    allow_deletions: flag(false),
    block_creations: flag(false),
    required_conversation_resolution: flag(false),
    lock_branch: flag(false),
    allow_fork_syncing: flag(false),
    required_signatures: { url: `${url}/required_signatures`, enabled: false },
  };
  if (p.requiredChecks?.length) {
    out.required_status_checks = {
      url: `${url}/required_status_checks`,
      enforcement_level: p.enforceAdmins ? "everyone" : "non_admins",
      strict: false,
      contexts: p.requiredChecks,
      checks: p.requiredChecks.map((context) => ({ context, app_id: null })),
      contexts_url: `${url}/required_status_checks/contexts`,
    };
  }
  if (p.requiredReviews !== undefined) {
    out.required_pull_request_reviews = {
      url: `${url}/required_pull_request_reviews`,
      dismiss_stale_reviews: false,
      require_code_owner_reviews: false,
      required_approving_review_count: p.requiredReviews,
      require_last_push_approval: false,
    };
  }
  return out;
}

export function branch(
  c: RenderContext,
  name: string,
  head: CommitInfo,
  p: ProtectionSpec | undefined,
): Schemas["branch-with-protection"] {
  const url = `${repoApi(c)}/branches/${encodeURIComponent(name)}`;
  const checks = p?.requiredChecks ?? [];
  return {
    name,
    commit: commit(c, head),
    _links: { html: `${repoHtml(c)}/tree/${encodeURIComponent(name)}`, self: url },
    protected: p !== undefined,
    protection: {
      enabled: p !== undefined,
      required_status_checks: {
        enforcement_level: checks.length ? (p?.enforceAdmins ? "everyone" : "non_admins") : "off",
        contexts: checks,
        checks: checks.map((context) => ({ context, app_id: null })),
      },
    },
    protection_url: `${url}/protection`,
  };
}
