// The stand-ins' registry client: the distribution API over HTTP against the sandbox registry that
// answers for the host a reference names (ghcr.io, docker.io, ...), with the bearer-token challenge
// (Basic credentials from a login when there is one), monolithic blob uploads in two requests as
// distribution 2.8 wants them, and manifests by tag or digest.
import { createHash } from "node:crypto";

export const MEDIA = {
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  ociIndex: "application/vnd.oci.image.index.v1+json",
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  dockerList: "application/vnd.docker.distribution.manifest.list.v2+json",
  ociConfig: "application/vnd.oci.image.config.v1+json",
  dockerConfig: "application/vnd.docker.container.image.v1+json",
  ociLayer: "application/vnd.oci.image.layer.v1.tar+gzip",
  dockerLayer: "application/vnd.docker.image.rootfs.diff.tar.gzip",
  empty: "application/vnd.oci.empty.v1+json",
  inToto: "application/vnd.in-toto+json",
} as const;

export const ACCEPT = [MEDIA.ociIndex, MEDIA.dockerList, MEDIA.ociManifest, MEDIA.dockerManifest].join(", ");

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { os: string; architecture: string; variant?: string };
  annotations?: Record<string, string>;
  artifactType?: string;
}

export interface ImageRef {
  /** As written or normalised: ghcr.io, docker.io. */
  host: string;
  /** The repository path inside the registry: acme/gateway. */
  name: string;
  tag: string | null;
  digest: string | null;
  /** host/name, lowercase as written (docker refuses uppercase; see parseRef). */
  base: string;
}

export class OciError extends Error {}

export const sha256 = (bytes: Buffer | string) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

export function descriptorOf(mediaType: string, bytes: Buffer, extra: Partial<Descriptor> = {}): Descriptor {
  return { mediaType, digest: sha256(bytes), size: bytes.length, ...extra };
}

/** Parses a reference as docker does: no host means docker.io, and a one-part name is library/<name>. */
export function parseRef(ref: string): ImageRef {
  let rest = ref.trim();
  let digest: string | null = null;
  const at = rest.indexOf("@");
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | null = null;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const slash = rest.indexOf("/");
  const first = slash === -1 ? "" : rest.slice(0, slash);
  let host = "docker.io";
  let name = rest;
  if (first && (first.includes(".") || first.includes(":") || first === "localhost")) {
    host = first;
    name = rest.slice(slash + 1);
  } else if (!rest.includes("/")) name = `library/${rest}`;
  if (!/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/.test(name)) {
    throw new OciError(`invalid reference format: repository name (${name}) must be lowercase`);
  }
  if (tag !== null && !/^[\w][\w.-]{0,127}$/.test(tag))
    throw new OciError(`invalid reference format: "${tag}" is not a valid tag`);
  if (digest !== null && !/^sha256:[a-f0-9]{64}$/.test(digest))
    throw new OciError(`invalid reference format: "${digest}" is not a valid digest`);
  return { host, name, tag, digest, base: `${host}/${name}` };
}

export interface Credentials {
  username: string;
  password: string;
}

export interface Manifest {
  bytes: Buffer;
  mediaType: string;
  digest: string;
}

export class OciClient {
  private tokens = new Map<string, Promise<string | undefined>>();
  private endpoint: (host: string) => Promise<string>;
  private login: (host: string) => Credentials | undefined;
  private onPush: ((ref: ImageRef, reference: string, bytes: Buffer) => void) | undefined;

  /** `endpoint`: the sandbox registry's URL answering for every host, or the URL answering for a
   *  host; `login`: credentials by host; `onPush`: told of every manifest stored. */
  constructor(
    endpoint: string | ((host: string) => Promise<string>),
    login: (host: string) => Credentials | undefined,
    onPush?: (ref: ImageRef, reference: string, bytes: Buffer) => void,
  ) {
    this.endpoint = typeof endpoint === "string" ? async () => endpoint : endpoint;
    this.login = login;
    this.onPush = onPush;
  }

