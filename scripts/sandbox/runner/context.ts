// What GitHub hands a job for an event: the `github` context, the event payload behind
// $GITHUB_EVENT_PATH, the default environment variables, and GITHUB_TOKEN's permissions.
import type { CommitInfo } from "../api/git.ts";
import type { Json } from "./expressions.ts";
import type { Permission } from "./runtime.ts";
import { asTable } from "./workflow-file.ts";

export const SERVER_URL = "https://github.com";
export const API_URL = "https://api.github.com";

/** What a run's event says of a commit: git's facts without its parents. */
export type CommitFacts = Omit<CommitInfo, "parents">;

/** The event a run answers: a tag push, or another workflow's run. */
export interface RunEvent {
  name: "push" | "workflow_run";
  ref: string;
  sha: string;
  payload: Record<string, Json>;
}

export interface Repo {
  owner: string;
  name: string;
  id: number;
  ownerId: number;
  defaultBranch: string;
  /** The sandbox's REST API, as github.api_url and GITHUB_API_URL give it to jobs (GitHub Enterprise
   *  Server gives its own the same way); GitHub's when absent. */
  apiUrl?: string;
}

export const ACTOR = { login: "sandbox-maintainer", id: 583_231 };

export function repositoryPayload(repo: Repo): Record<string, Json> {
  const full = `${repo.owner}/${repo.name}`;
  return {
    id: repo.id,
    node_id: `R_sandbox${repo.id}`,
    name: repo.name,
    full_name: full,
    private: false,
    owner: { login: repo.owner, id: repo.ownerId, type: "Organization" },
    html_url: `${SERVER_URL}/${full}`,
    url: `${API_URL}/repos/${full}`,
    clone_url: `${SERVER_URL}/${full}.git`,
    default_branch: repo.defaultBranch,
    visibility: "public",
  };
}

export function headCommitPayload(repo: Repo, c: CommitFacts): Record<string, Json> {
  return {
    id: c.sha,
    tree_id: c.tree,
    distinct: true,
    message: c.message,
    timestamp: c.committerDate,
    url: `${SERVER_URL}/${repo.owner}/${repo.name}/commit/${c.sha}`,
    author: { name: c.authorName, email: c.authorEmail },
    committer: { name: c.committerName, email: c.committerEmail },
  };
}

export function tagPushEvent(repo: Repo, tag: string, newValue: string, commit: CommitFacts): RunEvent {
  return {
    name: "push",
    ref: `refs/tags/${tag}`,
    sha: commit.sha,
    payload: {
      ref: `refs/tags/${tag}`,
      before: "0".repeat(40),
      after: newValue,
      base_ref: null,
      created: true,
      deleted: false,
      forced: false,
      compare: `${SERVER_URL}/${repo.owner}/${repo.name}/compare/${tag}`,
      commits: [],
      head_commit: headCommitPayload(repo, commit),
      pusher: { name: ACTOR.login, email: `${ACTOR.id}+${ACTOR.login}@users.noreply.github.com` },
      repository: repositoryPayload(repo),
      sender: { login: ACTOR.login, id: ACTOR.id, type: "User" },
    },
  };
}

export interface GithubContextInput {
  repo: Repo;
  event: RunEvent;
  workflowName: string;
  workflowPath: string;
  runId: number;
  runNumber: number;
  runAttempt: number;
  jobId: string;
  workspace: string;
  eventPath: string;
  token: string;
}

