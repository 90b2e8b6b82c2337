// Manifests: fetched by tag or digest with every digest checked, and read for the platforms they
// hold (all four manifest media types, nested indexes, attestation entries, config blobs).
import { createHash } from "node:crypto";
import { DIGEST, parseImageRef, TAG } from "./names.ts";
import { call, failure, type Session } from "./session.ts";
import { type Answer, errorOf } from "./transport.ts";
import { type FetchedManifest, type ManifestInfo, RegistryError } from "./types.ts";

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
const MAX_INDEX_DEPTH = 4;

// distribution 2.8 answers 404 for an OCI manifest or index unless Accept names its type.
export const MANIFEST_ACCEPT = [...INDEX_TYPES, ...IMAGE_TYPES, "application/vnd.oci.artifact.manifest.v1+json"].join(
  ", ",
);

export function formatPlatform(p: { os?: unknown; architecture?: unknown; variant?: unknown }): string | null {
  if (typeof p.os !== "string" || typeof p.architecture !== "string" || !p.os || !p.architecture) return null;
  return [p.os, p.architecture, typeof p.variant === "string" && p.variant ? p.variant : null]
    .filter(Boolean)
    .join("/");
}

function checkReference(ref: string, reference: string): void {
  if (!TAG.test(reference) && !DIGEST.test(reference))
    throw new RegistryError(`"${reference}" is neither a tag nor a digest (for ${ref})`, { code: "TAG_INVALID" });
}

/** The digest of what the registry sent, checked against the one it claims and the one asked for. */
function checkDigest(answer: Answer, expected: string | null, what: string): string {
  const header = answer.headers.get("docker-content-digest");
  const algorithm = (header ?? expected ?? "sha256:").split(":")[0]!;
  if (!["sha256", "sha384", "sha512"].includes(algorithm)) {
    throw new RegistryError(`${what}: unsupported digest algorithm "${algorithm}"`, { code: "DIGEST_INVALID" });
  }
  const actual = `${algorithm}:${createHash(algorithm).update(answer.body).digest("hex")}`;
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

export async function fetchManifest(s: Session, ref: string, reference: string): Promise<FetchedManifest | null> {
  const repo = parseImageRef(ref);
  checkReference(ref, reference);
  const byDigest = DIGEST.test(reference);
  const what = `manifest ${ref}${byDigest ? "@" : ":"}${reference}`;
  const answer = await call(s, repo, `manifests/${reference}`, "GET", MANIFEST_ACCEPT, what);
  if (answer.status === 404) {
    const { code } = errorOf(answer.body);
    if (code === "MANIFEST_UNKNOWN" || code === "NAME_UNKNOWN") return null;
    throw new RegistryError(
      `${what}: the registry answered 404 without a registry error (${answer.url}); is RELEASE_REGISTRY_URL a registry?`,
      { status: 404 },
    );
  }
  if (answer.status !== 200) throw failure(s, answer, what, repo.host);
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
  const contentType = contentTypeOf(answer);
  const mediaType =
    contentType && contentType !== "application/json"
      ? contentType
      : typeof declared === "string"
        ? declared
        : contentType;
  return { digest, mediaType, body };
}

const contentTypeOf = (answer: Answer): string => answer.headers.get("content-type")?.split(";")[0]?.trim() ?? "";

/** The digest and media type a tag names, from a HEAD request when the registry says the digest there. */
export async function head(
  s: Session,
  ref: string,
  tag: string,
): Promise<{ digest: string; mediaType: string } | null> {
  const repo = parseImageRef(ref);
  checkReference(ref, tag);
  const what = `manifest ${ref}:${tag}`;
  const answer = await call(s, repo, `manifests/${tag}`, "HEAD", MANIFEST_ACCEPT, what);
  // A HEAD answer has no body to name the error: any 404 means "not there".
  if (answer.status === 404) return null;
  if (answer.status !== 200) throw failure(s, answer, what, repo.host);
  const digest = answer.headers.get("docker-content-digest");
  if (digest && DIGEST.test(digest)) return { digest, mediaType: contentTypeOf(answer) };
  // Some registries leave the digest out of HEAD answers: read the manifest instead.
  const m = await fetchManifest(s, ref, tag);
  return m ? { digest: m.digest, mediaType: m.mediaType } : null;
}

async function configPlatform(s: Session, ref: string, manifest: any, what: string): Promise<string[]> {
  const config = manifest?.config as { mediaType?: unknown; digest?: unknown } | undefined;
  if (!config || typeof config.digest !== "string" || !IMAGE_CONFIG_TYPES.includes(String(config.mediaType))) return [];
  const repo = parseImageRef(ref);
  const blobWhat = `config blob ${ref}@${config.digest} (of ${what})`;
  if (!DIGEST.test(config.digest))
    throw new RegistryError(`${blobWhat}: not a valid digest`, { code: "DIGEST_INVALID" });
  const answer = await call(s, repo, `blobs/${config.digest}`, "GET", null, blobWhat);
  if (answer.status === 404)
    throw new RegistryError(`${blobWhat}: missing from the registry; the image is incomplete, re-push it`, {
      status: 404,
      code: errorOf(answer.body).code ?? "BLOB_UNKNOWN",
    });
  if (answer.status !== 200) throw failure(s, answer, blobWhat, repo.host);
  checkDigest(answer, config.digest, blobWhat);
  try {
    const platform = formatPlatform(JSON.parse(answer.body.toString("utf8")) as Record<string, unknown>);
    return platform ? [platform] : [];
  } catch (error) {
    throw new RegistryError(`${blobWhat}: not valid JSON`, { code: "BLOB_INVALID", cause: error });
  }
}

const isIndex = (m: FetchedManifest): boolean =>
  INDEX_TYPES.includes(m.mediaType) || (Array.isArray(m.body.manifests) && !m.body.config);

/** Platforms and attestation subjects of a manifest, following nested indexes. */
async function describe(
  s: Session,
  ref: string,
  m: FetchedManifest,
  depth: number,
  out: { platforms: string[]; attestationFor: string[] },
): Promise<void> {
  const what = `manifest ${ref}@${m.digest}`;
  if (!isIndex(m)) {
    if (IMAGE_TYPES.includes(m.mediaType)) out.platforms.push(...(await configPlatform(s, ref, m.body, what)));
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
    const child = await fetchManifest(s, ref, entry.digest);
    if (!child)
      throw new RegistryError(
        `${what}: its entry ${entry.digest} is missing from the registry; the image is incomplete, re-push it`,
        { status: 404, code: "MANIFEST_UNKNOWN" },
      );
    await describe(s, ref, child, depth + 1, out);
  }
}

/** What a fetched manifest holds: its platforms, and the images its attestations are for. */
export async function manifestInfo(s: Session, ref: string, m: FetchedManifest): Promise<ManifestInfo> {
  const out = { platforms: [] as string[], attestationFor: [] as string[] };
  await describe(s, ref, m, 0, out);
  return {
    digest: m.digest,
    mediaType: m.mediaType,
    platforms: [...new Set(out.platforms)],
    isIndex: isIndex(m),
    raw: m.body,
    attestationFor: [...new Set(out.attestationFor)],
  };
}
