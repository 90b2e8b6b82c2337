// The sandbox's GitHub Actions runs a workflow from its YAML, independently of the kit's reading of
// it: what lands in the registry (read here over HTTP) and what the API reports (runs, jobs,
// attestations) is what the workflow's steps really did. Behaviours follow GitHub's documentation:
// "Workflow syntax for GitHub Actions" (filters, needs, if, strategy.matrix, env, outputs,
// continue-on-error, defaults), "Contexts" and "Variables" (default environment variables),
// "Workflow commands" ($GITHUB_ENV, $GITHUB_OUTPUT, multiline values), "Re-running workflows and
// jobs" (failed jobs and their dependents), "Events that trigger workflows" (workflow_run), and the
// actions' own READMEs (docker/metadata-action, docker/build-push-action, actions/attest-build-provenance).
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import type { RunRecord } from "../scripts/sandbox/api/state.ts";
import type { SandboxOptions } from "../scripts/sandbox/index.ts";
import { PRESETS } from "../scripts/sandbox/presets.ts";
import type { Scenario } from "../scripts/sandbox/scenario.ts";
import { git, initRepo, KIT, tempDir, until } from "./helpers/kit.ts";
import { gitAsync, type Sandbox, sandbox } from "./helpers/sandbox.ts";
import { rebuildRepository } from "./realworld/rebuild.ts";

const INDEX = "application/vnd.oci.image.index.v1+json";
const MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const ACCEPT = [
  INDEX,
  MANIFEST,
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
].join(", ");

interface World {
  sb: Sandbox;
  work: string;
  /** Pushes a new tag and waits until every run it started has completed. */
  push(tag: string): Promise<RunRecord[]>;
  /** A new commit on main with these files, pushed. */
  commit(files: Record<string, string>): Promise<void>;
  stop(): Promise<void>;
}

const worlds: World[] = [];
afterAll(async () => {
  for (const w of worlds) await w.stop();
});

function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
}

/** A sandbox whose repository holds exactly `files` on main; runs are instant unless the scenario says otherwise. */
async function world(
  files: Record<string, string>,
  scenario: Partial<Scenario> = {},
  options: Omit<SandboxOptions, "scenario" | "seed" | "example"> = {},
): Promise<World> {
  const dir = tempDir("rk-wfsim-");
  const work = dir.path;
  const sb = await sandbox({
    ...options,
    example: false,
    scenario: { queuedMs: 0, runMs: 0, ...scenario },
    seed: async (remote) => {
      initRepo(work, { origin: remote });
      writeFiles(work, files);
      git(work, "add", "-A");
      git(work, "commit", "-q", "-m", "feat: the first version");
      git(work, "push", "-q", "origin", "main");
    },
  });
  const w: World = {
    sb,
    work,
    async push(tag) {
      const before = new Set(sb.api.state.runs.map((r) => r.id));
      await gitAsync(work, "tag", tag);
      await gitAsync(work, "push", "-q", "origin", tag);
      await sb.settle();
      return sb.api.state.runs.filter((r) => !before.has(r.id));
    },
    async commit(more) {
      writeFiles(work, more);
      await gitAsync(work, "add", "-A");
      await gitAsync(work, "commit", "-q", "-m", "chore: change the workflows");
      await gitAsync(work, "push", "-q", "origin", "HEAD:refs/heads/main");
    },
    async stop() {
      await sb.stop();
      dir.remove();
    },
  };
  worlds.push(w);
  return w;
}

async function api(sb: Sandbox, path: string, init: RequestInit = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(`${sb.apiUrl}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${sb.token}`, accept: "application/vnd.github+json", ...(init.headers ?? {}) },
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Reads the sandbox registry as any client does: anonymous bearer token, then the manifest or blob. */
async function registry(
  sb: Sandbox,
  name: string,
  path: string,
): Promise<{ status: number; digest: string | null; type: string; bytes: Buffer }> {
  const url = `${sb.registryUrl}/v2/${name}/${path}`;
  let res = await fetch(url, { headers: { accept: ACCEPT } });
  if (res.status === 401) {
    const challenge = res.headers.get("www-authenticate") ?? "";
    const realm = /realm="([^"]+)"/.exec(challenge)![1]!;
    const service = /service="([^"]+)"/.exec(challenge)![1]!;
    const token = (
      (await (await fetch(`${realm}?service=${service}&scope=repository:${name}:pull`)).json()) as { token: string }
    ).token;
    res = await fetch(url, { headers: { accept: ACCEPT, authorization: `Bearer ${token}` } });
  }
  return {
    status: res.status,
    digest: res.headers.get("docker-content-digest"),
    type: (res.headers.get("content-type") ?? "").split(";")[0]!,
    bytes: Buffer.from(await res.arrayBuffer()),
  };
}

async function manifest(
  sb: Sandbox,
  name: string,
  ref: string,
): Promise<{ digest: string; type: string; body: any } | null> {
  const res = await registry(sb, name, `manifests/${ref}`);
  return res.status === 200
    ? { digest: res.digest!, type: res.type, body: JSON.parse(res.bytes.toString("utf8")) }
    : null;
}

const platforms = (index: any) =>
  index.manifests
    .filter((m: any) => m.platform?.os !== "unknown")
    .map((m: any) => `${m.platform.os}/${m.platform.architecture}`)
    .sort();

function jobLogs(w: World, run: RunRecord): string {
  return run.jobs.map((j) => `--- ${j.name}\n${w.sb.jobLog(j.id)}`).join("\n");
}

function byName(run: RunRecord): Record<string, string | null> {
  return Object.fromEntries(run.jobs.map((j) => [j.name, j.conclusion]));
}

