// Manifests and tags: GET/HEAD with content negotiation as distribution does it, PUT with its
// validation (syntax offsets, shapes, missing blobs), DELETE by digest, and the tag list.
import type { IncomingMessage, ServerResponse } from "node:http";
import { hostOrigin, type RegistryContext } from "./context.ts";
import { DIGEST } from "./routes.ts";
import { DOCKER_LIST, DOCKER_MANIFEST, OCI_INDEX, OCI_MANIFEST, putManifest, sha256 } from "./store.ts";
import {
  err,
  goJson,
  jsonSyntaxErrorOffset,
  mediaTypeOf,
  readBody,
  send,
  sendErrors,
  topLevelTypeError,
} from "./wire.ts";

export function getManifestRoute(
  c: RegistryContext,
  req: IncomingMessage,
  res: ServerResponse,
  name: string,
  ref: string,
  method: string,
): void {
  const repo = c.store.repos.get(name);
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
  if (c.knobs.malformed) body = body.subarray(0, Math.max(1, Math.floor(body.length / 2)));
  const served = c.knobs.malformed
    ? sha256(body)
    : c.knobs.badDigest
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

export async function putManifestRoute(
  c: RegistryContext,
  req: IncomingMessage,
  res: ServerResponse,
  name: string,
  ref: string,
): Promise<void> {
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
  const repo = c.store.repos.get(name);
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
  putManifest(c.store, name, body, kind, byDigest ? [] : [ref]);
  send(res, 201, {
    "Content-Length": "0",
    "Docker-Content-Digest": digest,
    Location: `${hostOrigin(c, req)}/v2/${name}/manifests/${digest}`,
  });
}

export function deleteManifestRoute(c: RegistryContext, res: ServerResponse, name: string, ref: string): void {
  // distribution 2.8 cannot delete by tag: it parses the reference as a digest and fails.
  if (!DIGEST.test(ref)) return sendErrors(res, 400, [err("DIGEST_INVALID")]);
  const repo = c.store.repos.get(name);
  if (!repo?.manifests.delete(ref)) return sendErrors(res, 404, [err("MANIFEST_UNKNOWN")]);
  for (const [tag, digest] of repo.tags) if (digest === ref) repo.tags.delete(tag);
  send(res, 202, { "Content-Length": "0" });
}

export function tagsRoute(c: RegistryContext, res: ServerResponse, name: string): void {
  const repo = c.store.repos.get(name);
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

/** A failure the knobs inject: the status, with the error code distribution would send for it. */
export function injectedFailure(res: ServerResponse, status: number): void {
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
