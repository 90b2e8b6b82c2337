// The kit's registry client against the sandbox registry (real HTTP on 127.0.0.1): the bearer
// challenge anonymous and with a token, what "not there" looks like, platforms with attestations
// left out, digests checked, and every failure turned into a RegistryError that says what to do.
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createNetServer, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRegistryClient, parseChallenge, parseImageRef } from "../scripts/lib/registry.ts";
import {
  DOCKER_LIST,
  OCI_INDEX,
  OCI_MANIFEST,
  publishArtifact,
  publishIndex,
  putManifest,
  type SandboxRegistry,
  startRegistry,
} from "../scripts/sandbox/registry.ts";
import { MANIFEST_TYPES, rejection } from "./helpers/registry.ts";

const SECRET = "ghp_sandboxSecretValue0123456789abcdef";

/** The real global fetch, with every request's URL and headers written down. */
function recordingFetch() {
  const seen: { url: string; headers: Record<string, string> }[] = [];
  const wrapped: typeof fetch = (input, init) => {
    seen.push({ url: String(input), headers: { ...(init?.headers as Record<string, string> | undefined) } });
    return fetch(input, init);
  };
  return { fetch: wrapped, seen };
}

function count(registry: SandboxRegistry, key: string): number {
  return registry.requests.get(key) ?? 0;
}

