// Real repositories' tag workflows, run in the sandbox, then verified through release:verify: the
// workflow really runs (the simulator never reads the kit's reading), and verify must agree with what
// it published. The extracts hold no source code, so each build gets a stub Dockerfile and the
// workflows' secrets stand-in values; the release commit gets its CHANGELOG.md section and the
// release its notes, as a release would have made them. Every registry host the workflow pushes to
// gets a registry of its own, answering as that host does (ghcr.io as GHCR, docker.io as Docker Hub),
// named to the kit in RELEASE_REGISTRY_URL as host=URL pairs (the sandbox's registryHosts "each", as
// the rehearsal uses it).
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildableExtract, CORPUS } from "./helpers/corpus.ts";
import type { KitRun } from "./helpers/kit.ts";
import { tempDir } from "./helpers/kit.ts";
import { commitAll, gitAsync, kitIn, type Sandbox } from "./helpers/sandbox.ts";
import { withSandbox } from "./helpers/world.ts";

const work = tempDir("rk-realworld-verify-");
afterAll(() => work.remove());

interface Published {
  sb: Sandbox;
  repo: string;
  tag: string;
  sha: string;
}

/** Rebuilds an extract, adds stub Dockerfiles, pushes it and its next tag to a sandbox serving `hosts`, and lets the tag workflows run. */
async function published(name: string, dockerfiles: string[], story: (p: Published) => Promise<void>): Promise<void> {
  const dir = join(CORPUS, name);
  const expected = JSON.parse(readFileSync(join(dir, "expect.json"), "utf8"));
  const source = JSON.parse(readFileSync(join(dir, "source.json"), "utf8"));
  const [owner, repoName] = String(expected.repository).split("/");
  const repo = await buildableExtract(name, join(work.path, name), dockerfiles);
  const notes = `## ${expected.next_version}\n\n- the release the sandbox runs`;
  const changelog = readFileSync(join(repo, "CHANGELOG.md"), "utf8");
  const at = changelog.search(/^## /m);
  writeFileSync(
    join(repo, "CHANGELOG.md"),
    at === -1 ? `${changelog}\n${notes}\n` : `${changelog.slice(0, at)}${notes}\n\n${changelog.slice(at)}`,
  );
  await commitAll(repo, `chore(version): ${expected.next_version}`);
  const workflows = readdirSync(join(repo, ".github/workflows"))
    .map((f) => readFileSync(join(repo, ".github/workflows", f), "utf8"))
    .join("\n");
  const secrets = Object.fromEntries(
    [...workflows.matchAll(/secrets\.([A-Za-z_]\w*)/g)]
      .filter((m) => m[1] !== "GITHUB_TOKEN")
      .map((m) => [m[1]!, `stand-in-${m[1]!.toLowerCase()}`]),
  );
  const seed = async (remote: string) =>
    void (await gitAsync(repo, "push", "-q", remote, `HEAD:refs/heads/${source.default_branch}`));
  await withSandbox(
    {
      example: false,
      owner,
      name: repoName,
      defaultBranch: source.default_branch,
      secrets,
      registryHosts: "each",
      scenario: { queuedMs: 0, runMs: 0 },
      seed,
    },
    async (sb) => {
      await gitAsync(repo, "remote", "add", "origin", sb.remotePath);
      await gitAsync(repo, "tag", expected.next_tag);
      await gitAsync(repo, "push", "-q", "origin", `refs/tags/${expected.next_tag}`);
      await sb.settle();
      const made = await fetch(`${sb.apiUrl}/repos/${sb.repository}/releases`, {
        method: "POST",
        headers: { authorization: `token ${sb.token}`, "content-type": "application/json" },
        body: JSON.stringify({ tag_name: expected.next_tag, name: expected.next_tag, body: notes }),
      });
      expect(made.status).toBe(201);
      await story({ sb, repo, tag: expected.next_tag, sha: await gitAsync(repo, "rev-parse", "HEAD") });
    },
  );
}

const verify = (p: Published, workflow: string): Promise<KitRun> =>
  kitIn(p.sb, "verify", ["--json", "--tag", p.tag], {
    repo: p.repo,
    env: { RELEASE_WORKFLOW: workflow },
    timeoutMs: 120_000,
  });
const check = (res: KitRun, id: string) => res.json?.checks?.find((c: { id: string }) => c.id === id);
const noise = (res: KitRun) => expect(`${res.stdout}\n${res.stderr}`).not.toMatch(/^(fatal|error|warning): /m);

describe("release:verify after a real repository's tag workflow ran in the sandbox", () => {
  it("jdx/mise: five matrix legs push five images under ghcr.io/jdx/mise, each verified on its own (their digests rightly differ)", async () => {
    const flavors = ["alpine", "deb", "e2e", "rpm", "copr"];
    await published("jdx__mise", ["Dockerfile", ...flavors.map((f) => `packaging/${f}/Dockerfile`)], async (p) => {
      const res = await verify(p, ".github/workflows/docker.yml");
      expect(res.json?.command, res.stderr).toBe("verify");
      noise(res);
      const digests = new Set<string>();
      for (const flavor of flavors) {
        const image = check(res, `image:ghcr.io/jdx/mise:${flavor}`);
        expect(image, `${flavor}: ${JSON.stringify(res.json.checks.map((c: { id: string }) => c.id))}`).toMatchObject({
          status: "pass",
          detail: expect.stringMatching(/^1 tag → [0-9a-f]{12}, linux\/amd64$/),
        });
        digests.add(/→ ([0-9a-f]{12})/.exec(image.detail)![1]!);
        expect(check(res, `attestation:ghcr.io/jdx/mise:${flavor}`)?.status).toBe("skip");
      }
      expect(digests.size).toBe(flavors.length);
      expect(res.stderr).not.toContain("tags point at different digests");
      expect(res.json.checks.map((c: { id: string }) => c.id)).not.toContain("image:ghcr.io/jdx/mise");
      // What it cannot read (the multi-arch index made with jq and digests from files) is named.
      expect(res.json.not_verified.map((n: { job: string; step: string }) => `${n.job}/${n.step}`)).toEqual(
        expect.arrayContaining(["dockerhub/Build and push by digest", "merge/Create manifest list and push"]),
      );
      expect(check(res, "workflow")).toMatchObject({ status: "pass" });
      expect(res.code, res.stderr).toBe(0);
      expect(res.json.ok).toBe(true);
    });
  }, 300_000);

  it("orhun/kmon: one build pushes docker.io/orhunp/kmon and ghcr.io/orhun/kmon/kmon; the Docker Hub image is verified like the GHCR one, through Docker Hub's token realm", async () => {
    await published("orhun__kmon", ["Dockerfile"], async (p) => {
      const res = await verify(p, ".github/workflows/docker.yml");
      expect(res.json?.command, res.stderr).toBe("verify");
      noise(res);
      const short = p.sha.slice(0, 7);
      for (const ref of ["docker.io/orhunp/kmon", "ghcr.io/orhun/kmon/kmon"]) {
        expect(check(res, `image:${ref}`), ref).toMatchObject({
          status: "pass",
          detail: expect.stringMatching(/^3 tags → [0-9a-f]{12}, linux\/amd64, linux\/arm64$/),
        });
      }
      // Both hosts the workflow pushed to are served, each as itself, and the kit was pointed at both.
      expect(Object.keys(p.sb.registries).sort()).toEqual(["docker.io", "ghcr.io"]);
      expect(
        p.sb.registryMapping
          .split(",")
          .map((pair) => pair.split("=")[0])
          .sort(),
      ).toEqual(["docker.io", "ghcr.io"]);
      expect(p.sb.registries["ghcr.io"]!.service).toBe("ghcr.io");
      expect(p.sb.registries["docker.io"]!.service).toBe("registry.docker.io");
      const hub = p.sb.registries["docker.io"]!;
      // The kit asked Docker Hub's registry for the image, with a token from its own token service (another host).
      expect(
        [...hub.requests.keys()].some((k) => /^(GET|HEAD) \/v2\/\{name\}\/manifests\/\{reference\} 200$/.test(k)),
      ).toBe(true);
      expect(hub.realm).not.toContain(new URL(hub.url).host);
      expect(
        hub.authorizations.some(
          (a) => a.at === "registry" && a.path.startsWith("/v2/orhunp/kmon/manifests/") && /^Bearer /.test(a.header),
        ),
      ).toBe(true);
      expect(res.json.receipt.images.map((i: { ref: string; tags: string[] }) => [i.ref, [...i.tags].sort()])).toEqual([
        ["docker.io/orhunp/kmon", ["1.7.2", "latest", `sha-${short}`]],
        ["ghcr.io/orhun/kmon/kmon", ["1.7.2", "latest", `sha-${short}`]],
      ]);
      expect(res.code, res.stderr).toBe(0);
    });
  }, 300_000);
});