  private async request(
    ref: ImageRef,
    method: string,
    path: string,
    init: { body?: Buffer; headers?: Record<string, string>; scope: string },
  ): Promise<Response> {
    const base = await this.endpoint(ref.host);
    const url = path.startsWith("http") ? path : `${base}${path}`;
    const send = (token?: string) =>
      fetch(url, {
        method,
        body: init.body,
        headers: { ...init.headers, ...(token ? { authorization: `Bearer ${token}` } : {}) },
        redirect: "follow",
      });
    // Tokens are per registry: the same repository name on two hosts is two scopes.
    const key = `${base} ${init.scope}`;
    const known = this.tokens.get(key);
    if (known) {
      const res = await send(await known.catch(() => undefined));
      if (res.status !== 401) return res;
      await res.arrayBuffer();
      const fresh = this.fetchToken(ref, method, res.headers.get("www-authenticate") ?? "", init.scope);
      this.tokens.set(key, fresh);
      return send(await fresh);
    }
    // The first request for a scope finds out whether it needs a token; the others wait for it.
    let settle!: (token: string | undefined) => void;
    let fail!: (error: unknown) => void;
    const probe = new Promise<string | undefined>((resolve, reject) => {
      settle = resolve;
      fail = reject;
    });
    probe.catch(() => undefined);
    this.tokens.set(key, probe);
    const res = await send();
    if (res.status !== 401) {
      settle(undefined);
      return res;
    }
    await res.arrayBuffer();
    try {
      const token = await this.fetchToken(ref, method, res.headers.get("www-authenticate") ?? "", init.scope);
      settle(token);
      return send(token);
    } catch (error) {
      this.tokens.delete(key);
      fail(error);
      throw error;
    }
  }

  private async fetchToken(ref: ImageRef, method: string, challenge: string, scope: string): Promise<string> {
    const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    if (!/^Bearer\s/i.test(challenge) || !params.realm)
      throw new OciError(`unauthorized: ${ref.base} answered 401 without a bearer challenge`);
    const tokenUrl = new URL(params.realm);
    if (params.service) tokenUrl.searchParams.set("service", params.service);
    tokenUrl.searchParams.set("scope", scope);
    const creds = this.login(ref.host);
    const tokenRes = await fetch(tokenUrl, {
      headers: creds
        ? { authorization: `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString("base64")}` }
        : {},
    });
    if (!tokenRes.ok)
      throw new OciError(
        `unauthorized: authentication required to ${method === "GET" || method === "HEAD" ? "pull from" : "push to"} ${ref.base} (log in first)`,
      );
    const body = (await tokenRes.json()) as { token?: string; access_token?: string };
    return body.token ?? body.access_token ?? "";
  }

  private static async fail(res: Response, what: string): Promise<never> {
    const text = await res.text();
    let detail = text.trim();
    try {
      const errors = (JSON.parse(text) as { errors?: { code: string; message: string }[] }).errors ?? [];
      if (errors.length) detail = errors.map((e) => `${e.code.toLowerCase()}: ${e.message}`).join("; ");
    } catch {
      // not a registry error body
    }
    throw new OciError(`${what}: unexpected status ${res.status}${detail ? ` (${detail})` : ""}`);
  }

  async hasBlob(ref: ImageRef, digest: string, scope = `repository:${ref.name}:pull`): Promise<boolean> {
    const res = await this.request(ref, "HEAD", `/v2/${ref.name}/blobs/${digest}`, { scope });
    await res.arrayBuffer();
    return res.status === 200;
  }

  async pushBlob(ref: ImageRef, bytes: Buffer): Promise<string> {
    const digest = sha256(bytes);
    const scope = `repository:${ref.name}:pull,push`;
    if (await this.hasBlob(ref, digest, scope)) return digest;
    const started = await this.request(ref, "POST", `/v2/${ref.name}/blobs/uploads/`, { scope });
    if (started.status !== 202) await OciClient.fail(started, `starting an upload to ${ref.base}`);
    await started.arrayBuffer();
    const location = new URL(started.headers.get("location") ?? "", await this.endpoint(ref.host));
    location.searchParams.set("digest", digest);
    const done = await this.request(ref, "PUT", location.toString(), {
      body: bytes,
      headers: { "content-type": "application/octet-stream" },
      scope,
    });
    if (done.status !== 201) await OciClient.fail(done, `uploading ${digest.slice(0, 19)} to ${ref.base}`);
    await done.arrayBuffer();
    return digest;
  }

