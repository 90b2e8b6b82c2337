// The sandbox registry standing in for hosted registries, where they answer differently from
// distribution (whose behaviour test/registry-conformance.test.ts holds against the real binary),
// and the kit's registry client and access policy against them: what "never published", "private"
// and "tag missing" look like, Docker Hub's token service on another host, several hosts at once,
// and credentials that never leave the registry's own host.
//
// Sources for the hosted answers (observed, as GitHub documents no error codes for GHCR):
// - GHCR refuses an anonymous token for a private package with 401 at /token: openai/tunnel-client#75
//   (`curl 'https://ghcr.io/token?scope=repository:openai/tunnel-client-runtime:pull&service=ghcr.io'` → 401).
// - GHCR answers DENIED ("requested access to the resource is denied") for a package it will not
//   show, never MANIFEST_UNKNOWN: charmbracelet/catwalk#518, ricoberger/echoserver#13, riverqueue/riverui#182.
// - GHCR serves blob bodies by a 307 to another host (its signed storage URLs):
//   https://docs.github.com/packages/working-with-a-github-packages-registry/working-with-the-container-registry
//   and the distribution spec's "GET blob may redirect" (opencontainers/distribution-spec spec.md, Pulling blobs).
// - Docker Hub's token service is auth.docker.io with service="registry.docker.io" (its WWW-Authenticate,
//   https://distribution.github.io/distribution/spec/auth/token/ example), and it answers 401
//   UNAUTHORIZED for a repository it does not have: crazy-max/diun#256 logs, docker's own "repository
//   does not exist or may require 'docker login'" message for that answer.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registryAccess } from "../scripts/lib/facts/registry-access.ts";
import { createRegistryClient, parseRegistryMap, type RegistryError } from "../scripts/lib/registry.ts";
import {
  publishIndex,
  type RegistryHosts,
  type SandboxRegistry,
  startRegistries,
  startRegistry,
} from "../scripts/sandbox/registry.ts";
import { rejection } from "./helpers/registry.ts";

const SECRET = "ghp_hostedSecretValue0123456789abcdef";

const FROM_ENVIRONMENT = "environment variable RELEASE_REGISTRY_URL";

/** registryAccess with the GitHub token on offer, for a RELEASE_REGISTRY_URL read from `source`. */
const accessFrom = (
  registryUrl: string,
  { source = FROM_ENVIRONMENT, root, env = {} }: { source?: string; root?: string; env?: NodeJS.ProcessEnv } = {},
) => registryAccess({ registryUrl, sources: { RELEASE_REGISTRY_URL: source }, ...(root ? { root } : {}) }, SECRET, env);

async function raw(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers, redirect: "manual" });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

async function anonymousToken(r: SandboxRegistry, name: string): Promise<string> {
  const t = await raw(`${r.realm}?service=${r.service}&scope=repository:${name}:pull`);
  expect(t.status).toBe(200);
  return (JSON.parse(t.text) as { token: string }).token;
}

