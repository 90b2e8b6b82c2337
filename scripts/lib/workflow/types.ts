// What the reader says about a repository's tag workflows. Plain data: the checks, diagnose and
// recover read it; nothing here loads the parsers.

/** A push of the tag, as the run would see it. */
export interface WorkflowContext {
  owner: string;
  /** owner/name */
  repository: string;
  tag: string;
  /** The tag's commit. */
  sha: string;
}

/** Where something was read: the workflow file, the job id and the step (its name, id or number). */
export interface Place {
  workflow: string;
  job: string;
  step: string;
}

/**
 * One image: what one build pushes (one step, in one matrix combination) under one reference. Tags
 * pushed by different builds are different images, even under the same reference (a matrix that
 * pushes ghcr.io/acme/ci:alpine and ghcr.io/acme/ci:debian), and may rightly have different digests.
 */
export interface ImageSpec extends Place {
  /**
   * Its check id: `image:<ref>` when one build pushes <ref>; `image:<ref>:<first tag>` when several
   * builds push <ref> (then `#2`, `#3` if even that is shared).
   */
  id: string;
  /** Full reference without tag, lowercase: ghcr.io/acme/gateway. */
  ref: string;
  tags: string[];
  /** null: not known (neither the workflow nor a GitHub-hosted runner says which platform it builds for). */
  platforms: string[] | null;
  attest: boolean;
}

export interface ArtifactSpec extends Place {
  /** A short name for check ids: the chart or artifact name. */
  name: string;
  /** Full reference without tag. */
  ref: string;
  tag: string;
  kind: "helm" | "oras";
  /** The config media type a registry should hold for it (helm), or the artifact type (oras). */
  mediaType: string | null;
}

/** A publishing step the reader could not turn into something verify checks, and why. */
export interface NotVerified extends Place {
  /** What the step publishes, as far as it can be told: "helm push of chart-*.tgz to oci://ghcr.io/acme". */
  what: string;
  why: string;
}

export interface TagFilters {
  /** Whether a tag push can start the workflow at all (a push event with only branch filters cannot). */
  onTagPush: boolean;
  tags: string[] | null;
  tagsIgnore: string[] | null;
}

export interface Workflow {
  path: string;
  /** The workflow's `name:`, when it has one. */
  name: string | null;
  jobs: string[];
  filters: TagFilters;
  images: ImageSpec[];
  artifacts: ArtifactSpec[];
  notVerified: NotVerified[];
}

/** Every workflow a tag push starts, read at one commit. */
export interface TagWorkflows {
  /** The revision the files were read at (HEAD for preflight, the tag's commit for verify). */
  rev: string;
  /** Every workflow file looked at, in order. */
  looked: string[];
  /** "setting": RELEASE_WORKFLOW named them; "found": every file under .github/workflows. */
  chosenBy: "setting" | "found";
  /** The workflows this tag starts, in file order. */
  started: Workflow[];
  /** Files looked at that this tag does not start, and their filters (null: the file is missing). */
  notStarted: { path: string; filters: TagFilters | null }[];
  /** Across the started workflows: images merged by reference, artifacts, and what is not verified. */
  images: ImageSpec[];
  artifacts: ArtifactSpec[];
  notVerified: NotVerified[];
}

/** A workflow file that GitHub would refuse to run: a configuration error with a line to fix. */
export class WorkflowError extends Error {
  fix: string;
  constructor(message: string, fix: string) {
    super(message);
    this.fix = fix;
  }
}

export const HELM_CONFIG_MEDIA_TYPE = "application/vnd.cncf.helm.config.v1+json";
