// Blobs and upload sessions: reads (redirected to another host where GHCR does), deletes, cross-repository
// mounts, and chunked uploads with distribution's `_state` checks.
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { hostOrigin, type RegistryContext } from "./context.ts";
import { DIGEST } from "./routes.ts";
import { putBlob, repoOf, sha256 } from "./store.ts";
import { err, readBody, send, sendErrors, sendText } from "./wire.ts";

export function blobRoute(
  c: RegistryContext,
  req: IncomingMessage,
  res: ServerResponse,
  name: string,
  digest: string,
  method: string,
): void {
  if (!DIGEST.test(digest)) return sendErrors(res, 400, [err("DIGEST_INVALID", {})]);
  const repo = c.store.repos.get(name);
  const linked = repo?.blobs.has(digest) ?? false;
  if (method === "DELETE") {
    if (!linked) return sendErrors(res, 404, [err("BLOB_UNKNOWN")]);
    repo!.blobs.delete(digest);
    return send(res, 202, { "Content-Length": "0" });
  }
  const blob = linked ? c.store.blobs.get(digest) : undefined;
  if (!blob) return sendErrors(res, 404, [err("BLOB_UNKNOWN", digest)]);
  const cache = { "Cache-Control": "max-age=31536000", "Docker-Content-Digest": digest, Etag: `"${digest}"` };
  const inm = req.headers["if-none-match"];
  if (inm !== undefined && [inm].flat().some((v) => v === digest || v === `"${digest}"`)) return send(res, 304, cache);
  if (c.flavor === "ghcr" && method === "GET") {
    // GHCR sends blob bodies from another host (a signed storage URL): 307 there.
    return send(res, 307, { Location: `${c.storageOrigin}/blobs/${digest}`, "Content-Length": "0" });
  }
  if (c.knobs.redirectBlobs && method === "GET") {
    return send(res, 307, { Location: `${hostOrigin(c, req)}/_storage/blobs/${digest}`, "Content-Length": "0" });
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
export function uploadLocation(
  c: RegistryContext,
  req: IncomingMessage,
  name: string,
  uuid: string,
  offset: number,
): string {
  const state = Buffer.from(JSON.stringify({ Name: name, UUID: uuid, Offset: offset })).toString("base64url");
  return `${hostOrigin(c, req)}/v2/${name}/blobs/uploads/${uuid}?_state=${state}`;
}

export function sizeOf(c: RegistryContext, uuid: string): number {
  return c.store.uploads.get(uuid)?.chunks.reduce((n, c) => n + c.length, 0) ?? 0;
}

export function sessionHeaders(
  c: RegistryContext,
  req: IncomingMessage,
  name: string,
  uuid: string,
): Record<string, string> {
  const size = sizeOf(c, uuid);
  return {
    Location: uploadLocation(c, req, name, uuid, size),
    Range: `0-${Math.max(0, size - 1)}`,
    "Docker-Upload-UUID": uuid,
  };
}

export async function startUpload(
  c: RegistryContext,
  req: IncomingMessage,
  res: ServerResponse,
  name: string,
  url: URL,
): Promise<void> {
  await readBody(req);
  const mount = url.searchParams.get("mount");
  const from = url.searchParams.get("from");
  if (mount && from && c.store.repos.get(from)?.blobs.has(mount)) {
    repoOf(c.store, name).blobs.add(mount);
    return send(res, 201, {
      "Content-Length": "0",
      "Docker-Content-Digest": mount,
      Location: `${hostOrigin(c, req)}/v2/${name}/blobs/${mount}`,
    });
  }
  const uuid = randomUUID();
  c.store.uploads.set(uuid, { name, chunks: [] });
  send(res, 202, { "Content-Length": "0", ...sessionHeaders(c, req, name, uuid) });
}

export async function uploadRoute(
  c: RegistryContext,
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
    state = JSON.parse(Buffer.from(url.searchParams.get("_state") ?? "", "base64url").toString("utf8")) as typeof state;
  } catch {
    state = undefined;
  }
  if (!state || state.Name !== name || state.UUID !== uuid)
    return sendErrors(res, 404, [err("BLOB_UPLOAD_INVALID", {})]);
  const session = c.store.uploads.get(uuid);
  if (!session || session.name !== name) return sendErrors(res, 404, [err("BLOB_UPLOAD_UNKNOWN", {})]);
  // A state whose offset is not the session's size is stale (e.g. reused after a failed PUT):
  // distribution refuses it and drops the session.
  if (state.Offset !== sizeOf(c, uuid)) {
    c.store.uploads.delete(uuid);
    return sendErrors(res, 404, [err("BLOB_UPLOAD_INVALID")]);
  }
  if (method === "GET" || method === "HEAD") return send(res, 204, sessionHeaders(c, req, name, uuid));
  if (method === "DELETE") {
    c.store.uploads.delete(uuid);
    return send(res, 204, { "Docker-Upload-UUID": uuid });
  }
  if (method === "PATCH") {
    const type = req.headers["content-type"];
    if (type && type !== "application/octet-stream") return sendErrors(res, 500, [err("UNKNOWN", {})]);
    session.chunks.push(body);
    return send(res, 202, { "Content-Length": "0", ...sessionHeaders(c, req, name, uuid) });
  }
  if (method !== "PUT") return sendText(res, 405, "Method not allowed", { Allow: "DELETE, GET, HEAD, PATCH, PUT" });
  const expected = url.searchParams.get("digest");
  if (!expected) return sendErrors(res, 400, [err("DIGEST_INVALID", "digest missing")]);
  session.chunks.push(body);
  const bytes = Buffer.concat(session.chunks);
  // On a mismatch the bytes stay written, so the caller's state goes stale (see above).
  if (sha256(bytes) !== expected)
    return sendErrors(res, 400, [err("DIGEST_INVALID", { Digest: expected, Reason: {} })]);
  c.store.uploads.delete(uuid);
  putBlob(c.store, name, bytes);
  send(res, 201, {
    "Content-Length": "0",
    "Docker-Content-Digest": expected,
    Location: `${hostOrigin(c, req)}/v2/${name}/blobs/${expected}`,
  });
}

/** A blob from the storage host a redirect names (any blob of the store, no auth, as a signed URL). */
export function storedBlob(c: RegistryContext, res: ServerResponse, digest: string): void {
  const blob = c.store.blobs.get(digest);
  if (!blob) return sendText(res, 404, "404 page not found");
  send(res, 200, { "Content-Type": "application/octet-stream" }, blob);
}