describe("the sandbox registry as GHCR", () => {
  let ghcr: SandboxRegistry;

  beforeAll(async () => {
    ghcr = await startRegistry({ flavor: "ghcr", token: SECRET, knobs: { private: ["acme/secret"] } });
    publishIndex(ghcr.store, "acme/gateway", {
      platforms: ["linux/amd64", "linux/arm64"],
      tags: ["v1.0.0"],
      attestations: true,
      seed: "h",
    });
    publishIndex(ghcr.store, "acme/secret", { platforms: ["linux/amd64"], tags: ["v1.0.0"], seed: "h" });
  });
  afterAll(async () => ghcr?.stop());

  it("answers DENIED for a package it does not have, MANIFEST_UNKNOWN only for a missing tag of one it has", async () => {
    const token = await anonymousToken(ghcr, "acme/never");
    const none = await raw(`${ghcr.url}/v2/acme/never/manifests/v1.0.0`, { authorization: `Bearer ${token}` });
    expect(none.status).toBe(403);
    expect(JSON.parse(none.text)).toEqual({
      errors: [{ code: "DENIED", message: "requested access to the resource is denied" }],
    });
    const t2 = await anonymousToken(ghcr, "acme/gateway");
    const tag = await raw(`${ghcr.url}/v2/acme/gateway/manifests/v9.9.9`, {
      authorization: `Bearer ${t2}`,
      accept: "application/vnd.oci.image.index.v1+json",
    });
    expect(tag.status).toBe(404);
    expect(JSON.parse(tag.text).errors[0].code).toBe("MANIFEST_UNKNOWN");
  });

  it("refuses an anonymous token for a private package, and gives one for the right credential", async () => {
    expect((await raw(`${ghcr.realm}?service=ghcr.io&scope=repository:acme/secret:pull`)).status).toBe(401);
    const basic = `Basic ${Buffer.from(`x-access-token:${SECRET}`).toString("base64")}`;
    expect(
      (await raw(`${ghcr.realm}?service=ghcr.io&scope=repository:acme/secret:pull`, { authorization: basic })).status,
    ).toBe(200);
  });

  it("redirects blobs with 307 to another host, which the client follows without credentials", async () => {
    const token = await anonymousToken(ghcr, "acme/gateway");
    const index = JSON.parse(
      (
        await raw(`${ghcr.url}/v2/acme/gateway/manifests/v1.0.0`, {
          authorization: `Bearer ${token}`,
          accept: "application/vnd.oci.image.index.v1+json",
        })
      ).text,
    );
    const image = JSON.parse(
      (
        await raw(`${ghcr.url}/v2/acme/gateway/manifests/${index.manifests[0].digest}`, {
          authorization: `Bearer ${token}`,
          accept: "application/vnd.oci.image.manifest.v1+json",
        })
      ).text,
    );
    const blob = await raw(`${ghcr.url}/v2/acme/gateway/blobs/${image.config.digest}`, {
      authorization: `Bearer ${token}`,
    });
    expect(blob.status).toBe(307);
    const location = new URL(blob.headers.get("location")!);
    expect(location.origin).not.toBe(new URL(ghcr.url).origin);

    // The kit reads platforms from the config blob when an index entry names none; no credential reaches storage.
    const client = createRegistryClient({ endpoint: ghcr.url, token: SECRET, username: "x-access-token" });
    expect(await client.platformsOf("ghcr.io/acme/gateway", index.manifests[0].digest)).toEqual(["linux/amd64"]);
    expect(ghcr.authorizations.filter((a) => a.at === "storage")).toEqual([]);
  });

  it("lets the kit's client tell never published, private and tag missing apart", async () => {
    const anonymous = createRegistryClient({ endpoint: ghcr.url });
    const never = await rejection(anonymous.resolve("ghcr.io/acme/never", "v1.0.0"));
    expect([never.status, never.code]).toEqual([403, "NOT_PUBLISHED"]);
    expect(never.message).toMatch(/never published/);
    const secret = await rejection(anonymous.resolve("ghcr.io/acme/secret", "v1.0.0"));
    expect([secret.status, secret.code]).toEqual([401, "PRIVATE"]);
    expect(secret.message).toMatch(/package is private.*read:packages/);
    expect(await anonymous.resolve("ghcr.io/acme/gateway", "v9.9.9")).toBeNull();
    // registryAccess retries a private package with the GitHub token, GHCR being GHCR.
    const access = accessFrom(ghcr.url);
    expect((await access.resolve("ghcr.io/acme/secret", "v1.0.0"))?.platforms).toEqual(["linux/amd64"]);
  });
});

