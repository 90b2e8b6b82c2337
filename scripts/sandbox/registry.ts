// The sandbox's OCI registry: an in-memory distribution API on 127.0.0.1 that answers as Debian's
// docker-registry (distribution 2.8.2) does, byte for byte where the kit or a pusher can see it.
// Every quirk mirrored below was observed on that binary (test/registry-conformance.test.ts runs
// both); the bearer-token layer in front of it mirrors the same binary configured with `auth: token`.
// Standing in for a hosted registry (`flavor`), it answers as that one does where it differs from
// distribution: GHCR (DENIED for a package it does not have, 401 for an anonymous token to a private
// one, blobs redirected to another host) and Docker Hub (a token service on another host, 401 for a
// repository it does not have). startRegistries() serves several registry hosts at once.
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
export const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
export const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
export const DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
const OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
const OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip";

// ---------------------------------------------------------------------------------------------
// The store: blobs are global and content-addressed, but a repository sees only the blobs linked
// to it (distribution's `_layers` links), and manifests live apart from blobs (a manifest digest
// is not fetchable under /blobs/).

export interface StoredManifest {
  bytes: Buffer;
  /** The type it is served as, decided at PUT from its body as distribution does. */
  mediaType: string;
}

export interface RegistryRepo {
  blobs: Set<string>;
  manifests: Map<string, StoredManifest>;
  tags: Map<string, string>;
  /** distribution answers NAME_UNKNOWN on tags/list until a repository has been tagged once. */
  everTagged: boolean;
}

export interface RegistryStore {
  blobs: Map<string, Buffer>;
  repos: Map<string, RegistryRepo>;
  uploads: Map<string, { name: string; chunks: Buffer[] }>;
}

export function createRegistryStore(): RegistryStore {
  return { blobs: new Map(), repos: new Map(), uploads: new Map() };
}

export function sha256(bytes: Buffer | string): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

function repoOf(store: RegistryStore, name: string): RegistryRepo {
  let repo = store.repos.get(name);
  if (!repo) {
    repo = { blobs: new Set(), manifests: new Map(), tags: new Map(), everTagged: false };
    store.repos.set(name, repo);
  }
  return repo;
}

/** Stores a blob and links it to `name`; returns its digest. */
export function putBlob(store: RegistryStore, name: string, bytes: Buffer | string): string {
  const buf = Buffer.from(bytes);
  const digest = sha256(buf);
  store.blobs.set(digest, buf);
  repoOf(store, name).blobs.add(digest);
  return digest;
}

/** Stores a manifest as-is (no validation: that is the HTTP PUT's job) and tags it. */
export function putManifest(
  store: RegistryStore,
  name: string,
  bytes: Buffer | string,
  mediaType: string,
  tags: string[] = [],
): string {
  const buf = Buffer.from(bytes);
  const digest = sha256(buf);
  const repo = repoOf(store, name);
  store.blobs.set(digest, buf);
  repo.manifests.set(digest, { bytes: buf, mediaType });
  for (const tag of tags) {
    repo.tags.set(tag, digest);
    repo.everTagged = true;
  }
  return digest;
}

export function deleteTag(store: RegistryStore, name: string, tag: string): void {
  store.repos.get(name)?.tags.delete(tag);
}

// ---------------------------------------------------------------------------------------------
// Publishing, as `docker buildx build --push` lays an image out.

export interface PublishOptions {
  platforms: string[];
  tags: string[];
  attestations?: boolean;
  created?: string;
  seed?: string;
}

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

function descriptor(mediaType: string, bytes: Buffer, extra: Record<string, unknown> = {}) {
  return { mediaType, digest: sha256(bytes), size: bytes.length, ...extra };
}

function splitPlatform(platform: string): { os: string; architecture: string; variant?: string } {
  const [os, architecture, variant, ...rest] = platform.split("/");
  if (!os || !architecture || rest.length > 0 || variant === "") {
    throw new Error(`platform "${platform}" is not os/arch[/variant], e.g. linux/arm64`);
  }
  return variant ? { os, architecture, variant } : { os, architecture };
}

