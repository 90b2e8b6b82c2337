// What GitHub says of a tag workflow's run: the newest push run for the tag and commit, its failed
// jobs, and a wait for it with conditional requests, so an unchanged poll costs a 304 and no rate limit.
import { setTimeout as sleep } from "node:timers/promises";
import { ANONYMOUS_LIMIT, type GitHub } from "../github.ts";
import { say } from "../output.ts";

export interface RunFacts {
  id: number;
  status: string;
  conclusion: string | null;
  attempt: number;
  createdAt: string;
  url: string;
}

interface RunsPage {
  workflow_runs: {
    id: number;
    run_number: number;
    run_attempt?: number;
    status: string | null;
    conclusion: string | null;
    head_branch: string | null;
    created_at: string;
    html_url: string;
  }[];
}

/** The newest push run of the workflow for this tag and commit (a branch push of the same SHA is not it). */
export async function findRun(gh: GitHub, workflowPath: string, tag: string, sha: string): Promise<RunFacts | null> {
  const data = await gh.cachedGet<RunsPage>("GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs", {
    owner: gh.owner,
    repo: gh.repo,
    workflow_id: workflowPath.split("/").pop(),
    event: "push",
    head_sha: sha,
    per_page: 100,
  });
  const runs = data.workflow_runs.filter((run) => run.head_branch === tag).sort((a, b) => b.run_number - a.run_number);
  const run = runs[0];
  return run
    ? {
        id: run.id,
        status: run.status ?? "queued",
        conclusion: run.conclusion,
        attempt: run.run_attempt ?? 1,
        createdAt: run.created_at,
        url: run.html_url,
      }
    : null;
}

export async function failedJobs(
  gh: GitHub,
  runId: number,
): Promise<{ name: string; conclusion: string | null; url: string }[]> {
  const { octokit, owner, repo } = gh;
  const jobs = await octokit.paginate(octokit.rest.actions.listJobsForWorkflowRun, {
    owner,
    repo,
    run_id: runId,
    filter: "latest",
    per_page: 100,
  });
  return jobs
    .filter((j) => j.conclusion && !["success", "skipped", "neutral"].includes(j.conclusion))
    .map((j) => ({ name: j.name, conclusion: j.conclusion, url: j.html_url ?? "" }));
}

// Requests an anonymous wait leaves for the rest of verify (jobs, releases, attestations).
const ANONYMOUS_RESERVE = 12;

/**
 * The pause before the next poll. With a token, the configured interval (a 304 is free). Without one
 * every poll, 304 or not, counts against GitHub's 60 an hour: the polls are spread so that what is
 * left of the limit, less a reserve for the rest of verify, lasts until the wait ends or the limit
 * resets; null when nothing is left to spend.
 */
function nextPause(gh: GitHub, deadline: number, pollSeconds: number): number | null {
  const base = gh.pollMs(pollSeconds);
  if (gh.token.token) return base;
  const rate = gh.rate();
  if (!rate) return base;
  const spare = rate.remaining - ANONYMOUS_RESERVE;
  if (spare <= 0) return null;
  const until = Math.min(deadline, rate.reset ? rate.reset * 1000 : deadline) - Date.now();
  return Math.max(base, Math.ceil(until / spare));
}

/** Polls until the run exists and has completed, or the bound passes. Returns the last answer. */
interface JobsPage {
  total_count: number;
  jobs: { status: string }[];
}

/** What a wait shows: elapsed time, the run's status and its jobs done. On a terminal one line kept
 *  up to date; elsewhere (CI, a log file) a line when the wait starts and then once a minute. */
function progress(gh: GitHub, workflowPath: string, tag: string, seconds: number) {
  const began = Date.now();
  const terminal = Boolean(process.stderr.isTTY);
  let printed = 0;
  return {
    async show(run: RunFacts | null): Promise<void> {
      if (!terminal && printed && Date.now() - printed < 60_000) return;
      let jobs = "";
      // Jobs cost a request per poll (a 304 when unchanged): only with a token, which makes 304s free.
      if (run && gh.token.token) {
        try {
          const page = await gh.cachedGet<JobsPage>("GET /repos/{owner}/{repo}/actions/runs/{run_id}/jobs", {
            owner: gh.owner,
            repo: gh.repo,
            run_id: run.id,
            per_page: 100,
          });
          jobs = `, ${page.jobs.filter((j) => j.status === "completed").length}/${page.total_count} jobs done`;
        } catch {
          // progress is a courtesy; the wait goes on
        }
      }
      const elapsed = Math.round((Date.now() - began) / 1000);
      const line = `waiting for ${workflowPath} on ${tag}: ${run ? `run ${run.id} ${run.status}${jobs}` : "no run yet"}, ${elapsed >= 60 ? `${Math.floor(elapsed / 60)} min ${elapsed % 60} s` : `${elapsed} s`} of at most ${seconds} s`;
      if (terminal) process.stderr.write(`\r  ${line}\u001b[K`);
      else say.info(line);
      printed = Date.now();
    },
    end(): void {
      if (terminal && printed) process.stderr.write("\r\u001b[K");
    },
  };
}

export async function waitForRun(
  gh: GitHub,
  workflowPath: string,
  tag: string,
  sha: string,
  seconds: number,
  pollSeconds: number,
): Promise<RunFacts | null> {
  const deadline = Date.now() + seconds * 1000;
  const shown = progress(gh, workflowPath, tag, seconds);
  let run = await findRun(gh, workflowPath, tag, sha);
  if (!gh.token.token && run?.status !== "completed") {
    const rate = gh.rate();
    say.warn(
      `waiting without a GitHub token: every poll counts against GitHub's ${rate?.limit ?? ANONYMOUS_LIMIT} requests an hour for this address (${rate?.remaining ?? "?"} left), so polls are spaced to stay within it; set GH_TOKEN (or GITHUB_TOKEN) to poll freely`,
    );
  }
  // The state is shown at least once even when the first answer came after the bound (a busy
  // machine): a wait always says what it waited for (on a terminal the line is cleared at the end,
  // and the report says the rest).
  while (run?.status !== "completed") {
    await shown.show(run);
    if (Date.now() >= deadline) break;
    const pause = nextPause(gh, deadline, pollSeconds);
    if (pause === null) {
      shown.end();
      say.warn(
        `stopped waiting: the anonymous rate limit is nearly spent (${gh.rate()?.remaining ?? 0} left until ${new Date((gh.rate()?.reset ?? 0) * 1000).toISOString()}); set a token (GH_TOKEN or GITHUB_TOKEN) and run verify --wait again`,
      );
      break;
    }
    await sleep(Math.min(pause, Math.max(0, deadline - Date.now())));
    run = await findRun(gh, workflowPath, tag, sha);
  }
  shown.end();
  return run;
}
