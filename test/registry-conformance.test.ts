// The honesty test: the same pushes into Debian's real docker-registry (distribution 2.8.2) and
// into the sandbox registry must get the same answers (status, Content-Type, Content-Length,
// Docker-Content-Digest, Etag, Location, bodies), and the kit's client must read the same things
// from both. A second real registry, configured with `auth: token` and the sandbox's realm and
// service, checks the 401 challenges the same way.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRegistryClient } from "../scripts/lib/registry.ts";
import {
  createRegistryStore,
  DOCKER_LIST,
  DOCKER_MANIFEST,
  OCI_INDEX,
  OCI_MANIFEST,
  publishArtifact,
  publishIndex,
  putBlob,
  putManifest,
  type RegistryStore,
  type SandboxRegistry,
  sha256,
  startRegistry,
} from "../scripts/sandbox/registry.ts";
import { MANIFEST_TYPES } from "./helpers/registry.ts";

function findBinary(): string | null {
  const dirs = [...(process.env.PATH ?? "").split(delimiter).filter(Boolean), "/usr/bin"];
  for (const dir of dirs) {
    try {
      accessSync(join(dir, "docker-registry"), constants.X_OK);
      return join(dir, "docker-registry");
    } catch {
      // not here
    }
  }
  return null;
}

const BINARY = findBinary();
const REQUIRED = process.env.RELEASE_KIT_REQUIRE_REGISTRY === "1";
if (!BINARY && !REQUIRED) {
  console.warn(
    "registry-conformance: skipped, Debian's docker-registry is not installed (apt-get install docker-registry); the sandbox registry is unchecked against a real one",
  );
}

const ALL = MANIFEST_TYPES.join(", ");
const ZERO = `sha256:${"0".repeat(64)}`;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface RealRegistry {
  url: string;
  proc: ChildProcess;
  log: string[];
}