export function publishIndex(
  store: RegistryStore,
  name: string,
  opts: PublishOptions,
): { digest: string; manifests: { platform: string; digest: string }[] } {
  const seed = opts.seed ?? "sandbox";
  const created = opts.created ?? "2024-01-01T00:00:00Z";
  const images: { platform: string; digest: string; size: number; bytes: Buffer }[] = [];
  for (const platform of opts.platforms) {
    const p = splitPlatform(platform);
    // Same inputs, same bytes: digests stay stable across runs and between registries.
    const layer = Buffer.from(`${seed} ${name} ${platform} layer\n`);
    const config = json({
      architecture: p.architecture,
      os: p.os,
      ...(p.variant ? { variant: p.variant } : {}),
      created,
      config: {},
      rootfs: { type: "layers", diff_ids: [sha256(layer)] },
    });
    putBlob(store, name, layer);
    putBlob(store, name, config);
    const manifest = json({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: descriptor(OCI_CONFIG, config),
      layers: [descriptor(OCI_LAYER, layer)],
    });
    images.push({
      platform,
      digest: putManifest(store, name, manifest, OCI_MANIFEST),
      size: manifest.length,
      bytes: manifest,
    });
  }
  const entries: unknown[] = images.map((m) => ({
    mediaType: OCI_MANIFEST,
    digest: m.digest,
    size: m.size,
    platform: splitPlatform(m.platform),
  }));
  if (opts.attestations) {
    for (const image of images) {
      const statement = json({
        _type: "https://in-toto.io/Statement/v0.1",
        predicateType: "https://slsa.dev/provenance/v0.2",
        subject: [
          {
            name: `pkg:docker/${name}@${opts.tags[0] ?? "latest"}?platform=${encodeURIComponent(image.platform)}`,
            digest: { sha256: image.digest.slice(7) },
          },
        ],
        predicate: {
          builder: { id: "" },
          buildType: "https://mobyproject.org/buildkit@v1",
          metadata: { buildFinishedOn: created },
        },
      });
      const config = json({
        architecture: "unknown",
        os: "unknown",
        config: {},
        rootfs: { type: "layers", diff_ids: [sha256(statement)] },
      });
      putBlob(store, name, statement);
      putBlob(store, name, config);
      const manifest = json({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: descriptor(OCI_CONFIG, config),
        layers: [
          descriptor("application/vnd.in-toto+json", statement, {
            annotations: { "in-toto.io/predicate-type": "https://slsa.dev/provenance/v0.2" },
          }),
        ],
      });
      const digest = putManifest(store, name, manifest, OCI_MANIFEST);
      entries.push({
        mediaType: OCI_MANIFEST,
        digest,
        size: manifest.length,
        annotations: {
          "vnd.docker.reference.digest": image.digest,
          "vnd.docker.reference.type": "attestation-manifest",
        },
        platform: { architecture: "unknown", os: "unknown" },
      });
    }
  }
  const index = json({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: entries });
  const digest = putManifest(store, name, index, OCI_INDEX, opts.tags);
  return { digest, manifests: images.map((m) => ({ platform: m.platform, digest: m.digest })) };
}

/** A generic OCI artifact (e.g. a Helm chart: config application/vnd.cncf.helm.config.v1+json). */
export function publishArtifact(
  store: RegistryStore,
  name: string,
  opts: {
    tag: string;
    configMediaType: string;
    layerMediaType: string;
    layer: Buffer | string;
    annotations?: Record<string, string>;
    config?: Buffer | string;
  },
): { digest: string } {
  const layer = Buffer.from(opts.layer);
  const config = Buffer.from(opts.config ?? "{}");
  putBlob(store, name, layer);
  putBlob(store, name, config);
  const manifest = json({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: descriptor(opts.configMediaType, config),
    layers: [descriptor(opts.layerMediaType, layer)],
    ...(opts.annotations ? { annotations: opts.annotations } : {}),
  });
  return { digest: putManifest(store, name, manifest, OCI_MANIFEST, [opts.tag]) };
}

// ---------------------------------------------------------------------------------------------
// Wire formats, as distribution writes them.

/** Go's encoding/json: compact, "\n"-terminated, with <, > and & escaped. */
function goJson(value: unknown): Buffer {
  const text = JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  return Buffer.from(`${text}\n`);
}

interface WireError {
  code: string;
  message: string;
  detail?: unknown;
}

const MESSAGES: Record<string, string> = {
  BLOB_UNKNOWN: "blob unknown to registry",
  BLOB_UPLOAD_INVALID: "blob upload invalid",
  BLOB_UPLOAD_UNKNOWN: "blob upload unknown to registry",
  DENIED: "requested access to the resource is denied",
  DIGEST_INVALID: "provided digest did not match uploaded content",
  MANIFEST_BLOB_UNKNOWN: "blob unknown to registry",
  MANIFEST_INVALID: "manifest invalid",
  MANIFEST_UNKNOWN: "manifest unknown",
  NAME_UNKNOWN: "repository name not known to registry",
  TOOMANYREQUESTS: "too many requests",
  UNAUTHORIZED: "authentication required",
  UNKNOWN: "unknown error",
};

/** One error; `detail` undefined leaves the key out, as distribution does for bare codes. */
function err(code: string, detail?: unknown, message = MESSAGES[code] ?? code): WireError {
  return detail === undefined ? { code, message } : { code, message, detail };
}

const API_VERSION = { "Docker-Distribution-Api-Version": "registry/2.0" };

function send(res: ServerResponse, status: number, headers: Record<string, string>, body?: Buffer): void {
  const all: Record<string, string> = { ...API_VERSION, ...headers };
  if (body && !("Content-Length" in all)) all["Content-Length"] = String(body.length);
  res.writeHead(status, all);
  // Node drops the body of a HEAD answer but keeps the Content-Length, as Go's server does.
  res.end(body);
}

function sendErrors(
  res: ServerResponse,
  status: number,
  errors: WireError[],
  extra: Record<string, string> = {},
): void {
  send(res, status, { "Content-Type": "application/json; charset=utf-8", ...extra }, goJson({ errors }));
}