export function githubContext(i: GithubContextInput): Record<string, Json> {
  const full = `${i.repo.owner}/${i.repo.name}`;
  const ref = i.event.ref;
  const refType = ref.startsWith("refs/tags/") ? "tag" : "branch";
  const refName = ref.replace(/^refs\/(tags|heads)\//, "");
  const apiUrl = i.repo.apiUrl ?? API_URL;
  return {
    action: "",
    action_path: "",
    action_ref: "",
    action_repository: "",
    actor: ACTOR.login,
    actor_id: String(ACTOR.id),
    api_url: apiUrl,
    base_ref: "",
    event: i.event.payload,
    event_name: i.event.name,
    event_path: i.eventPath,
    graphql_url: `${apiUrl}/graphql`,
    head_ref: "",
    job: i.jobId,
    ref,
    ref_name: refName,
    ref_protected: false,
    ref_type: refType,
    repository: full,
    repository_id: String(i.repo.id),
    repository_owner: i.repo.owner,
    repository_owner_id: String(i.repo.ownerId),
    repositoryUrl: `git://github.com/${full}.git`,
    retention_days: "90",
    run_id: String(i.runId),
    run_number: String(i.runNumber),
    run_attempt: String(i.runAttempt),
    secret_source: "Actions",
    server_url: SERVER_URL,
    sha: i.event.sha,
    token: i.token,
    triggering_actor: ACTOR.login,
    workflow: i.workflowName,
    workflow_ref: `${full}/${i.workflowPath}@${ref}`,
    workflow_sha: i.event.sha,
    workspace: i.workspace,
  };
}

/** The default environment variables GitHub sets for every step. */
export function defaultEnv(
  github: Record<string, Json>,
  dirs: { home: string; tmp: string; temp: string; toolCache: string; runnerWorkspace: string },
  arch: "amd64" | "arm64",
  os: string,
): Record<string, string> {
  const g = (k: string) => String(github[k] ?? "");
  return {
    HOME: dirs.home,
    TMPDIR: dirs.tmp,
    LANG: "C.UTF-8",
    CI: "true",
    GITHUB_ACTIONS: "true",
    GITHUB_ACTOR: g("actor"),
    GITHUB_ACTOR_ID: g("actor_id"),
    GITHUB_API_URL: g("api_url"),
    GITHUB_BASE_REF: "",
    GITHUB_EVENT_NAME: g("event_name"),
    GITHUB_EVENT_PATH: g("event_path"),
    GITHUB_GRAPHQL_URL: g("graphql_url"),
    GITHUB_HEAD_REF: "",
    GITHUB_JOB: g("job"),
    GITHUB_REF: g("ref"),
    GITHUB_REF_NAME: g("ref_name"),
    GITHUB_REF_PROTECTED: g("ref_protected"),
    GITHUB_REF_TYPE: g("ref_type"),
    GITHUB_REPOSITORY: g("repository"),
    GITHUB_REPOSITORY_ID: g("repository_id"),
    GITHUB_REPOSITORY_OWNER: g("repository_owner"),
    GITHUB_REPOSITORY_OWNER_ID: g("repository_owner_id"),
    GITHUB_RETENTION_DAYS: g("retention_days"),
    GITHUB_RUN_ATTEMPT: g("run_attempt"),
    GITHUB_RUN_ID: g("run_id"),
    GITHUB_RUN_NUMBER: g("run_number"),
    GITHUB_SERVER_URL: g("server_url"),
    GITHUB_SHA: g("sha"),
    GITHUB_TRIGGERING_ACTOR: g("triggering_actor"),
    GITHUB_WORKFLOW: g("workflow"),
    GITHUB_WORKFLOW_REF: g("workflow_ref"),
    GITHUB_WORKFLOW_SHA: g("workflow_sha"),
    GITHUB_WORKSPACE: g("workspace"),
    RUNNER_ARCH: arch === "arm64" ? "ARM64" : "X64",
    RUNNER_ENVIRONMENT: "github-hosted",
    RUNNER_NAME: "GitHub Actions 1",
    RUNNER_OS: os,
    RUNNER_TEMP: dirs.temp,
    RUNNER_TOOL_CACHE: dirs.toolCache,
    RUNNER_WORKSPACE: dirs.runnerWorkspace,
    ImageOS: "ubuntu24",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_TERMINAL_PROMPT: "0",
  };
}

const SCOPES = [
  "actions",
  "attestations",
  "checks",
  "contents",
  "deployments",
  "discussions",
  "id-token",
  "issues",
  "models",
  "packages",
  "pages",
  "pull-requests",
  "repository-projects",
  "security-events",
  "statuses",
];

/** GITHUB_TOKEN's permissions: the job's `permissions`, else the workflow's, else the permissive default (no id-token). */
export function permissionsOf(workflowValue: unknown, jobValue: unknown): Record<string, Permission> {
  const value = jobValue ?? workflowValue;
  const all = (p: Permission) => Object.fromEntries(SCOPES.map((s) => [s, p])) as Record<string, Permission>;
  if (value === undefined || value === null) return { ...all("write"), "id-token": "none", models: "read" };
  if (value === "write-all") return all("write");
  if (value === "read-all") return all("read");
  const table = asTable(value);
  const out = all("none");
  for (const [scope, p] of Object.entries(table ?? {}))
    if (p === "read" || p === "write" || p === "none") out[scope] = p;
  return out;
}

/** The runner architecture a job's `runs-on` asks for: GitHub's arm64 runners carry "arm" in their label. */
export function runnerArch(runsOn: unknown): "amd64" | "arm64" {
  const labels = typeof runsOn === "string" ? [runsOn] : Array.isArray(runsOn) ? runsOn.map(String) : [];
  return labels.some((l) => /(^|-)arm(64)?($|-)/i.test(l) || /^macos-(1[4-9]|[2-9]\d)/.test(l) || l === "macos-latest")
    ? "arm64"
    : "amd64";
}

/** The runner OS a job's `runs-on` asks for (GitHub's hosted labels: ubuntu-*, macos-*, windows-*). */
export function runnerOs(runsOn: unknown): "Linux" | "macOS" | "Windows" {
  const labels = typeof runsOn === "string" ? [runsOn] : Array.isArray(runsOn) ? runsOn.map(String) : [];
  if (labels.some((l) => /^windows/i.test(l))) return "Windows";
  if (labels.some((l) => /^macos/i.test(l))) return "macOS";
  return "Linux";
}

/** A run as a workflow_run event's payload names it. */
export function workflowRunPayload(
  repo: Repo,
  r: {
    id: number;
    name: string;
    workflowPath: string;
    event: string;
    status: string;
    conclusion: string | null;
    headBranch: string;
    headSha: string;
    runNumber: number;
    runAttempt: number;
    createdAt: string;
    updatedAt: string;
    runStartedAt: string;
  },
  workflowId: number,
): Record<string, Json> {
  const full = `${repo.owner}/${repo.name}`;
  return {
    id: r.id,
    name: r.name,
    path: r.workflowPath,
    display_title: r.name,
    event: r.event,
    status: r.status,
    conclusion: r.conclusion,
    head_branch: r.headBranch,
    head_sha: r.headSha,
    run_number: r.runNumber,
    run_attempt: r.runAttempt,
    workflow_id: workflowId,
    html_url: `${SERVER_URL}/${full}/actions/runs/${r.id}`,
    url: `${API_URL}/repos/${full}/actions/runs/${r.id}`,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
    run_started_at: r.runStartedAt,
    repository: repositoryPayload(repo),
    head_repository: repositoryPayload(repo),
  };
}