describe("the sandbox registry as Docker Hub, and several hosts at once", () => {
  let hosts: RegistryHosts;

  beforeAll(async () => {
    hosts = await startRegistries(["ghcr.io", "docker.io", "quay.io"]);
    publishIndex(hosts.byHost["ghcr.io"]!.store, "acme/gateway", {
      platforms: ["linux/amd64"],
      tags: ["v1.0.0"],
      seed: "g",
    });
    publishIndex(hosts.byHost["docker.io"]!.store, "library/redis", {
      platforms: ["linux/arm64"],
      tags: ["7"],
      seed: "d",
    });
    publishIndex(hosts.byHost["docker.io"]!.store, "acme/gateway", {
      platforms: ["linux/amd64", "linux/arm64"],
      tags: ["v1.0.0"],
      seed: "d",
    });
    publishIndex(hosts.byHost["quay.io"]!.store, "acme/gateway", {
      platforms: ["linux/s390x"],
      tags: ["v1.0.0"],
      seed: "q",
    });
  });
  afterAll(async () => hosts?.stop());

  it("challenges with a token service on another host, service registry.docker.io", async () => {
    const hub = hosts.byHost["docker.io"]!;
    const challenge = (await raw(`${hub.url}/v2/library/redis/manifests/7`)).headers.get("www-authenticate")!;
    expect(challenge).toContain(`realm="${hub.realm}"`);
    expect(challenge).toContain(`service="registry.docker.io"`);
    expect(new URL(hub.realm).origin).not.toBe(new URL(hub.url).origin);
  });

  it("serves each host from its own store through one mapping, and the client reads Docker Hub anonymously", async () => {
    const parsed = parseRegistryMap(hosts.mapping);
    expect(parsed).toEqual({
      endpoint: null,
      endpoints: {
        "ghcr.io": hosts.byHost["ghcr.io"]!.url,
        "docker.io": hosts.byHost["docker.io"]!.url,
        "quay.io": hosts.byHost["quay.io"]!.url,
      },
    });
    // The GitHub token is on offer (from the environment): it still goes to ghcr.io only.
    const access = accessFrom(hosts.mapping);
    expect(access.tokenHosts).toEqual(["ghcr.io"]);
    expect((await access.resolve("ghcr.io/acme/gateway", "v1.0.0"))?.platforms).toEqual(["linux/amd64"]);
    expect((await access.resolve("docker.io/acme/gateway", "v1.0.0"))?.platforms).toEqual([
      "linux/amd64",
      "linux/arm64",
    ]);
    expect((await access.resolve("redis", "7"))?.platforms).toEqual(["linux/arm64"]);
    expect((await access.resolve("registry-1.docker.io/library/redis", "7"))?.platforms).toEqual(["linux/arm64"]);
    expect((await access.resolve("quay.io/acme/gateway", "v1.0.0"))?.platforms).toEqual(["linux/s390x"]);
    const never = await rejection(access.resolve("docker.io/acme/never", "v1.0.0"));
    expect(never.code).toBe("NOT_PUBLISHED");
    expect(await access.resolve("docker.io/acme/gateway", "v0.0.1")).toBeNull();
    for (const host of ["docker.io", "quay.io"])
      expect(hosts.byHost[host]!.authorizations.filter((a) => !a.header.startsWith("Bearer sbx_"))).toEqual([]);
  });

  it("parses RELEASE_REGISTRY_URL: a bare URL for every host, host=URL pairs, and says what is wrong", () => {
    expect(parseRegistryMap("https://registry.example")).toEqual({
      endpoint: "https://registry.example",
      endpoints: {},
    });
    expect(parseRegistryMap("ghcr.io=http://127.0.0.1:1, index.docker.io=http://127.0.0.1:2")).toEqual({
      endpoint: null,
      endpoints: { "ghcr.io": "http://127.0.0.1:1", "docker.io": "http://127.0.0.1:2" },
    });
    expect(parseRegistryMap("ftp://x")).toHaveProperty("problem");
    expect(parseRegistryMap("ghcr.io=nope")).toHaveProperty("problem");
  });
});

