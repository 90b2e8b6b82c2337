// mise run release:verify against the GitHub sandbox: a real release (mise run release --yes), the
// simulated tag workflow publishing images, attestations and the Helm chart, then the world broken
// one way at a time. Every case runs the real entry point and reads its --json document.
//
// Three worlds are built at once in beforeAll (building one is most of the cost):
//   ok      a clean release; read-only cases share it, breaking cases restore it afterwards;
//   broken  the chart job fails, the admin UI build leaves out linux/arm64, and a docs commit in
//           the release claims arm64 for the gateway;
//   slow    a tag run that stays in progress for seconds, for --wait.
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findSection } from "../scripts/lib/changelog.ts";
import { deleteTag, publishArtifact, publishIndex } from "../scripts/sandbox/registry.ts";
import { fileHashes, type KitRun, LAUNCHER, run, until, withTempDir } from "./helpers/kit.ts";
import {
  gitAsync,
  hintIn,
  kitIn,
  landCommit,
  remoteRefs,
  type Sandbox,
  sandbox,
  sandboxEnv,
  withClone,
} from "./helpers/sandbox.ts";

const GATEWAY = "ghcr.io/acme/gateway";
const ADMIN = "ghcr.io/acme/admin-ui";
const CHART = "ghcr.io/acme/charts/gateway";
const HELM_CONFIG = "application/vnd.cncf.helm.config.v1+json";
const LIST_RUNS = "GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs";
const DOC_CLAIM = "\nOn arm64 nodes, run `ghcr.io/acme/gateway` (linux/amd64, linux/arm64).\n";

const started: Sandbox[] = [];
async function world(options: Parameters<typeof sandbox>[0] = {}): Promise<Sandbox> {
  const sb = await sandbox(options);
  started.push(sb);
  return sb;
}

async function release(sb: Sandbox): Promise<string> {
  const res = await kitIn(sb, "release", ["--yes", "--json"]);
  if (res.code !== 0) throw new Error(`release failed (${res.code}):\n${res.stderr}`);
  return res.json.tag as string;
}

function verify(
  sb: Sandbox,
  args: string[] = [],
  env: Record<string, string | undefined> = {},
  repo?: string,
): Promise<KitRun> {
  return kitIn(sb, "verify", ["--json", ...args], { env, repo });
}

function check(res: KitRun, id: string): { id: string; status: string; detail: string; fix: string; ms: number } {
  const found = res.json?.checks?.find((c: { id: string }) => c.id === id);
  if (!found) throw new Error(`no check ${id} in:\n${res.stdout}\n${res.stderr}`);
  return found;
}

const statuses = (res: KitRun) =>
  Object.fromEntries(res.json.checks.map((c: { id: string; status: string }) => [c.id, c.status]));
const tagsOf = (sb: Sandbox, name: string) => sb.registry.store.repos.get(name)!.tags;
const counts = (sb: Sandbox, route: string) => ({
  ok: sb.api.requests.get(`${route} 200`) ?? 0,
  notModified: sb.api.requests.get(`${route} 304`) ?? 0,
});

/** Breaks the world, runs verify, and puts the world back: GitHub records, registry tags and knobs. */
async function verifyBroken(
  sb: Sandbox,
  breakIt: () => void,
  args: string[] = [],
  runIt = () => verify(sb, args),
): Promise<KitRun> {
  const state = sb.api.state;
  const saved = structuredClone({ releases: state.releases, runs: state.runs, attestations: state.attestations });
  const tags = new Map([...sb.registry.store.repos].map(([name, repo]) => [name, new Map(repo.tags)]));
  try {
    breakIt();
    return await runIt();
  } finally {
    state.releases.splice(0, Infinity, ...saved.releases);
    state.runs.splice(0, Infinity, ...saved.runs);
    state.attestations.splice(0, Infinity, ...saved.attestations);
    for (const [name, saved] of tags) {
      const live = tagsOf(sb, name);
      live.clear();
      for (const [tag, digest] of saved) live.set(tag, digest);
    }
    for (const key of Object.keys(sb.registry.knobs)) delete sb.registry.knobs[key as keyof typeof sb.registry.knobs];
  }
}