describe("registry client against the sandbox registry", () => {
  let open: SandboxRegistry;
  let locked: SandboxRegistry;
  let gateway: ReturnType<typeof publishIndex>;
  let admin: ReturnType<typeof publishIndex>;
  const servers: Server[] = [];

  beforeAll(async () => {
    open = await startRegistry({ auth: "anonymous" });
    locked = await startRegistry({ auth: "token", token: SECRET });
    gateway = publishIndex(open.store, "acme/gateway", {
      platforms: ["linux/amd64"],
      tags: ["v1.4.0", "1.4", "latest"],
      attestations: true,
      seed: "t",
    });
    admin = publishIndex(open.store, "acme/admin-ui", {
      platforms: ["linux/amd64", "linux/arm64/v8"],
      tags: ["v1.4.0"],
      attestations: true,
      seed: "t",
    });
    publishIndex(locked.store, "acme/private", {
      platforms: ["linux/amd64", "linux/arm64"],
      tags: ["v1.0.0"],
      attestations: true,
      seed: "t",
    });
  });

  afterAll(async () => {
    await open?.stop();
    await locked?.stop();
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("parses image references: Docker Hub when no host is named (as docker does), lowercase names", () => {
    expect(parseImageRef("ghcr.io/acme/gateway")).toEqual({ host: "ghcr.io", name: "acme/gateway" });
    expect(parseImageRef("127.0.0.1:5000/acme/charts/gateway")).toEqual({
      host: "127.0.0.1:5000",
      name: "acme/charts/gateway",
    });
    expect(() => parseImageRef("ghcr.io/Acme/Gateway")).toThrow(/lowercase.*ghcr\.io\/acme\/gateway/);
    expect(parseImageRef("acme/gateway")).toEqual({ host: "docker.io", name: "acme/gateway" });
    expect(parseImageRef("nginx")).toEqual({ host: "docker.io", name: "library/nginx" });
    for (const alias of ["docker.io", "index.docker.io", "registry-1.docker.io"])
      expect(parseImageRef(`${alias}/library/redis`)).toEqual({ host: "docker.io", name: "library/redis" });
    expect(() => parseImageRef("ghcr.io/acme/gateway:v1")).toThrow(/tag or digest/);
    expect(
      parseChallenge(
        'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:acme/gateway:pull,push"',
      ),
    ).toEqual({
      scheme: "bearer",
      params: { realm: "https://ghcr.io/token", service: "ghcr.io", scope: "repository:acme/gateway:pull,push" },
    });
  });

  it("answers the bearer challenge anonymously, without an Authorization header, once per repository", async () => {
    const rec = recordingFetch();
    const client = createRegistryClient({ endpoint: open.url, fetch: rec.fetch });
    const info = await client.resolve("ghcr.io/acme/gateway", "v1.4.0");
    expect(info).toMatchObject({
      digest: gateway.digest,
      mediaType: OCI_INDEX,
      isIndex: true,
      platforms: ["linux/amd64"],
    });
    const tokenCalls = rec.seen.filter((r) => new URL(r.url).pathname === "/token");
    expect(tokenCalls).toHaveLength(1);
    expect(tokenCalls[0]!.headers).not.toHaveProperty("authorization");
    const params = new URL(tokenCalls[0]!.url).searchParams;
    expect(params.get("scope")).toBe("repository:acme/gateway:pull");
    expect(params.get("service")).toBe(open.service);
    // The cached token serves the other tags without another challenge.
    const before = rec.seen.length;
    expect((await client.resolve("ghcr.io/acme/gateway", "latest"))?.digest).toBe(gateway.digest);
    expect(await client.head("ghcr.io/acme/gateway", "1.4")).toEqual({ digest: gateway.digest, mediaType: OCI_INDEX });
    expect(rec.seen.slice(before).every((r) => r.headers.authorization?.startsWith("Bearer "))).toBe(true);
    expect(rec.seen.slice(before).some((r) => new URL(r.url).pathname === "/token")).toBe(false);
    const manifestCalls = rec.seen.filter((r) => r.url.includes("/manifests/"));
    expect(manifestCalls.length).toBeGreaterThanOrEqual(4);
    for (const call of manifestCalls) for (const type of MANIFEST_TYPES) expect(call.headers.accept).toContain(type);
  });

  it("gets a token with Basic credentials and never puts the secret in an error", async () => {
    const rec = recordingFetch();
    const client = createRegistryClient({
      endpoint: locked.url,
      token: SECRET,
      username: "x-access-token",
      fetch: rec.fetch,
    });
    const info = await client.resolve("ghcr.io/acme/private", "v1.0.0");
    expect(info?.platforms).toEqual(["linux/amd64", "linux/arm64"]);
    const tokenCall = rec.seen.find((r) => new URL(r.url).pathname === "/token")!;
    expect(Buffer.from(tokenCall.headers.authorization!.replace(/^Basic /, ""), "base64").toString()).toBe(
      `x-access-token:${SECRET}`,
    );

    const wrong = await rejection(
      createRegistryClient({ endpoint: locked.url, token: "ghp_wrongWrongWrong0123456789abcdef" }).resolve(
        "ghcr.io/acme/private",
        "v1.0.0",
      ),
    );
    expect(wrong.status).toBe(401);
    expect(wrong.message).toMatch(/refused the credentials.*read:packages/);
    expect(wrong.message).not.toContain("ghp_wrong");
    const anonymous = await rejection(
      createRegistryClient({ endpoint: locked.url }).resolve("ghcr.io/acme/private", "v1.0.0"),
    );
    expect(anonymous.status).toBe(401);
    expect(anonymous.message).toMatch(/package is private.*GH_TOKEN/);
    expect(count(locked, "GET /token 401")).toBe(2);
  });

  it("answers null for what is not there", async () => {
    const client = createRegistryClient({ endpoint: open.url });
    expect(await client.resolve("ghcr.io/acme/gateway", "v9.9.9")).toBeNull();
    expect(await client.resolve("ghcr.io/acme/nothing", "latest")).toBeNull();
    expect(await client.head("ghcr.io/acme/gateway", "v9.9.9")).toBeNull();
    expect(await client.fetchManifest("ghcr.io/acme/gateway", `sha256:${"0".repeat(64)}`)).toBeNull();
    expect(await client.listTags("ghcr.io/acme/nothing")).toEqual([]);
    expect((await client.listTags("ghcr.io/acme/gateway")).sort()).toEqual(["1.4", "latest", "v1.4.0"]);
    expect(count(open, "GET /v2/{name}/manifests/{reference} 404")).toBeGreaterThanOrEqual(3);
    const gone = await rejection(client.platformsOf("ghcr.io/acme/gateway", `sha256:${"0".repeat(64)}`));
    expect(gone).toMatchObject({ status: 404, code: "MANIFEST_UNKNOWN" });
  });

  it("leaves attestation entries out of the platforms and names what they attest", async () => {
    const client = createRegistryClient({ endpoint: open.url });
    const info = await client.resolve("ghcr.io/acme/admin-ui", "v1.4.0");
    expect(info?.platforms).toEqual(["linux/amd64", "linux/arm64/v8"]);
    expect(info?.attestationFor.sort()).toEqual(admin.manifests.map((m) => m.digest).sort());
    const raw = info?.raw as { manifests: { platform: { os: string } }[] };
    expect(raw.manifests.filter((m) => m.platform.os === "unknown")).toHaveLength(2);
    expect(await client.platformsOf("ghcr.io/acme/admin-ui", admin.digest)).toEqual(["linux/amd64", "linux/arm64/v8"]);
  });

  it("reads a single manifest's platform from its config blob, through a storage redirect", async () => {
    const client = createRegistryClient({ endpoint: open.url });
    open.knobs.redirectBlobs = true;
    try {
      const arm = admin.manifests.find((m) => m.platform === "linux/arm64/v8")!;
      const info = await client.resolve("ghcr.io/acme/admin-ui", arm.digest);
      expect(info).toMatchObject({
        isIndex: false,
        mediaType: OCI_MANIFEST,
        platforms: ["linux/arm64/v8"],
        attestationFor: [],
      });
      expect(await client.platformsOf("ghcr.io/acme/admin-ui", arm.digest)).toEqual(["linux/arm64/v8"]);
      expect(count(open, "GET /v2/{name}/blobs/{digest} 307")).toBe(2);
      expect(count(open, "GET /_storage/blobs/{digest} 200")).toBe(2);
    } finally {
      open.knobs.redirectBlobs = false;
    }
  });

  it("follows nested indexes and skips unknown media types", async () => {
    const [amd, arm] = admin.manifests;
    const size = (d: string) => open.store.repos.get("acme/admin-ui")!.manifests.get(d)!.bytes.length;
    const inner = JSON.stringify({
      schemaVersion: 2,
      mediaType: DOCKER_LIST,
      manifests: [{ mediaType: OCI_MANIFEST, digest: arm!.digest, size: size(arm!.digest) }],
    });
    const innerDigest = putManifest(open.store, "acme/admin-ui", inner, DOCKER_LIST);
    const outer = JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [
        {
          mediaType: OCI_MANIFEST,
          digest: amd!.digest,
          size: size(amd!.digest),
          platform: { os: "linux", architecture: "amd64" },
        },
        { mediaType: DOCKER_LIST, digest: innerDigest, size: inner.length },
        {
          mediaType: "application/vnd.example.unknown+json",
          digest: amd!.digest,
          size: 1,
          platform: { os: "plan9", architecture: "mips" },
        },
      ],
    });
    putManifest(open.store, "acme/admin-ui", outer, OCI_INDEX, ["nested"]);
    const info = await createRegistryClient({ endpoint: open.url }).resolve("ghcr.io/acme/admin-ui", "nested");
    expect(info?.platforms).toEqual(["linux/amd64", "linux/arm64/v8"]);
  });

  it("fetches other OCI artifacts generically (a Helm chart)", async () => {
    const { digest } = publishArtifact(open.store, "acme/charts/gateway", {
      tag: "1.4.0",
      configMediaType: "application/vnd.cncf.helm.config.v1+json",
      layerMediaType: "application/vnd.cncf.helm.chart.content.v1.tar+gzip",
      layer: "chart",
    });
    const client = createRegistryClient({ endpoint: open.url });
    const chart = await client.fetchManifest("ghcr.io/acme/charts/gateway", "1.4.0");
    expect(chart).toMatchObject({ digest, mediaType: OCI_MANIFEST });
    expect(chart!.body.config.mediaType).toBe("application/vnd.cncf.helm.config.v1+json");
    expect(await client.resolve("ghcr.io/acme/charts/gateway", "1.4.0")).toMatchObject({
      platforms: [],
      isIndex: false,
    });
  });

  it("refuses content whose digest does not match", async () => {
    const client = createRegistryClient({ endpoint: open.url });
    open.knobs.badDigest = true;
    try {
      const e = await rejection(client.resolve("ghcr.io/acme/gateway", "v1.4.0"));
      expect(e.code).toBe("DIGEST_MISMATCH");
      expect(e.message).toContain("ghcr.io/acme/gateway:v1.4.0");
    } finally {
      open.knobs.badDigest = false;
    }
    // By digest, the body must hash to the digest asked for, whatever the header claims.
    open.knobs.malformed = true;
    try {
      const e = await rejection(client.fetchManifest("ghcr.io/acme/gateway", gateway.digest));
      expect(e.code).toBe("DIGEST_MISMATCH");
    } finally {
      open.knobs.malformed = false;
    }
  });

  it("names the reference when a manifest is not JSON", async () => {
    open.knobs.malformed = true;
    try {
      const e = await rejection(createRegistryClient({ endpoint: open.url }).resolve("ghcr.io/acme/gateway", "latest"));
      expect(e).toMatchObject({ code: "MANIFEST_INVALID" });
      expect(e.message).toMatch(/ghcr\.io\/acme\/gateway:latest.*not valid JSON/);
    } finally {
      open.knobs.malformed = false;
    }
  });

  it("reports 5xx and 429 with their status, and recovers once they stop", async () => {
    const client = createRegistryClient({ endpoint: open.url });
    open.knobs.failStatus = 500;
    open.knobs.failCount = 1;
    const e = await rejection(client.resolve("ghcr.io/acme/gateway", "v1.4.0"));
    expect(e).toMatchObject({ status: 500, code: "UNKNOWN" });
    expect(e.message).toMatch(/answered 500.*retry later/);
    expect((await client.resolve("ghcr.io/acme/gateway", "v1.4.0"))?.digest).toBe(gateway.digest);
    open.knobs.failStatus = 429;
    open.knobs.failCount = 1;
    expect(await rejection(client.head("ghcr.io/acme/gateway", "v1.4.0"))).toMatchObject({ status: 429 });
    open.knobs.failStatus = undefined;
  });

  it("gives up on a registry that never answers, within the timeout", async () => {
    const sockets: Socket[] = [];
    const silent = createNetServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const e = await rejection(
        createRegistryClient({ endpoint: `http://127.0.0.1:${port}`, timeoutMs: 300 }).resolve(
          "ghcr.io/acme/gateway",
          "v1.4.0",
        ),
      );
      expect(e.code).toBe("TIMEOUT");
      expect(e.message).toMatch(/did not answer within 300 ms/);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
    // Nothing listening at all is a different failure.
    const refused = await rejection(
      createRegistryClient({ endpoint: `http://127.0.0.1:${port}`, timeoutMs: 2000 }).listTags("ghcr.io/acme/gateway"),
    );
    expect(refused.code).toBe("NETWORK");
  });

  it("follows tag-list pagination links", async () => {
    const pages: Record<string, { tags: string[]; next?: string }> = {
      "": { tags: ["a", "b"], next: "/v2/acme/many/tags/list?n=2&last=b" },
      "?n=2&last=b": { tags: ["c", "d"], next: "/v2/acme/many/tags/list?n=2&last=d" },
      "?n=2&last=d": { tags: ["e"] },
    };
    const server = createHttpServer((req, res) => {
      const url = new URL(req.url!, "http://x");
      const page = pages[url.search];
      if (url.pathname !== "/v2/acme/many/tags/list" || !page) return void res.writeHead(404).end();
      res.writeHead(200, {
        "content-type": "application/json",
        ...(page.next ? { link: `<${page.next}>; rel="next"` } : {}),
      });
      res.end(JSON.stringify({ name: "acme/many", tags: page.tags }));
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    expect(await createRegistryClient({ endpoint }).listTags("ghcr.io/acme/many")).toEqual(["a", "b", "c", "d", "e"]);
  });
});
