// GitHub's verdict on one commit, decided as reference/github-api.md §2.3 says: every latest check
// run (newest per app and name) plus the legacy combined status, which is ignored when it holds no
// statuses (Actions writes check runs, so an Actions-only repository reads "pending" for ever).
import type { GitHub } from "./github.ts";

export type CiState = "success" | "failure" | "pending" | "none";

export interface CiVerdict {
  state: CiState;
  passing: string[];
  failing: string[];
  pending: string[];
}

const PASS = new Set(["success", "neutral", "skipped"]);
const FAIL = new Set(["failure", "cancelled", "timed_out", "action_required"]);

interface CheckRun {
  name: string;
  status: string;
  conclusion: string | null;
  started_at?: string | null;
  app?: { id: number } | null;
}

interface CombinedStatus {
  state: string;
  total_count: number;
  statuses: { context: string; state: string }[];
}

export async function ciVerdict(gh: GitHub, sha: string): Promise<CiVerdict> {
  const { octokit, owner, repo } = gh;
  const [runs, combined] = await Promise.all([
    octokit.paginate(octokit.rest.checks.listForRef, {
      owner,
      repo,
      ref: sha,
      filter: "latest",
      per_page: 100,
    }) as Promise<CheckRun[]>,
    octokit.rest.repos
      .getCombinedStatusForRef({ owner, repo, ref: sha, per_page: 100 })
      .then((r) => r.data as CombinedStatus),
  ]);
  const newest = new Map<string, CheckRun>();
  for (const run of runs) {
    const key = `${run.app?.id ?? "?"}/${run.name}`;
    const seen = newest.get(key);
    if (!seen || (run.started_at ?? "") > (seen.started_at ?? "")) newest.set(key, run);
  }
  const verdict: CiVerdict = { state: "none", passing: [], failing: [], pending: [] };
  for (const run of newest.values()) {
    if (run.status !== "completed" || !run.conclusion) verdict.pending.push(run.name);
    else if (PASS.has(run.conclusion)) verdict.passing.push(run.name);
    else if (FAIL.has(run.conclusion)) verdict.failing.push(`${run.name} (${run.conclusion})`);
    else verdict.pending.push(`${run.name} (${run.conclusion})`);
  }
  if (combined.total_count > 0) {
    for (const s of combined.statuses) {
      if (s.state === "success") verdict.passing.push(s.context);
      else if (s.state === "failure" || s.state === "error") verdict.failing.push(`${s.context} (${s.state})`);
      else verdict.pending.push(s.context);
    }
  }
  verdict.state = verdict.failing.length
    ? "failure"
    : verdict.pending.length
      ? "pending"
      : verdict.passing.length
        ? "success"
        : "none";
  return verdict;
}