  async getBlob(ref: ImageRef, digest: string): Promise<Buffer> {
    const res = await this.request(ref, "GET", `/v2/${ref.name}/blobs/${digest}`, {
      scope: `repository:${ref.name}:pull`,
    });
    if (res.status !== 200) await OciClient.fail(res, `reading ${ref.base}@${digest}`);
    return Buffer.from(await res.arrayBuffer());
  }

  /** PUT a manifest under a tag or its digest; returns its digest. */
  async putManifest(ref: ImageRef, reference: string, bytes: Buffer, mediaType: string): Promise<string> {
    const res = await this.request(ref, "PUT", `/v2/${ref.name}/manifests/${reference}`, {
      body: bytes,
      headers: { "content-type": mediaType },
      scope: `repository:${ref.name}:pull,push`,
    });
    if (res.status !== 201) await OciClient.fail(res, `pushing ${ref.base}:${reference}`);
    await res.arrayBuffer();
    this.onPush?.(ref, reference, bytes);
    return res.headers.get("docker-content-digest") ?? sha256(bytes);
  }

  /** A manifest by tag or digest; null when the registry does not know it. */
  async getManifest(ref: ImageRef, reference: string): Promise<Manifest | null> {
    const res = await this.request(ref, "GET", `/v2/${ref.name}/manifests/${reference}`, {
      headers: { accept: ACCEPT },
      scope: `repository:${ref.name}:pull`,
    });
    if (res.status === 404) {
      await res.arrayBuffer();
      return null;
    }
    if (res.status !== 200) await OciClient.fail(res, `reading ${ref.base}:${reference}`);
    const bytes = Buffer.from(await res.arrayBuffer());
    return { bytes, mediaType: (res.headers.get("content-type") ?? "").split(";")[0]!.trim(), digest: sha256(bytes) };
  }

  async listTags(ref: ImageRef): Promise<string[]> {
    const res = await this.request(ref, "GET", `/v2/${ref.name}/tags/list`, { scope: `repository:${ref.name}:pull` });
    if (res.status === 404) {
      await res.arrayBuffer();
      return [];
    }
    if (res.status !== 200) await OciClient.fail(res, `listing the tags of ${ref.base}`);
    return ((await res.json()) as { tags?: string[] | null }).tags ?? [];
  }

  /** Whether the registry serves the OCI 1.1 referrers API (distribution 2.8 does not: 404). */
  async hasReferrersApi(ref: ImageRef, digest: string): Promise<boolean> {
    const res = await this.request(ref, "GET", `/v2/${ref.name}/referrers/${digest}`, {
      headers: { accept: MEDIA.ociIndex },
      scope: `repository:${ref.name}:pull`,
    });
    await res.arrayBuffer();
    return res.status === 200;
  }

  /**
   * Attaches a manifest that names `subject` (OCI 1.1): through the referrers API where the
   * registry has one, else the tag schema the spec gives as fallback, an index at `sha256-<hex>`.
   */
  async attachReferrer(ref: ImageRef, subject: string, manifest: Buffer, descriptor: Descriptor): Promise<string> {
    const digest = await this.putManifest(ref, descriptor.digest, manifest, MEDIA.ociManifest);
    if (await this.hasReferrersApi(ref, subject)) return digest;
    const tag = subject.replace(":", "-");
    const existing = await this.getManifest(ref, tag);
    const index = existing ? (JSON.parse(existing.bytes.toString("utf8")) as { manifests?: Descriptor[] }) : {};
    const manifests = (index.manifests ?? []).filter((m) => m.digest !== descriptor.digest);
    manifests.push(descriptor);
    const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests }));
    await this.putManifest(ref, tag, bytes, MEDIA.ociIndex);
    return digest;
  }
}