describe("the example repository's release workflow, run for real", () => {
  it("publishes its images, chart and attestations, and reports its run and jobs as GitHub does", async () => {
    const sb = await sandbox({ scenario: { queuedMs: 0, runMs: 0 } });
    try {
      const repo = sb.repoPath!;
      const sha = await gitAsync(repo, "rev-parse", "HEAD");
      await gitAsync(repo, "tag", "v0.3.0");
      await gitAsync(repo, "push", "-q", "origin", "v0.3.0");
      await sb.settle();

      // The API: one push run of release.yml named after the workflow, its jobs by their names.
      const runs = await api(sb, `/repos/acme/gateway/actions/workflows/release.yml/runs?event=push&head_sha=${sha}`);
      expect(runs.body.workflow_runs).toHaveLength(1);
      const run = runs.body.workflow_runs[0];
      expect(run).toMatchObject({
        name: "Release",
        head_branch: "v0.3.0",
        head_sha: sha,
        event: "push",
        status: "completed",
        conclusion: "success",
        path: ".github/workflows/release.yml",
      });
      const jobs = (await api(sb, `/repos/acme/gateway/actions/runs/${run.id}/jobs`)).body.jobs;
      expect(jobs.map((j: any) => [j.name, j.conclusion])).toEqual([
        ["Gateway image", "success"],
        ["Admin UI image", "success"],
        ["Helm chart", "success"],
      ]);
      expect(jobs[0].steps.map((s: any) => s.name)).toEqual([
        "Set up job",
        "Run actions/checkout@v4",
        "Run docker/setup-buildx-action@v3",
        "Log in to GHCR",
        "Image metadata",
        "Build and push",
        "Attest build provenance",
        "Complete job",
      ]);

      // The gateway image: metadata-action's tags (semver, raw, sha, latest), one index, its
      // platform and buildx's provenance attestation manifest.
      const gateway = (await manifest(sb, "acme/gateway", "v0.3.0"))!;
      expect(gateway.type).toBe(INDEX);
      for (const tag of ["0.3.0", `sha-${sha.slice(0, 7)}`, "latest"])
        expect((await manifest(sb, "acme/gateway", tag))?.digest).toBe(gateway.digest);
      expect(platforms(gateway.body)).toEqual(["linux/amd64"]);
      const attestationEntry = gateway.body.manifests.find(
        (m: any) => m.annotations?.["vnd.docker.reference.type"] === "attestation-manifest",
      );
      expect(attestationEntry.annotations["vnd.docker.reference.digest"]).toBe(gateway.body.manifests[0].digest);
      // The image's config carries metadata-action's labels, passed on by build-push-action.
      const image = (await manifest(sb, "acme/gateway", gateway.body.manifests[0].digest))!;
      const config = JSON.parse(
        (await registry(sb, "acme/gateway", `blobs/${image.body.config.digest}`)).bytes.toString("utf8"),
      );
      expect(config.config.Labels).toMatchObject({
        "org.opencontainers.image.version": "0.3.0",
        "org.opencontainers.image.revision": sha,
      });

      const admin = (await manifest(sb, "acme/admin-ui", "v0.3.0"))!;
      expect((await manifest(sb, "acme/admin-ui", "latest"))?.digest).toBe(admin.digest);
      expect(platforms(admin.body)).toEqual(["linux/amd64", "linux/arm64"]);
      expect(await manifest(sb, "acme/admin-ui", "0.3.0")).toBeNull();

      // The chart: helm package then helm push, a real chart archive at the version without the v.
      const chart = (await manifest(sb, "acme/charts/gateway", "0.3.0"))!;
      expect(chart.body.config.mediaType).toBe("application/vnd.cncf.helm.config.v1+json");
      const chartConfig = JSON.parse(
        (await registry(sb, "acme/charts/gateway", `blobs/${chart.body.config.digest}`)).bytes.toString("utf8"),
      );
      expect(chartConfig).toMatchObject({ name: "gateway", version: "0.3.0", appVersion: "v0.3.0" });
      const archive = gunzipSync(
        (await registry(sb, "acme/charts/gateway", `blobs/${chart.body.layers[0].digest}`)).bytes,
      ).toString("latin1");
      expect(archive).toContain("gateway/Chart.yaml");
      expect(archive).toContain("gateway/values.yaml");

      // Provenance attestations: in GitHub's attestations API for each image's digest, and
      // attached in the registry under the referrers tag schema (sha256-<hex>).
      for (const [name, digest] of [
        ["acme/gateway", gateway.digest],
        ["acme/admin-ui", admin.digest],
      ] as const) {
        const found = await api(sb, `/repos/acme/gateway/attestations/${digest}`);
        expect(found.status).toBe(200);
        const statement = JSON.parse(
          Buffer.from(found.body.attestations[0].bundle.dsseEnvelope.payload, "base64").toString("utf8"),
        );
        expect(statement).toMatchObject({
          predicateType: "https://slsa.dev/provenance/v1",
          subject: [{ name: `ghcr.io/${name}`, digest: { sha256: digest.slice(7) } }],
        });
        const referrers = (await manifest(sb, name, digest.replace(":", "-")))!;
        expect(referrers.body.manifests.map((m: any) => m.artifactType)).toEqual([
          "application/vnd.dev.sigstore.bundle.v0.3+json",
        ]);
        const bundle = (await manifest(sb, name, referrers.body.manifests[0].digest))!;
        expect(bundle.body.subject.digest).toBe(digest);
      }
    } finally {
      await sb.stop();
    }
  });

  it("past releases (history) are runs that published what the workflow at their commit publishes", async () => {
    const sb = await sandbox({ history: true });
    try {
      expect(sb.api.state.runs.map((r) => [r.headBranch, r.status, r.conclusion])).toEqual([
        ["v0.1.0", "completed", "success"],
        ["v0.2.0", "completed", "success"],
      ]);
      for (const tag of ["v0.1.0", "v0.2.0"]) expect(await manifest(sb, "acme/gateway", tag)).not.toBeNull();
      expect(await manifest(sb, "acme/charts/gateway", "0.2.0")).not.toBeNull();
    } finally {
      await sb.stop();
    }
  });
});

