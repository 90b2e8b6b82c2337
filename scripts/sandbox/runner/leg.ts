// One job (one matrix combination) on a fresh runner: its folders inside the sandbox, the github
// context and default variables, GITHUB_TOKEN and its permissions, the runtime its actions and
// stand-ins share, then its steps (job.ts). The scenario may fail it (failJobs): its first build
// fails, or its end when it builds nothing.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { AttestationRecord } from "../api/state.ts";
import type { Scenario } from "../scenario.ts";
import {
  defaultEnv,
  githubContext,
  permissionsOf,
  type Repo,
  type RunEvent,
  runnerArch,
  runnerOs,
  SERVER_URL,
} from "./context.ts";
import { interpolateDeep, type Json } from "./expressions.ts";
import { evaluateEnv, type JobOutcome, runJob } from "./job.ts";
import type { Combination } from "./matrix.ts";
import type { TarEntry } from "./oci/tar.ts";
import { BuildFailure, createOciClient, type JobRuntime } from "./runtime.ts";
import type { ToolServer } from "./tools/server.ts";
import type { JobDef, Workflow } from "./workflow-file.ts";

/** What every runner shares: the sandbox's folders, registry, secrets and knobs. */
export interface RunnerHost {
  root: string;
  repo: Repo;
  gitDir: string;
  /** The registry answering for every host, or for the host given. */
  registryUrl: string | ((host: string) => Promise<string>);
  /** Told of every tagged manifest a job stores: what the run really published, and which job did. */
  pushed(p: PushRecord): void;
  secrets: Record<string, string>;
  scenario: Scenario;
  source(sha: string): Promise<TarEntry[]>;
  attest(record: Omit<AttestationRecord, "repositoryId">): void;
  /** Makes a job's GITHUB_TOKEN valid at the API with its permissions, until the returned revoke. */
  issueToken(token: string, permissions: Record<string, string>): () => void;
  toolServer(): Promise<ToolServer>;
  binDir(): string;
  track(kill: () => void): () => void;
}

/** One tagged manifest a job pushed. */
export interface PushRecord {
  runId: number;
  workflow: string;
  job: string;
  /** The job's place in its workflow's `jobs:`. */
  jobIndex: number;
  /** host/name */
  ref: string;
  tag: string;
  /** An image (an index, or a manifest of an image config), or another artifact (a Helm chart, an oras push). */
  kind: "image" | "artifact";
}

const IMAGE_CONFIGS = ["application/vnd.oci.image.config.v1+json", "application/vnd.docker.container.image.v1+json"];

function kindOf(bytes: Buffer): PushRecord["kind"] {
  try {
    const doc = JSON.parse(bytes.toString("utf8")) as {
      manifests?: unknown;
      config?: { mediaType?: string };
      artifactType?: string;
    };
    if (Array.isArray(doc.manifests)) return "image";
    return !doc.artifactType && IMAGE_CONFIGS.includes(doc.config?.mediaType ?? "") ? "image" : "artifact";
  } catch {
    return "artifact";
  }
}

export interface Leg {
  workflow: Workflow;
  event: RunEvent;
  runId: number;
  runNumber: number;
  attempt: number;
  job: JobDef;
  combo: Combination | null;
  index: number;
  total: number;
  strategy: Record<string, unknown>;
  recordId: number;
  /** The job's name as GitHub shows it. */
  name: string;
  /** github, vars, inputs, needs as the run has them. */
  contexts: Record<string, Json>;
  /** The job's log, appended to. */
  lines: string[];
  /** Set when the scenario fails this attempt of the job. */
  knob?: { attempts: number };
}

