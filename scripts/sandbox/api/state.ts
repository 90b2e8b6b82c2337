// The sandbox's in-memory GitHub records. Compact on purpose: render.ts turns them into GitHub's
// JSON, and the workflow simulator writes them directly. Git data is never copied here: the bare
// repository is the only truth for refs and commits.

export interface ReleaseRecord {
  id: number;
  tagName: string;
  targetCommitish: string;
  name: string | null;
  body: string | null;
  draft: boolean;
  prerelease: boolean;
  immutable: boolean;
  makeLatest: string;
  createdAt: string;
  publishedAt: string | null;
  authorLogin: string;
}

/** Where a run or a job is (GitHub's `status`); what it came to is its `conclusion`. */
export type RunStatus = "queued" | "in_progress" | "completed";

export interface JobRecord {
  id: number;
  name: string;
  status: RunStatus;
  conclusion: null | "success" | "failure" | "cancelled" | "skipped";
  runAttempt: number;
  startedAt: string;
  completedAt: string | null;
  steps: { name: string; status: string; conclusion: string | null; number: number }[];
}

export interface RunRecord {
  id: number;
  runNumber: number;
  runAttempt: number;
  name: string;
  /** ".github/workflows/release.yml" */
  workflowPath: string;
  /** "push" for a tag push; "workflow_run" for a run another workflow's run started. */
  event: "push" | "workflow_run";
  /** The bare tag name for tag pushes (as GitHub reports it). */
  headBranch: string;
  headSha: string;
  status: RunStatus;
  /** "startup_failure": the workflow file is invalid, so the run has no jobs. */
  conclusion: null | "success" | "failure" | "cancelled" | "startup_failure";
  createdAt: string;
  updatedAt: string;
  runStartedAt: string;
  jobs: JobRecord[];
}

export interface AttestationRecord {
  digest: string;
  predicateType: string;
  repositoryId: number;
  bundle: unknown;
}

export interface SandboxState {
  releases: ReleaseRecord[];
  runs: RunRecord[];
  attestations: AttestationRecord[];
  /** Tag names once used by a deleted immutable release: never usable again. */
  burnedTags: Set<string>;
  nextId(): number;
  /** Numeric id of release.yml. */
  workflowId: number;
  /** The GITHUB_TOKEN of each running simulated job, with what its `permissions:` grant ("contents" → "read"). */
  jobTokens: Map<string, Record<string, string>>;
}

export function createState(): SandboxState {
  // Ids are large and shared by every record kind, as GitHub's are, so a test can't mix them up.
  let last = 4_100_000;
  return {
    releases: [],
    runs: [],
    attestations: [],
    burnedTags: new Set(),
    nextId: () => ++last,
    workflowId: 71_000_001,
    jobTokens: new Map(),
  };
}

/** The repository's numeric id (stable per owner/name), for attestations' `repository_id`. */
export function repositoryIdOf(owner: string, repo: string): number {
  let h = 0;
  for (const ch of `${owner}/${repo}`.toLowerCase()) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return 100_000_000 + (h % 800_000_000);
}