function sendText(res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void {
  send(
    res,
    status,
    { "Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff", ...extra },
    Buffer.from(`${text}\n`),
  );
}

/**
 * Where Go's encoding/json reports the first syntax error (json.SyntaxError.Offset): the byte
 * after the offending one, or the input length when it ends early. undefined: valid JSON.
 */
export function jsonSyntaxErrorOffset(b: Buffer): number | undefined {
  let i = 0;
  const stop = (): never => {
    throw new RangeError(String(i < b.length ? i + 1 : b.length));
  };
  const ws = () => {
    while (i < b.length && (b[i] === 0x20 || b[i] === 0x09 || b[i] === 0x0a || b[i] === 0x0d)) i++;
  };
  const eat = (c: number) => {
    if (b[i] !== c) stop();
    i++;
  };
  const digits = () => {
    if (!(b[i]! >= 0x30 && b[i]! <= 0x39)) stop();
    while (b[i]! >= 0x30 && b[i]! <= 0x39) i++;
  };
  const string = () => {
    i++;
    for (;;) {
      if (i >= b.length || b[i]! < 0x20) stop();
      const c = b[i++];
      if (c === 0x22) return;
      if (c !== 0x5c) continue;
      if (i >= b.length) stop();
      const e = b[i++]!;
      if (e === 0x75) {
        for (let k = 0; k < 4; k++) {
          if (!/[0-9a-fA-F]/.test(String.fromCharCode(b[i] ?? 0))) stop();
          i++;
        }
      } else if (!'"\\/bfnrt'.includes(String.fromCharCode(e))) {
        i--;
        stop();
      }
    }
  };
  const value = (): void => {
    ws();
    if (i >= b.length) stop();
    const c = b[i]!;
    if (c === 0x7b || c === 0x5b) {
      const close = c === 0x7b ? 0x7d : 0x5d;
      i++;
      ws();
      if (b[i] === close) return void i++;
      for (;;) {
        if (c === 0x7b) {
          ws();
          if (b[i] !== 0x22) stop();
          string();
          ws();
          eat(0x3a);
        }
        value();
        ws();
        if (b[i] === 0x2c) {
          i++;
          continue;
        }
        return eat(close);
      }
    }
    if (c === 0x22) return string();
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      if (c === 0x2d) i++;
      if (b[i] === 0x30) i++;
      else digits();
      if (b[i] === 0x2e) {
        i++;
        digits();
      }
      if (b[i] === 0x65 || b[i] === 0x45) {
        i++;
        if (b[i] === 0x2b || b[i] === 0x2d) i++;
        digits();
      }
      return;
    }
    for (const word of ["true", "false", "null"]) {
      if (c === word.charCodeAt(0)) {
        for (let k = 0; k < word.length; k++) eat(word.charCodeAt(k));
        return;
      }
    }
    stop();
  };
  try {
    value();
    ws();
    if (i < b.length) stop();
    return undefined;
  } catch (e) {
    if (e instanceof RangeError) return Number(e.message);
    throw e;
  }
}

/** Go's UnmarshalTypeError for a top-level non-object: where its decoder stood when it gave up. */
function topLevelTypeError(b: Buffer, parsed: unknown): WireError | undefined {
  if (parsed === null || (typeof parsed === "object" && !Array.isArray(parsed))) return undefined;
  const start = b.length - b.toString("latin1").trimStart().length;
  const kind = Array.isArray(parsed) ? "array" : typeof parsed === "boolean" ? "bool" : typeof parsed;
  // Arrays: just past the "["; scalars: just past the literal.
  const offset = Array.isArray(parsed) ? start + 1 : b.toString("latin1").trimEnd().length;
  return err("MANIFEST_INVALID", { Value: kind, Type: {}, Offset: offset, Struct: "", Field: "" });
}

// ---------------------------------------------------------------------------------------------
// The HTTP side.

export interface RegistryKnobs {
  /** The next `failCount` manifest requests (all of them when failCount is unset) answer this status. */
  failStatus?: number;
  failCount?: number;
  /** Manifest GETs answer a truncated, invalid JSON body (with a Docker-Content-Digest that matches it). */
  malformed?: boolean;
  /** Manifest answers carry a Docker-Content-Digest that does not match their body. */
  badDigest?: boolean;
  /** Blob GETs answer 307 to a storage URL, as GHCR does (always on for the "ghcr" flavor). */
  redirectBlobs?: boolean;
  /** Repository names only a credential may read: anonymous token requests for them are refused. */
  private?: string[];
  /** Added to every answer. */
  latencyMs?: number;
}

export interface SandboxRegistry {
  url: string;
  stop(): Promise<void>;
  store: RegistryStore;
  /** "METHOD route status" → count, e.g. "GET /v2/{name}/manifests/{reference} 200". */
  requests: Map<string, number>;
  /** The live knobs object: read on every request, so tests may change it while a command runs. */
  knobs: RegistryKnobs;
  /** The `service` its bearer challenges name. */
  service: string;
  /** The token service's URL, as the challenges name it. */
  realm: string;
  /** Authorization headers received, by the listener that got them ("registry", "token", "storage"). */
  authorizations: { at: string; path: string; header: string }[];
}

export interface RegistryOptions {
  /** "anonymous": GHCR-style, every request needs a bearer token, which /token hands to anyone.
   *  "token": /token wants Basic auth whose password is `token`. */
  auth?: "anonymous" | "token";
  token?: string;
  knobs?: RegistryKnobs;
  store?: RegistryStore;
  /** Which registry it answers as; "distribution" (the default) is Debian's docker-registry. */
  flavor?: "distribution" | "ghcr" | "dockerhub";
  /** Loopback address to listen on (default 127.0.0.1). */
  address?: string;
  /** Challenges name this token service instead of its own (a realm on another host). Tokens it
   *  issues are honoured when it shares `grants`. */
  realm?: string;
  grants?: Map<string, Set<string>>;
}

// distribution's route grammar (reference.NameRegexp): an optional domain-like first component
// (which may hold capitals), then lowercase path components.
const DOMAIN =
  "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?";