export async function runOnRunner(host: RunnerHost, leg: Leg): Promise<{ outcome: JobOutcome; jobRoot: string }> {
  const { job, attempt } = leg;
  const repo = host.repo;
  const jobRoot = join(host.root, `run-${leg.runId}-${attempt}`, `job-${leg.recordId}`);
  const workspace = join(jobRoot, "work", repo.name, repo.name);
  const dirs = {
    home: join(jobRoot, "home"),
    tmp: join(jobRoot, "tmp"),
    temp: join(jobRoot, "temp"),
    toolCache: join(jobRoot, "toolcache"),
    runnerWorkspace: join(jobRoot, "work", repo.name),
  };
  const artifacts = join(host.root, `run-${leg.runId}`, "artifacts");
  await Promise.all(
    [
      workspace,
      dirs.home,
      dirs.tmp,
      join(dirs.temp, "_runner_file_commands"),
      join(dirs.temp, "_github_workflow"),
      dirs.toolCache,
      artifacts,
    ].map((d) => mkdir(d, { recursive: true })),
  );
  const token = `ghs_${randomBytes(18).toString("base64url")}`;
  const masks = new Set<string>([token, ...Object.values(host.secrets)]);
  const log = (line: string) => {
    let text = line;
    for (const m of masks) if (m.length >= 4) text = text.split(m).join("***");
    leg.lines.push(text);
  };
  let failedByKnob = false;
  const eventPath = join(dirs.temp, "_github_workflow", "event.json");
  await writeFile(eventPath, JSON.stringify(leg.event.payload, null, 2));
  const github = githubContext({
    repo,
    event: leg.event,
    workflowName: leg.workflow.name,
    workflowPath: leg.workflow.path,
    runId: leg.runId,
    runNumber: leg.runNumber,
    runAttempt: attempt,
    jobId: job.id,
    workspace,
    eventPath,
    token,
  });
  const matrix = (leg.combo ?? {}) as Json;
  let arch: "amd64" | "arm64" = "amd64";
  let os: "Linux" | "macOS" | "Windows" = "Linux";
  try {
    const runsOn = interpolateDeep(job.raw["runs-on"], { contexts: { ...leg.contexts, matrix } });
    arch = runnerArch(runsOn);
    os = runnerOs(runsOn);
  } catch {
    // an expression GitHub would refuse fails the job later, where it is used
  }
  const logins = new Map<string, { username: string; password: string }>();
  const key = randomBytes(16).toString("hex");
  const server = await host.toolServer();
  const created = String(
    (leg.event.payload.head_commit as Record<string, Json> | undefined)?.timestamp ?? new Date().toISOString(),
  );
  const rt: JobRuntime = {
    key,
    arch,
    os,
    runId: leg.runId,
    attempt,
    jobId: job.id,
    jobName: leg.name,
    workspace,
    temp: dirs.temp,
    home: dirs.home,
    root: jobRoot,
    artifacts,
    owner: repo.owner,
    repository: `${repo.owner}/${repo.name}`,
    repositoryId: repo.id,
    sha: leg.event.sha,
    ref: leg.event.ref,
    created: new Date(created).toISOString().replace(/\.\d{3}Z$/, "Z"),
    serverUrl: SERVER_URL,
    gitDir: host.gitDir,
    source: host.source,
    scenario: host.scenario,
    oci: createOciClient(host.registryUrl, logins, (ref, reference, bytes) => {
      // A tag, not a digest nor an attestation's fallback tag (sha256-<hex>).
      if (reference.includes(":") || /^sha256-[0-9a-f]{64}/.test(reference)) return;
      host.pushed({
        runId: leg.runId,
        workflow: leg.workflow.path,
        job: job.id,
        jobIndex: leg.workflow.jobs.indexOf(job),
        ref: ref.base,
        tag: reference,
        kind: kindOf(bytes),
      });
    }),
    logins,
    docker: { builder: "docker", qemu: false, images: new Map(), lists: new Map() },
    permissions: permissionsOf(leg.workflow.root.permissions, job.raw.permissions),
    log,
    mask: (value) => masks.add(value),
    produce(what) {
      if (!leg.knob) return;
      failedByKnob = true;
      throw new BuildFailure(
        `ERROR: failed to build: ${what} failed: the sandbox fails job ${job.id} on attempt ${attempt} of ${leg.knob.attempts} (scenario failJobs)`,
      );
    },
    attest: host.attest,
    hasTool: (name) => existsSync(join(host.binDir(), name)),
    inside: (path) =>
      resolve(path).startsWith(`${jobRoot}/`) || resolve(path) === jobRoot || resolve(path).startsWith(artifacts),
  };
  server.register(rt);
  // The token works at the API while the job runs, as GitHub's expires when the job ends.
  const revoke = host.issueToken(token, rt.permissions);
  let outcome: JobOutcome;
  try {
    const secrets: Record<string, Json> = { ...host.secrets, GITHUB_TOKEN: token };
    const strategy = {
      "fail-fast": leg.strategy["fail-fast"] !== false,
      "job-index": leg.index,
      "job-total": leg.total,
      "max-parallel": Number(leg.strategy["max-parallel"] ?? leg.total),
    };
    const workflowEnv = evaluateEnv(leg.workflow.root.env, { contexts: { github, secrets, inputs: {}, vars: {} } });
    const minutes = Number(job.raw["timeout-minutes"] ?? 360);
    outcome = await runJob(rt, {
      workflow: leg.workflow,
      job,
      contexts: { ...leg.contexts, github, secrets, matrix, strategy },
      workflowEnv,
      processEnv: {
        ...defaultEnv(github, dirs, arch, os),
        SANDBOX_RUNNER_PORT: String(server.port),
        SANDBOX_RUNNER_KEY: key,
      },
      binDir: host.binDir(),
      skippedLog: join(jobRoot, "skipped-commands.log"),
      timeoutMs: (Number.isFinite(minutes) && minutes > 0 ? minutes : 360) * 60_000,
      track: host.track,
    });
  } catch (error) {
    log(`Error: ${(error as Error).message}`);
    outcome = {
      result: "failure",
      outputs: {},
      steps: [{ name: "Set up job", conclusion: "failure" }],
      skippedCommands: [],
    };
  } finally {
    server.unregister(key);
    revoke();
  }
  if (leg.knob && !failedByKnob && outcome.result === "success") {
    // The scenario fails this job, yet no step built anything: it fails at its end instead.
    log(`Error: the sandbox fails job ${job.id} on attempt ${attempt} of ${leg.knob.attempts} (scenario failJobs)`);
    outcome = {
      ...outcome,
      result: "failure",
      steps: outcome.steps.map((s, i) =>
        i === outcome.steps.length - 2 ? { ...s, conclusion: "failure" as const } : s,
      ),
    };
  }
  return { outcome, jobRoot };
}
