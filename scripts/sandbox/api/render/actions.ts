// GitHub Actions as GitHub renders them: the Actions app, check runs, combined statuses, workflow
// runs, jobs and attestations.
import type { CommitInfo } from "../git.ts";
import type { AttestationRecord, JobRecord, RunRecord, RunStatus } from "../state.ts";
import {
  ACTIONS_APP_ID,
  type Attestation,
  derivedId,
  isoSeconds,
  nodeId,
  type RenderContext,
  repoApi,
  repoHtml,
  type Schemas,
  user,
} from "./base.ts";
import { minimalRepository } from "./repository.ts";

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