describe("a credential never leaves its registry's host", () => {
  let foreign: SandboxRegistry;
  let ghcr: SandboxRegistry;
  let dir: string;

  beforeAll(async () => {
    // A registry whose challenge names a token service on another address (127.0.0.2), which
    // honours the tokens it issues: the attack issue 14 saw, seven Basic x-access-token requests.
    const grants = new Map<string, Set<string>>();
    foreign = await startRegistry({ address: "127.0.0.2", grants });
    ghcr = await startRegistry({ flavor: "ghcr", realm: `${foreign.url}/token`, grants, token: SECRET });
    publishIndex(ghcr.store, "acme/gateway", { platforms: ["linux/amd64"], tags: ["v1.0.0"], seed: "f" });
    dir = await mkdtemp(path.join(tmpdir(), "registry-leak-"));
  });
  afterAll(async () => {
    await ghcr?.stop();
    await foreign?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("asks a token service on another host anonymously, even with the token on offer", async () => {
    const client = createRegistryClient({ endpoint: ghcr.url, token: SECRET, username: "x-access-token" });
    expect((await client.resolve("ghcr.io/acme/gateway", "v1.0.0"))?.platforms).toEqual(["linux/amd64"]);
    const access = accessFrom(ghcr.url);
    expect(await access.resolve("ghcr.io/acme/never", "v1.0.0").catch((e: RegistryError) => e.code)).toBe(
      "NOT_PUBLISHED",
    );
    expect(foreign.requests.get("GET /token 200")).toBeGreaterThan(0);
    expect(foreign.authorizations).toEqual([]);
  });

  it("never sends the GitHub token where a committed mise.toml maps ghcr.io, nor to another host", async () => {
    const url = `http://127.0.0.1:1`;
    await writeFile(path.join(dir, "mise.toml"), `[env]\nRELEASE_REGISTRY_URL = "${url}"\n`);
    expect(accessFrom(url, { source: "mise.toml [env] RELEASE_REGISTRY_URL", root: dir }).tokenHosts).toEqual([]);
    // mise exports the committed value into the environment: still the repository's say.
    expect(accessFrom(url, { root: dir }).tokenHosts).toEqual([]);
    expect(accessFrom("http://127.0.0.1:2", { root: dir }).tokenHosts).toEqual(["ghcr.io"]);
    // A bare value with no sources counts as the environment's only when the environment holds it.
    expect(registryAccess(url, SECRET, {}).tokenHosts).toEqual([]);
    expect(registryAccess(url, SECRET, { RELEASE_REGISTRY_URL: url }).tokenHosts).toEqual(["ghcr.io"]);
    expect(registryAccess(null, SECRET, {}).tokenHosts).toEqual(["ghcr.io"]);
    expect(registryAccess(null, null, {}).tokenHosts).toEqual([]);
  });

  it("sends RELEASE_REGISTRY_TOKEN to its own host only", async () => {
    const quay = await startRegistry({ auth: "token", token: "quay-secret" });
    try {
      publishIndex(quay.store, "acme/gateway", { platforms: ["linux/amd64"], tags: ["v1.0.0"], seed: "q" });
      const mapping = `quay.io=${quay.url},ghcr.io=${ghcr.url}`;
      const access = accessFrom(mapping, { env: { RELEASE_REGISTRY_TOKEN: "quay.io=robot:quay-secret" } });
      expect((await access.resolve("quay.io/acme/gateway", "v1.0.0"))?.platforms).toEqual(["linux/amd64"]);
      expect(
        quay.authorizations
          .filter((a) => a.header.startsWith("Basic "))
          .map((a) => Buffer.from(a.header.slice(6), "base64").toString()),
      ).toEqual(["robot:quay-secret"]);
      expect((await access.resolve("ghcr.io/acme/gateway", "v1.0.0"))?.platforms).toEqual(["linux/amd64"]);
      expect(ghcr.authorizations.some((a) => a.header.includes("quay-secret") || a.header.startsWith("Basic "))).toBe(
        false,
      );
      expect(foreign.authorizations).toEqual([]);
    } finally {
      await quay.stop();
    }
  });
});
