import { describe, expect, it } from "vitest";
import { HELM_CONFIG_MEDIA_TYPE, WorkflowError, parseWorkflow, tagTriggers, type WorkflowContext } from "../scripts/lib/workflow.ts";

const ctx: WorkflowContext = { owner: "Acme", repository: "Acme/gateway", tag: "v1.4.0", sha: "0123456789abcdef0123456789abcdef01234567" };

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

describe("parseWorkflow", () => {
  const wf = parseWorkflow(RELEASE_YML, ".github/workflows/release.yml", ctx);

  it("finds every image with tags and platforms resolved from expressions, lowercased", () => {
    expect(wf.jobs).toEqual(["gateway", "admin-ui", "chart"]);
    expect(wf.images).toEqual([
      { ref: "ghcr.io/acme/gateway", tags: ["1.4.0", "1.4", "v1.4.0", "sha-0123456", "latest"], platforms: ["linux/amd64"], attest: true, job: "gateway" },
      { ref: "ghcr.io/acme/admin-ui", tags: ["v1.4.0", "latest"], platforms: ["linux/amd64", "linux/arm64"], attest: false, job: "admin-ui" },
    ]);
  });

  it("finds a helm chart (at the tag without its v) and an oras artifact", () => {
    expect(wf.artifacts).toEqual([
      { name: "gateway", ref: "ghcr.io/acme/charts/gateway", tag: "1.4.0", kind: "helm", mediaType: HELM_CONFIG_MEDIA_TYPE, job: "chart" },
      { name: "sbom", ref: "ghcr.io/acme/sbom", tag: "v1.4.0", kind: "oras", mediaType: "application/vnd.example.sbom", job: "chart" },
    ]);
  });

  it("reports what it cannot resolve instead of guessing", () => {
    const text = RELEASE_YML.replace("gateway\n          tags: |", "gateway-\${{ matrix.flavour }}\n          tags: |");
    const out = parseWorkflow(text, "release.yml", ctx);
    expect(out.images.map((i) => i.ref)).toEqual(["ghcr.io/acme/admin-ui"]);
    expect(out.unresolved.join("\n")).toMatch(/cannot resolve \$\{\{ matrix.flavour \}\}/);
  });

  it("makes no latest and only the full version for a pre-release", () => {
    const pre = parseWorkflow(RELEASE_YML, "release.yml", { ...ctx, tag: "v2.0.0-rc.1" });
    expect(pre.images[0]!.tags).toEqual(["2.0.0-rc.1", "v2.0.0-rc.1", "sha-0123456"]);
  });

  it("refuses bad YAML, a workflow without jobs, and platforms written as a list", () => {
    expect(() => parseWorkflow("on: [push\njobs:", "r.yml", ctx)).toThrow(/r.yml is not valid YAML \(line/);
    expect(() => parseWorkflow("on: push\n", "r.yml", ctx)).toThrow(WorkflowError);
    const list = RELEASE_YML.replace("platforms: linux/amd64", "platforms: [linux/amd64, linux/arm64]");
    expect(() => parseWorkflow(list, "r.yml", ctx)).toThrow(/platforms must be a string/);
  });

  it("notes action versions newer than it knows", () => {
    const out = parseWorkflow(RELEASE_YML.replace("docker/build-push-action@v6\n        with:\n          platforms: linux/amd64", "docker/build-push-action@v9\n        with:\n          platforms: linux/amd64"), "r.yml", ctx);
    expect(out.unresolved.join("\n")).toMatch(/build-push-action@v9 is newer than the versions release-kit knows/);
  });
});

describe("tag filters", () => {
  const filtersOf = (on: string) => parseWorkflow(`on:\n${on}\njobs:\n  a:\n    runs-on: x\n`, "r.yml", ctx).filters;
  it.each([
    ['  push:\n    tags: ["v*"]', "v1.2.0", true],
    ['  push:\n    tags: ["v*"]', "1.2.0", false],
    ['  push:\n    tags: ["v[0-9]+.[0-9]+.[0-9]+"]', "v1.2.0", true],
    ['  push:\n    tags: ["v*", "!v*-rc*"]', "v1.2.0-rc.1", false],
    ['  push:\n    tags-ignore: ["*-rc*"]', "v1.2.0", true],
    ['  push:\n    tags-ignore: ["*-rc*"]', "v1.2.0-rc.1", false],
    ["  push:\n    branches: [main]", "v1.2.0", false],
    ["  push:", "v1.2.0", true],
    ["  workflow_dispatch:", "v1.2.0", false],
    ['  push:\n    tags: ["releases/**"]', "releases/a/b", true],
  ])("%s with %s → %s", (on, tag, expected) => expect(tagTriggers(filtersOf(on), tag)).toBe(expected));
});