/** Everything verify could change: files and refs of the repository, the remote, GitHub, the registry. */
async function snapshot(sb: Sandbox) {
  const repo = sb.repoPath!;
  // .git included: a journal, a fetch or a rewritten index would show there.
  return {
    files: fileHashes(repo),
    refs: await gitAsync(repo, "for-each-ref", "--format=%(refname) %(objectname)"),
    remote: await remoteRefs(sb),
    github: JSON.stringify({
      releases: sb.api.state.releases,
      runs: sb.api.state.runs,
      attestations: sb.api.state.attestations,
    }),
    registry: JSON.stringify(
      [...sb.registry.store.repos].map(([name, r]) => [name, [...r.tags], [...r.manifests.keys()]]),
    ),
  };
}

interface Slow {
  sb: Sandbox;
  tag: string;
  noWait: KitRun;
  waited: KitRun;
  waitedMs: number;
  polls: { ok: number; notModified: number };
}

let ok: Sandbox;
let okTag: string;
let broken: Sandbox;
let brokenRun: KitRun;
let slow: Slow;

async function buildOk(): Promise<void> {
  ok = await world();
  okTag = await release(ok);
  await ok.settle();
}

async function buildBroken(): Promise<void> {
  broken = await world({
    scenario: {
      failJobs: [{ job: "chart", attempts: 1 }],
      missingPlatforms: [{ image: ADMIN, platform: "linux/arm64" }],
    },
  });
  await landCommit(broken, "docs: run the gateway on arm64 nodes", "docs/deploy.md", DOC_CLAIM);
  await release(broken);
  await broken.settle();
  brokenRun = await verify(broken);
}

// The run is held in progress: still going when release returns and verify first looks, and let go
// only after verify --wait has polled a dozen times, however slow the machine.
async function buildSlow(): Promise<void> {
  const sb = await world({ scenario: { holdRuns: true } });
  const tag = await release(sb);
  const noWait = await verify(sb);
  const before = counts(sb, LIST_RUNS);
  const polled = () => {
    const now = counts(sb, LIST_RUNS);
    return now.ok + now.notModified - before.ok - before.notModified;
  };
  const t0 = Date.now();
  const waiting = verify(sb, ["--wait=60"], { RELEASE_POLL_SECONDS: "1" });
  await until(() => polled() >= 12, "verify --wait to poll the held run");
  sb.scenario.holdRuns = false;
  const waited = await waiting;
  const waitedMs = Date.now() - t0;
  const after = counts(sb, LIST_RUNS);
  slow = {
    sb,
    tag,
    noWait,
    waited,
    waitedMs,
    polls: { ok: after.ok - before.ok, notModified: after.notModified - before.notModified },
  };
}

beforeAll(async () => {
  const built = await Promise.allSettled([buildOk(), buildBroken(), buildSlow()]);
  const failed = built.find((b) => b.status === "rejected");
  if (failed) throw (failed as PromiseRejectedResult).reason;
}, 120_000);

afterAll(async () => {
  await Promise.all(started.map((sb) => sb.stop()));
});

