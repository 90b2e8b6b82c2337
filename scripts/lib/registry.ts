// The kit's OCI registry client: just enough of the distribution API to answer "which digest does
// this tag name, and which platforms does it hold" for GHCR or any registry, with the bearer-token
// challenge, all four manifest media types and every digest checked. Global fetch only.
import { createHash } from "node:crypto";

const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
const DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
const INDEX_TYPES = [OCI_INDEX, DOCKER_LIST];
const IMAGE_TYPES = [OCI_MANIFEST, DOCKER_MANIFEST];
const IMAGE_CONFIG_TYPES = [
  "application/vnd.oci.image.config.v1+json",
  "application/vnd.docker.container.image.v1+json",
];

// distribution 2.8 answers 404 for an OCI manifest or index unless Accept names its type.
export const MANIFEST_ACCEPT = [...INDEX_TYPES, ...IMAGE_TYPES, "application/vnd.oci.artifact.manifest.v1+json"].join(
  ", ",
);

const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^(sha256|sha384|sha512):[a-f0-9]{64,128}$/;
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const MAX_INDEX_DEPTH = 4;
const MAX_REDIRECTS = 5;
const MAX_TAG_PAGES = 100;

export interface RegistryCredential {
  username: string;
  token: string;
}

export interface RegistryClientOptions {
  /** Base URL that answers for every image's registry host (a bare RELEASE_REGISTRY_URL). */
  endpoint?: string;
  /** Base URL per registry host ("ghcr.io" → URL), from RELEASE_REGISTRY_URL's host=URL form; wins over `endpoint`. */
  endpoints?: Record<string, string>;
  /** Exchanged (Basic username:token) at the registry's token service; anonymous when absent. Sent
   *  only to a token service on the host the registry answered from, never to another host. */
  token?: string;
  username?: string;
  /** The credential for one registry host, or null to go anonymous there; wins over `token`. */
  credentialFor?: (host: string) => RegistryCredential | null;
  /** Bound on every request, body included. Default 15 s. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export class RegistryError extends Error {
  status?: number;
  code?: string;
  constructor(message: string, opts: { status?: number; code?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "RegistryError";
    this.status = opts.status;
    this.code = opts.code;
  }
}

export interface ManifestInfo {
  digest: string;
  mediaType: string;
  /** os/arch[/variant]; attestation and unknown/unknown entries excluded. */
  platforms: string[];
  isIndex: boolean;
  raw: unknown;
  /** Image digests that attestation-manifest entries of the index refer to. */
  attestationFor: string[];
}

export interface FetchedManifest {
  digest: string;
  mediaType: string;
  body: any;
}

export interface RegistryClient {
  resolve(ref: string, tag: string): Promise<ManifestInfo | null>;
  platformsOf(ref: string, digest: string): Promise<string[]>;
  head(ref: string, tag: string): Promise<{ digest: string; mediaType: string } | null>;
  listTags(ref: string): Promise<string[]>;
  fetchManifest(ref: string, reference: string): Promise<FetchedManifest | null>;
}

// Docker Hub answers under several names; its API lives at registry-1.docker.io.
const DOCKER_HUB = new Set(["docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"]);
const DOCKER_HUB_API = "https://registry-1.docker.io";

/** The name a registry host is known by: Docker Hub's aliases are all "docker.io". */
export function canonicalHost(host: string): string {
  const h = host.toLowerCase();
  return DOCKER_HUB.has(h) ? "docker.io" : h;
}

/**
 * "ghcr.io/acme/gateway" → { host: "ghcr.io", name: "acme/gateway" }. As docker does, a reference
 * whose first part is no host is Docker Hub's ("user/app" → docker.io/user/app, "nginx" →
 * docker.io/library/nginx), and Docker Hub's aliases are one host.
 */
