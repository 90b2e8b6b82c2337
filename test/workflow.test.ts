// The workflow reader on workflows shaped like real ones: GitHub's parser and expressions, run:
// scripts read with mvdan/sh, and every publishing step either read or named as not verified.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createRunner } from "../scripts/lib/run.ts";
import {
  HELM_CONFIG_MEDIA_TYPE,
  parseWorkflow,
  readTagWorkflows,
  tagTriggers,
  type Workflow,
  type WorkflowContext,
  WorkflowError,
} from "../scripts/lib/workflow/index.ts";
import { createExample } from "../scripts/sandbox/example.ts";
import { git, initRepo, tempDir } from "./helpers/kit.ts";

const ctx: WorkflowContext = {
  owner: "Acme",
  repository: "Acme/gateway",
  tag: "v1.4.0",
  sha: "0123456789abcdef0123456789abcdef01234567",
};
const CHART = "apiVersion: v2\nname: gateway\nversion: 0.0.0\n";
const files: Record<string, string> = {
  "deploy/chart/Chart.yaml": CHART,
  "charts/api/Chart.yaml": "apiVersion: v2\nname: api\nversion: 2.3.4\n",
};
const read = (text: string, over: Partial<WorkflowContext> = {}, path = ".github/workflows/release.yml") =>
  parseWorkflow(text, path, { ...ctx, ...over }, async (p) => files[p] ?? null);

/** The parts of an image the checks use, without where it was read. */
const shapes = (wf: Workflow) =>
  wf.images.map(({ ref, tags, platforms, attest, job }) => ({ ref, tags, platforms, attest, job }));
const reasons = (wf: Workflow) => wf.notVerified.map((n) => `${n.job}/${n.step}: ${n.what}: ${n.why}`);
const BOTH = ["linux/amd64", "linux/arm64"];
/** A workflow a tag push starts, with one job, publish, running `steps`. */
const publishJob = (steps: string, runsOn = "ubuntu-latest") => `
on: { push: { tags: ["v*"] } }
jobs:
  publish:
    runs-on: ${runsOn}
    steps:
${steps}`;
/** One image as `shapes` gives it: most builds here push for linux/amd64 alone and attest nothing. */
const image = (
  job: string,
  ref: string,
  tags: string[],
  more: { platforms?: string[] | null; attest?: boolean } = {},
) => ({ ref, tags, platforms: ["linux/amd64"], attest: false, job, ...more });

const RELEASE_YML = `
name: release
on:
  push:
    tags: ["v*"]
env:
  REGISTRY: ghcr.io
jobs:
  gateway:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: meta
        uses: docker/metadata-action@v5
        with:
          images: \${{ env.REGISTRY }}/\${{ github.repository_owner }}/gateway
          tags: |
            type=semver,pattern={{version}}
            type=semver,pattern={{major}}.{{minor}}
            type=raw,value=\${{ github.ref_name }}
            type=sha
      - id: build
        uses: docker/build-push-action@v6
        with:
          platforms: linux/amd64
          push: true
          tags: \${{ steps.meta.outputs.tags }}
      - uses: actions/attest-build-provenance@v2
        with:
          subject-name: \${{ env.REGISTRY }}/\${{ github.repository_owner }}/gateway
          subject-digest: \${{ steps.build.outputs.digest }}
  admin-ui:
    runs-on: ubuntu-latest
    env:
      IMAGE_NAME: admin-ui
    steps:
      - uses: docker/build-push-action@v6
        with:
          push: \${{ true }}
          platforms: |
            linux/amd64
            linux/arm64
          tags: |
            \${{ env.REGISTRY }}/\${{ github.repository_owner }}/\${{ env.IMAGE_NAME }}:\${{ github.ref_name }}
            \${{ env.REGISTRY }}/\${{ github.repository_owner }}/\${{ env.IMAGE_NAME }}:latest
  chart:
    runs-on: ubuntu-latest
    steps:
      - run: |
          helm package deploy/chart --version \${GITHUB_REF_NAME#v}
          helm push gateway-\${GITHUB_REF_NAME#v}.tgz oci://ghcr.io/\${{ github.repository_owner }}/charts
      - run: oras push ghcr.io/\${{ github.repository_owner }}/sbom:\${{ github.ref_name }} --artifact-type application/vnd.example.sbom sbom.json
`;

