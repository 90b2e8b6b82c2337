// What the sandbox API's own tests stand on: a bare origin with a clone that has a few empty
// commits on main, and finished workflow runs written straight into the sandbox's state.
import { execFile } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { JobRecord, RunRecord, SandboxState } from "../../scripts/sandbox/api/state.ts";

export const execAsync = promisify(execFile);

/** A fixed author and no system or developer git config: the same commits on every machine. */
export const gitEnv = {
  ...process.env,
  GIT_TERMINAL_PROMPT: "0",
  GIT_AUTHOR_NAME: "Ada",
  GIT_AUTHOR_EMAIL: "ada@example.com",
  GIT_COMMITTER_NAME: "Ada",
  GIT_COMMITTER_EMAIL: "ada@example.com",
  GIT_CONFIG_NOSYSTEM: "1",
  HOME: tmpdir(),
};

export async function git(cwd: string, ...args: string[]): Promise<string> {
  return (await execAsync("git", args, { cwd, env: gitEnv })).stdout.trim();
}

export interface ApiRepo {
  /** The temporary folder holding both; the caller removes it. */
  dir: string;
  /** dir/remote.git, the bare repository the sandbox serves. */
  bare: string;
  /** dir/work, a clone with origin set to bare and nothing pushed yet. */
  work: string;
  /** main's commits, oldest first. */
  shas: string[];
}

/** A bare origin and a work repository with one empty commit on main per message. */
export async function apiRepo(prefix: string, messages: string[]): Promise<ApiRepo> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  const bare = path.join(dir, "remote.git");
  const work = path.join(dir, "work");
  await git(dir, "init", "-q", "--bare", "-b", "main", bare);
  await git(dir, "init", "-q", "-b", "main", work);
  const shas: string[] = [];
  for (const msg of messages) {
    await git(work, "commit", "-q", "--allow-empty", "-m", msg);
    shas.push(await git(work, "rev-parse", "HEAD"));
  }
  await git(work, "remote", "add", "origin", bare);
  return { dir, bare, work, shas };
}

type Steps = (conclusion: JobRecord["conclusion"]) => JobRecord["steps"];
const oneStep: Steps = (conclusion) => [{ name: "Run", status: "completed", conclusion, number: 1 }];

/** A finished first attempt of release.yml started by a tag push, added to the state's runs; its
 *  jobs finish at the same time, each with the steps `steps` gives for the job's conclusion. */
export function addFinishedRun(
  s: SandboxState,
  at: string,
  run: Pick<RunRecord, "headBranch" | "headSha" | "conclusion"> & Partial<Omit<RunRecord, "jobs">>,
  jobs: [name: string, conclusion: JobRecord["conclusion"]][],
  steps: Steps = oneStep,
): RunRecord {
  const record: RunRecord = {
    id: s.nextId(),
    runNumber: s.runs.length + 1,
    runAttempt: 1,
    name: "release",
    workflowPath: ".github/workflows/release.yml",
    event: "push",
    status: "completed",
    createdAt: at,
    updatedAt: at,
    runStartedAt: at,
    jobs: jobs.map(([name, conclusion]) => ({
      id: s.nextId(),
      name,
      status: "completed",
      conclusion,
      runAttempt: 1,
      startedAt: at,
      completedAt: at,
      steps: steps(conclusion),
    })),
    ...run,
  };
  s.runs.push(record);
  return record;
}

/** A provenance attestation of `digest` added to the state: a Sigstore bundle unless `bundle` says. */
export function addProvenance(
  s: SandboxState,
  repositoryId: number,
  digest: string,
  bundle: Record<string, unknown>,
): void {
  s.attestations.push({
    digest,
    predicateType: "https://slsa.dev/provenance/v1",
    repositoryId,
    bundle: { mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json", ...bundle },
  });
}