describe("release:verify on a clean release", () => {
  it("passes every check, with the receipt of what was published", async () => {
    const res = await verify(ok);
    expect(res.code, res.stderr).toBe(0);
    const commit = await gitAsync(ok.repoPath!, "rev-parse", `${okTag}^{commit}`);
    expect(res.json).toMatchObject({ command: "verify", ok: true, tag: okTag, commit });
    expect(okTag).toBe("v0.3.0"); // the default: the highest v-tag
    expect(res.json.checks.map((c: { id: string }) => c.id)).toEqual([
      "release",
      "notes",
      "workflow",
      `image:${GATEWAY}`,
      `attestation:${GATEWAY}`,
      `image:${ADMIN}`,
      `attestation:${ADMIN}`,
      "artifact:gateway",
      "docs",
      "docs-changed",
    ]);
    for (const c of res.json.checks) {
      expect(c).toEqual({
        id: c.id,
        status: expect.any(String),
        detail: expect.any(String),
        fix: expect.any(String),
        ms: expect.any(Number),
      });
      if (c.id !== "docs-changed") expect(c.status, `${c.id}: ${c.detail}`).toBe("pass");
    }
    // The release holds a feat commit and no deploy doc changed: a warning, never a failure.
    expect(check(res, "docs-changed")).toMatchObject({
      status: "warn",
      detail: expect.stringContaining("feat(gateway)"),
    });
    expect(check(res, "docs-changed").fix).toMatch(/update the canonical docs/);

    const [ghRelease] = ok.api.state.releases;
    const [run] = ok.api.state.runs;
    const digest = (name: string, tag: string) => tagsOf(ok, name).get(tag);
    const short = commit.slice(0, 7);
    expect(res.json.receipt).toEqual({
      release_url: expect.stringMatching(new RegExp(`/acme/gateway/releases/tag/${okTag}$`)),
      run_id: run!.id,
      runs: [{ workflow: ".github/workflows/release.yml", run_id: run!.id }],
      images: [
        {
          ref: ADMIN,
          digest: digest("acme/admin-ui", okTag),
          platforms: ["linux/amd64", "linux/arm64"],
          tags: expect.arrayContaining([okTag, "latest"]),
        },
        {
          ref: GATEWAY,
          digest: digest("acme/gateway", okTag),
          platforms: ["linux/amd64"],
          tags: expect.arrayContaining(["0.3.0", okTag, `sha-${short}`, "latest"]),
        },
      ],
      artifacts: [
        {
          name: "gateway",
          ref: CHART,
          tag: "0.3.0",
          digest: digest("acme/charts/gateway", "0.3.0"),
          media_type: HELM_CONFIG,
        },
      ],
    });
    expect(ghRelease!.tagName).toBe(okTag);
    // Every tag of an image names the receipt's one digest.
    expect(new Set(["0.3.0", okTag, `sha-${short}`, "latest"].map((t) => digest("acme/gateway", t)))).toEqual(
      new Set([res.json.receipt.images[1].digest]),
    );
    expect(check(res, `attestation:${ADMIN}`).detail).toContain(res.json.receipt.images[0].digest.slice(7, 19));
  });

  it("never writes: the repository, the remote, GitHub and the registry are as they were, and it sent only reads", async () => {
    const before = await snapshot(ok);
    const requests = new Map(ok.api.requests);
    const writesBefore = [...ok.registry.requests.keys()].filter((k) => !/^(GET|HEAD) /.test(k));
    // A passing run, and a failing one (v0.2.0 has no GitHub release in the sandbox).
    const [passing, failing] = await Promise.all([verify(ok), verify(ok, ["--tag", "v0.2.0"])]);
    expect(passing.code).toBe(0);
    expect(failing.code).toBe(1);
    expect(check(failing, "release").status).toBe("fail");
    expect(await snapshot(ok)).toEqual(before);
    const sent = [...ok.api.requests].filter(([key, n]) => n !== (requests.get(key) ?? 0)).map(([key]) => key);
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.filter((key) => !key.startsWith("GET "))).toEqual([]);
    expect([...ok.registry.requests.keys()].filter((k) => !/^(GET|HEAD) /.test(k))).toEqual(writesBefore);
  });
});