async function startReal(dir: string, extra = ""): Promise<RealRegistry> {
  const port = await freePort();
  mkdirSync(dir, { recursive: true });
  const config = join(dir, "config.yml");
  writeFileSync(
    config,
    [
      "version: 0.1",
      "log:",
      "  level: error",
      "storage:",
      "  filesystem:",
      `    rootdirectory: ${join(dir, "data")}`,
      "  delete:",
      "    enabled: true",
      "http:",
      `  addr: 127.0.0.1:${port}`,
      extra,
    ].join("\n"),
  );
  const proc = spawn(BINARY!, ["serve", config], { stdio: ["ignore", "pipe", "pipe"] });
  const log: string[] = [];
  proc.stdout!.on("data", (d: Buffer) => log.push(d.toString()));
  proc.stderr!.on("data", (d: Buffer) => log.push(d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const res = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200 || res.status === 401) return { url, proc, log };
    } catch {
      // not listening yet
    }
    if (proc.exitCode !== null || Date.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error(`docker-registry did not answer on ${url}/v2/ within 15 s: ${log.join("")}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function stopReal(real: RealRegistry | undefined): Promise<void> {
  if (!real || real.proc.exitCode !== null) return;
  const exited = new Promise((resolve) => real.proc.once("exit", resolve));
  real.proc.kill("SIGTERM");
  const timer = setTimeout(() => real.proc.kill("SIGKILL"), 3000);
  await exited;
  clearTimeout(timer);
}

// --- comparing answers

interface Snap {
  status: number;
  headers: Record<string, string>;
  body: string;
}

// Date and the hop-by-hop headers legitimately differ (Go closes HEAD connections; Node keeps them alive).
const IGNORED = new Set(["date", "connection", "keep-alive", "transfer-encoding"]);

function normalise(res: Response, body: string, origin: string | null): Snap {
  const headers: Record<string, string> = {};
  for (const [k, v] of res.headers) {
    if (IGNORED.has(k)) continue;
    let value = origin ? v.split(origin).join("ORIGIN") : v;
    // Upload sessions: random ids and an opaque state on both sides.
    value = value.replace(/\/blobs\/uploads\/[0-9a-f-]{36}\?_state=[^&\s]+/, "/blobs/uploads/UUID?_state=STATE");
    if (k === "docker-upload-uuid") value = "UUID";
    // docker-registry lists a challenge's actions in Go map order, which changes from run to run.
    if (k === "www-authenticate")
      value = value.replace(
        /(repository:[^:"]+:)([^"]+)/,
        (_m, head: string, actions: string) => head + actions.split(",").sort().join(","),
      );
    headers[k] = value;
  }
  return { status: res.status, headers, body: res.status === 401 ? sortDetails(body) : body };
}

/** The same map order shows in a 401's detail list: compare it as a set. */
function sortDetails(body: string): string {
  try {
    const doc = JSON.parse(body) as { errors?: { detail?: unknown }[] };
    for (const e of doc.errors ?? [])
      if (Array.isArray(e.detail))
        e.detail = e.detail
          .map((d) => JSON.stringify(d))
          .sort()
          .map((d) => JSON.parse(d));
    return JSON.stringify(doc);
  } catch {
    return body;
  }
}

interface Side {
  name: string;
  url: string;
  auth: Record<string, string>;
  /** Leave absolute URLs alone (both sides name the same realm). */
  keepOrigin?: boolean;
}

async function hit(
  side: Side,
  method: string,
  target: string,
  headers: Record<string, string> = {},
  body?: string | Buffer,
): Promise<{ snap: Snap; res: Response }> {
  const url = target.startsWith("http") ? target : side.url + target;
  const res = await fetch(url, {
    method,
    headers: { ...side.auth, ...headers },
    body,
    redirect: "manual",
    signal: AbortSignal.timeout(10_000),
  });
  const text = method === "HEAD" ? "" : await res.text();
  return { snap: normalise(res, text, side.keepOrigin ? null : side.url), res };
}

describe.skipIf(!BINARY && !REQUIRED)("the sandbox registry answers as Debian's docker-registry 2.8.2", () => {
  let dir = "";
  let real: RealRegistry | undefined;
  let tokenReal: RealRegistry | undefined;
  let sandbox: SandboxRegistry | undefined;
  let sides: [Side, Side];
  let content: RegistryStore;
  let compared = 0;

  /** The same request to both; their normalised answers must be equal. */
  async function same(
    method: string,
    target: string | ((s: Side) => string),
    headers: Record<string, string> = {},
    body?: string | Buffer,
    mapBody?: (b: string) => string,
  ) {
    const answers = await Promise.all(
      sides.map((s) => hit(s, method, typeof target === "string" ? target : target(s), headers, body)),
    );
    const [a, b] = answers.map(({ snap }) => (mapBody ? { ...snap, body: mapBody(snap.body) } : snap));
    const label = `${method} ${typeof target === "string" ? target : target(sides[0])} ${JSON.stringify(headers)}`;
    expect({ label, ...b }).toEqual({ label, ...a });
    compared++;
    return answers;
  }

  beforeAll(async () => {
    if (!BINARY) return;
    dir = mkdtempSync(join(tmpdir(), "registry-conformance-"));
    sandbox = await startRegistry({ auth: "anonymous" });
    real = await startReal(join(dir, "plain"));
    // The sandbox wants a bearer token (GHCR does too); the plain real registry ignores it.
    const scopes = [
      "acme/gateway",
      "acme/admin-ui",
      "acme/charts/gateway",
      "acme/legacy",
      "acme/mirror",
      "acme/scratch",
      "acme/nothing",
      "Acme/gateway",
    ]
      .map((n) => `scope=${encodeURIComponent(`repository:${n}:pull,push,delete`)}`)
      .join("&");
    const { token } = (await (await fetch(`${sandbox.url}/token?service=${sandbox.service}&${scopes}`)).json()) as {
      token: string;
    };
    sides = [
      { name: "docker-registry", url: real.url, auth: {} },
      { name: "sandbox", url: sandbox.url, auth: { authorization: `Bearer ${token}` } },
    ];
    content = createRegistryStore();
    publishIndex(content, "acme/gateway", {
      platforms: ["linux/amd64"],
      tags: ["v1.4.0", "1.4", "latest"],
      attestations: true,
      seed: "conformance",
    });
    publishIndex(content, "acme/admin-ui", {
      platforms: ["linux/amd64", "linux/arm64", "linux/arm/v7"],
      tags: ["v1.4.0", "latest"],
      attestations: true,
      seed: "conformance",
    });
    publishArtifact(content, "acme/charts/gateway", {
      tag: "1.4.0",
      configMediaType: "application/vnd.cncf.helm.config.v1+json",
      layerMediaType: "application/vnd.cncf.helm.chart.content.v1.tar+gzip",
      layer: "chart bytes",
      config: '{"name":"gateway","version":"1.4.0"}',
      annotations: { "org.opencontainers.image.title": "gateway" },
    });
    // Docker media types, as older builders push them, plus an OCI manifest without mediaType.
    const layer = putBlob(content, "acme/legacy", "legacy layer");
    const docker = (arch: string) => {
      const config = Buffer.from(
        JSON.stringify({ architecture: arch, os: "linux", rootfs: { type: "layers", diff_ids: [layer] } }),
      );
      const digest = putBlob(content, "acme/legacy", config);
      return Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: DOCKER_MANIFEST,
          config: { mediaType: "application/vnd.docker.container.image.v1+json", digest, size: config.length },
          layers: [{ mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip", digest: layer, size: 12 }],
        }),
      );
    };
    const arm = docker("arm64");
    const amd = docker("amd64");
    putManifest(content, "acme/legacy", arm, DOCKER_MANIFEST);
    putManifest(content, "acme/legacy", amd, DOCKER_MANIFEST, ["single"]);
    const list = {
      schemaVersion: 2,
      mediaType: DOCKER_LIST,
      manifests: [arm, amd].map((m, i) => ({
        mediaType: DOCKER_MANIFEST,
        digest: sha256(m),
        size: m.length,
        platform: { architecture: i ? "amd64" : "arm64", os: "linux" },
      })),
    };
    putManifest(content, "acme/legacy", JSON.stringify(list, null, 2), DOCKER_LIST, ["list"]);
    const bare = JSON.stringify({ schemaVersion: 2, config: JSON.parse(amd.toString()).config, layers: [] });
    putManifest(content, "acme/legacy", bare, OCI_MANIFEST, ["bare"]);
  });

  afterAll(async () => {
    await sandbox?.stop();
    await stopReal(real);
    await stopReal(tokenReal);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("has Debian's docker-registry to compare with whenever CI requires it", () => {
    expect(
      BINARY !== null || !REQUIRED,
      "RELEASE_KIT_REQUIRE_REGISTRY=1 but docker-registry is not on PATH nor at /usr/bin/docker-registry: install Debian's package (apt-get install docker-registry)",
    ).toBe(true);
  });

  it.skipIf(!BINARY)("takes the same pushes the same way", async () => {
    await same("GET", "/v2/");
    await same("HEAD", "/v2/");
    for (const [name, repo] of content.repos) {
      // Blobs: alternately in one PUT to the session, and as a PATCH then the rest in the PUT.
      let n = 0;
      for (const digest of repo.blobs) {
        const bytes = content.blobs.get(digest)!;
        const started = await same("POST", `/v2/${name}/blobs/uploads/`);
        expect(started[0]!.res.status).toBe(202);
        const locations = new Map(sides.map((s, i) => [s.name, started[i]!.res.headers.get("location")!]));
        if (n++ % 2 === 1) {
          const half = Math.floor(bytes.length / 2);
          const patched = await same(
            "PATCH",
            (s) => locations.get(s.name)!,
            { "content-type": "application/octet-stream" },
            bytes.subarray(0, half),
          );
          for (const [i, s] of sides.entries()) locations.set(s.name, patched[i]!.res.headers.get("location")!);
          const sep = (s: Side) => (locations.get(s.name)!.includes("?") ? "&" : "?");
          await same(
            "PUT",
            (s) => `${locations.get(s.name)}${sep(s)}digest=${encodeURIComponent(digest)}`,
            { "content-type": "application/octet-stream" },
            bytes.subarray(half),
          );
        } else {
          await same(
            "PUT",
            (s) => `${locations.get(s.name)}&digest=${encodeURIComponent(digest)}`,
            { "content-type": "application/octet-stream" },
            bytes,
          );
        }
      }
      // Manifests: images before the indexes that list them; untagged by digest, tagged by tag.
      const ordered = [...repo.manifests].sort(
        ([, a], [, b]) =>
          Number([OCI_INDEX, DOCKER_LIST].includes(a.mediaType)) -
          Number([OCI_INDEX, DOCKER_LIST].includes(b.mediaType)),
      );
      for (const [digest, m] of ordered) {
        const tags = [...repo.tags].filter(([, d]) => d === digest).map(([t]) => t);
        for (const ref of tags.length ? tags : [digest]) {
          const [answer] = await same("PUT", `/v2/${name}/manifests/${ref}`, { "content-type": m.mediaType }, m.bytes);
          expect(answer!.res.status).toBe(201);
        }
      }
    }
    expect(compared).toBeGreaterThan(30);
  });

  it.skipIf(!BINARY)("serves manifests, blobs and tags identically", async () => {
    const accepts: Record<string, string>[] = [
      { accept: ALL },
      {},
      { accept: DOCKER_MANIFEST },
      { accept: OCI_MANIFEST },
      { accept: `${OCI_INDEX}; q=0.9` },
      { accept: DOCKER_LIST },
    ];
    for (const [name, repo] of content.repos) {
      for (const tag of repo.tags.keys()) {
        for (const headers of accepts) {
          await same("GET", `/v2/${name}/manifests/${tag}`, headers);
          await same("HEAD", `/v2/${name}/manifests/${tag}`, headers);
        }
      }
      for (const digest of repo.manifests.keys()) {
        for (const headers of accepts.slice(0, 3)) await same("GET", `/v2/${name}/manifests/${digest}`, headers);
        await same("HEAD", `/v2/${name}/manifests/${digest}`, { accept: ALL });
        await same("GET", `/v2/${name}/manifests/${digest}`, { accept: ALL, "if-none-match": `"${digest}"` });
        // A manifest is not a blob.
        await same("GET", `/v2/${name}/blobs/${digest}`);
      }
      for (const digest of repo.blobs) {
        await same("GET", `/v2/${name}/blobs/${digest}`);
        await same("HEAD", `/v2/${name}/blobs/${digest}`);
        await same("GET", `/v2/${name}/blobs/${digest}`, { "if-none-match": `"${digest}"` });
      }
      // distribution lists tags in its storage driver's directory order; the sandbox sorts them.
      await same("GET", `/v2/${name}/tags/list`, {}, undefined, (body) =>
        body.startsWith('{"name"')
          ? JSON.stringify({ ...JSON.parse(body), tags: JSON.parse(body).tags?.sort() })
          : body,
      );
    }
  });

  it.skipIf(!BINARY)("answers unknown tags, digests, names and bad requests identically", async () => {
    const blob = [...content.repos.get("acme/gateway")!.blobs][0]!;
    for (const headers of [{ accept: ALL }, {}] as Record<string, string>[]) {
      await same("GET", "/v2/acme/gateway/manifests/v9.9.9", headers);
      await same("HEAD", "/v2/acme/gateway/manifests/v9.9.9", headers);
      await same("GET", `/v2/acme/gateway/manifests/${ZERO}`, headers);
      await same("HEAD", `/v2/acme/gateway/manifests/${ZERO}`, headers);
      await same("GET", "/v2/acme/nothing/manifests/latest", headers);
      await same("GET", `/v2/acme/nothing/manifests/${ZERO}`, headers);
    }
    await same("GET", `/v2/acme/gateway/blobs/${ZERO}`);
    await same("HEAD", `/v2/acme/gateway/blobs/${ZERO}`);
    await same("GET", `/v2/acme/nothing/blobs/${blob}`); // blobs are per repository
    await same("GET", "/v2/acme/gateway/blobs/sha256:abc");
    await same("GET", "/v2/acme/nothing/tags/list");
    await same("GET", "/v2/Acme/gateway/tags/list");
    await same("GET", "/v2/acme/gateway/manifests/bad%20tag");
    await same("GET", "/v2/acme/Gateway/tags/list");
    await same("GET", "/v2/nothing");
    await same("POST", "/v2/acme/gateway/manifests/latest");
    await same("HEAD", "/v2/acme/gateway/tags/list");
    await same("POST", `/v2/acme/gateway/blobs/${blob}`);
    await same("GET", "/v2/acme/gateway/blobs/uploads/");
    await same("PATCH", "/v2/acme/gateway/blobs/uploads/0f0f0f0f-0000-4000-8000-000000000000");
  });

  it.skipIf(!BINARY)("rejects bad manifests and uploads identically", async () => {
    const [image] = content.repos.get("acme/gateway")!.manifests.values();
    const doc = JSON.parse(image!.bytes.toString());
    const put = (ref: string, type: string, body: string) =>
      same("PUT", `/v2/acme/scratch/manifests/${ref}`, { "content-type": type }, body);
    // Blobs the scratch manifests may point at.
    for (const digest of [doc.config.digest, ...doc.layers.map((l: { digest: string }) => l.digest)]) {
      await same("POST", `/v2/acme/mirror/blobs/uploads/?mount=${digest}&from=acme/gateway`);
      await same("POST", `/v2/acme/scratch/blobs/uploads/?mount=${digest}&from=acme/gateway`);
    }
    await same("POST", `/v2/acme/scratch/blobs/uploads/?mount=${ZERO}&from=acme/gateway`);
    for (const body of [
      "",
      "{",
      '{"a":',
      "[1,2",
      "{not json",
      "  x",
      '{"schemaVersion":2,}',
      '"str"',
      " 12",
      "true",
      "[1]",
      "  [ ]",
      "12.5e3 ",
      "null",
      "{}",
      '{"schemaVersion":3}',
    ]) {
      await put("bad", OCI_MANIFEST, body);
    }
    await put("bad", OCI_INDEX, "{}");
    await put(
      "bad",
      OCI_INDEX,
      JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, config: doc.config, manifests: [] }),
    );
    await put("bad", OCI_MANIFEST, JSON.stringify({ schemaVersion: 2, manifests: [] }));
    await put("bad", DOCKER_MANIFEST, image!.bytes.toString()); // OCI body, Docker type
    await put("bad", "application/json", image!.bytes.toString());
    await put("bad", "text/plain", image!.bytes.toString());
    await put(ZERO, OCI_MANIFEST, image!.bytes.toString()); // wrong digest
    await put(
      "bad",
      OCI_MANIFEST,
      JSON.stringify({
        ...doc,
        layers: [...doc.layers, { mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: ZERO, size: 1 }],
      }),
    );
    await put(
      "bad",
      OCI_INDEX,
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: [{ mediaType: OCI_MANIFEST, digest: ZERO, size: 1 }],
      }),
    );
    // A manifest to delete: by tag is refused (2.8 deletes by digest only), by digest takes the tag with it.
    const [created] = await put("doomed", `${OCI_MANIFEST}; charset=utf-8`, image!.bytes.toString());
    const digest = created!.res.headers.get("docker-content-digest")!;
    await same("GET", "/v2/acme/scratch/tags/list");
    await same("DELETE", "/v2/acme/scratch/manifests/doomed");
    await same("DELETE", `/v2/acme/scratch/manifests/${digest}`);
    await same("DELETE", `/v2/acme/scratch/manifests/${digest}`);
    await same("GET", "/v2/acme/scratch/manifests/doomed", { accept: ALL });
    await same("GET", `/v2/acme/scratch/manifests/${digest}`, { accept: ALL });
    await same("GET", "/v2/acme/scratch/tags/list");
    await same("DELETE", `/v2/acme/mirror/blobs/${doc.config.digest}`);
    await same("DELETE", `/v2/acme/mirror/blobs/${doc.config.digest}`);
    await same("GET", `/v2/acme/mirror/blobs/${doc.config.digest}`);
    // Upload sessions gone wrong.
    const open = async () =>
      new Map(
        await Promise.all(
          sides.map(
            async (s) =>
              [
                s.name,
                (await hit(s, "POST", `/v2/acme/scratch/blobs/uploads/?digest=${ZERO}`, {}, "ignored")).res.headers.get(
                  "location",
                )!,
              ] as const,
          ),
        ),
      );
    let sessions = await open();
    await same("GET", (s) => sessions.get(s.name)!);
    await same("PATCH", (s) => sessions.get(s.name)!, { "content-type": "text/plain" }, "abc");
    await same("PUT", (s) => sessions.get(s.name)!, { "content-type": "application/octet-stream" }, "abc");
    sessions = await open();
    await same(
      "PUT",
      (s) => `${sessions.get(s.name)}&digest=${ZERO}`,
      { "content-type": "application/octet-stream" },
      "abc",
    );
    await same(
      "PUT",
      (s) => `${sessions.get(s.name)}&digest=${ZERO}`,
      { "content-type": "application/octet-stream" },
      "abc",
    );
    sessions = await open();
    await same("DELETE", (s) => sessions.get(s.name)!);
    await same("DELETE", (s) => sessions.get(s.name)!);
  });

  it.skipIf(!BINARY)("the kit's client reads the same from both", async () => {
    const real = createRegistryClient({ endpoint: sides[0].url, timeoutMs: 60_000 });
    const ours = createRegistryClient({ endpoint: sides[1].url, timeoutMs: 60_000 });
    const refs = (name: string) => `ghcr.io/${name}`;
    let checked = 0;
    for (const [name, repo] of content.repos) {
      expect((await ours.listTags(refs(name))).sort()).toEqual((await real.listTags(refs(name))).sort());
      for (const tag of repo.tags.keys()) {
        const [a, b] = await Promise.all([real.resolve(refs(name), tag), ours.resolve(refs(name), tag)]);
        expect(b).toEqual(a);
        expect(a?.digest).toBe(repo.tags.get(tag));
        expect(await ours.head(refs(name), tag)).toEqual(await real.head(refs(name), tag));
        checked++;
      }
      for (const digest of repo.manifests.keys()) {
        expect(await ours.platformsOf(refs(name), digest)).toEqual(await real.platformsOf(refs(name), digest));
      }
    }
    expect(checked).toBeGreaterThan(5);
    const gateway = await real.resolve("ghcr.io/acme/gateway", "v1.4.0");
    expect(gateway).toMatchObject({ isIndex: true, platforms: ["linux/amd64"] });
    expect(gateway!.attestationFor).toHaveLength(1);
    expect((await real.resolve("ghcr.io/acme/admin-ui", "latest"))!.platforms).toEqual([
      "linux/amd64",
      "linux/arm64",
      "linux/arm/v7",
    ]);
    expect((await real.resolve("ghcr.io/acme/legacy", "list"))!.platforms).toEqual(["linux/arm64", "linux/amd64"]);
    expect((await real.resolve("ghcr.io/acme/legacy", "single"))!.platforms).toEqual(["linux/amd64"]);
    const chart = await real.fetchManifest("ghcr.io/acme/charts/gateway", "1.4.0");
    expect(chart!.body.config.mediaType).toBe("application/vnd.cncf.helm.config.v1+json");
    expect(await ours.fetchManifest("ghcr.io/acme/charts/gateway", "1.4.0")).toEqual(chart);
    for (const client of [real, ours]) {
      expect(await client.resolve("ghcr.io/acme/gateway", "v9.9.9")).toBeNull();
      expect(await client.resolve("ghcr.io/acme/nothing", "latest")).toBeNull();
      expect(await client.head("ghcr.io/acme/gateway", "v9.9.9")).toBeNull();
      expect(await client.listTags("ghcr.io/acme/nothing")).toEqual([]);
    }
  });

  it.skipIf(!BINARY)("challenges for a token as docker-registry with auth: token does", async (ctx) => {
    let openssl = true;
    try {
      execFileSync(
        "openssl",
        [
          "req",
          "-x509",
          "-newkey",
          "rsa:2048",
          "-nodes",
          "-keyout",
          join(dir, "key.pem"),
          "-out",
          join(dir, "cert.pem"),
          "-days",
          "1",
          "-subj",
          "/CN=sandbox",
        ],
        { stdio: "ignore" },
      );
    } catch {
      openssl = false;
    }
    if (!openssl) {
      console.warn("registry-conformance: openssl is missing, so the 401 challenges were not compared");
      ctx.skip();
    }
    tokenReal = await startReal(
      join(dir, "token"),
      [
        "auth:",
        "  token:",
        `    realm: ${sandbox!.url}/token`,
        `    service: ${sandbox!.service}`,
        "    issuer: sandbox",
        `    rootcertbundle: ${join(dir, "cert.pem")}`,
      ].join("\n"),
    );
    const pair: [Side, Side] = [
      { name: "docker-registry", url: tokenReal.url, auth: {}, keepOrigin: true },
      { name: "sandbox", url: sandbox!.url, auth: {}, keepOrigin: true },
    ];
    const cases: [string, string, Record<string, string>][] = [
      ["GET", "/v2/", {}],
      ["HEAD", "/v2/", {}],
      ["GET", "/v2/", { authorization: "Bearer not-a-token" }],
      ["GET", "/v2/acme/gateway/manifests/v1.4.0", { accept: ALL }],
      ["HEAD", "/v2/acme/gateway/manifests/v1.4.0", { accept: ALL }],
      ["GET", "/v2/acme/gateway/manifests/v1.4.0", { authorization: "Bearer not-a-token" }],
      ["GET", "/v2/acme/gateway/manifests/v1.4.0", { authorization: "Basic dTpw" }],
      ["PUT", "/v2/acme/gateway/manifests/v1.4.0", {}],
      ["DELETE", `/v2/acme/gateway/manifests/${ZERO}`, {}],
      ["GET", `/v2/acme/gateway/blobs/${ZERO}`, {}],
      ["DELETE", `/v2/acme/gateway/blobs/${ZERO}`, {}],
      ["GET", "/v2/acme/charts/gateway/tags/list", {}],
      ["POST", "/v2/acme/gateway/blobs/uploads/", {}],
      ["GET", "/v2/acme/Gateway/tags/list", {}],
    ];
    for (const [method, path, headers] of cases) {
      const [a, b] = await Promise.all(pair.map((s) => hit(s, method, path, headers)));
      expect({ path, ...b!.snap }).toEqual({ path, ...a!.snap });
    }
  });
});