describe("parseWorkflow", async () => {
  const wf = await read(RELEASE_YML);

  it("finds every image with tags and platforms resolved from expressions, lowercased", () => {
    expect(wf.jobs).toEqual(["gateway", "admin-ui", "chart"]);
    expect(shapes(wf)).toEqual([
      image("gateway", "ghcr.io/acme/gateway", ["1.4.0", "1.4", "v1.4.0", "sha-0123456", "latest"], { attest: true }),
      image("admin-ui", "ghcr.io/acme/admin-ui", ["v1.4.0", "latest"], { platforms: BOTH }),
    ]);
    expect(wf.images[0]).toMatchObject({
      workflow: ".github/workflows/release.yml",
      step: "docker/build-push-action@v6",
    });
    expect(wf.notVerified).toEqual([]);
  });

  it("finds a helm chart (name from Chart.yaml, at the tag without its v) and an oras artifact", () => {
    expect(wf.artifacts.map(({ workflow: _w, step: _s, ...a }) => a)).toEqual([
      {
        name: "gateway",
        ref: "ghcr.io/acme/charts/gateway",
        tag: "1.4.0",
        kind: "helm",
        mediaType: HELM_CONFIG_MEDIA_TYPE,
        job: "chart",
      },
      {
        name: "sbom",
        ref: "ghcr.io/acme/sbom",
        tag: "v1.4.0",
        kind: "oras",
        mediaType: "application/vnd.example.sbom",
        job: "chart",
      },
    ]);
  });

  it("names what it cannot resolve instead of guessing, and drops nothing", async () => {
    const text = RELEASE_YML.replace("gateway\n          tags: |", "gateway-${{ matrix.flavour }}\n          tags: |");
    const out = await read(text);
    expect(out.images.map((i) => i.ref)).toEqual(["ghcr.io/acme/admin-ui"]);
    const said = reasons(out).join("\n");
    // metadata-action publishes nothing: the build that would have pushed its tags is named, with
    // why they are not known, and so is the attestation of it.
    expect(said).toMatch(
      /gateway\/docker\/build-push-action@v6: an image \(docker\/build-push-action\): its tags are \$\{\{ steps\.meta\.outputs\.tags \}\} \(docker\/metadata-action's images is \$\{\{ matrix\.flavour \}\} \(matrix\)\)/,
    );
    expect(said).not.toMatch(/^gateway\/meta:/m);
    expect(said).toMatch(/a provenance attestation of ghcr\.io\/acme\/gateway/);
  });

  it("makes no latest and only the full version for a pre-release", async () => {
    const pre = await read(RELEASE_YML, { tag: "v2.0.0-rc.1" });
    expect(pre.images[0]!.tags).toEqual(["2.0.0-rc.1", "v2.0.0-rc.1", "sha-0123456"]);
  });

  it("refuses bad YAML, a workflow without jobs, and an input written as a list, with line numbers", async () => {
    await expect(read("on: [push\njobs:", {}, "r.yml")).rejects.toThrow(/r.yml is not valid YAML \(line/);
    await expect(read("on: push\n", {}, "r.yml")).rejects.toThrow(WorkflowError);
    await expect(read("on: push\n", {}, "r.yml")).rejects.toThrow(/r\.yml is not a valid workflow: .*jobs/);
    const list = RELEASE_YML.replace("platforms: linux/amd64", "platforms: [linux/amd64, linux/arm64]");
    const line = list.split("\n").findIndex((l) => l.includes("[linux/amd64, linux/arm64]")) + 1;
    await expect(read(list, {}, "r.yml")).rejects.toThrow(
      new RegExp(`r\\.yml is not a valid workflow: line ${line}, column \\d+: A sequence was not expected`),
    );
    await expect(read(list, {}, "r.yml")).rejects.toMatchObject({ fix: expect.stringContaining(`at line ${line}`) });
  });

  it("refuses a YAML alias bomb at once, as a configuration error", async () => {
    let anchors = "  a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
    for (let i = 1; i < 9; i++)
      anchors += `  a${i}: &a${i} [${Array(10)
        .fill(`*a${i - 1}`)
        .join(", ")}]\n`;
    const bomb = `on: push\nenv:\n${anchors}jobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo\n`;
    const error = await read(bomb, {}, "bomb.yml").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowError);
    expect((error as WorkflowError).message).toMatch(/bomb\.yml cannot be read: .*alias.*huge document/);
    expect((error as WorkflowError).fix).toMatch(/without nested YAML aliases/);
  });
});

describe("the example repository's workflow", async () => {
  const dir = tempDir("rk-example-workflow-");
  afterAll(() => dir.remove());
  const example = await createExample(join(dir.path, "gateway"), { workspaceVersion: true });

  it("is read completely: both images with their platform asymmetry, the chart, nothing left unverified", async () => {
    const found = await readTagWorkflows(createRunner(example.path, false), { workflowPaths: null }, "HEAD", {
      ...ctx,
      owner: "acme",
      repository: "acme/gateway",
    });
    expect(found.started.map((w) => w.path)).toEqual([".github/workflows/release.yml"]);
    expect(found.notVerified).toEqual([]);
    expect(shapes(found.started[0]!)).toEqual([
      image("gateway", "ghcr.io/acme/gateway", ["1.4.0", "v1.4.0", "sha-0123456", "latest"], { attest: true }),
      image("admin-ui", "ghcr.io/acme/admin-ui", ["v1.4.0", "latest"], { platforms: BOTH, attest: true }),
    ]);
    expect(found.images.map((i) => i.ref)).toEqual(example.images);
    expect(found.artifacts.map((a) => [a.ref, a.tag, a.kind])).toEqual([
      ["ghcr.io/acme/charts/gateway", "1.4.0", "helm"],
    ]);
  });
});

describe("expressions, for a push of the tag", () => {
  const docker = (push: string, extra = "") => `
on:
  push:
    tags: ["v*"]
jobs:
  image:
    runs-on: ubuntu-latest
    steps:
      - name: Build
        ${extra}uses: docker/build-push-action@v6
        with:
          push: ${push}
          tags: ghcr.io/acme/app:\${{ github.ref_name }}
`;

  it.each([
    ["${{ github.event_name != 'pull_request' }}"],
    ["${{ startsWith(github.ref, 'refs/tags/') }}"],
    ["${{ github.ref_type == 'tag' && github.repository == 'Acme/gateway' }}"],
    ['${{ contains(fromJSON(\'["push", "release"]\'), github.event_name) }}'],
  ])("push: %s is true: the image is read", async (push) => {
    expect((await read(docker(push))).images).toMatchObject([{ ref: "ghcr.io/acme/app", tags: ["v1.4.0"] }]);
  });

  it("a push run has no inputs: `inputs.x || github.ref_name` is the tag", async () => {
    const wf = await read(
      docker("true").replace(
        "tags: ghcr.io/acme/app:${{ github.ref_name }}",
        "tags: ghcr.io/acme/app:${{ inputs.tag_name || github.ref_name }}",
      ),
    );
    expect(wf.images).toMatchObject([{ ref: "ghcr.io/acme/app", tags: ["v1.4.0"] }]);
  });

  it("env an earlier step may have set at run time is unknown, and said so", async () => {
    const wf = await read(
      docker("true", "")
        .replace("tags: ghcr.io/acme/app:${{ github.ref_name }}", "tags: ghcr.io/acme/app:${{ env.DOCKER_TAG }}")
        .replace(
          "      - name: Build",
          '      - run: echo "DOCKER_TAG=$GITHUB_REF_NAME" >> "$GITHUB_ENV"\n      - name: Build',
        ),
    );
    expect(wf.images).toEqual([]);
    expect(wf.notVerified[0]!.why).toMatch(
      /env\.DOCKER_TAG, not set in the workflow: an earlier step may set it at run time/,
    );
  });

  it("push decided by vars, secrets or inputs is reported by name, never dropped", async () => {
    for (const [push, names] of [
      ["${{ vars.PUBLISH == 'true' }}", "vars"],
      ["${{ secrets.PUSH && 'true' }}", "secrets"],
      ["${{ github.actor == 'bot' }}", "github.actor"],
    ] as const) {
      const wf = await read(docker(push));
      expect(wf.images).toEqual([]);
      expect(wf.notVerified).toEqual([
        {
          workflow: ".github/workflows/release.yml",
          job: "image",
          step: "Build",
          what: "image ghcr.io/acme/app",
          why: expect.stringContaining(names),
        },
      ]);
      expect(wf.notVerified[0]!.why).toMatch(/push is .* which is not known before the run/);
    }
  });

  it("push: false and steps that do not run on a tag push publish nothing; an unknown if: is reported", async () => {
    expect(await read(docker("false"))).toMatchObject({ images: [], notVerified: [] });
    expect(await read(docker("true", "if: github.event_name == 'pull_request'\n        "))).toMatchObject({
      images: [],
      notVerified: [],
    });
    expect(await read(docker("true", "if: ${{ !startsWith(github.ref, 'refs/tags/v') }}\n        "))).toMatchObject({
      images: [],
      notVerified: [],
    });
    const unknown = await read(docker("true", "if: vars.RELEASE == 'yes'\n        "));
    expect(unknown.images).toEqual([]);
    expect(unknown.notVerified[0]!.why).toMatch(/runs only if vars\.RELEASE == 'yes'.*not known before the run/);
  });

  it("resolves env in order: workflow, then job, then step", async () => {
    const wf = await read(`
on: { push: { tags: ["v*"] } }
env:
  REGISTRY: quay.io
  OWNER: \${{ github.repository_owner }}
jobs:
  image:
    runs-on: ubuntu-latest
    env:
      IMAGE: \${{ github.repository_owner }}/tools
    steps:
      - uses: docker/build-push-action@v6
        env:
          FULL: example.org/\${{ env.IMAGE }}
        with:
          push: true
          tags: \${{ env.REGISTRY }}/\${{ env.IMAGE }}:\${{ github.sha }},\${{ env.FULL }}:stable
`);
    expect(shapes(wf)).toEqual([
      image("image", "quay.io/acme/tools", [ctx.sha]),
      image("image", "example.org/acme/tools", ["stable"]),
    ]);
  });

  it("metadata-action: default tags, flavor prefix and suffix, Docker Hub names made whole", async () => {
    const wf = await read(`
on: { push: { tags: ["v*"] } }
jobs:
  image:
    runs-on: ubuntu-latest
    steps:
      - id: plain
        uses: docker/metadata-action@v5
        with:
          images: acme/app
      - id: slim
        uses: docker/metadata-action@v5
        with:
          images: ghcr.io/acme/app
          flavor: |
            suffix=-slim
          tags: |
            type=semver,pattern={{major}}.{{minor}}
            type=ref,event=branch
            type=ref,event=pr
      - uses: docker/build-push-action@v6
        with:
          push: true
          tags: |
            \${{ steps.plain.outputs.tags }}
            \${{ steps.slim.outputs.tags }}
`);
    expect(shapes(wf)).toEqual([
      image("image", "docker.io/acme/app", ["v1.4.0", "latest"]),
      image("image", "ghcr.io/acme/app", ["1.4-slim", "latest"]),
    ]);
  });
});

describe("run: scripts, read with a shell parser", () => {
  it("resolves quoting, env, variables set from them and ${V#x} ${V%x} ${V##x} ${V%%x}", async () => {
    const wf = await read(
      publishJob(
        `      - name: Push
        env:
          REGISTRY: ghcr.io/\${{ github.repository_owner }}
        run: |
          version="\${GITHUB_REF_NAME#v}"
          major="\${version%%.*}"
          minor="\${version%.*}"
          repo="\${GITHUB_REPOSITORY##*/}"
          image="$REGISTRY/$repo"
          docker buildx build --platform linux/arm64,linux/amd64 \\
            --push -t "$image:$version" -t "$image:$major" --tag="$image:$minor" .
          docker buildx imagetools create -t "$REGISTRY/mirror:\${GITHUB_SHA::7}" "$image:$version" || true
          crane copy "$image:$version" 'quay.io/acme/gateway:'"$version"
          docker push "\${REGISTRY,,}/plain:$GITHUB_REF_NAME"
`,
      ),
    );
    expect(shapes(wf)).toEqual([
      image("publish", "ghcr.io/acme/gateway", ["1.4.0", "1", "1.4"], { platforms: BOTH }),
      image("publish", "quay.io/acme/gateway", ["1.4.0"], { platforms: null }),
      image("publish", "ghcr.io/acme/plain", ["v1.4.0"], { platforms: null }),
    ]);
    // A slice expansion (${V::7}) is not one the reader evaluates: that command is named, not guessed.
    expect(reasons(wf)).toEqual([
      expect.stringMatching(
        /publish\/Push: `docker buildx imagetools create .*`: \$\{GITHUB_SHA::7\} is decided at run time/,
      ),
    ]);
  });

  it("helm package reads Chart.yaml (and --version, --destination) to know the chart helm push pushes", async () => {
    const wf = await read(
      publishJob(`      - run: |
          cd charts
          helm package api --destination ../dist
          helm package ../deploy/chart -d ../dist --version "\${GITHUB_REF_NAME#v}+build.1"
      - working-directory: dist
        run: |
          for chart in api-2.3.4.tgz gateway-1.4.0+build.1.tgz; do
            helm push "$chart" oci://ghcr.io/acme/charts
          done
          helm push other-1.0.0.tgz oci://ghcr.io/acme/charts
`),
    );
    expect(wf.artifacts.map((a) => [a.name, a.ref, a.tag])).toEqual([
      ["api", "ghcr.io/acme/charts/api", "2.3.4"],
      ["gateway", "ghcr.io/acme/charts/gateway", "1.4.0_build.1"],
    ]);
    expect(reasons(wf)).toEqual([
      expect.stringMatching(
        /`helm push other-1\.0\.0\.tgz .*`: other-1\.0\.0\.tgz was not made by a `helm package` earlier in this job/,
      ),
    ]);
  });

  it("values written at run time are not known: $GITHUB_OUTPUT, command substitutions, read, a condition", async () => {
    const wf = await read(
      publishJob(`      - id: version
        run: echo "version=$(git describe --tags)" >> "$GITHUB_OUTPUT"
      - name: Push
        run: |
          docker push ghcr.io/acme/app:\${{ steps.version.outputs.version }}
          TAG=$(cat VERSION)
          docker push "ghcr.io/acme/app:$TAG"
          read -r CHANNEL < channel.txt
          docker push "ghcr.io/acme/app:$CHANNEL"
          if [ -n "$PUSH_EDGE" ]; then docker push ghcr.io/acme/app:edge; fi
          [ -f .publish ] && docker push ghcr.io/acme/app:maybe
          docker push ghcr.io/acme/app:sure
`),
    );
    expect(shapes(wf)).toEqual([image("publish", "ghcr.io/acme/app", ["sure"], { platforms: null })]);
    expect(reasons(wf)).toEqual([
      expect.stringMatching(
        /`docker push ghcr\.io\/acme\/app:\$\{\{ steps\.version\.outputs\.version \}\}`: \$\{\{ steps\.version\.outputs\.version \}\} is decided at run time/,
      ),
      expect.stringMatching(/\$TAG \(set from \$\(cat VERSION\)\) is decided at run time/),
      expect.stringMatching(/\$CHANNEL is decided at run time/),
      expect.stringMatching(/`docker push ghcr\.io\/acme\/app:edge`.*runs only if `\[ -n "\$PUSH_EDGE" \]` holds/),
      expect.stringMatching(/`docker push ghcr\.io\/acme\/app:maybe`.*runs only if `\[ -f \.publish \]` holds/),
    ]);
  });

  it("a test of known values decides the branch, as it will in the run", async () => {
    const wf = await read(
      publishJob(`      - name: Push
        run: |
          if [ \${{ contains(github.ref, '-') }} = "true" ]; then
            docker push ghcr.io/acme/app:rc
          elif test -n "$GITHUB_REF_NAME"; then
            docker push ghcr.io/acme/app:stable
          else
            docker push ghcr.io/acme/app:never
          fi
          if [ "$GITHUB_REF_TYPE" = branch ]; then docker push ghcr.io/acme/app:branch; else docker push ghcr.io/acme/app:else; fi
          [ "$GITHUB_REF_TYPE" != tag ] || docker push ghcr.io/acme/app:tagged
          [ -z "$GITHUB_SHA" ] && docker push ghcr.io/acme/app:nosha
`),
    );
    expect(shapes(wf)).toEqual([
      image("publish", "ghcr.io/acme/app", ["stable", "else", "tagged"], { platforms: null }),
    ]);
    expect(wf.notVerified).toEqual([]);
  });

  it("recognises other publishing by name: cargo, npm, cosign, goreleaser, release assets, PyPI", async () => {
    const wf = await read(
      publishJob(`      - name: Crates
        run: cargo publish -p gateway --locked
      - name: Dry run
        run: cargo publish --dry-run && npm publish --dry-run
      - name: npm
        run: npm publish --access public
      - name: Sign
        run: cosign sign --yes ghcr.io/acme/app@sha256:abc
      - uses: goreleaser/goreleaser-action@v6
        with:
          args: release --clean
      - uses: softprops/action-gh-release@v2
        with:
          files: dist/*.tar.gz
      - uses: softprops/action-gh-release@v2
      - uses: pypa/gh-action-pypi-publish@release/v1
`),
    );
    expect(wf.notVerified.map((n) => [n.step, n.why])).toEqual([
      ["Crates", "crates.io is not checked by release-kit"],
      ["npm", "the npm registry is not checked by release-kit"],
      ["Sign", expect.stringMatching(/cosign sign: signatures and attestations/)],
      // An unnamed step is named as GitHub shows it: by what it uses (or the first line it runs).
      ["goreleaser/goreleaser-action@v6", expect.stringMatching(/\.goreleaser\.yaml/)],
      ["softprops/action-gh-release@v2", expect.stringMatching(/release assets are not checked/)],
      ["pypa/gh-action-pypi-publish@release/v1", "PyPI is not checked by release-kit"],
    ]);
  });

  it("a script in another shell that seems to publish is named; one that does not parse too", async () => {
    const wf = await read(
      publishJob(`      - shell: pwsh
        run: docker push ghcr.io/acme/app:latest
      - run: |
          docker push ghcr.io/acme/app:$(
      - shell: python
        run: print("hello")
`),
    );
    expect(reasons(wf)).toEqual([
      expect.stringMatching(/a pwsh script: release-kit reads bash and sh scripts only/),
      expect.stringMatching(/its script: the script does not parse as bash/),
    ]);
  });
});

describe("jobs", () => {
  it("a reusable workflow of this repository is read with the inputs it is given", async () => {
    files[".github/workflows/image.yml"] = `
on:
  workflow_call:
    inputs:
      image:
        type: string
        required: true
      platforms:
        type: string
        default: linux/amd64
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: docker/build-push-action@v6
        with:
          push: true
          platforms: \${{ inputs.platforms }}
          tags: ghcr.io/acme/\${{ inputs.image }}:\${{ github.ref_name }}
`;
    const wf = await read(`
on: { push: { tags: ["v*"] } }
jobs:
  gateway:
    uses: ./.github/workflows/image.yml
    with:
      image: gateway
  tools:
    uses: ./.github/workflows/image.yml@main
    with:
      image: \${{ vars.TOOLS_IMAGE }}
  remote:
    uses: acme/shared/.github/workflows/publish.yml@v1
`);
    expect(shapes(wf)).toEqual([image("gateway/build", "ghcr.io/acme/gateway", ["v1.4.0"])]);
    expect(reasons(wf)).toEqual([
      expect.stringMatching(
        /^tools\/build\/docker\/build-push-action@v6: an image \(docker\/build-push-action\): its tags are .*inputs\.image/,
      ),
      expect.stringMatching(/^remote\/\(uses\): reusable workflow acme\/shared.*other repositories are not read/),
    ]);
  });
});

describe("composite actions of this repository", () => {
  it("are read step by step with the inputs they are given", async () => {
    files[".github/actions/publish/action.yml"] = `
name: Publish
inputs:
  image:
    required: true
  registry:
    default: ghcr.io/acme
runs:
  using: composite
  steps:
    - name: Push
      shell: bash
      run: |
        docker buildx build --push -t "\${{ inputs.registry }}/\${{ inputs.image }}:\${GITHUB_REF_NAME#v}" .
    - name: Crates
      shell: bash
      run: cargo publish
`;
    files[".github/actions/node/action.yml"] = "name: Node\nruns:\n  using: node20\n  main: index.js\n";
    const wf = await read(
      publishJob(`      - name: Gateway
        uses: ./.github/actions/publish
        with:
          image: gateway
      - uses: ./.github/actions/node
`),
    );
    expect(shapes(wf)).toEqual([image("publish", "ghcr.io/acme/gateway", ["1.4.0"])]);
    expect(wf.images[0]!.step).toBe("Gateway / Push");
    expect(reasons(wf)).toEqual(["publish/Gateway / Crates: `cargo publish`: crates.io is not checked by release-kit"]);
  });
});

describe("what real repositories' workflows taught the reader (test/realworld)", () => {
  it("github.actor is whoever pushes the tag: a test against dependabot is known, one against a login is not", async () => {
    const push = (expr: string) =>
      read(
        publishJob(`      - name: Build
        uses: docker/build-push-action@v6
        with:
          push: \${{ ${expr} }}
          tags: ghcr.io/acme/app:v1`),
      );
    expect(
      (await push("github.event_name != 'pull_request' && github.actor != 'dependabot[bot]'")).images,
    ).toHaveLength(1);
    for (const expr of ["github.actor == 'octocat'", "endsWith(github.actor, '[bot]')"]) {
      const wf = await push(expr);
      expect(wf.images).toEqual([]);
      expect(wf.notVerified[0]!.why).toContain("github.actor, whoever pushes the tag");
    }
  });

  it("a build that names no platform is the runner's own on GitHub's runners, and not known elsewhere", async () => {
    const build = (runsOn: string) =>
      read(
        publishJob(
          "      - uses: docker/build-push-action@v6\n        with: { push: true, tags: ghcr.io/acme/app:v1 }",
          runsOn,
        ),
      );
    expect((await build("ubuntu-24.04")).images[0]!.platforms).toEqual(["linux/amd64"]);
    expect((await build("ubuntu-24.04-arm")).images[0]!.platforms).toEqual(["linux/arm64"]);
    expect((await build("[self-hosted, linux]")).images[0]!.platforms).toBeNull();
  });

  it("metadata-action: semver match= takes the version out of a prefixed tag; {{is_default_branch}} is false on a tag", async () => {
    const wf = await read(
      publishJob(`      - id: meta
        uses: docker/metadata-action@v5
        with:
          images: acme/app
          flavor: latest=false
          tags: |
            type=semver,pattern={{version}},value=\${{ github.ref_name }},match=app-v(\\d+.\\d+.\\d+)$
            type=raw,value=nightly,enable={{is_default_branch}}
      - uses: depot/build-push-action@v1
        with: { push: true, platforms: linux/amd64, tags: "\${{ steps.meta.outputs.tags }}" }`),
      { tag: "app-v1.4.0" },
    );
    expect(shapes(wf)).toEqual([image("publish", "docker.io/acme/app", ["1.4.0"])]);
    expect(wf.notVerified).toEqual([]);
  });

  it("a push by digest (outputs: type=image,...,push-by-digest=true,push=true) is named: it has no tag to check", async () => {
    const wf = await read(
      publishJob(`      - name: Build by digest
        uses: docker/build-push-action@v6
        with:
          outputs: type=image,"name=acme/app,ghcr.io/acme/app",push-by-digest=true,name-canonical=true,push=true`),
    );
    expect(reasons(wf)).toEqual([
      "publish/Build by digest: an image (docker/build-push-action): it pushes without a tag (by digest), so there is no tag to check",
    ]);
  });

  it("names steps whose publishing it cannot read: scripts and local actions named for it, release edits decided at run time, known actions", async () => {
    const wf = await read(
      publishJob(`      - run: ./scripts/get-version.sh
      - run: mise x -- scripts/release.sh
      - run: make publish
      - uses: ./.github/actions/deploy-docs
      - uses: ./.github/actions/setup
      - name: Publish the draft
        run: gh release edit "$(./scripts/get-version.sh)" --draft=false
      - run: gh release edit "$GITHUB_REF_NAME" --draft=false
      - uses: anchore/sbom-action@v0
        with: { image: ghcr.io/acme/app }
      - uses: anchore/sbom-action@v0
        with: { image: ghcr.io/acme/app, upload-release-assets: false }
      - uses: svenstaro/upload-release-action@v2
        with: { file: a.tar.gz }
      - uses: svenstaro/upload-release-action@v2
        with: { file: b.tar.gz }`),
    );
    expect(wf.notVerified.map((n) => [n.step, n.what])).toEqual([
      ["mise x -- scripts/release.sh", "`mise x -- scripts/release.sh`"],
      ["make publish", "`make publish`"],
      ["./.github/actions/deploy-docs", "local action .github/actions/deploy-docs"],
      ["Publish the draft", '`gh release edit "$(./scripts/get-version.sh)" --draft=false`'],
      ["anchore/sbom-action@v0", "an SBOM (anchore/sbom-action)"],
      ["svenstaro/upload-release-action@v2", "release assets a.tar.gz"],
      ["svenstaro/upload-release-action@v2", "release assets b.tar.gz"],
    ]);
  });
});

describe("matrix jobs", () => {
  /** A tag-push workflow whose one job, images, runs once per combination of `matrix`. */
  const matrixJob = (matrix: string, steps: string) => `
on: { push: { tags: ["v*"] } }
jobs:
  images:
    runs-on: ubuntu-latest
    strategy:
      matrix:
${matrix}    steps:
${steps}`;

  it("a written-out matrix is read once per combination (product, exclude, include)", async () => {
    const wf = await read(
      matrixJob(
        `        image: [gateway, admin-ui, worker]
        variant: [full, slim]
        exclude:
          - image: worker
            variant: slim
        include:
          - image: admin-ui
            platforms: linux/amd64,linux/arm64
          - image: docs
            variant: full
`,
        `      - uses: docker/build-push-action@v6
        with:
          push: true
          platforms: \${{ matrix.platforms || 'linux/amd64' }}
          tags: ghcr.io/acme/\${{ matrix.image }}:\${{ github.ref_name }}-\${{ matrix.variant }}
`,
      ),
    );
    // One image per combination: what one build pushes (its tags may rightly have a digest of their own).
    expect(shapes(wf)).toEqual([
      image("images", "ghcr.io/acme/gateway", ["v1.4.0-full"]),
      image("images", "ghcr.io/acme/gateway", ["v1.4.0-slim"]),
      image("images", "ghcr.io/acme/admin-ui", ["v1.4.0-full"], { platforms: BOTH }),
      image("images", "ghcr.io/acme/admin-ui", ["v1.4.0-slim"], { platforms: BOTH }),
      image("images", "ghcr.io/acme/worker", ["v1.4.0-full"]),
      image("images", "ghcr.io/acme/docs", ["v1.4.0-full"]),
    ]);
    // A reference one build pushes keeps image:<ref>; one several builds push adds the first tag.
    expect(wf.images.map((i) => i.id)).toEqual([
      "image:ghcr.io/acme/gateway:v1.4.0-full",
      "image:ghcr.io/acme/gateway:v1.4.0-slim",
      "image:ghcr.io/acme/admin-ui:v1.4.0-full",
      "image:ghcr.io/acme/admin-ui:v1.4.0-slim",
      "image:ghcr.io/acme/worker",
      "image:ghcr.io/acme/docs",
    ]);
    expect(wf.notVerified).toEqual([]);
  });

  it("a matrix decided at run time leaves matrix unknown: named once, not guessed", async () => {
    const wf = await read(
      matrixJob(
        "        image: ${{ fromJSON(needs.plan.outputs.images) }}\n",
        "      - name: Push\n        run: docker push ghcr.io/acme/${{ matrix.image }}:${GITHUB_REF_NAME}\n",
      ),
    );
    expect(wf.images).toEqual([]);
    expect(reasons(wf)).toEqual([
      expect.stringMatching(
        /^images\/Push: `docker push ghcr\.io\/acme\/\$\{\{ matrix\.image \}\}:\$\{GITHUB_REF_NAME\}`: \$\{\{ matrix\.image \}\} is decided at run time/,
      ),
    ]);
  });
});

describe("tag filters", () => {
  const filtersOf = async (on: string) =>
    (await read(`on:\n${on}\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo\n`, {}, "r.yml")).filters;
  it.each([
    ['  push:\n    tags: ["v*"]', "v1.2.0", true],
    ['  push:\n    tags: ["v*"]', "1.2.0", false],
    ['  push:\n    tags: ["v[0-9]+.[0-9]+.[0-9]+"]', "v1.2.0", true],
    ['  push:\n    tags: ["v*", "!v*-rc*"]', "v1.2.0-rc.1", false],
    ['  push:\n    tags-ignore: ["*-rc*"]', "v1.2.0", true],
    ['  push:\n    tags-ignore: ["*-rc*"]', "v1.2.0-rc.1", false],
    ["  push:\n    branches: [main]", "v1.2.0", false],
    ['  push:\n    branches: [main]\n    tags: ["v*"]', "v1.2.0", true],
    ["  push:", "v1.2.0", true],
    ["  [push, pull_request]", "v1.2.0", true],
    ["  workflow_dispatch:", "v1.2.0", false],
    ['  push:\n    tags: ["releases/**"]', "releases/a/b", true],
    // Where GitHub's patterns are not globs: `**` inside a segment, `?` and `+` as quantifiers.
    ['  push:\n    tags: ["releases/**-alpha"]', "releases/beta/3-alpha", true],
    ['  push:\n    tags: ["releases/**"]', "releases", false],
    ['  push:\n    tags: ["v*"]', "v1/2", false],
    ['  push:\n    tags: ["v1.0.0x?"]', "v1.0.0", true],
    ['  push:\n    tags: ["v1.0.0?"]', "v1.0.1", false],
    ['  push:\n    tags: ["v1+.0"]', "v111.0", true],
    ['  push:\n    tags: ["v1+.0"]', "v1+.0", false],
  ])("%s with %s → %s", async (on, tag, expected) => expect(tagTriggers(await filtersOf(on), tag)).toBe(expected));
});

describe("readTagWorkflows: every workflow file counts", async () => {
  const dir = tempDir("rk-workflows-");
  afterAll(() => dir.remove());
  const repo = initRepo(dir.path);
  const workflow = (on: string, image: string) =>
    `on:\n${on}\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: docker buildx build --push -t ghcr.io/acme/${image}:$GITHUB_REF_NAME .\n`;
  mkdirSync(join(repo, ".github/workflows"), { recursive: true });
  writeFileSync(join(repo, ".github/workflows/release.yml"), workflow('  push:\n    tags: ["v*"]', "gateway"));
  writeFileSync(join(repo, ".github/workflows/docker.yaml"), workflow("  push:", "tools"));
  writeFileSync(
    join(repo, ".github/workflows/ci.yml"),
    workflow("  push:\n    branches: [main]\n  pull_request:", "ci"),
  );
  // Broken, but only for branch pushes: not this tag's concern.
  writeFileSync(
    join(repo, ".github/workflows/nightly.yml"),
    "on:\n  push:\n    branches: [main]\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: [oops]\n",
  );
  writeFileSync(join(repo, ".github/workflows/README.md"), "not a workflow\n");
  git(repo, "add", ".");
  git(repo, "commit", "-qm", "ci: workflows");
  const r = createRunner(repo, false);

  it("reads each workflow the tag starts, and names the others with their filters", async () => {
    const found = await readTagWorkflows(r, { workflowPaths: null }, "HEAD", ctx);
    expect(found.looked).toEqual([
      ".github/workflows/ci.yml",
      ".github/workflows/docker.yaml",
      ".github/workflows/nightly.yml",
      ".github/workflows/release.yml",
    ]);
    expect(found.started.map((w) => w.path)).toEqual([
      ".github/workflows/docker.yaml",
      ".github/workflows/release.yml",
    ]);
    expect(found.notStarted.map((w) => [w.path, w.filters?.onTagPush])).toEqual([
      [".github/workflows/ci.yml", false],
      [".github/workflows/nightly.yml", false],
    ]);
    expect(found.images.map((i) => [i.ref, i.workflow])).toEqual([
      ["ghcr.io/acme/tools", ".github/workflows/docker.yaml"],
      ["ghcr.io/acme/gateway", ".github/workflows/release.yml"],
    ]);
  });

  it("RELEASE_WORKFLOW names the ones to use; a named file that is missing is named too", async () => {
    const found = await readTagWorkflows(
      r,
      { workflowPaths: [".github/workflows/release.yml", ".github/workflows/gone.yml"] },
      "HEAD",
      ctx,
    );
    expect(found.chosenBy).toBe("setting");
    expect(found.started.map((w) => w.path)).toEqual([".github/workflows/release.yml"]);
    expect(found.notStarted).toEqual([{ path: ".github/workflows/gone.yml", filters: null }]);
  });

  it("a broken workflow the tag would start is a configuration error", async () => {
    writeFileSync(
      join(repo, ".github/workflows/nightly.yml"),
      "on:\n  push:\n    tags: [v*]\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: [oops]\n",
    );
    git(repo, "commit", "-qam", "ci: nightly on tags");
    await expect(readTagWorkflows(r, { workflowPaths: null }, "HEAD", ctx)).rejects.toThrow(
      /nightly\.yml is not a valid workflow: line 8/,
    );
  });
});

describe("each file and script is parsed once per process", () => {
  const text = `on: { push: { tags: ["v*"] } }\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: docker push ghcr.io/acme/once:\${GITHUB_REF_NAME}\n`;

  it("a workflow file read for two tags is parsed once, its images still read per tag", async () => {
    const { checkWorkflow } = await import("../scripts/lib/workflow/parse.ts");
    const first = await checkWorkflow(text, ".github/workflows/once.yml");
    const again = await checkWorkflow(text, ".github/workflows/once.yml");
    expect(again.root).toBe(first.root);
    // Another path is another file: its messages name it.
    expect((await checkWorkflow(text, ".github/workflows/twice.yml")).root).not.toBe(first.root);
    const tags = async (tag: string) =>
      (await read(text, { tag }, ".github/workflows/once.yml")).images.map((i) => [i.ref, i.tags]);
    expect(await tags("v1.0.0")).toEqual([["ghcr.io/acme/once", ["v1.0.0"]]]);
    expect(await tags("v2.0.0")).toEqual([["ghcr.io/acme/once", ["v2.0.0"]]]);
  });

  it("a refused file is refused again, with the same words, each time it is read", async () => {
    const broken = "on: push\n";
    const first = await read(broken, {}, "broken.yml").catch((e: unknown) => e);
    const again = await read(broken, { tag: "v9.0.0" }, "broken.yml").catch((e: unknown) => e);
    expect(first).toBeInstanceOf(WorkflowError);
    expect((again as WorkflowError).message).toBe((first as WorkflowError).message);
  });

  it("a run: script is parsed once, and a script that does not parse fails the same way again", async () => {
    const { shellSyntax } = await import("../scripts/lib/workflow/libraries.ts");
    const sh = await shellSyntax();
    expect(sh.parse("echo once")).toBe(sh.parse("echo once"));
    expect(sh.parse("echo twice")).not.toBe(sh.parse("echo once"));
    expect(() => sh.parse("if then")).toThrow(/run:1:/);
    expect(() => sh.parse("if then")).toThrow(/run:1:/);
  });
});