// distribution writes the separator as `(?:[._]|__|[-]*)`; RE2 runs that in linear time, JavaScript
// would backtrack exponentially, so the empty alternative is dropped (same language).
const COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const NAME = `(?:${DOMAIN}/)?${COMPONENT}(?:/${COMPONENT})*`;
const TAG = "[\\w][\\w.-]{0,127}";
const DIGEST_ROUTE = "[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+";
const DIGEST = /^(?:sha256:[a-f0-9]{64}|sha384:[a-f0-9]{96}|sha512:[a-f0-9]{128})$/;

interface Route {
  id: string;
  re: RegExp;
  methods: string[];
}

const ROUTES: Route[] = [
  { id: "/v2/", re: /^\/v2\/$/, methods: [] },
  {
    id: "/v2/{name}/manifests/{reference}",
    re: new RegExp(`^/v2/(${NAME})/manifests/(${TAG}|${DIGEST_ROUTE})$`),
    methods: ["DELETE", "GET", "HEAD", "PUT"],
  },
  { id: "/v2/{name}/tags/list", re: new RegExp(`^/v2/(${NAME})/tags/list$`), methods: ["GET"] },
  { id: "/v2/{name}/blobs/uploads/", re: new RegExp(`^/v2/(${NAME})/blobs/uploads/$`), methods: [] },
  {
    id: "/v2/{name}/blobs/uploads/{uuid}",
    re: new RegExp(`^/v2/(${NAME})/blobs/uploads/([a-zA-Z0-9-_.=]+)$`),
    methods: [],
  },
  {
    id: "/v2/{name}/blobs/{digest}",
    re: new RegExp(`^/v2/(${NAME})/blobs/(${DIGEST_ROUTE})$`),
    methods: ["DELETE", "GET", "HEAD"],
  },
];