export function parseImageRef(ref: string): { host: string; name: string } {
  const slash = ref.indexOf("/");
  const first = slash > 0 ? ref.slice(0, slash) : "";
  const named = first.includes(".") || first.includes(":") || first === "localhost";
  const host = named ? canonicalHost(first) : "docker.io";
  let name = named ? ref.slice(slash + 1) : ref;
  if (named && !/^[A-Za-z0-9.-]+(?::\d+)?$/.test(first)) {
    throw new RegistryError(
      `image reference "${ref}" names no valid registry host: write it in full, e.g. ghcr.io/owner/name`,
      { code: "NAME_INVALID" },
    );
  }
  if (host === "docker.io" && name && !name.includes("/") && !/[@:]/.test(name)) name = `library/${name}`;
  if (/[@:]/.test(name)) {
    throw new RegistryError(
      `image reference "${ref}" carries a tag or digest: name the image alone (${host}/${name.split(/[@:]/)[0]})`,
      { code: "NAME_INVALID" },
    );
  }
  const parts = name.split("/");
  if (!parts.every((p) => COMPONENT.test(p))) {
    const lower = parts.every((p) => COMPONENT.test(p.toLowerCase()));
    throw new RegistryError(
      lower
        ? `image reference "${ref}" has capitals: registries take lowercase names only (GHCR lowercases owner and image), use ${host}/${name.toLowerCase()}`
        : `image reference "${ref}" is not a valid repository name: components are lowercase letters and digits joined by ".", "_", "__" or "-"`,
      { code: "NAME_INVALID" },
    );
  }
  return { host: host.toLowerCase(), name };
}

