// What every route handler is given: the server's options, the live scenario, the in-memory records,
// the bare repository, and the per-server bookkeeping (rate windows, superseded jobs, which release
// is Latest). Plus the rules every resource shares: who may do what, rate limits, push rules.
import type { Scenario } from "../scenario.ts";
import type { BareGit } from "./git.ts";
import type { Caller } from "./http.ts";
import * as render from "./render.ts";
import { judge, type RefChange, type Refusal } from "./rules.ts";
import type { JobRecord, RunRecord, SandboxState } from "./state.ts";

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

export interface ApiContext {
  opts: ApiServerOptions;
  scenario: Scenario;
  state: SandboxState;
  git: BareGit;
  now: () => Date;
  /** URLs and accounts for rendering; complete once the server listens (its port is in the URLs). */
  render: render.RenderContext;
  /** Superseded job attempts by run id, for filter=all. */
  jobHistory: Map<number, JobRecord[]>;
  /** Rate-limit windows by caller key. */
  rates: Map<string, render.RateCounter>;
  /** The release make_latest last marked Latest; null: the newest by date. */
  latestId: number | null;
}

export const AUTHOR = { login: "sandbox-maintainer", id: 583_231 };

// Roles and what GET /repos reports for them: the user's access, whatever the token may do.
// https://docs.github.com/organizations/managing-user-access-to-your-organizations-repositories/managing-repository-roles/repository-roles-for-an-organization
export const ROLE_PERMISSIONS: Record<string, render.RepoPermissions> = {
  admin: { admin: true, maintain: true, push: true, triage: true, pull: true },
  maintain: { admin: false, maintain: true, push: true, triage: true, pull: true },
  write: { admin: false, maintain: false, push: true, triage: true, pull: true },
  triage: { admin: false, maintain: false, push: false, triage: true, pull: true },
  read: { admin: false, maintain: false, push: false, triage: false, pull: true },
};

export const author = (c: ApiContext) => render.user(c.render, AUTHOR.login, AUTHOR.id);

export const fineGrained = (c: ApiContext): boolean =>
  c.scenario.tokenKind === "fine-grained" || c.scenario.missingPermissions.length > 0;

/** Whether the caller's token lacks a fine-grained permission such as "contents:write". */
export function lacks(c: ApiContext, perm: string, caller?: Caller): boolean {
  const [scope, level] = perm.split(":");
  if (caller?.grants) {
    // Every GITHUB_TOKEN reads metadata; the workflow file writes pull-requests for pull_requests.
    if (scope === "metadata") return false;
    const granted = caller.grants[scope!.replace(/_/g, "-")];
    return level === "write" ? granted !== "write" : granted !== "read" && granted !== "write";
  }
  const missing = c.scenario.missingPermissions;
  return missing.includes(perm) || (level === "write" && missing.includes(`${scope}:read`));
}

export const canPush = (c: ApiContext, caller: Caller): boolean =>
  caller.token !== null && !lacks(c, "contents:write", caller) && ROLE_PERMISSIONS[c.scenario.role]!.push;

export function judgeChange(c: ApiContext, change: RefChange): Refusal | null {
  return judge(c.scenario, change, c.opts.defaultBranch, c.state.burnedTags);
}

// ---- rate limits (real clock: clients compare reset with their own Date.now()) ----

export function rateOf(c: ApiContext, caller: Caller): render.RateCounter {
  const nowS = Math.floor(Date.now() / 1000);
  let r = c.rates.get(caller.key);
  const limit = caller.token ? c.scenario.tokenLimit : c.scenario.anonymousLimit;
  // A test that changes the limit starts a new window, as if an hour had passed.
  if (!r || nowS >= r.reset || r.limit !== limit) {
    r = { limit, remaining: limit, used: 0, reset: nowS + 3600 };
    c.rates.set(caller.key, r);
  }
  return r;
}

export function rateHeaders(r: render.RateCounter): Record<string, string> {
  return {
    "x-ratelimit-limit": String(r.limit),
    "x-ratelimit-remaining": String(r.remaining),
    "x-ratelimit-used": String(r.used),
    "x-ratelimit-reset": String(r.reset),
    "x-ratelimit-resource": "core",
  };
}