/** Which access a request needs, as distribution's token auth names it. */
function actionsFor(route: string, method: string): string[] {
  if (route === "/v2/") return [];
  if (method === "DELETE" && !route.includes("uploads")) return ["delete"];
  if (route.includes("uploads") || method === "PUT") return ["pull", "push"];
  return ["pull"];
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function mediaTypeOf(header: string | undefined): string {
  return (header ?? "").split(";")[0]!.trim().toLowerCase();
}

export async function startRegistry(opts: RegistryOptions = {}): Promise<SandboxRegistry> {
  const store = opts.store ?? createRegistryStore();
  const knobs = opts.knobs ?? {};
  const requests = new Map<string, number>();
  const auth = opts.auth ?? "anonymous";
  const flavor = opts.flavor ?? "distribution";
  // GHCR names itself; Docker Hub's token service serves "registry.docker.io".
  const service = flavor === "ghcr" ? "ghcr.io" : flavor === "dockerhub" ? "registry.docker.io" : "sandbox-registry";
  // bearer token → "repository:<name>:<action>" grants
  const grants = opts.grants ?? new Map<string, Set<string>>();
  const authorizations: SandboxRegistry["authorizations"] = [];
  const address = opts.address ?? "127.0.0.1";
  let origin = "";
  let realm = "";
  let storageOrigin = "";
  const seen = (at: string, req: IncomingMessage) => {
    if (req.headers.authorization) authorizations.push({ at, path: req.url ?? "", header: req.headers.authorization });
  };
  const isPrivate = (name: string) => (knobs.private ?? []).includes(name);
  /** A package GHCR has: something was pushed to it and it still has a manifest. */
  const exists = (name: string) => (store.repos.get(name)?.manifests.size ?? 0) > 0;

  // GHCR and Docker Hub keep blobs and tokens on hosts of their own: one listener each, on this address.
  const side = createServer((req, res) => {
    seen(req.url?.startsWith("/token") ? "token" : "storage", req);
    const url = new URL(req.url ?? "/", storageOrigin);
    if (url.pathname === "/token") return token(req, res, url);
    const blob = url.pathname.startsWith("/blobs/") ? store.blobs.get(url.pathname.slice("/blobs/".length)) : undefined;
    if (!blob) return sendText(res, 404, "404 page not found");
    send(res, 200, { "Content-Type": "application/octet-stream" }, blob);
  });

  const server = createServer((req, res) => {
    seen("registry", req);
    let route = "unmatched";
    res.on("finish", () => {
      const key = `${req.method} ${route} ${res.statusCode}`;
      requests.set(key, (requests.get(key) ?? 0) + 1);
    });
    const run = async () => {
      if (knobs.latencyMs) await new Promise((r) => setTimeout(r, knobs.latencyMs));
      const url = new URL(req.url ?? "/", origin);
      const method = req.method ?? "GET";
      if (url.pathname === "/token") {
        route = "/token";
        return token(req, res, url);
      }
      if (url.pathname.startsWith("/_storage/blobs/")) {
        route = "/_storage/blobs/{digest}";
        const blob = store.blobs.get(url.pathname.slice("/_storage/blobs/".length));
        if (!blob) return sendText(res, 404, "404 page not found");
        return send(res, 200, { "Content-Type": "application/octet-stream" }, blob);
      }
      const found = ROUTES.map((r) => ({ r, m: r.re.exec(url.pathname) })).find((x) => x.m);
      if (!found) return sendText(res, 404, "404 page not found");
      route = found.r.id;
      const [, name = "", ref = ""] = found.m!;
      if (found.r.methods.length > 0 && !found.r.methods.includes(method)) {
        return sendText(res, 405, "Method not allowed", { Allow: found.r.methods.join(", ") });
      }
      if (!authorized(req, res, name, actionsFor(route, method))) return;
      if (hostedAnswer(res, name, method, route)) return;
      if (route === "/v2/")
        return send(res, 200, { "Content-Type": "application/json; charset=utf-8" }, Buffer.from("{}"));
      if (route === "/v2/{name}/manifests/{reference}") {
        if (knobs.failStatus && (knobs.failCount === undefined || knobs.failCount > 0)) {
          if (knobs.failCount !== undefined) knobs.failCount--;
          return injectedFailure(res, knobs.failStatus);
        }
        if (method === "PUT") return putManifestRoute(req, res, name, ref);
        if (method === "DELETE") return deleteManifestRoute(res, name, ref);
        return getManifestRoute(req, res, name, ref, method);
      }
      if (route === "/v2/{name}/tags/list") return tagsRoute(res, name);
      if (route === "/v2/{name}/blobs/{digest}") return blobRoute(req, res, name, ref, method);
      if (route === "/v2/{name}/blobs/uploads/") {
        if (method !== "POST") return sendErrors(res, 404, [err("BLOB_UPLOAD_UNKNOWN")]);
        return startUpload(req, res, name, url);
      }
      return uploadRoute(req, res, name, ref, url, method);
    };
    run().catch((e: unknown) => {
      if (!res.headersSent) sendErrors(res, 500, [err("UNKNOWN", { error: String(e) })]);
      else res.destroy();
    });
  });

  // --- auth: the same challenge, body and error parameter as `docker-registry` with `auth: token`.
  function authorized(req: IncomingMessage, res: ServerResponse, name: string, actions: string[]): boolean {
    const header = req.headers.authorization ?? "";
    const bearer = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    const granted = bearer ? grants.get(bearer) : undefined;
    if (granted && actions.every((a) => granted.has(`repository:${name}:${a}`))) return true;
    const scope = actions.length > 0 ? `,scope="repository:${name}:${actions.join(",")}"` : "";
    const error = bearer && !granted ? `,error="invalid_token"` : granted ? `,error="insufficient_scope"` : "";
    const detail =
      actions.length > 0 ? actions.map((a) => ({ Type: "repository", Class: "", Name: name, Action: a })) : null;
    sendErrors(res, 401, [err("UNAUTHORIZED", detail)], {
      "WWW-Authenticate": `Bearer realm="${realm}",service="${service}"${scope}${error}`,
    });
    return false;
  }

  /**
   * Where a hosted registry answers a read differently from distribution, its answer; else null.
   * GHCR: a package it does not have is 403 DENIED, a missing tag of one it has MANIFEST_UNKNOWN.
   * Docker Hub: a repository it does not have is 401 UNAUTHORIZED, token or not.
   */
  function hostedAnswer(res: ServerResponse, name: string, method: string, route: string): boolean {
    if (
      flavor === "distribution" ||
      route === "/v2/" ||
      route.includes("uploads") ||
      (method !== "GET" && method !== "HEAD")
    )
      return false;
    if (exists(name)) return false;
    if (flavor === "ghcr") {
      sendErrors(res, 403, [err("DENIED")]);
      return true;
    }
    sendErrors(res, 401, [err("UNAUTHORIZED", [{ Type: "repository", Class: "", Name: name, Action: "pull" }])], {
      "WWW-Authenticate": `Bearer realm="${realm}",service="${service}",scope="repository:${name}:pull",error="insufficient_scope"`,
    });
    return true;
  }

  function token(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const basic = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1];
    const password = basic ? Buffer.from(basic, "base64").toString("utf8").split(":").slice(1).join(":") : undefined;
    const credentialed = opts.token !== undefined && password === opts.token;
    if (auth === "token" && !credentialed) {
      return sendErrors(res, 401, [err("DENIED")]);
    }
    const scopes = url.searchParams.getAll("scope").flatMap((s) => s.split(" "));
    // GHCR refuses an anonymous token for a private package outright (observed: 401 at /token,
    // e.g. openai/tunnel-client#75), before any manifest is asked for.
    if (!credentialed && scopes.some((sc) => isPrivate(/^repository:(.+):[a-z*,]+$/.exec(sc)?.[1] ?? ""))) {
      return sendErrors(res, 401, [err("UNAUTHORIZED")]);
    }
    const granted = new Set<string>();
    for (const scope of scopes) {
      const m = /^repository:(.+):([a-z*,]+)$/.exec(scope);
      for (const action of m ? m[2]!.split(",") : []) granted.add(`repository:${m![1]}:${action}`);
    }
    const issued = `sbx_${randomBytes(16).toString("hex")}`;
    grants.set(issued, granted);
    send(
      res,
      200,
      { "Content-Type": "application/json" },
      Buffer.from(
        JSON.stringify({ token: issued, access_token: issued, expires_in: 300, issued_at: new Date().toISOString() }),
      ),
    );
  }

  function injectedFailure(res: ServerResponse, status: number): void {
    const code =
      status === 401
        ? "UNAUTHORIZED"
        : status === 403
          ? "DENIED"
          : status === 404
            ? "MANIFEST_UNKNOWN"
            : status === 429
              ? "TOOMANYREQUESTS"
              : "UNKNOWN";
    sendErrors(res, status, [err(code, code === "UNKNOWN" ? {} : undefined)]);
  }

  // --- manifests
  function getManifestRoute(
    req: IncomingMessage,
    res: ServerResponse,
    name: string,
    ref: string,
    method: string,
  ): void {
    const repo = store.repos.get(name);
    const byTag = !ref.includes(":");
    if (!byTag && !DIGEST.test(ref)) return sendErrors(res, 400, [err("DIGEST_INVALID", {})]);
    const supports = new Set([req.headers.accept ?? ""].flatMap((h) => h.split(",")).map((t) => mediaTypeOf(t)));
    let digest = byTag ? repo?.tags.get(ref) : ref;
    if (!digest) return sendErrors(res, 404, [err("MANIFEST_UNKNOWN", { Tag: ref })]);
    const inm = req.headers["if-none-match"];
    if (inm !== undefined && [inm].flat().some((v) => v === digest || v === `"${digest}"`)) return send(res, 304, {});
    let manifest = repo?.manifests.get(digest);
    if (!manifest) return sendErrors(res, 404, [err("MANIFEST_UNKNOWN", { Name: name, Revision: digest })]);
    if (manifest.mediaType === OCI_MANIFEST && !supports.has(OCI_MANIFEST)) {
      return sendErrors(res, 404, [
        err("MANIFEST_UNKNOWN", undefined, "OCI manifest found, but accept header does not support OCI manifests"),
      ]);
    }
    if (manifest.mediaType === OCI_INDEX && !supports.has(OCI_INDEX)) {
      return sendErrors(res, 404, [
        err("MANIFEST_UNKNOWN", undefined, "OCI index found, but accept header does not support OCI indexes"),
      ]);
    }
    // distribution would rewrite these to schema 1, which Debian's build cannot sign: it answers 400.
    if (byTag && manifest.mediaType === DOCKER_MANIFEST && !supports.has(DOCKER_MANIFEST))
      return sendErrors(res, 400, [err("MANIFEST_INVALID", {})]);
    if (byTag && manifest.mediaType === DOCKER_LIST && !supports.has(DOCKER_LIST)) {
      // An old client gets the linux/amd64 image instead of the list.
      const list = JSON.parse(manifest.bytes.toString("utf8")) as {
        manifests?: { digest: string; platform?: { os?: string; architecture?: string } }[];
      };
      const entry = (list.manifests ?? []).find(
        (m) => m.platform?.architecture === "amd64" && m.platform?.os === "linux",
      );
      const chosen = entry ? repo?.manifests.get(entry.digest) : undefined;
      if (!entry || !chosen) return sendErrors(res, 404, [err("MANIFEST_UNKNOWN")]);
      if (chosen.mediaType === DOCKER_MANIFEST && !supports.has(DOCKER_MANIFEST))
        return sendErrors(res, 400, [err("MANIFEST_INVALID", {})]);
      digest = entry.digest;
      manifest = chosen;
    }
    let body = manifest.bytes;
    if (knobs.malformed) body = body.subarray(0, Math.max(1, Math.floor(body.length / 2)));
    const served = knobs.malformed
      ? sha256(body)
      : knobs.badDigest
        ? sha256(Buffer.concat([body, Buffer.from("tampered")]))
        : digest;
    send(
      res,
      200,
      {
        "Content-Type": manifest.mediaType,
        "Content-Length": String(body.length),
        "Docker-Content-Digest": served,
        Etag: `"${served}"`,
      },
      method === "HEAD" ? undefined : body,
    );
  }

  async function putManifestRoute(req: IncomingMessage, res: ServerResponse, name: string, ref: string): Promise<void> {
    const body = await readBody(req);
    const contentType = mediaTypeOf(req.headers["content-type"]);
    if (![OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST].includes(contentType)) {
      // distribution falls back to schema 1, which it cannot accept unsigned.
      return sendErrors(res, 400, [err("MANIFEST_INVALID", {})]);
    }
    const offset = jsonSyntaxErrorOffset(body);
    if (offset !== undefined) return sendErrors(res, 400, [err("MANIFEST_INVALID", { Offset: offset })]);
    const parsed: unknown = JSON.parse(body.toString("utf8"));
    const typeError = topLevelTypeError(body, parsed);
    if (typeError) return sendErrors(res, 400, [typeError]);
    const doc = (parsed ?? {}) as Record<string, unknown>;
    const declared = typeof doc.mediaType === "string" ? doc.mediaType : "";
    const isIndexType = contentType === OCI_INDEX || contentType === DOCKER_LIST;
    const shapeOk =
      contentType === OCI_MANIFEST
        ? doc.manifests == null && (declared === "" || declared === OCI_MANIFEST)
        : contentType === OCI_INDEX
          ? doc.config == null && doc.layers == null && (declared === "" || declared === OCI_INDEX)
          : declared === contentType;
    if (!shapeOk) return sendErrors(res, 400, [err("MANIFEST_INVALID", {})]);
    const digest = sha256(body);
    const byDigest = ref.includes(":");
    if (byDigest && ref !== digest) return sendErrors(res, 400, [err("DIGEST_INVALID")]);
    if (doc.schemaVersion !== 2) return sendErrors(res, 500, [err("UNKNOWN", {})]);
    const repo = store.repos.get(name);
    const has = (d: unknown) => typeof d === "string" && (repo?.blobs.has(d) || repo?.manifests.has(d));
    const refs = (isIndexType ? [doc.manifests] : [[doc.config], doc.layers]).flatMap((list) =>
      Array.isArray(list) ? list : [],
    );
    const missing = refs
      .map((d) => (d ?? {}) as { digest?: unknown; urls?: unknown })
      .filter((d) => (isIndexType || !Array.isArray(d.urls) || d.urls.length === 0) && !has(d.digest))
      .map((d) => err("MANIFEST_BLOB_UNKNOWN", d.digest));
    if (missing.length > 0) return sendErrors(res, 400, missing);
    // Stored as distribution reads it back: by the body's mediaType, else index-shaped or not.
    const kind = declared || (Array.isArray(doc.manifests) ? OCI_INDEX : OCI_MANIFEST);
    putManifest(store, name, body, kind, byDigest ? [] : [ref]);
    send(res, 201, {
      "Content-Length": "0",
      "Docker-Content-Digest": digest,
      Location: `${hostOrigin(req)}/v2/${name}/manifests/${digest}`,
    });
  }

  function deleteManifestRoute(res: ServerResponse, name: string, ref: string): void {
    // distribution 2.8 cannot delete by tag: it parses the reference as a digest and fails.
    if (!DIGEST.test(ref)) return sendErrors(res, 400, [err("DIGEST_INVALID")]);
    const repo = store.repos.get(name);
    if (!repo?.manifests.delete(ref)) return sendErrors(res, 404, [err("MANIFEST_UNKNOWN")]);
    for (const [tag, digest] of repo.tags) if (digest === ref) repo.tags.delete(tag);
    send(res, 202, { "Content-Length": "0" });
  }

  function tagsRoute(res: ServerResponse, name: string): void {
    const repo = store.repos.get(name);
    if (!repo?.everTagged) return sendErrors(res, 404, [err("NAME_UNKNOWN", { name })]);
    // distribution lists in its storage driver's directory order (unspecified); the spec asks for
    // lexical order, which is also stable: use that.
    const tags = [...repo.tags.keys()].sort();
    send(
      res,
      200,
      { "Content-Type": "application/json; charset=utf-8" },
      goJson({ name, tags: tags.length > 0 ? tags : null }),
    );
  }

  // --- blobs
  function blobRoute(req: IncomingMessage, res: ServerResponse, name: string, digest: string, method: string): void {
    if (!DIGEST.test(digest)) return sendErrors(res, 400, [err("DIGEST_INVALID", {})]);
    const repo = store.repos.get(name);
    const linked = repo?.blobs.has(digest) ?? false;
    if (method === "DELETE") {
      if (!linked) return sendErrors(res, 404, [err("BLOB_UNKNOWN")]);
      repo!.blobs.delete(digest);
      return send(res, 202, { "Content-Length": "0" });
    }
    const blob = linked ? store.blobs.get(digest) : undefined;
    if (!blob) return sendErrors(res, 404, [err("BLOB_UNKNOWN", digest)]);
    const cache = { "Cache-Control": "max-age=31536000", "Docker-Content-Digest": digest, Etag: `"${digest}"` };
    const inm = req.headers["if-none-match"];
    if (inm !== undefined && [inm].flat().some((v) => v === digest || v === `"${digest}"`))
      return send(res, 304, cache);
    if (flavor === "ghcr" && method === "GET") {
      // GHCR sends blob bodies from another host (a signed storage URL): 307 there.
      return send(res, 307, { Location: `${storageOrigin}/blobs/${digest}`, "Content-Length": "0" });
    }
    if (knobs.redirectBlobs && method === "GET") {
      return send(res, 307, { Location: `${hostOrigin(req)}/_storage/blobs/${digest}`, "Content-Length": "0" });
    }
    send(
      res,
      200,
      {
        "Accept-Ranges": "bytes",
        ...cache,
        "Content-Length": String(blob.length),
        "Content-Type": "application/octet-stream",
      },
      method === "HEAD" ? undefined : blob,
    );
  }

  // --- uploads. distribution 2.8 has no monolithic POST: `?digest=` on POST is ignored, the body
  // dropped, and a session opened (202); clients then PUT the bytes to the session.
  function uploadLocation(req: IncomingMessage, name: string, uuid: string, offset: number): string {
    const state = Buffer.from(JSON.stringify({ Name: name, UUID: uuid, Offset: offset })).toString("base64url");
    return `${hostOrigin(req)}/v2/${name}/blobs/uploads/${uuid}?_state=${state}`;
  }

  function sizeOf(uuid: string): number {
    return store.uploads.get(uuid)?.chunks.reduce((n, c) => n + c.length, 0) ?? 0;
  }

  function sessionHeaders(req: IncomingMessage, name: string, uuid: string): Record<string, string> {
    const size = sizeOf(uuid);
    return {
      Location: uploadLocation(req, name, uuid, size),
      Range: `0-${Math.max(0, size - 1)}`,
      "Docker-Upload-UUID": uuid,
    };
  }

  async function startUpload(req: IncomingMessage, res: ServerResponse, name: string, url: URL): Promise<void> {
    await readBody(req);
    const mount = url.searchParams.get("mount");
    const from = url.searchParams.get("from");
    if (mount && from && store.repos.get(from)?.blobs.has(mount)) {
      repoOf(store, name).blobs.add(mount);
      return send(res, 201, {
        "Content-Length": "0",
        "Docker-Content-Digest": mount,
        Location: `${hostOrigin(req)}/v2/${name}/blobs/${mount}`,
      });
    }
    const uuid = randomUUID();
    store.uploads.set(uuid, { name, chunks: [] });
    send(res, 202, { "Content-Length": "0", ...sessionHeaders(req, name, uuid) });
  }

  async function uploadRoute(
    req: IncomingMessage,
    res: ServerResponse,
    name: string,
    uuid: string,
    url: URL,
    method: string,
  ): Promise<void> {
    const body = await readBody(req);
    let state: { Name?: string; UUID?: string; Offset?: number } | undefined;
    try {
      state = JSON.parse(
        Buffer.from(url.searchParams.get("_state") ?? "", "base64url").toString("utf8"),
      ) as typeof state;
    } catch {
      state = undefined;
    }
    if (!state || state.Name !== name || state.UUID !== uuid)
      return sendErrors(res, 404, [err("BLOB_UPLOAD_INVALID", {})]);
    const session = store.uploads.get(uuid);
    if (!session || session.name !== name) return sendErrors(res, 404, [err("BLOB_UPLOAD_UNKNOWN", {})]);
    // A state whose offset is not the session's size is stale (e.g. reused after a failed PUT):
    // distribution refuses it and drops the session.
    if (state.Offset !== sizeOf(uuid)) {
      store.uploads.delete(uuid);
      return sendErrors(res, 404, [err("BLOB_UPLOAD_INVALID")]);
    }
    if (method === "GET" || method === "HEAD") return send(res, 204, sessionHeaders(req, name, uuid));
    if (method === "DELETE") {
      store.uploads.delete(uuid);
      return send(res, 204, { "Docker-Upload-UUID": uuid });
    }
    if (method === "PATCH") {
      const type = req.headers["content-type"];
      if (type && type !== "application/octet-stream") return sendErrors(res, 500, [err("UNKNOWN", {})]);
      session.chunks.push(body);
      return send(res, 202, { "Content-Length": "0", ...sessionHeaders(req, name, uuid) });
    }
    if (method !== "PUT") return sendText(res, 405, "Method not allowed", { Allow: "DELETE, GET, HEAD, PATCH, PUT" });
    const expected = url.searchParams.get("digest");
    if (!expected) return sendErrors(res, 400, [err("DIGEST_INVALID", "digest missing")]);
    session.chunks.push(body);
    const bytes = Buffer.concat(session.chunks);
    // On a mismatch the bytes stay written, so the caller's state goes stale (see above).
    if (sha256(bytes) !== expected)
      return sendErrors(res, 400, [err("DIGEST_INVALID", { Digest: expected, Reason: {} })]);
    store.uploads.delete(uuid);
    putBlob(store, name, bytes);
    send(res, 201, {
      "Content-Length": "0",
      "Docker-Content-Digest": expected,
      Location: `${hostOrigin(req)}/v2/${name}/blobs/${expected}`,
    });
  }

  function hostOrigin(req: IncomingMessage): string {
    return req.headers.host ? `http://${req.headers.host}` : origin;
  }

  const listen = (srv: typeof server) =>
    new Promise<string>((resolve, reject) => {
      srv.once("error", reject);
      srv.listen(0, address, () => resolve(`http://${address}:${(srv.address() as AddressInfo).port}`));
    });
  origin = await listen(server);
  const hosted = flavor !== "distribution";
  if (hosted) storageOrigin = await listen(side);
  // Docker Hub's token service is auth.docker.io, not the registry's host; GHCR's is ghcr.io/token.
  realm = opts.realm ?? (flavor === "dockerhub" ? `${storageOrigin}/token` : `${origin}/token`);
  const close = (srv: typeof server) =>
    new Promise<void>((resolve) => {
      srv.closeAllConnections();
      srv.close(() => resolve());
    });
  return {
    url: origin,
    store,
    requests,
    knobs,
    service,
    realm,
    authorizations,
    stop: async () => {
      await close(server);
      if (hosted) await close(side);
    },
  };
}