/** { scheme, params } of a WWW-Authenticate header such as Bearer realm="…",service="…",scope="…". */
export function parseChallenge(header: string): { scheme: string; params: Record<string, string> } {
  const scheme = /^\s*(\S+)/.exec(header)?.[1]?.toLowerCase() ?? "";
  const params: Record<string, string> = {};
  const re = /([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g;
  for (const m of header.slice(header.indexOf(scheme) + scheme.length).matchAll(re)) {
    params[m[1]!.toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : m[3]!;
  }
  return { scheme, params };
}

export function formatPlatform(p: { os?: unknown; architecture?: unknown; variant?: unknown }): string | null {
  if (typeof p.os !== "string" || typeof p.architecture !== "string" || !p.os || !p.architecture) return null;
  return [p.os, p.architecture, typeof p.variant === "string" && p.variant ? p.variant : null]
    .filter(Boolean)
    .join("/");
}

/** The base URL answering for a registry host: its mapping, the bare endpoint, else the host itself. */
export function endpointFor(host: string, opts: Pick<RegistryClientOptions, "endpoint" | "endpoints">): string {
  const h = canonicalHost(host);
  const mapped = Object.entries(opts.endpoints ?? {}).find(([k]) => canonicalHost(k) === h)?.[1];
  return mapped ?? opts.endpoint ?? (h === "docker.io" ? DOCKER_HUB_API : `https://${h}`);
}

function tokenAdvice(host: string): string {
  return host === "ghcr.io"
    ? "set GH_TOKEN or GITHUB_TOKEN to a token with read:packages (a classic PAT; fine-grained tokens cannot read GHCR)"
    : `give a credential for ${host} in RELEASE_REGISTRY_TOKEN (the GitHub token is only ever sent to ghcr.io)`;
}

/**
 * RELEASE_REGISTRY_URL: a bare URL answers for the images' registry (every host); "host=URL,..."
 * maps each registry host to the URL answering for it.
 */
export function parseRegistryMap(
  value: string,
): { endpoint: string | null; endpoints: Record<string, string> } | { problem: string } {
  const parts = value
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
  const url = (text: string): boolean => {
    try {
      const u = new URL(text);
      return u.protocol === "http:" || u.protocol === "https:";
    } catch {
      return false;
    }
  };
  if (parts.length === 1 && !/^[^=/]+=/.test(parts[0]!)) {
    return url(parts[0]!)
      ? { endpoint: parts[0]!, endpoints: {} }
      : {
          problem:
            "an http(s) URL, such as https://ghcr.io, or host=URL pairs, such as ghcr.io=http://127.0.0.1:5000,docker.io=http://127.0.0.1:5001",
        };
  }
  const endpoints: Record<string, string> = {};
  for (const part of parts) {
    const m = /^([A-Za-z0-9.-]+(?::\d+)?)=(.+)$/.exec(part);
    if (!m || !url(m[2]!))
      return { problem: `host=URL pairs separated by commas, such as ghcr.io=http://127.0.0.1:5000 (not "${part}")` };
    endpoints[canonicalHost(m[1]!)] = m[2]!;
  }
  return { endpoint: null, endpoints };
}

function digestOf(bytes: Buffer, algorithm = "sha256"): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest("hex")}`;
}

/** The first error a registry put in its body, when it sent the standard envelope. */
function errorOf(body: Buffer): { code?: string; message?: string } {
  try {
    const first = (JSON.parse(body.toString("utf8")) as { errors?: { code?: unknown; message?: unknown }[] })
      .errors?.[0];
    return {
      code: typeof first?.code === "string" ? first.code : undefined,
      message: typeof first?.message === "string" ? first.message : undefined,
    };
  } catch {
    return {};
  }
}

interface Answer {
  status: number;
  headers: Headers;
  body: Buffer;
  url: string;
}

export function createRegistryClient(opts: RegistryClientOptions = {}): RegistryClient {
  const fetchImpl = opts.fetch ?? globalThis.fetch;
  const timeoutMs = opts.timeoutMs ?? 15_000;
  // Bearer tokens by challenge scope, and the last authorization each repository needed, so
  // later requests skip the 401 round trip.
  const tokens = new Map<string, string>();
  const authFor = new Map<string, string>();

  const baseOf = (host: string) => endpointFor(host, opts).replace(/\/+$/, "");
  const credentialOf = (host: string): RegistryCredential | null =>
    opts.credentialFor
      ? opts.credentialFor(host)
      : opts.token
        ? { username: opts.username ?? "token", token: opts.token }
        : null;

  /** One HTTP exchange, redirects followed by hand so credentials never follow to another origin. */
  async function exchange(url: string, method: string, headers: Record<string, string>, what: string): Promise<Answer> {
    const signal = AbortSignal.timeout(timeoutMs);
    let current = url;
    const sent = { ...headers };
    try {
      for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
        const res = await fetchImpl(current, { method, headers: sent, redirect: "manual", signal });
        const location = res.headers.get("location");
        if ([301, 302, 303, 307, 308].includes(res.status) && location) {
          await res.body?.cancel();
          const next = new URL(location, current);
          // Blob redirects go to signed storage URLs, which must not see (and reject) our token.
          if (next.origin !== new URL(current).origin) delete sent.authorization;
          current = next.href;
          continue;
        }
        const body = method === "HEAD" ? Buffer.alloc(0) : Buffer.from(await res.arrayBuffer());
        return { status: res.status, headers: res.headers, body, url: current };
      }
    } catch (error) {
      if (signal.aborted) {
        throw new RegistryError(
          `${what}: the registry did not answer within ${timeoutMs} ms (${method} ${current}); check that it is reachable, or retry later`,
          { code: "TIMEOUT", cause: error },
        );
      }
      const reason = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new RegistryError(
        `${what}: cannot reach the registry at ${new URL(current).origin} (${reason}); check the network and RELEASE_REGISTRY_URL`,
        { code: "NETWORK", cause: error },
      );
    }
    throw new RegistryError(`${what}: more than ${MAX_REDIRECTS} redirects from ${url}`, { code: "REDIRECTS" });
  }

  /**
   * Answers the registry's challenge with a token from its token service (or Basic credentials).
   * Credentials go only to a token service on the host that challenged (registry-host, the one
   * `from` was sent to): a realm elsewhere is asked anonymously, so a registry can never make the
   * kit hand a GitHub token to a third party.
   */
  async function authorize(
    challenge: string | null,
    what: string,
    host: string,
    from: string,
    stale?: string,
  ): Promise<string> {
    const { scheme, params } = parseChallenge(challenge ?? "");
    const credential = credentialOf(host);
    const basicFor = (c: RegistryCredential | null) =>
      c ? `Basic ${Buffer.from(`${c.username}:${c.token}`).toString("base64")}` : null;
    if (scheme === "basic" && credential) return basicFor(credential)!;
    if (scheme !== "bearer" || !params.realm) {
      throw new RegistryError(
        `${what}: the registry wants credentials (401) ${credential ? "in a form this client does not speak" : "and none were given"}; ${tokenAdvice(host)}`,
        { status: 401, code: "UNAUTHORIZED" },
      );
    }
    let realm: URL;
    try {
      realm = new URL(params.realm, from);
    } catch {
      throw new RegistryError(`${what}: the registry named a token service that is not a URL (${params.realm})`, {
        status: 401,
        code: "UNAUTHORIZED",
      });
    }
    const basic = realm.host === new URL(from).host ? basicFor(credential) : null;
    const key = `${params.realm} ${params.service ?? ""} ${params.scope ?? ""}`;
    const cached = tokens.get(key);
    // A cached token the registry just refused has expired: fetch a new one.
    if (cached && cached !== stale) return cached;
    const url = realm;
    if (params.service) url.searchParams.set("service", params.service);
    for (const scope of (params.scope ?? "").split(" ").filter(Boolean)) url.searchParams.append("scope", scope);
    // Anonymous means no Authorization header at all: GHCR answers an empty Basic one with 403.
    const answer = await exchange(
      url.href,
      "GET",
      { accept: "application/json", ...(basic ? { authorization: basic } : {}) },
      what,
    );
    if (answer.status !== 200) {
      const e = errorOf(answer.body);
      throw new RegistryError(
        basic
          ? `${what}: the registry's token service refused the credentials (${answer.status}${e.code ? ` ${e.code}` : ""}); ${host === "ghcr.io" ? "the token must be a classic PAT with read:packages or a GITHUB_TOKEN with packages: read" : "check the registry credential"}`
          : `${what}: the registry refused an anonymous token (${answer.status}${e.code ? ` ${e.code}` : ""}): the package is private, so a token that may read it is needed; ${tokenAdvice(host)}`,
        { status: answer.status, code: basic ? (e.code ?? "UNAUTHORIZED") : "PRIVATE" },
      );
    }
    let token: unknown;
    try {
      const doc = JSON.parse(answer.body.toString("utf8")) as { token?: unknown; access_token?: unknown };
      token = doc.token ?? doc.access_token;
    } catch {
      token = undefined;
    }
    if (typeof token !== "string" || !token) {
      throw new RegistryError(`${what}: the registry's token service at ${url.origin} answered without a token`, {
        status: answer.status,
        code: "UNAUTHORIZED",
      });
    }
    tokens.set(key, `Bearer ${token}`);
    return `Bearer ${token}`;
  }

  /** GET or HEAD under /v2/<name>/, with the 401 challenge answered once. */
  async function call(
    name: string,
    host: string,
    path: string,
    method: string,
    accept: string | null,
    what: string,
  ): Promise<Answer> {
    const url = `${baseOf(host)}/v2/${name}/${path}`;
    const headers = (auth?: string): Record<string, string> => ({
      ...(accept ? { accept } : {}),
      ...(auth ? { authorization: auth } : {}),
    });
    let auth = authFor.get(`${host}/${name}`);
    let answer = await exchange(url, method, headers(auth), what);
    if (answer.status === 401) {
      auth = await authorize(answer.headers.get("www-authenticate"), what, host, answer.url, auth);
      answer = await exchange(url, method, headers(auth), what);
      if (answer.status === 401) {
        const e = errorOf(answer.body);
        // Docker Hub answers 401 for a repository it does not have, whatever the token says.
        const absent = host === "docker.io" && !credentialOf(host);
        throw new RegistryError(
          absent
            ? `${what}: Docker Hub refused access (401${e.code ? ` ${e.code}` : ""}): the repository does not exist, or is private; check that the workflow pushed it`
            : `${what}: the registry refused access (401${e.code ? ` ${e.code}` : ""}) even with a token; ${credentialOf(host) ? "the token may not read this package" : `the image may be private: ${tokenAdvice(host)}`}`,
          { status: 401, code: absent ? "NOT_PUBLISHED" : (e.code ?? "UNAUTHORIZED") },
        );
      }
      authFor.set(`${host}/${name}`, auth);
    }
    return answer;
  }

  function failure(answer: Answer, what: string, host: string): RegistryError {
    const e = errorOf(answer.body);
    const said = e.code ? ` ${e.code}${e.message ? `: ${e.message}` : ""}` : "";
    const status = answer.status;
    // GHCR answers DENIED for a package it does not have, once it has given a token for it: a
    // private package would have been refused at the token service already (see authorize).
    if (status === 403 && e.code === "DENIED") {
      return new RegistryError(
        credentialOf(host)
          ? `${what}: the registry answered 403 DENIED: the package was never published, or the token may not read it`
          : `${what}: the registry answered 403 DENIED: the package was never published (GHCR says so for a package it does not have)`,
        { status, code: "NOT_PUBLISHED" },
      );
    }
    const advice =
      status >= 500
        ? "the registry is failing; retry later"
        : status === 429
          ? "rate limited; retry later"
          : status === 403
            ? credentialOf(host)
              ? "the token may not read this package"
              : `the image may be private or missing: ${tokenAdvice(host)}`
            : "check the image reference and RELEASE_REGISTRY_URL";
    return new RegistryError(`${what}: the registry answered ${status}${said}; ${advice}`, { status, code: e.code });
  }

  function checkDigest(answer: Answer, expected: string | null, what: string): string {
    const header = answer.headers.get("docker-content-digest");
    const algorithm = (header ?? expected ?? "sha256:").split(":")[0]!;
    if (!["sha256", "sha384", "sha512"].includes(algorithm)) {
      throw new RegistryError(`${what}: unsupported digest algorithm "${algorithm}"`, { code: "DIGEST_INVALID" });
    }
    const actual = digestOf(answer.body, algorithm);
    for (const claimed of [header, expected]) {
      if (claimed && claimed !== actual) {
        throw new RegistryError(
          `${what}: the content's digest is ${actual}, not ${claimed}; something between here and the registry altered it, do not trust this answer`,
          { status: answer.status, code: "DIGEST_MISMATCH" },
        );
      }
    }
    return actual;
  }

  async function fetchManifest(ref: string, reference: string): Promise<FetchedManifest | null> {
    const { host, name } = parseImageRef(ref);
    const byDigest = DIGEST.test(reference);
    if (!byDigest && !TAG.test(reference))
      throw new RegistryError(`"${reference}" is neither a tag nor a digest (for ${ref})`, { code: "TAG_INVALID" });
    const what = `manifest ${ref}${byDigest ? "@" : ":"}${reference}`;
    const answer = await call(name, host, `manifests/${reference}`, "GET", MANIFEST_ACCEPT, what);
    if (answer.status === 404) {
      const { code } = errorOf(answer.body);
      if (code === "MANIFEST_UNKNOWN" || code === "NAME_UNKNOWN") return null;
      throw new RegistryError(
        `${what}: the registry answered 404 without a registry error (${answer.url}); is RELEASE_REGISTRY_URL a registry?`,
        { status: 404 },
      );
    }
    if (answer.status !== 200) throw failure(answer, what, host);
    const digest = checkDigest(answer, byDigest ? reference : null, what);
    let body: unknown;
    try {
      body = JSON.parse(answer.body.toString("utf8"));
    } catch (error) {
      throw new RegistryError(`${what}: the registry sent a manifest that is not valid JSON; re-push the image`, {
        status: 200,
        code: "MANIFEST_INVALID",
        cause: error,
      });
    }
    if (!body || typeof body !== "object" || Array.isArray(body)) {
      throw new RegistryError(`${what}: the registry sent a manifest that is not a JSON object; re-push the image`, {
        status: 200,
        code: "MANIFEST_INVALID",
      });
    }
    const declared = (body as { mediaType?: unknown }).mediaType;
    const contentType = answer.headers.get("content-type")?.split(";")[0]?.trim() ?? "";
    const mediaType =
      contentType && contentType !== "application/json"
        ? contentType
        : typeof declared === "string"
          ? declared
          : contentType;
    return { digest, mediaType, body };
  }

  async function configPlatform(ref: string, manifest: any, what: string): Promise<string[]> {
    const config = manifest?.config as { mediaType?: unknown; digest?: unknown } | undefined;
    if (!config || typeof config.digest !== "string" || !IMAGE_CONFIG_TYPES.includes(String(config.mediaType)))
      return [];
    const { host, name } = parseImageRef(ref);
    const blobWhat = `config blob ${ref}@${config.digest} (of ${what})`;
    if (!DIGEST.test(config.digest))
      throw new RegistryError(`${blobWhat}: not a valid digest`, { code: "DIGEST_INVALID" });
    const answer = await call(name, host, `blobs/${config.digest}`, "GET", null, blobWhat);
    if (answer.status === 404)
      throw new RegistryError(`${blobWhat}: missing from the registry; the image is incomplete, re-push it`, {
        status: 404,
        code: errorOf(answer.body).code ?? "BLOB_UNKNOWN",
      });
    if (answer.status !== 200) throw failure(answer, blobWhat, host);
    checkDigest(answer, config.digest, blobWhat);
    try {
      const platform = formatPlatform(JSON.parse(answer.body.toString("utf8")) as Record<string, unknown>);
      return platform ? [platform] : [];
    } catch (error) {
      throw new RegistryError(`${blobWhat}: not valid JSON`, { code: "BLOB_INVALID", cause: error });
    }
  }

  /** Platforms and attestation subjects of a manifest, following nested indexes. */
  async function describe(
    ref: string,
    m: FetchedManifest,
    depth: number,
    out: { platforms: string[]; attestationFor: string[] },
  ): Promise<void> {
    const what = `manifest ${ref}@${m.digest}`;
    const isIndex = INDEX_TYPES.includes(m.mediaType) || (Array.isArray(m.body.manifests) && !m.body.config);
    if (!isIndex) {
      if (IMAGE_TYPES.includes(m.mediaType)) out.platforms.push(...(await configPlatform(ref, m.body, what)));
      return;
    }
    for (const entry of Array.isArray(m.body.manifests) ? m.body.manifests : []) {
      if (!entry || typeof entry.digest !== "string") continue;
      const annotations = entry.annotations ?? {};
      if (annotations["vnd.docker.reference.type"] === "attestation-manifest") {
        if (typeof annotations["vnd.docker.reference.digest"] === "string")
          out.attestationFor.push(annotations["vnd.docker.reference.digest"]);
        continue;
      }
      if (entry.platform?.os === "unknown" || entry.platform?.architecture === "unknown") continue;
      const nested = INDEX_TYPES.includes(entry.mediaType);
      const declared = entry.platform ? formatPlatform(entry.platform) : null;
      if (IMAGE_TYPES.includes(entry.mediaType) && declared) {
        out.platforms.push(declared);
        continue;
      }
      // Unknown media types are skipped; a nested index, or an image entry with no platform, is read.
      if (!nested && !IMAGE_TYPES.includes(entry.mediaType)) continue;
      if (nested && depth >= MAX_INDEX_DEPTH)
        throw new RegistryError(`${what}: indexes nested deeper than ${MAX_INDEX_DEPTH}`, { code: "MANIFEST_INVALID" });
      const child = await fetchManifest(ref, entry.digest);
      if (!child)
        throw new RegistryError(
          `${what}: its entry ${entry.digest} is missing from the registry; the image is incomplete, re-push it`,
          { status: 404, code: "MANIFEST_UNKNOWN" },
        );
      await describe(ref, child, depth + 1, out);
    }
  }

  async function info(ref: string, m: FetchedManifest): Promise<ManifestInfo> {
    const out = { platforms: [] as string[], attestationFor: [] as string[] };
    await describe(ref, m, 0, out);
    const isIndex = INDEX_TYPES.includes(m.mediaType) || (Array.isArray(m.body.manifests) && !m.body.config);
    return {
      digest: m.digest,
      mediaType: m.mediaType,
      platforms: [...new Set(out.platforms)],
      isIndex,
      raw: m.body,
      attestationFor: [...new Set(out.attestationFor)],
    };
  }

  return {
    fetchManifest,

    async resolve(ref, tag) {
      const m = await fetchManifest(ref, tag);
      return m ? info(ref, m) : null;
    },

    async platformsOf(ref, digest) {
      const m = await fetchManifest(ref, digest);
      if (!m)
        throw new RegistryError(`manifest ${ref}@${digest} is not in the registry`, {
          status: 404,
          code: "MANIFEST_UNKNOWN",
        });
      return (await info(ref, m)).platforms;
    },

    async head(ref, tag) {
      const { host, name } = parseImageRef(ref);
      if (!TAG.test(tag) && !DIGEST.test(tag))
        throw new RegistryError(`"${tag}" is neither a tag nor a digest (for ${ref})`, { code: "TAG_INVALID" });
      const what = `manifest ${ref}:${tag}`;
      const answer = await call(name, host, `manifests/${tag}`, "HEAD", MANIFEST_ACCEPT, what);
      // A HEAD answer has no body to name the error: any 404 means "not there".
      if (answer.status === 404) return null;
      if (answer.status !== 200) throw failure(answer, what, host);
      const digest = answer.headers.get("docker-content-digest");
      const mediaType = answer.headers.get("content-type")?.split(";")[0]?.trim() ?? "";
      if (digest && DIGEST.test(digest)) return { digest, mediaType };
      // Some registries leave the digest out of HEAD answers: read the manifest instead.
      const m = await fetchManifest(ref, tag);
      return m ? { digest: m.digest, mediaType: m.mediaType } : null;
    },

    async listTags(ref) {
      const { host, name } = parseImageRef(ref);
      const what = `tags of ${ref}`;
      const tags: string[] = [];
      let path = "tags/list";
      for (let page = 0; page < MAX_TAG_PAGES; page++) {
        const answer = await call(name, host, path, "GET", "application/json", what);
        if (answer.status === 404 && errorOf(answer.body).code === "NAME_UNKNOWN") return tags;
        if (answer.status !== 200) throw failure(answer, what, host);
        let doc: { tags?: unknown };
        try {
          doc = JSON.parse(answer.body.toString("utf8")) as { tags?: unknown };
        } catch (error) {
          throw new RegistryError(`${what}: the registry's answer is not valid JSON`, {
            code: "INVALID",
            cause: error,
          });
        }
        if (Array.isArray(doc.tags)) tags.push(...doc.tags.filter((t): t is string => typeof t === "string"));
        // Pagination per the distribution spec: Link: </v2/<name>/tags/list?n=…&last=…>; rel="next"
        const next = /<([^>]+)>\s*;\s*rel="?next"?/.exec(answer.headers.get("link") ?? "")?.[1];
        if (!next) return tags;
        const nextUrl = new URL(next, answer.url);
        const at = nextUrl.pathname.indexOf(`/v2/${name}/`);
        if (at < 0) return tags;
        path = nextUrl.pathname.slice(at + `/v2/${name}/`.length) + nextUrl.search;
      }
      return tags;
    },
  };
}
