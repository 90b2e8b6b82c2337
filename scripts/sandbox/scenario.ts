// The sandbox's knobs: one mutable object, read by the API server, the registry and the simulated
// workflow on every request, so tests can change the world while a command runs.

export type CiState = "success" | "failure" | "pending" | "none";

/** A fault injected into matching API requests, consumed one per request until `times` is spent. */
export interface Fault {
  /** HTTP method to match; any when absent. */
  method?: string;
  /** Route template to match, as counted: "/repos/{owner}/{repo}/releases". Any when absent. */
  route?: string;
  /** "status": answer `status` (with GitHub's error body); "reset": destroy the socket; "hang": never answer. */
  kind: "status" | "reset" | "hang";
  status?: number;
  /** Extra response headers, e.g. { "retry-after": "1" }. */
  headers?: Record<string, string>;
  /** Response body to send instead of the default error body (a string is sent verbatim). */
  body?: unknown;
  /** How many matching requests to fault; Infinity for all. */
  times: number;
}

/** A repository ruleset (https://docs.github.com/rest/repos/rules), as the sandbox enforces it on pushes. */
export interface RulesetSpec {
  id: number;
  name: string;
  target: "branch" | "tag";
  /** fnmatch patterns on full ref names ("refs/tags/v*"), or "~DEFAULT_BRANCH" / "~ALL". */
  include: string[];
  exclude?: string[];
  /** Rule types: "creation", "update", "deletion", "pull_request", "non_fast_forward", "required_signatures". */
  rules: string[];
  /** What the token's user may do: bypass always, only through pull requests, or never (the default). */
  bypass?: "always" | "pull_requests_only" | "never";
  enforcement?: "active" | "evaluate" | "disabled";
}

/** Classic branch protection (https://docs.github.com/rest/branches/branch-protection). */
export interface ProtectionSpec {
  /** Approving reviews a pull request needs; any number (even 0) means changes go through a pull request. */
  requiredReviews?: number;
  /** Status checks that must pass on a commit before it can land. */
  requiredChecks?: string[];
  /** "Do not allow bypassing": admins are held to the rules too. */
  enforceAdmins?: boolean;
}

export interface Scenario {
  /** CI verdict per commit SHA; `ciDefault` for every commit not listed. */
  ci: Record<string, CiState>;
  ciDefault: CiState;
  /** How CI reports: GitHub Actions check runs, legacy commit statuses, or both. */
  ciKind: "checks" | "statuses" | "both";
  /** Added to every API (and registry) response. */
  latencyMs: number;
  faults: Fault[];
  /** Releases created from now on are immutable (their tag is final, their name burned on delete). */
  immutableReleases: boolean;
  /** Fine-grained permissions the token lacks, e.g. "contents:write", "actions:write", "checks:read". */
  missingPermissions: string[];
  /** Jobs of the release workflow that fail, by job id, for the given number of attempts. */
  failJobs: { job: string; attempts: number }[];
  /** Platforms the simulated build leaves out, per image reference without tag. */
  missingPlatforms: { image: string; platform: string }[];
  /** Simulated run timing. */
  queuedMs: number;
  runMs: number;
  /** While true, a run that has used up runMs stays in progress: a test that must see a workflow
   *  still running holds it, whatever the machine's speed, and clears this to let it finish. */
  holdRuns: boolean;
  /** While true, a new run that has waited queuedMs stays queued: a test that must see a run queued
   *  holds it, whatever the machine's speed, and clears this to let it start. */
  holdQueued: boolean;
  /** When set, tag pushes start no workflow run (as pushes made with the Actions GITHUB_TOKEN). */
  pushesStartNoRuns: boolean;
  /** Classic protection per branch name: direct pushes are refused with GH006. */
  branchProtection: Record<string, ProtectionSpec>;
  /** Rulesets: pushes they cover are refused with GH013 unless the user may bypass. */
  rulesets: RulesetSpec[];
  /** "classic": a PAT with scopes (X-OAuth-Scopes on every answer); "fine-grained": no scopes header, writes
   *  refused per `missingPermissions`. A non-empty `missingPermissions` implies fine-grained. */
  tokenKind: "classic" | "fine-grained";
  /** Scopes of a classic token. */
  tokenScopes: string[];
  /** The token's user's role on the repository: what GET /repos reports in `permissions`. */
  role: "admin" | "maintain" | "write" | "triage" | "read";
  /** GitHub accounts by verified e-mail: the commit authors GitHub links to a login (besides
   *  <id>+<login>@users.noreply.github.com, which always links). */
  accounts: Record<string, string>;
  /** Rate limit per hour for anonymous callers (GitHub: 60) and for token callers (5000). */
  anonymousLimit: number;
  tokenLimit: number;
}

export function defaultScenario(): Scenario {
  return {
    ci: {},
    ciDefault: "success",
    ciKind: "checks",
    latencyMs: 0,
    faults: [],
    immutableReleases: false,
    missingPermissions: [],
    failJobs: [],
    missingPlatforms: [],
    queuedMs: 100,
    runMs: 400,
    holdRuns: false,
    holdQueued: false,
    pushesStartNoRuns: false,
    branchProtection: {},
    rulesets: [],
    tokenKind: "classic",
    tokenScopes: ["repo", "workflow"],
    role: "admin",
    accounts: {},
    anonymousLimit: 60,
    tokenLimit: 5000,
  };
}