const PIPELINE = `name: Pipeline
on:
  push:
    tags: ["v*", "!v*-rc*"]
env:
  REGISTRY: ghcr.io
  GREETING: hello
jobs:
  version:
    runs-on: ubuntu-latest
    outputs:
      version: \${{ steps.v.outputs.version }}
      notes: \${{ steps.v.outputs.notes }}
      matrix: \${{ steps.v.outputs.matrix }}
    steps:
      - id: v
        env:
          TAG: \${{ github.ref_name }}
        run: |
          echo "version=\${TAG#v}" >> "$GITHUB_OUTPUT"
          echo 'matrix={"os":["a","b","c"],"exclude":[{"os":"b"}]}' >> "$GITHUB_OUTPUT"
          { echo 'notes<<EOF'; echo 'line one'; echo 'line two'; echo 'EOF'; } >> "$GITHUB_OUTPUT"
          echo "FROM_ENV_FILE=set by a step" >> "$GITHUB_ENV"
          { echo 'MULTI<<END'; echo 'first'; echo 'second'; echo 'END'; } >> "$GITHUB_ENV"
      - name: Later steps see $GITHUB_ENV
        run: |
          test "$FROM_ENV_FILE" = "set by a step"
          test "$MULTI" = "$(printf 'first\\nsecond')"
          echo "greeting=$GREETING ref=$GITHUB_REF name=$GITHUB_REF_NAME type=$GITHUB_REF_TYPE sha=$GITHUB_SHA repo=$GITHUB_REPOSITORY owner=$GITHUB_REPOSITORY_OWNER actions=$GITHUB_ACTIONS job=$GITHUB_JOB"
          echo "ws=$GITHUB_WORKSPACE temp=$RUNNER_TEMP home=$HOME tmpdir=$TMPDIR"
          echo "path=$PATH"
          echo "run=$GITHUB_RUN_ID attempt=$GITHUB_RUN_ATTEMPT workflow=$GITHUB_WORKFLOW event=$GITHUB_EVENT_NAME"
      - name: No shell named is bash -e, without pipefail
        run: false | true
      - name: shell bash adds pipefail
        id: pipefail
        shell: bash
        continue-on-error: true
        run: false | true
      - run: test "\${{ steps.pipefail.outcome }}/\${{ steps.pipefail.conclusion }}" = failure/success
  dyn:
    needs: version
    runs-on: ubuntu-latest
    strategy:
      matrix: \${{ fromJSON(needs.version.outputs.matrix) }}
    steps:
      - run: echo "os \${{ matrix.os }} of \${{ strategy.job-total }}"
  build:
    needs: version
    name: build
    runs-on: ubuntu-latest
    strategy:
      matrix:
        platform: [linux/amd64, linux/arm64]
        include:
          - platform: linux/arm64
            suffix: arm
    steps:
      - uses: actions/checkout@v4
      - name: Push \${{ matrix.platform }}
        run: |
          mkdir -p out
          printf '%s|%s|%s|%s\\n' "\${{ needs.version.outputs.version }}" "\${{ matrix.platform }}" "\${{ matrix.suffix }}" "$(cat NOTICE)" > out/info.txt
          oras push \${{ env.REGISTRY }}/acme/tools/info:\${{ needs.version.outputs.version }}-\${{ strategy.job-index }} out/info.txt:text/plain
  notes:
    needs: [version, build]
    runs-on: ubuntu-latest
    steps:
      - run: test "\${{ needs.version.outputs.notes }}" = "$(printf 'line one\\nline two')"
      - run: echo "build result \${{ needs.build.result }}"
  never:
    needs: version
    if: github.ref_name == 'not-this-tag'
    runs-on: ubuntu-latest
    steps:
      - run: echo never
  after-never:
    needs: never
    runs-on: ubuntu-latest
    steps:
      - run: echo "runs only when never ran"
  always:
    needs: [never]
    if: always()
    runs-on: ubuntu-latest
    steps:
      - run: echo "never was \${{ needs.never.result }}"
      - name: A failing step that may fail
        continue-on-error: true
        run: exit 3
      - name: Runs after it
        id: after
        run: echo "went=on" >> "$GITHUB_OUTPUT"
      - name: Sees the step outcome
        run: test "\${{ steps.after.outputs.went }}" = on
`;

describe("the worlds whose knobs reach the workflow, through real execution", () => {
  const cases: [string, (sb: Sandbox, runs: RunRecord[]) => Promise<void>][] = [
    [
      "default",
      async (sb, [run]) => {
        expect(run?.conclusion).toBe("success");
        expect(platforms((await manifest(sb, "acme/admin-ui", "v9.0.0"))!.body)).toEqual([
          "linux/amd64",
          "linux/arm64",
        ]);
        expect(platforms((await manifest(sb, "acme/gateway", "9.0.0"))!.body)).toEqual(["linux/amd64"]);
        expect(await manifest(sb, "acme/charts/gateway", "9.0.0")).not.toBeNull();
      },
    ],
    [
      "image-job-fails",
      async (sb, [run]) => {
        expect(byName(run!)).toEqual({
          "Gateway image": "success",
          "Admin UI image": "failure",
          "Helm chart": "success",
        });
        expect(await manifest(sb, "acme/admin-ui", "v9.0.0")).toBeNull();
        expect(await manifest(sb, "acme/gateway", "v9.0.0")).not.toBeNull();
      },
    ],
    [
      "missing-platform",
      async (sb, [run]) => {
        expect(run?.conclusion).toBe("success");
        expect(platforms((await manifest(sb, "acme/admin-ui", "v9.0.0"))!.body)).toEqual(["linux/amd64"]);
      },
    ],
    [
      "actions-token",
      async (sb, runs) => {
        expect(runs).toEqual([]);
        expect(await manifest(sb, "acme/gateway", "v9.0.0")).toBeNull();
      },
    ],
    [
      "first-release",
      async (sb, [run]) => {
        expect(run?.conclusion).toBe("success");
        expect(await manifest(sb, "acme/gateway", "latest")).not.toBeNull();
      },
    ],
  ];
  for (const [name, check] of cases) {
    it(`${name}: a tag pushed at the example's head publishes what the world says`, async () => {
      const preset = PRESETS[name]!;
      const sb = await sandbox({ scenario: { ...preset.scenario, queuedMs: 0, runMs: 0 }, example: preset.example });
      try {
        await gitAsync(sb.repoPath!, "tag", "v9.0.0");
        await gitAsync(sb.repoPath!, "push", "-q", "origin", "v9.0.0");
        await sb.settle();
        await check(
          sb,
          sb.api.state.runs.filter((r) => r.headBranch === "v9.0.0"),
        );
      } finally {
        await sb.stop();
      }
    });
  }
});

// Real repositories' tag workflows (test/realworld, with hand-checked expectations written for the
// kit) run in the sandbox and publish what their expect.json says: the oracle agrees with a reading
// made by hand. The extracts hold no source code, so each image build gets a stub Dockerfile where
// its workflow names one, and the workflows' secrets get stand-in values.
const REAL_WORLD: Record<string, string[]> = {
  orhun__rustypaste: ["Dockerfile"],
  jdx__mise: ["Dockerfile", ...["alpine", "deb", "e2e", "rpm", "copr"].map((p) => `packaging/${p}/Dockerfile`)],
  lycheeverse__lychee: ["Dockerfile-CI.Dockerfile", "Dockerfile-CI.alpine.Dockerfile"],
  "ahstn__oceans-llm": ["crates/gateway/Dockerfile", "crates/admin-ui/web/Dockerfile"],
  atuinsh__atuin: ["Dockerfile"],
  "juspay__hyperswitch-card-vault": ["Dockerfile"],
};