export interface RegistryHosts {
  /** One registry per host name ("ghcr.io", "docker.io", ...). */
  byHost: Record<string, SandboxRegistry>;
  /** RELEASE_REGISTRY_URL mapping every host to its registry: "ghcr.io=http://...,docker.io=http://...". */
  mapping: string;
  stop(): Promise<void>;
}

/**
 * Several registry hosts at once, each answering as its kind does: ghcr.io as GHCR, docker.io as
 * Docker Hub, any other as distribution. `options` apply to every one (per host with `perHost`).
 */
export async function startRegistries(
  hosts: string[],
  perHost: Record<string, RegistryOptions> = {},
): Promise<RegistryHosts> {
  const byHost: Record<string, SandboxRegistry> = {};
  try {
    for (const host of hosts) {
      const flavor =
        host === "ghcr.io"
          ? "ghcr"
          : ["docker.io", "index.docker.io", "registry-1.docker.io"].includes(host)
            ? "dockerhub"
            : "distribution";
      byHost[host] = await startRegistry({ flavor, ...perHost[host] });
    }
  } catch (error) {
    for (const r of Object.values(byHost)) await r.stop();
    throw error;
  }
  return {
    byHost,
    mapping: Object.entries(byHost)
      .map(([host, r]) => `${host}=${r.url}`)
      .join(","),
    stop: async () => {
      for (const r of Object.values(byHost)) await r.stop();
    },
  };
}