describe.concurrent("release:verify: reports and bad input (read-only, on the clean release)", () => {
  it("appends a Markdown table to $GITHUB_STEP_SUMMARY", async () => {
    await withTempDir("rk-summary-", async (dir) => {
      const file = join(dir, "summary.md");
      writeFileSync(file, "## earlier step\n\n");
      const res = await verify(ok, [], { GITHUB_STEP_SUMMARY: file });
      expect(res.code, res.stderr).toBe(0);
      const text = readFileSync(file, "utf8");
      expect(text.startsWith("## earlier step\n\n")).toBe(true);
      expect(text).toContain(`### release:verify ${okTag}`);
      expect(text).toMatch(/^\| check \| result \| detail \|$/m);
      expect(text).toMatch(/^\|---\|---\|---\|$/m);
      for (const c of res.json.checks)
        expect(text).toMatch(new RegExp(`^\\| \`${c.id.replace(/[.]/g, "\\.")}\` \\| .* ${c.status} \\| `, "m"));
      for (const image of res.json.receipt.images) expect(text).toContain(`| \`${image.ref}\` | \`${image.digest}\` |`);
    });
  });

  it("an unknown tag stops it with exit 2 and says how to find the right one", async () => {
    const res = await verify(ok, ["--tag", "v9.9.9"]);
    expect(res.code).toBe(2);
    expect(res.json).toEqual({
      command: "verify",
      ok: false,
      error: {
        message: expect.stringContaining("no tag v9.9.9"),
        fix: expect.stringMatching(/git fetch --tags|git tag --list/),
      },
    });
  });

  it("a tag that is not a release tag stops it with exit 2, naming the expected form", async () => {
    const res = await verify(ok, ["--tag", "0.3.0"]);
    expect(res.code).toBe(2);
    expect(res.json.error.message).toMatch(/not a release tag: expected vX\.Y\.Z/);
    expect(res.json.error.fix).toContain("--tag v");
  });

  it("--wait alone waits (here: the run is done, so at once); a bad --wait or setting stops it with exit 2, naming it", async () => {
    const [bare, wait, setting] = await Promise.all([
      verify(ok, ["--wait"]),
      verify(ok, ["--wait=soon"]),
      verify(ok, [], { RELEASE_POLL_SECONDS: "soon" }),
    ]);
    expect(bare.code, bare.stderr).toBe(0);
    expect(check(bare, "workflow").status).toBe("pass");
    expect(wait.code).toBe(2);
    expect(wait.json.error.message).toContain("--wait=soon");
    expect(setting.code).toBe(2);
    expect(setting.json.error.message).toMatch(
      /RELEASE_POLL_SECONDS="soon" from environment variable RELEASE_POLL_SECONDS is not valid/,
    );
  });

  it("no workflow file at the tag: its checks skip with the reason, and the release still verifies", async () => {
    const res = await verify(ok, [], { RELEASE_WORKFLOW: ".github/workflows/publish.yml" });
    expect(res.code, res.stderr).toBe(0);
    const reason = `no .github/workflows/publish.yml at ${okTag}`;
    expect(check(res, "workflow")).toMatchObject({ status: "skip", detail: expect.stringContaining(reason) });
    expect(check(res, "docs")).toMatchObject({ status: "skip", detail: expect.stringContaining(reason) });
    expect(res.json.checks.filter((c: { id: string }) => /^(image|attestation|artifact):/.test(c.id))).toEqual([]);
    expect(statuses(res)).toMatchObject({ release: "pass", notes: "pass" });
    expect(res.json.receipt).toMatchObject({ run_id: null, images: [], artifacts: [] });
  });

  it("an unreachable registry fails the image and artifact checks (exit 1), naming RELEASE_REGISTRY_URL", async () => {
    const res = await verify(ok, [], { RELEASE_REGISTRY_URL: "http://127.0.0.1:9" });
    expect(res.code).toBe(1);
    for (const id of [`image:${GATEWAY}`, `image:${ADMIN}`, "artifact:gateway"]) {
      expect(check(res, id)).toMatchObject({
        status: "fail",
        detail: expect.stringContaining("cannot reach the registry at http://127.0.0.1:9"),
      });
      expect(check(res, id).fix).toContain("RELEASE_REGISTRY_URL");
    }
    // No digest to look attestations up by: they skip, saying why.
    expect(check(res, `attestation:${GATEWAY}`)).toMatchObject({
      status: "skip",
      detail: expect.stringContaining("no single digest"),
    });
    expect(statuses(res)).toMatchObject({ release: "pass", notes: "pass", workflow: "pass" });
  });

  it("a configuration that does not parse stops it with exit 2: a broken workflow at the tag, a broken cog.toml", async () => {
    await withClone(ok.repoPath!, async (clone) => {
      // A local tag only: verify reads the workflow at the tag before it asks GitHub anything.
      writeFileSync(join(clone, ".github/workflows/release.yml"), "on:\n  push:\n    tags: [v*\njobs: {\n");
      await gitAsync(clone, "commit", "-q", "-am", "ci: break the workflow");
      await gitAsync(clone, "tag", "v0.9.0");
      const workflow = await verify(ok, ["--tag", "v0.9.0"], {}, clone);
      expect(workflow.code).toBe(2);
      expect(workflow.json.error.message).toMatch(/release\.yml/);
      expect(workflow.json.error.message).toContain("(at v0.9.0)");

      appendFileSync(join(clone, "cog.toml"), "\ntag_prefix = [\n");
      const cog = await verify(ok, [], {}, clone);
      expect(cog.code).toBe(2);
      expect(cog.json.error.message).toContain("cog.toml");
      expect(cog.json.error.fix).toBeTruthy();
    });
  });
});

