// The simulated tag workflow: a new tag on the remote starts a run of the release workflow as it is
// at that commit (if its tag filters match), which goes queued → in_progress → completed and
// publishes, per job, what the workflow declares: multi-platform images with buildx-style
// attestation manifests, their provenance attestations, and other OCI artifacts.
import { execFileSync } from "node:child_process";
import type { Scenario } from "./scenario.ts";
import type { RefUpdate } from "./api/server.ts";
import { repositoryIdOf, type JobRecord, type RunRecord, type SandboxState } from "./api/state.ts";
import { publishArtifact, publishIndex, type RegistryStore } from "./registry.ts";
import { HELM_CONFIG_MEDIA_TYPE, parseWorkflow, tagTriggers, type Workflow } from "../lib/workflow.ts";

export interface SimulatorOptions {
  owner: string;
  repo: string;
  remotePath: string;
  workflowPath: string;
  scenario: Scenario;
  state: SandboxState;
  store: RegistryStore;
}

export interface Simulator {
  onRefUpdate(u: RefUpdate): void;
  onRerun(run: RunRecord): void;
  /** Records an earlier release's run as finished, its images published (the repository's past). */
  backfill(tag: string, sha: string): void;
  /** Resolves when no run is queued or in progress. */
  settle(): Promise<void>;
  stop(): void;
}

const now = () => new Date().toISOString();

export function createSimulator(opts: SimulatorOptions): Simulator {
  const { owner, repo, remotePath, scenario, state, store } = opts;
  const timers = new Set<NodeJS.Timeout>();
  const workflows = new Map<number, Workflow>();
  let runNumber = 0;
  let waiters: (() => void)[] = [];

  const git = (...args: string[]) => execFileSync("git", ["--git-dir", remotePath, ...args], { encoding: "utf8" }).trim();
  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };
  const busy = () => state.runs.some((r) => r.status !== "completed");
  const wake = () => {
    if (busy()) return;
    const w = waiters;
    waiters = [];
    for (const resolve of w) resolve();
  };

  function readWorkflow(tag: string, sha: string): Workflow | null {
    let text: string;
    try {
      text = git("show", `${sha}:${opts.workflowPath}`);
    } catch {
      return null;
    }
    try {
      return parseWorkflow(text, opts.workflowPath, { owner, repository: `${owner}/${repo}`, tag, sha });
    } catch {
      return null; // GitHub would show a startup failure; nothing publishes either way
    }
  }

  function execute(run: RunRecord): void {
    const workflow = workflows.get(run.id)!;
    later(scenario.queuedMs, () => {
      run.status = "in_progress";
      run.runStartedAt = run.updatedAt = now();
      for (const job of run.jobs) if (job.status === "queued") Object.assign(job, { status: "in_progress", startedAt: now() });
      const finish = () => {
        if (scenario.holdRuns) return later(25, finish);
        for (const job of run.jobs) if (job.status === "in_progress") finishJob(run, job, workflow);
        run.status = "completed";
        run.conclusion = run.jobs.some((j) => j.conclusion === "failure") ? "failure" : "success";
        run.updatedAt = now();
        wake();
      };
      later(scenario.runMs, finish);
    });
  }

  function finishJob(run: RunRecord, job: JobRecord, workflow: Workflow): void {
    const failing = scenario.failJobs.find((f) => f.job === job.name && run.runAttempt <= f.attempts);
    job.status = "completed";
    job.completedAt = now();
    job.conclusion = failing ? "failure" : "success";
    job.steps = [
      { name: "Set up job", status: "completed", conclusion: "success", number: 1 },
      { name: "Build and push", status: "completed", conclusion: job.conclusion, number: 2 },
    ];
    if (failing) return;
    for (const image of workflow.images.filter((i) => i.job === job.name)) {
      const missing = new Set(scenario.missingPlatforms.filter((m) => m.image === image.ref).map((m) => m.platform));
      const platforms = (image.platforms ?? ["linux/amd64"]).filter((p) => !missing.has(p));
      const name = image.ref.slice(image.ref.indexOf("/") + 1);
      const { digest } = publishIndex(store, name, { platforms, tags: image.tags, attestations: image.attest, seed: `${run.headSha}:${image.ref}` });
      if (image.attest) {
        state.attestations.push({
          digest,
          predicateType: "https://slsa.dev/provenance/v1",
          repositoryId: repositoryIdOf(owner, repo),
          bundle: { mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json", dsseEnvelope: { payloadType: "application/vnd.in-toto+json", subject: image.ref, digest } },
        });
      }
    }
    for (const artifact of workflow.artifacts.filter((a) => a.job === job.name)) {
      const name = artifact.ref.slice(artifact.ref.indexOf("/") + 1);
      publishArtifact(store, name, {
        tag: artifact.tag,
        configMediaType: artifact.kind === "helm" ? HELM_CONFIG_MEDIA_TYPE : artifact.mediaType ?? "application/vnd.oci.empty.v1+json",
        layerMediaType: artifact.kind === "helm" ? "application/vnd.cncf.helm.chart.content.v1.tar+gzip" : "application/octet-stream",
        layer: `${artifact.name} ${artifact.tag} built from ${run.headSha}`,
      });
    }
  }

  function start(tag: string, sha: string, done = false): void {
    const workflow = readWorkflow(tag, sha);
    if (!workflow || !tagTriggers(workflow.filters, tag)) return;
    const created = now();
    const run: RunRecord = {
      id: state.nextId(),
      runNumber: ++runNumber,
      runAttempt: 1,
      name: "Release",
      workflowPath: opts.workflowPath,
      event: "push",
      headBranch: tag,
      headSha: sha,
      status: "queued",
      conclusion: null,
      createdAt: created,
      updatedAt: created,
      runStartedAt: created,
      jobs: workflow.jobs.map((name) => ({ id: state.nextId(), name, status: "queued", conclusion: null, runAttempt: 1, startedAt: created, completedAt: null, steps: [] })),
    };
    workflows.set(run.id, workflow);
    state.runs.push(run);
    if (!done) return execute(run);
    // History: the run happened long ago and succeeded.
    for (const job of run.jobs) finishJob(run, job, workflow);
    Object.assign(run, { status: "completed", conclusion: run.jobs.some((j) => j.conclusion === "failure") ? "failure" : "success" });
  }

  return {
    onRefUpdate(u) {
      if (!u.ref.startsWith("refs/tags/") || !u.newSha || u.oldSha) return;
      if (scenario.pushesStartNoRuns && u.via === "push") return;
      const tag = u.ref.slice("refs/tags/".length);
      let sha: string;
      try {
        sha = git("rev-parse", "--verify", "--quiet", `${u.newSha}^{commit}`);
      } catch {
        return;
      }
      start(tag, sha);
    },
    onRerun(run) {
      for (const job of run.jobs) if (job.status !== "completed") Object.assign(job, { status: "queued", conclusion: null, runAttempt: run.runAttempt });
      execute(run);
    },
    backfill: (tag, sha) => start(tag, sha, true),
    settle: () => (busy() ? new Promise<void>((resolve) => waiters.push(resolve)) : Promise.resolve()),
    stop() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const resolve of waiters) resolve();
      waiters = [];
    },
  };
}