describe("real repositories' tag workflows publish what their hand-checked expectation says", () => {
  for (const [name, dockerfiles] of Object.entries(REAL_WORLD)) {
    it(name, async () => {
      const dir = join(KIT, "test", "realworld", name);
      const expected = JSON.parse(readFileSync(join(dir, "expect.json"), "utf8"));
      const source = JSON.parse(readFileSync(join(dir, "source.json"), "utf8"));
      const [owner, repo] = String(expected.repository).split("/");
      const work = tempDir("rk-realworld-");
      const built = rebuildRepository(dir, join(work.path, "repo"));
      for (const file of dockerfiles) writeFiles(built.path, { [file]: "FROM scratch\nCOPY . /\n" });
      git(built.path, "add", "-A");
      git(
        built.path,
        "-c",
        "user.name=Test",
        "-c",
        "user.email=test@example.com",
        "commit",
        "-q",
        "-m",
        "test: stub Dockerfiles",
      );
      const workflows = readdirSync(join(built.path, ".github", "workflows"))
        .map((f) => readFileSync(join(built.path, ".github", "workflows", f), "utf8"))
        .join("\n");
      const secrets = Object.fromEntries(
        [...workflows.matchAll(/secrets\.([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => [
          m[1]!,
          `stand-in-${m[1]!.toLowerCase()}`,
        ]),
      );
      delete secrets.GITHUB_TOKEN;
      const sb = await sandbox({
        example: false,
        owner,
        name: repo,
        defaultBranch: source.default_branch,
        secrets,
        scenario: { queuedMs: 0, runMs: 0 },
        seed: async (remote) => void git(built.path, "push", "-q", remote, `HEAD:refs/heads/${source.default_branch}`),
      });
      try {
        const sha = git(built.path, "rev-parse", "HEAD");
        await gitAsync(built.path, "tag", expected.next_tag);
        await gitAsync(built.path, "push", "-q", sb.remotePath, `refs/tags/${expected.next_tag}`);
        await sb.settle();
        for (const image of expected.images) {
          const registryName = image.ref.slice(image.ref.indexOf("/") + 1);
          const tags = image.tags.map((t: string) =>
            t.replace("{sha7}", sha.slice(0, 7)).replace("{sha}", sha).replace("{version}", expected.next_version),
          );
          const found = await Promise.all(tags.map((t: string) => manifest(sb, registryName, t)));
          const missing = tags.filter((_t: string, i: number) => !found[i]);
          expect(missing, `${image.ref}: tags not published`).toEqual([]);
          // Per tag: jdx/mise lists five single-platform images (alpine, deb, ...) as one entry.
          for (const [i, top] of found.entries()) {
            const shown = top!.body.manifests
              ? top!.body.manifests
                  .filter((m: any) => m.platform?.os !== "unknown")
                  .map((m: any) =>
                    [m.platform.os, m.platform.architecture, m.platform.variant].filter(Boolean).join("/"),
                  )
              : [
                  await (async () => {
                    const config = JSON.parse(
                      (await registry(sb, registryName, `blobs/${top!.body.config.digest}`)).bytes.toString("utf8"),
                    );
                    return `${config.os}/${config.architecture}`;
                  })(),
                ];
            expect(shown.sort(), `${image.ref}:${tags[i]}: platforms`).toEqual([...image.platforms].sort());
            expect(
              sb.api.state.attestations.some((a) => a.digest === top!.digest),
              `${image.ref}:${tags[i]}: attested`,
            ).toBe(image.attested);
          }
        }
        for (const artifact of (expected.artifacts ?? []).filter((a: any) => a.kind === "helm")) {
          const chart = await manifest(sb, artifact.ref.slice(artifact.ref.indexOf("/") + 1), artifact.version);
          expect(chart?.body.config.mediaType, `${artifact.ref}:${artifact.version}`).toBe(
            "application/vnd.cncf.helm.config.v1+json",
          );
        }
      } finally {
        await sb.stop();
        work.remove();
      }
    });
  }
});

describe("a workflow's jobs, steps and files, as GitHub runs them", () => {
  it("needs, if, matrix (include, exclude, from an output, names), env, outputs, $GITHUB_ENV and $GITHUB_OUTPUT (multiline), continue-on-error, default variables", async () => {
    const w = await world({ ".github/workflows/pipeline.yml": PIPELINE, NOTICE: "from the checkout\n" });
    const [run] = await w.push("v1.2.0");
    expect(run, jobLogs(w, run!)).toMatchObject({ name: "Pipeline", conclusion: "success" });
    expect(byName(run!)).toEqual({
      version: "success",
      "build (linux/amd64)": "success",
      "build (linux/arm64, arm)": "success",
      "dyn (a)": "success",
      "dyn (c)": "success",
      notes: "success",
      never: "skipped",
      "after-never": "skipped",
      always: "success",
    });
    const sha = git(w.work, "rev-parse", "HEAD");
    const log = w.sb.jobLog(run!.jobs[0]!.id);
    expect(log).toContain(
      `greeting=hello ref=refs/tags/v1.2.0 name=v1.2.0 type=tag sha=${sha} repo=acme/gateway owner=acme actions=true job=version`,
    );
    // HOME, TMPDIR, the workspace and RUNNER_TEMP are inside the sandbox's folder; PATH is one folder of stand-ins.
    expect(log).toContain(`run=${run!.id} attempt=1 workflow=Pipeline event=push`);
    expect(w.sb.jobLog(run!.jobs.find((j) => j.name === "dyn (c)")!.id)).toContain("os c of 2");
    const dirs = /ws=(\S+) temp=(\S+) home=(\S+) tmpdir=(\S+)/.exec(log)!.slice(1);
    for (const d of dirs) expect(d.startsWith(w.sb.dir)).toBe(true);
    expect(dirs[0]).toMatch(/\/work\/gateway\/gateway$/);
    const path = /path=(\S+)/.exec(log)![1]!;
    expect(path.split(":")).toHaveLength(1);
    expect(path.startsWith(w.sb.dir)).toBe(true);

    // Each combination pushed its own artifact, made from the other job's output and the checkout.
    for (const [index, text] of [
      [0, "1.2.0|linux/amd64||from the checkout"],
      [1, "1.2.0|linux/arm64|arm|from the checkout"],
    ] as const) {
      const artifact = (await manifest(w.sb, "acme/tools/info", `1.2.0-${index}`))!;
      expect(artifact.body).toMatchObject({
        artifactType: "application/vnd.unknown.artifact.v1",
        config: { mediaType: "application/vnd.oci.empty.v1+json" },
      });
      expect(artifact.body.layers[0]).toMatchObject({
        mediaType: "text/plain",
        annotations: { "org.opencontainers.image.title": "info.txt" },
      });
      expect(
        (await registry(w.sb, "acme/tools/info", `blobs/${artifact.body.layers[0].digest}`)).bytes.toString("utf8"),
      ).toBe(`${text}\n`);
    }
    const always = run!.jobs.find((j) => j.name === "always")!;
    expect(w.sb.jobLog(always.id)).toContain("never was skipped");
    expect(always.steps.map((s) => [s.name, s.conclusion])).toContainEqual(["A failing step that may fail", "failure"]);
    expect(w.sb.jobLog(run!.jobs.find((j) => j.name === "notes")!.id)).toContain("build result success");

    // The tag filters: "!v*-rc*" excludes release candidates.
    expect(await w.push("v1.3.0-rc1")).toEqual([]);
  });

  it("starts only the workflows whose push filters match the tag (tags, tags-ignore, branch-only, other events)", async () => {
    const job = `jobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n`;
    const w = await world({
      ".github/workflows/any-push.yml": `name: any push\non: push\n${job}`,
      ".github/workflows/list.yaml": `name: list\non: [push, pull_request]\n${job}`,
      ".github/workflows/semver.yml": `name: semver\non:\n  push:\n    tags: ['v[0-9]+.[0-9]+.[0-9]+']\n${job}`,
      ".github/workflows/ignore.yml": `name: ignore\non:\n  push:\n    tags-ignore: ['**-rc*']\n${job}`,
      ".github/workflows/branches.yml": `name: branches only\non:\n  push:\n    branches: [main]\n${job}`,
      ".github/workflows/both.yml": `name: branches and tags\non:\n  push:\n    branches: [main]\n    tags: ['release/*']\n${job}`,
      ".github/workflows/dispatch.yml": `name: dispatch\non: workflow_dispatch\n${job}`,
      ".github/workflows/nested/ignored.yml": `name: nested\non: push\n${job}`,
      ".github/workflows/notes.txt": "not a workflow",
    });
    const names = async (tag: string) => (await w.push(tag)).map((r) => r.name).sort();
    expect(await names("v1.0.0")).toEqual(["any push", "ignore", "list", "semver"]);
    expect(await names("v1.0.0-rc1")).toEqual(["any push", "list"]);
    expect(await names("release/2")).toEqual(["any push", "branches and tags", "ignore", "list"]);
    expect(await names("release/3/extra")).toEqual(["any push", "ignore", "list"]);
  });

  it("an invalid workflow is a run that failed at startup, without jobs, which cannot be re-run", async () => {
    const good = `jobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ok\n`;
    const w = await world({
      ".github/workflows/yaml.yml": "name: broken yaml\non: push\njobs:\n  a: [unclosed\n",
      ".github/workflows/nojobs.yml": "name: no jobs\non: push\njobs: {}\n",
      ".github/workflows/needs.yml": `name: unknown needs\non: push\njobs:\n  a:\n    needs: missing\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo a\n`,
      ".github/workflows/cycle.yml": `name: cycle\non: push\njobs:\n  a:\n    needs: b\n    runs-on: ubuntu-latest\n    steps: [{ run: echo }]\n  b:\n    needs: a\n    runs-on: ubuntu-latest\n    steps: [{ run: echo }]\n`,
      ".github/workflows/with.yml": `name: list input\non: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: docker/build-push-action@v6\n        with:\n          platforms: [linux/amd64, linux/arm64]\n`,
      ".github/workflows/good.yml": `name: good\non: push\n${good}`,
      ".github/workflows/filtered.yml": "name: filtered out\non:\n  push:\n    tags: ['nope-*']\njobs: {}\n",
    });
    const runs = await w.push("v1.0.0");
    const summary = Object.fromEntries(runs.map((r) => [r.name, [r.status, r.conclusion, r.jobs.length]]));
    expect(summary).toEqual({
      ".github/workflows/yaml.yml": ["completed", "startup_failure", 0],
      "no jobs": ["completed", "startup_failure", 0],
      "unknown needs": ["completed", "startup_failure", 0],
      cycle: ["completed", "startup_failure", 0],
      "list input": ["completed", "startup_failure", 0],
      good: ["completed", "success", 1],
    });
    const broken = runs.find((r) => r.name === "unknown needs")!;
    expect(w.sb.jobLog(broken.id)).toContain("Job 'a' depends on unknown job 'missing'");
    const rerun = await api(w.sb, `/repos/acme/gateway/actions/runs/${broken.id}/rerun-failed-jobs`, {
      method: "POST",
    });
    expect(rerun.status).toBe(403);
  });

  it("re-running failed jobs re-runs them and every job that needs them, keeping the successful jobs' results", async () => {
    const w = await world({
      ".github/workflows/release.yml": `name: Release
on: push
jobs:
  prepare:
    runs-on: ubuntu-latest
    outputs:
      stamp: \${{ steps.s.outputs.stamp }}
    steps:
      - id: s
        run: echo "stamp=attempt-\${{ github.run_attempt }}" >> "$GITHUB_OUTPUT"
  flaky:
    needs: prepare
    runs-on: ubuntu-latest
    steps:
      - run: test "\${{ github.run_attempt }}" -gt 1
  publish:
    needs: [prepare, flaky]
    runs-on: ubuntu-latest
    steps:
      - run: echo "publishing with \${{ needs.prepare.outputs.stamp }} on attempt \${{ github.run_attempt }}"
  docs:
    needs: prepare
    runs-on: ubuntu-latest
    steps:
      - run: echo docs
`,
    });
    const [run] = await w.push("v1.0.0");
    expect(byName(run!)).toEqual({ prepare: "success", flaky: "failure", publish: "skipped", docs: "success" });
    expect(run!.conclusion).toBe("failure");
    const kept = Object.fromEntries(run!.jobs.map((j) => [j.name, j.id]));

    expect(
      (await api(w.sb, `/repos/acme/gateway/actions/runs/${run!.id}/rerun-failed-jobs`, { method: "POST" })).status,
    ).toBe(201);
    await w.sb.settle();
    expect(run!.runAttempt).toBe(2);
    expect(run!.conclusion).toBe("success");
    const latest = (await api(w.sb, `/repos/acme/gateway/actions/runs/${run!.id}/jobs`)).body.jobs;
    const attempts = Object.fromEntries(
      latest.map((j: any) => [j.name, [j.run_attempt, j.conclusion, j.id === kept[j.name]]]),
    );
    // prepare and docs kept (same job, attempt 1); flaky and its dependent publish ran again.
    expect(attempts).toEqual({
      prepare: [1, "success", true],
      flaky: [2, "success", false],
      publish: [2, "success", false],
      docs: [1, "success", true],
    });
    const publish = run!.jobs.find((j) => j.name === "publish")!;
    expect(w.sb.jobLog(publish.id)).toContain("publishing with attempt-1 on attempt 2");

    // Re-running the whole run re-runs every job.
    expect((await api(w.sb, `/repos/acme/gateway/actions/runs/${run!.id}/rerun`, { method: "POST" })).status).toBe(201);
    await w.sb.settle();
    expect(run!.jobs.map((j) => j.runAttempt)).toEqual([3, 3, 3, 3]);
    expect(w.sb.jobLog(run!.jobs.find((j) => j.name === "publish")!.id)).toContain(
      "publishing with attempt-3 on attempt 3",
    );
  });

  it("commands that are not stand-ins are logged as skipped and succeed; nothing else of the machine runs", async () => {
    // A program on the test process's PATH that would leave a mark if the workflow could reach it.
    const host = tempDir("rk-host-");
    const mark = join(host.path, "ran");
    const sentinel = `rk-sentinel-${process.pid}`;
    writeFileSync(join(host.path, sentinel), `#!/bin/sh\ntouch '${mark}'\n`);
    chmodSync(join(host.path, sentinel), 0o755);
    // One the sandbox's owner allows by name (hostTools) runs; nothing else of the machine does.
    const allowedMark = join(host.path, "allowed-ran");
    writeFileSync(join(host.path, "rk-allowed"), `#!/bin/sh\ntouch '${allowedMark}'\n`);
    chmodSync(join(host.path, "rk-allowed"), 0o755);
    const savedPath = process.env.PATH;
    process.env.PATH = `${host.path}:${savedPath}`;
    try {
      const w = await world(
        {
          ".github/workflows/release.yml": `name: Release
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - name: Tools the sandbox does not have
        run: |
          cargo build --release --locked
          version=$(${sentinel} --version)
          echo "got [$version]"
          curl -fsSL https://example.com | sh
          sh -c '${sentinel} nested'
          rk-allowed
          echo "done" | tee out.txt
      - name: Another shell
        shell: python
        run: print("hi")
      - name: Host PATH entries are not added
        run: echo "/usr/bin" >> "$GITHUB_PATH"
      - name: so the next step still lacks curl
        run: curl --version
`,
        },
        {},
        { hostTools: { "rk-allowed": join(host.path, "rk-allowed") } },
      );
      const [run] = await w.push("v1.0.0");
      expect(run!.conclusion, jobLogs(w, run!)).toBe("success");
      const log = w.sb.jobLog(run!.jobs[0]!.id);
      for (const skipped of [
        "cargo build --release --locked",
        `${sentinel} --version`,
        "curl -fsSL https://example.com",
        `${sentinel} nested`,
        "curl --version",
      ]) {
        expect(log).toContain(`skipped \`${skipped}\``);
      }
      expect(log).toContain("got []");
      expect(log).toContain("shell `python` is not available");
      expect(log).toContain("$GITHUB_PATH entry /usr/bin is outside the runner's folders");
      expect(existsSync(mark)).toBe(false);
      expect(existsSync(allowedMark)).toBe(true);
    } finally {
      process.env.PATH = savedPath;
      host.remove();
    }
  });

  it("a job's `name:`, defaults, working-directory, a local composite action, parallel steps, and expressions GitHub's evaluator answers", async () => {
    const w = await world({
      ".github/actions/greet/action.yml": `name: greet
inputs:
  who:
    required: true
  punctuation:
    default: "!"
outputs:
  line:
    value: \${{ steps.say.outputs.line }}
runs:
  using: composite
  steps:
    - id: say
      shell: bash
      run: echo "line=hello \${{ inputs.who }}\${{ inputs.punctuation }} from $(basename "$GITHUB_ACTION_PATH")" >> "$GITHUB_OUTPUT"
`,
      "sub/dir/file.txt": "content\n",
      ".github/workflows/release.yml": `name: Release
on: push
defaults:
  run:
    working-directory: sub
jobs:
  build:
    name: Build \${{ github.ref_name }}
    runs-on: ubuntu-latest
    defaults:
      run:
        shell: bash
    steps:
      - uses: actions/checkout@v4
      - uses: ./.github/actions/greet
        id: greet
        with:
          who: \${{ github.repository_owner }}
      - run: |
          test "\${{ steps.greet.outputs.line }}" = "hello acme! from greet"
          test "$(cat dir/file.txt)" = content
          test "$PWD" = "$GITHUB_WORKSPACE/sub"
      - run: test "$PWD" = "$GITHUB_WORKSPACE/sub/dir"
        working-directory: sub/dir
      - parallel:
          - run: echo a > par-a.txt
          - run: echo b > par-b.txt
      - run: test "$(cat par-a.txt par-b.txt)" = "$(printf 'a\\nb')"
      - id: bg
        background: true
        run: echo started > bg.txt
      - wait: bg
      - run: test "$(cat bg.txt)" = started
      - name: Expressions
        run: |
          test '\${{ format('{0}-{1}', 'a', github.run_attempt) }}' = a-1
          test '\${{ contains(github.ref, 'tags') && startsWith(github.ref_name, 'v') }}' = true
          test '\${{ join(fromJSON('["x","y"]'), '+') }}' = x+y
          test '\${{ toJSON(github.event.created) }}' = true
          test '\${{ hashFiles('sub/**/*.txt') }}' != ''
          test '\${{ hashFiles('nothing/*') }}' = ''
          test '\${{ github.event_name }}' = push
          test '\${{ secrets.GITHUB_TOKEN != '' }}' = true
`,
    });
    const [run] = await w.push("v2.0.0");
    expect(run!.conclusion, jobLogs(w, run!)).toBe("success");
    expect(run!.jobs.map((j) => j.name)).toEqual(["Build v2.0.0"]);
  });
});

describe("the marketplace actions the sandbox implements", () => {
  it("docker/metadata-action: tag types, priorities, flavor, images, prereleases", async () => {
    const meta = (id: string, inputs: string) =>
      `      - id: ${id}\n        uses: docker/metadata-action@v5\n        with:\n${inputs.replace(/^/gm, "          ")}\n      - run: echo '${id}=\${{ join(fromJSON(steps.${id}.outputs.json).tags, ' ') }} version=\${{ steps.${id}.outputs.version }}'\n`;
    const w = await world({
      ".github/workflows/meta.yml": `name: meta
on: push
jobs:
  m:
    runs-on: ubuntu-latest
    steps:
${meta("defaults", "images: ghcr.io/Acme/App")}${meta("semver", `images: |\n  ghcr.io/acme/app\n  name=docker.io/acme/app,enable=false\ntags: |\n  type=semver,pattern={{version}}\n  type=semver,pattern={{major}}.{{minor}}\n  type=semver,pattern=v{{major}}\n  type=sha,format=long,prefix=\n  type=ref,event=branch`)}${meta("flavor", `images: ghcr.io/acme/app\nflavor: |\n  latest=false\n  prefix=app-\n  suffix=-x,onlatest=true\ntags: |\n  type=raw,value=stable,priority=1000\n  type=ref,event=tag\n  type=raw,value=nightly,enable=\${{ github.ref_name == 'never' }}`)}${meta("nolatest", `images: ghcr.io/acme/app\ntags: type=raw,value={{tag}}-{{sha}}`)}`,
    });
    const [release] = await w.push("v1.2.3");
    const sha = git(w.work, "rev-parse", "HEAD");
    const log = w.sb.jobLog(release!.jobs[0]!.id);
    expect(log).toContain("defaults=ghcr.io/acme/app:v1.2.3 ghcr.io/acme/app:latest version=v1.2.3");
    expect(log).toContain(
      `semver=ghcr.io/acme/app:1.2.3 ghcr.io/acme/app:1.2 ghcr.io/acme/app:v1 ghcr.io/acme/app:${sha} ghcr.io/acme/app:latest version=1.2.3`,
    );
    expect(log).toContain("flavor=ghcr.io/acme/app:app-stable-x ghcr.io/acme/app:app-v1.2.3-x version=app-stable-x");
    expect(log).toContain(`nolatest=ghcr.io/acme/app:v1.2.3-${sha.slice(0, 7)} version=v1.2.3-${sha.slice(0, 7)}`);

    const [pre] = await w.push("v2.0.0-rc.1");
    const preLog = w.sb.jobLog(pre!.jobs[0]!.id);
    // A prerelease only ever gets {{version}}, and no latest.
    expect(preLog).toContain(`semver=ghcr.io/acme/app:2.0.0-rc.1 ghcr.io/acme/app:${sha} version=2.0.0-rc.1`);
  });

  it("docker/build-push-action and the docker stand-in: drivers, provenance, platforms, and the scenario's missing platforms and failing jobs", async () => {
    const dockerfile = "FROM alpine:3.20\nRUN apk add --no-cache curl\nCOPY README.md /\n";
    // A two-platform build after only the `setup` actions: without both buildx and QEMU it fails.
    const multiPlatform = (job: string, image: string, setup: string[]) => `  ${job}:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
${setup.map((uses) => `      - uses: ${uses}\n`).join("")}      - uses: docker/build-push-action@v6
        with:
          context: .
          push: true
          platforms: linux/amd64,linux/arm64
          tags: ghcr.io/acme/${image}:\${{ github.ref_name }}
`;
    const w = await world(
      {
        Dockerfile: dockerfile,
        "README.md": "readme\n",
        ".github/workflows/images.yml": `name: images
on: push
permissions:
  contents: read
  packages: write
jobs:
  single:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: docker/setup-buildx-action@v3
      - id: b
        uses: docker/build-push-action@v6
        with:
          context: .
          push: true
          provenance: false
          tags: ghcr.io/acme/single:\${{ github.ref_name }}
      - run: |
          test "\${{ steps.b.outputs.digest }}" = "$(docker buildx imagetools inspect ghcr.io/acme/single:\${{ github.ref_name }} | sed -n 's/^Digest: *//p')"
${multiPlatform("no-buildx", "nobuildx", [])}${multiPlatform("no-qemu", "noqemu", ["docker/setup-buildx-action@v3"])}  cli:
    name: CLI build
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: docker/setup-qemu-action@v3
      - run: |
          docker buildx create --use
          docker buildx build --platform linux/amd64,linux/arm64 -t ghcr.io/acme/cli:\${GITHUB_REF_NAME} -t ghcr.io/acme/cli:latest --push .
          docker build -t ghcr.io/acme/classic:\${GITHUB_REF_NAME} .
          docker push ghcr.io/acme/classic:\${GITHUB_REF_NAME}
          docker buildx imagetools create -t ghcr.io/acme/cli:copy ghcr.io/acme/cli:\${GITHUB_REF_NAME}
  tools:
    needs: single
    runs-on: ubuntu-latest
    permissions:
      id-token: write
      packages: write
    env:
      TOKEN: \${{ secrets.GITHUB_TOKEN }}
    steps:
      - run: |
          case "$(docker --config /tmp --version)" in "Docker version "*) ;; *) exit 1 ;; esac
          echo "$TOKEN" | docker login ghcr.io -u me --password-stdin
          crane copy ghcr.io/acme/single:\${GITHUB_REF_NAME} ghcr.io/acme/copied:\${GITHUB_REF_NAME}
          digest=$(crane digest ghcr.io/acme/copied:\${GITHUB_REF_NAME})
          test "$digest" = "$(crane digest ghcr.io/acme/single:\${GITHUB_REF_NAME})"
          cosign sign --yes ghcr.io/acme/copied@$digest
          cosign verify ghcr.io/acme/copied:\${GITHUB_REF_NAME}
          docker manifest create ghcr.io/acme/list:\${GITHUB_REF_NAME} ghcr.io/acme/single:\${GITHUB_REF_NAME}
          docker manifest push ghcr.io/acme/list:\${GITHUB_REF_NAME}
          echo "token [$TOKEN]"
  attest-without-permission:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/attest-build-provenance@v2
        with:
          subject-name: ghcr.io/acme/single
          subject-digest: sha256:${"0".repeat(64)}
`,
      },
      {
        missingPlatforms: [{ image: "ghcr.io/acme/cli", platform: "linux/arm64" }],
        failJobs: [{ job: "CLI build", attempts: 1 }],
      },
    );
    const [run] = await w.push("v1.0.0");
    expect(byName(run!), jobLogs(w, run!)).toEqual({
      single: "success",
      "no-buildx": "failure",
      "no-qemu": "failure",
      "CLI build": "failure",
      tools: "success",
      "attest-without-permission": "failure",
    });
    const logs = jobLogs(w, run!);
    expect(logs).toContain("Multi-platform build is not supported for the docker driver");
    expect(logs).toContain("exec format error");
    expect(logs).toContain("id-token: write");
    // provenance: false and one platform: a plain image manifest, no index.
    const single = (await manifest(w.sb, "acme/single", "v1.0.0"))!;
    expect(single.type).toBe(MANIFEST);
    // crane copy, cosign sign (its .sig tag), docker manifest create/push; the token is masked in the log.
    expect((await manifest(w.sb, "acme/copied", "v1.0.0"))?.digest).toBe(single.digest);
    expect(await manifest(w.sb, "acme/copied", `${single.digest.replace(":", "-")}.sig`)).not.toBeNull();
    const list = (await manifest(w.sb, "acme/list", "v1.0.0"))!;
    expect(list.body.manifests.map((m: any) => m.digest)).toEqual([single.digest]);
    expect(w.sb.jobLog(run!.jobs.find((j) => j.name === "tools")!.id)).toContain("token [***]");
    // The failing job published nothing.
    expect(await manifest(w.sb, "acme/cli", "v1.0.0")).toBeNull();
    expect(logs).toContain("scenario failJobs");

    // Its re-run (a later attempt) succeeds, without the platform the scenario leaves out.
    expect(
      (await api(w.sb, `/repos/acme/gateway/actions/runs/${run!.id}/rerun-failed-jobs`, { method: "POST" })).status,
    ).toBe(201);
    await w.sb.settle();
    expect(byName(run!)["CLI build"]).toBe("success");
    const cli = (await manifest(w.sb, "acme/cli", "v1.0.0"))!;
    expect(platforms(cli.body)).toEqual(["linux/amd64"]);
    // docker buildx build attaches provenance by default (min); imagetools create copies the platforms.
    expect(
      cli.body.manifests.filter((m: any) => m.annotations?.["vnd.docker.reference.type"] === "attestation-manifest"),
    ).toHaveLength(1);
    expect(platforms((await manifest(w.sb, "acme/cli", "copy"))!.body)).toEqual(["linux/amd64"]);
    // docker build + docker push (the docker driver): a Docker image manifest.
    expect((await manifest(w.sb, "acme/classic", "v1.0.0"))?.type).toBe(
      "application/vnd.docker.distribution.manifest.v2+json",
    );
  });
});

describe("runs and the scenario's knobs", () => {
  it("a workflow_run workflow runs after the named workflow completes, on the default branch, with the event in GITHUB_EVENT_PATH", async () => {
    const w = await world({
      ".github/workflows/release.yml":
        "name: Release\non:\n  push:\n    tags: ['v*']\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo built\n",
      ".github/workflows/verify.yml": `name: Release verify
on:
  workflow_run:
    workflows: [Release]
    types: [completed]
jobs:
  verify:
    if: github.event.workflow_run.conclusion == 'success'
    runs-on: ubuntu-latest
    steps:
      - run: |
          echo "verifying $(jq -r '.workflow_run.head_branch + " " + .workflow_run.conclusion + " " + .action' "$GITHUB_EVENT_PATH") on $GITHUB_REF"
          test "\${{ github.event.workflow_run.head_sha }}" = "$(jq -r .workflow_run.head_sha "$GITHUB_EVENT_PATH")"
`,
    });
    const runs = await w.push("v1.0.0");
    const verify = runs.find((r) => r.name === "Release verify")!;
    expect(verify, jobLogs(w, verify)).toMatchObject({
      event: "workflow_run",
      headBranch: "main",
      conclusion: "success",
    });
    expect(w.sb.jobLog(verify.jobs[0]!.id)).toContain("verifying v1.0.0 success completed on refs/heads/main");
    expect(runs.find((r) => r.name === "Release")!.conclusion).toBe("success");
  });

  it("holdRuns keeps a run in progress, runMs bounds it from below, pushesStartNoRuns starts none", async () => {
    const w = await world(
      {
        ".github/workflows/release.yml":
          "name: Release\non: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo a\n",
      },
      { holdRuns: true, queuedMs: 0 },
    );
    await gitAsync(w.work, "tag", "v1.0.0");
    await gitAsync(w.work, "push", "-q", "origin", "v1.0.0");
    const run = w.sb.api.state.runs[0]!;
    await until(() => run.status === "in_progress", "the run to start");
    // The job's step has long finished; the run stays in progress while held.
    await until(() => w.sb.jobLog(run.jobs[0]!.id).includes("##[endgroup]"), "the step to run");
    expect(run.status).toBe("in_progress");
    w.sb.scenario.holdRuns = false;
    await w.sb.settle();
    expect(run.conclusion).toBe("success");

    // A job reports completion no sooner than runMs after its run started.
    w.sb.scenario.runMs = 300;
    const [timed] = await w.push("v1.0.1");
    expect(Date.parse(timed!.jobs[0]!.completedAt!) - Date.parse(timed!.createdAt)).toBeGreaterThanOrEqual(300);

    w.sb.scenario.pushesStartNoRuns = true;
    expect(await w.push("v1.0.2")).toEqual([]);
  });
});

describe("independence from the kit", () => {
  it("nothing under scripts/sandbox imports the kit's workflow reading", () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, name.name);
        if (name.isDirectory()) walk(path);
        else if (/\.(ts|mts|mjs)$/.test(name.name)) files.push(path);
      }
    };
    walk(join(KIT, "scripts", "sandbox"));
    expect(files.length).toBeGreaterThan(20);
    for (const file of files) {
      const text = readFileSync(file, "utf8");
      expect(text, file).not.toMatch(/from\s+["'][^"']*lib\/workflow[^"']*["']/);
      expect(text, file).not.toMatch(/import\(["'][^"']*lib\/workflow/);
    }
  });
});