describe("release:verify: each failure, on the clean release broken one way (then restored)", () => {
  const section = async () => findSection(await gitAsync(ok.repoPath!, "show", `${okTag}:CHANGELOG.md`), "0.3.0")!;

  it("no GitHub release for the tag", async () => {
    const res = await verifyBroken(ok, () => ok.api.state.releases.splice(0));
    expect(res.code).toBe(1);
    expect(res.json.ok).toBe(false);
    expect(check(res, "release")).toMatchObject({
      status: "fail",
      detail: `no GitHub release for ${okTag}`,
      fix: expect.stringMatching(/release-kit recover --tag/),
    });
    expect(check(res, "notes").status).toBe("fail");
    expect(res.json.receipt.release_url).toBeNull();
    // The rest of the report is still there, in full.
    expect(statuses(res)).toMatchObject({ workflow: "pass", [`image:${GATEWAY}`]: "pass", "artifact:gateway": "pass" });
  });

  it("a draft release", async () => {
    const res = await verifyBroken(ok, () => (ok.api.state.releases[0]!.draft = true));
    expect(res.code).toBe(1);
    expect(check(res, "release")).toMatchObject({
      status: "fail",
      detail: expect.stringContaining("still a draft"),
      fix: expect.stringContaining("publish it"),
    });
  });

  it("empty notes", async () => {
    const res = await verifyBroken(ok, () => (ok.api.state.releases[0]!.body = "  \n\n"));
    expect(res.code).toBe(1);
    expect(check(res, "notes")).toMatchObject({
      status: "fail",
      detail: `the release notes of ${okTag} are empty`,
      fix: expect.stringContaining("0.3.0 section of CHANGELOG.md"),
    });
    expect(check(res, "release").status).toBe("pass");
  });

  it("notes that differ only in whitespace pass; notes that differ in words fail", async () => {
    const text = await section();
    const crlf =
      "\r\n" +
      text
        .split("\n")
        .map((l) => `${l}  `)
        .join("\r\n")
        .replace(/\r\n\r\n/g, "\r\n\r\n\r\n") +
      "\r\n\r\n";
    const same = await verifyBroken(ok, () => (ok.api.state.releases[0]!.body = crlf));
    expect(check(same, "notes").status).toBe("pass");
    expect(same.code).toBe(0);
    const other = await verifyBroken(
      ok,
      () => (ok.api.state.releases[0]!.body = `${text}\n- **gateway:** something that is not in the changelog`),
    );
    expect(other.code).toBe(1);
    expect(check(other, "notes")).toMatchObject({
      status: "fail",
      detail: expect.stringContaining("differ from the 0.3.0 section of CHANGELOG.md"),
      fix: expect.stringContaining(`gh release edit ${okTag}`),
    });
  });

  it("template leftovers and empty headings in the notes", async () => {
    const res = await verifyBroken(
      ok,
      () =>
        (ok.api.state.releases[0]!.body =
          "## [{{ version }}]\n\n### Features\n\n{% for commit in commits %}\n- x\n\n### \n"),
    );
    expect(res.code).toBe(1);
    const notes = check(res, "notes");
    expect(notes.status).toBe("fail");
    for (const said of ['template leftover "{{"', 'template leftover "%}"', "empty heading on line 8"])
      expect(notes.detail).toContain(said);
    expect(notes.fix).toContain("cliff.toml");
  });

  it("an image missing one of its tags", async () => {
    const sha = `sha-${(await gitAsync(ok.repoPath!, "rev-parse", okTag)).slice(0, 7)}`;
    const res = await verifyBroken(ok, () => deleteTag(ok.registry.store, "acme/gateway", sha));
    expect(res.code).toBe(1);
    expect(check(res, `image:${GATEWAY}`)).toMatchObject({
      status: "fail",
      detail: `${GATEWAY}: missing tag ${sha}`,
      fix: expect.stringContaining("re-run the gateway job"),
    });
    expect(check(res, `attestation:${GATEWAY}`).status).toBe("skip");
    expect(check(res, `image:${ADMIN}`).status).toBe("pass");
    expect(res.json.receipt.images.find((i: { ref: string }) => i.ref === GATEWAY)).toMatchObject({
      digest: null,
      tags: expect.not.arrayContaining([sha]),
    });
  });

  it("an extra platform the workflow does not declare", async () => {
    const tags = [...tagsOf(ok, "acme/gateway").keys()];
    const res = await verifyBroken(ok, () =>
      publishIndex(ok.registry.store, "acme/gateway", {
        platforms: ["linux/amd64", "linux/arm64"],
        tags,
        attestations: true,
        seed: "extra",
      }),
    );
    expect(res.code).toBe(1);
    expect(check(res, `image:${GATEWAY}`)).toMatchObject({
      status: "fail",
      detail: `${GATEWAY}: platform linux/arm64 the workflow does not declare`,
    });
    // The rebuilt digest has no provenance, and the docs no longer match the registry.
    expect(check(res, `attestation:${GATEWAY}`).status).toBe("fail");
    // The docs say what the workflow builds: the registry is what is wrong, and the fix says so.
    expect(check(res, "docs")).toMatchObject({
      status: "fail",
      detail: expect.stringContaining(
        "linux/amd64, as the workflow builds, but the registry has linux/amd64, linux/arm64",
      ),
    });
    expect(check(res, "docs").fix).toContain("the docs match the workflow but not the registry");
  });

  it("tags that disagree on the digest", async () => {
    const res = await verifyBroken(ok, () =>
      publishIndex(ok.registry.store, "acme/gateway", {
        platforms: ["linux/amd64"],
        tags: ["latest"],
        seed: "another build",
      }),
    );
    expect(res.code).toBe(1);
    const image = check(res, `image:${GATEWAY}`);
    expect(image.status).toBe("fail");
    expect(image.detail).toMatch(/tags point at different digests \(.*latest → [0-9a-f]{12}/);
    expect(res.json.receipt.images.find((i: { ref: string }) => i.ref === GATEWAY).digest).toBeNull();
    expect(check(res, `attestation:${GATEWAY}`)).toMatchObject({
      status: "skip",
      detail: expect.stringContaining("no single digest"),
    });
  });

  it("a missing provenance attestation", async () => {
    const res = await verifyBroken(ok, () => {
      const digest = tagsOf(ok, "acme/admin-ui").get(okTag);
      ok.api.state.attestations.splice(
        ok.api.state.attestations.findIndex((a) => a.digest === digest),
        1,
      );
    });
    expect(res.code).toBe(1);
    expect(check(res, `attestation:${ADMIN}`)).toMatchObject({
      status: "fail",
      detail: expect.stringContaining(`no provenance attestation for ${ADMIN}@`),
      fix: expect.stringContaining("admin-ui job"),
    });
    expect(check(res, `attestation:${GATEWAY}`).status).toBe("pass");
  });

  it("an artifact of the wrong media type", async () => {
    const res = await verifyBroken(ok, () =>
      publishArtifact(ok.registry.store, "acme/charts/gateway", {
        tag: "0.3.0",
        configMediaType: "application/vnd.oci.image.config.v1+json",
        layerMediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
        layer: "not a chart",
      }),
    );
    expect(res.code).toBe(1);
    expect(check(res, "artifact:gateway")).toMatchObject({
      status: "fail",
      detail: `${CHART}:0.3.0 is application/vnd.oci.image.config.v1+json, not ${HELM_CONFIG}`,
      fix: expect.stringContaining("Helm chart"),
    });
    expect(res.json.receipt.artifacts[0].media_type).toBe("application/vnd.oci.image.config.v1+json");
  });

  it("--wait=SECONDS gives up at its bound when the run never finishes", async () => {
    const t0 = Date.now();
    const before = counts(ok, LIST_RUNS);
    const res = await verifyBroken(
      ok,
      () => Object.assign(ok.api.state.runs[0]!, { status: "in_progress", conclusion: null }),
      ["--wait=3"],
    );
    expect(res.code).toBe(1);
    expect(check(res, "workflow")).toMatchObject({
      status: "fail",
      detail: expect.stringMatching(/is in_progress after waiting 3 s/),
      fix: expect.stringContaining("--wait=SECONDS"),
    });
    // It waited the whole bound, polling again meanwhile (how often depends on the machine's load).
    expect(Date.now() - t0).toBeGreaterThanOrEqual(3000);
    const after = counts(ok, LIST_RUNS);
    expect(after.ok + after.notModified - before.ok - before.notModified).toBeGreaterThan(1);
  });

  it("--wait on a terminal outside CI shows one progress line, rewritten in place, and clears it", async () => {
    // script(1) gives the command a pseudo-terminal; stdout and stderr both land in its output.
    const env = sandboxEnv(ok, { CI: undefined, NO_COLOR: "1" });
    const command = [LAUNCHER, "verify", "--repo", ok.repoPath!, "--wait=1"].map((a) => `'${a}'`).join(" ");
    // Every answer comes after the bound, as on a busy machine: the run's state is still shown once.
    const res = await verifyBroken(
      ok,
      () => {
        Object.assign(ok.api.state.runs[0]!, { status: "in_progress", conclusion: null });
        ok.scenario.latencyMs = 1100;
      },
      [],
      () => run("script", ["-qec", command, "/dev/null"], { cwd: ok.repoPath!, env }),
    ).finally(() => {
      ok.scenario.latencyMs = 0;
    });
    expect(res.code).toBe(1);
    const waiting = res.stdout
      .split("\n")
      .filter((l) => l.includes("waiting for .github/workflows/release.yml on v0.3.0"));
    expect(waiting).toHaveLength(1);
    expect(waiting[0]).toMatch(
      /\r {2}waiting for \S+ on v0\.3\.0: run \d+ in_progress, \d+\/\d+ jobs done, \d+ s of at most 1 s/,
    );
    expect(waiting[0]).toContain("\r\u001b[K");
    expect(res.stdout).toMatch(/workflow +FAIL +run \d+ is in_progress/);
    expect(res.stdout).toContain("after waiting 1 s");
  });
});

describe("release:verify: the registry misbehaving (exit 1, a clear message for each image)", () => {
  const images = [`image:${GATEWAY}`, `image:${ADMIN}`];

  it("401 on every manifest", async () => {
    const res = await verifyBroken(ok, () => Object.assign(ok.registry.knobs, { failStatus: 401 }));
    expect(res.code).toBe(1);
    for (const id of images) {
      expect(check(res, id)).toMatchObject({
        status: "fail",
        detail: expect.stringMatching(/401/),
        fix: expect.stringContaining("read access to the package"),
      });
    }
  });

  it("404 on every manifest: the images and the chart are reported missing", async () => {
    const res = await verifyBroken(ok, () => Object.assign(ok.registry.knobs, { failStatus: 404 }));
    expect(res.code).toBe(1);
    for (const id of images)
      expect(check(res, id)).toMatchObject({
        status: "fail",
        detail: expect.stringContaining("has none of its tags"),
        fix: expect.stringMatching(/release-kit recover --tag/),
      });
    expect(check(res, "artifact:gateway")).toMatchObject({
      status: "fail",
      detail: `${CHART}:0.3.0 is not in the registry`,
    });
  });

  it("500 on every manifest", async () => {
    const res = await verifyBroken(ok, () => Object.assign(ok.registry.knobs, { failStatus: 500 }));
    expect(res.code).toBe(1);
    for (const id of [...images, "artifact:gateway"]) {
      expect(check(res, id)).toMatchObject({
        status: "fail",
        detail: expect.stringContaining("the registry answered 500"),
        fix: expect.stringContaining("again in a few minutes"),
      });
    }
  });

  it("a malformed manifest", async () => {
    const res = await verifyBroken(ok, () => Object.assign(ok.registry.knobs, { malformed: true }));
    expect(res.code).toBe(1);
    for (const id of images) {
      expect(check(res, id)).toMatchObject({
        status: "fail",
        detail: expect.stringContaining("not valid JSON"),
        fix: expect.stringContaining("re-run the job that pushed it"),
      });
    }
  });
});

describe("release:verify on a release whose workflow partly failed", () => {
  it("names the failed job and its URL", () => {
    expect(brokenRun.code).toBe(1);
    const [run] = broken.api.state.runs;
    // GitHub names a job by its `name:` (the chart job is "Helm chart").
    const job = run!.jobs.find((j) => j.name === "Helm chart")!;
    const workflow = check(brokenRun, "workflow");
    expect(workflow.status).toBe("fail");
    expect(workflow.detail).toContain(`run ${run!.id} (attempt 1) ended failure: Helm chart failure`);
    expect(workflow.detail).toContain(`/actions/runs/${run!.id}/job/${job.id}`);
    expect(workflow.fix).toContain("--apply");
    expect(brokenRun.json.receipt.run_id).toBe(run!.id);
  });

  it("the chart the failed job did not push is missing", () => {
    expect(check(brokenRun, "artifact:gateway")).toMatchObject({
      status: "fail",
      detail: `${CHART}:0.4.0 is not in the registry`.replace("0.4.0", brokenRun.json.tag.slice(1)),
    });
    expect(brokenRun.json.receipt.artifacts).toEqual([expect.objectContaining({ name: "gateway", digest: null })]);
  });

  it("the admin UI image without linux/arm64", () => {
    expect(check(brokenRun, `image:${ADMIN}`)).toMatchObject({
      status: "fail",
      detail: `${ADMIN}: missing platform linux/arm64`,
    });
    expect(brokenRun.json.receipt.images.find((i: { ref: string }) => i.ref === ADMIN).platforms).toEqual([
      "linux/amd64",
    ]);
    expect(check(brokenRun, `image:${GATEWAY}`).status).toBe("pass");
  });

  it("docs that claim arm64 for the gateway; docs-changed passes since the docs changed", async () => {
    const text = await gitAsync(broken.repoPath!, "show", `${brokenRun.json.tag}:docs/deploy.md`);
    const line = text.split("\n").findIndex((l) => l.includes("On arm64 nodes")) + 1;
    const docs = check(brokenRun, "docs");
    expect(docs.status).toBe("fail");
    expect(docs.detail).toContain(
      `docs/deploy.md:${line} says ${GATEWAY} is linux/amd64, linux/arm64, but the workflow builds linux/amd64`,
    );
    expect(docs.fix).toMatch(/correct the deploy docs/);
    expect(check(brokenRun, "docs-changed")).toMatchObject({
      status: "pass",
      detail: expect.stringContaining("docs/deploy.md"),
    });
  });
});

describe("release:verify --wait on a run still in progress", () => {
  it("without --wait: the run in progress fails the workflow check, and the fix is --wait", () => {
    expect(slow.noWait.code).toBe(1);
    expect(check(slow.noWait, "workflow")).toMatchObject({
      status: "fail",
      detail: expect.stringMatching(/^run \d+ is (queued|in_progress): /),
      fix: `wait for it: ${hintIn(slow.sb, "release:verify", ["--tag", slow.tag, "--wait"])}`,
    });
  });

  it("with --wait: polls with conditional requests (unchanged polls answered 304) and ends ok once the run completes", () => {
    expect(slow.waited.code, slow.waited.stderr).toBe(0);
    expect(slow.waited.json).toMatchObject({ ok: true, tag: slow.tag });
    expect(check(slow.waited, "workflow")).toMatchObject({
      status: "pass",
      detail: expect.stringContaining("succeeded"),
    });
    expect(slow.sb.api.state.runs[0]!.status).toBe("completed");
    // At least ten polls; after the first, only a change of state costs a full answer.
    expect(slow.polls.ok + slow.polls.notModified).toBeGreaterThanOrEqual(10);
    expect(slow.polls.ok).toBeLessThanOrEqual(3);
    expect(slow.polls.notModified).toBeGreaterThanOrEqual(slow.polls.ok * 3);
    // Not a terminal: a plain line when the wait starts (then one a minute), never rewritten in place.
    expect(slow.waited.stderr).not.toContain("\r");
    const lines = slow.waited.stderr
      .split("\n")
      .filter((l) => l.includes(`waiting for .github/workflows/release.yml on ${slow.tag}`));
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines.length).toBeLessThanOrEqual(1 + Math.floor(slow.waitedMs / 60_000));
    expect(lines[0]).toMatch(/run \d+ (queued|in_progress)(, \d+\/\d+ jobs done)?, \d+ s of at most 60 s/);
  });
});
