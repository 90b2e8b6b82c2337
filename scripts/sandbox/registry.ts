// The sandbox's OCI registry: an in-memory distribution API on 127.0.0.1 that answers as Debian's
// docker-registry (distribution 2.8.2) does, byte for byte where the kit or a pusher can see it.
// Every quirk mirrored below was observed on that binary (test/registry-conformance.test.ts runs
// both); the bearer-token layer in front of it mirrors the same binary configured with `auth: token`.
// Standing in for a hosted registry (`flavor`), it answers as that one does where it differs from
// distribution: GHCR (DENIED for a package it does not have, 401 for an anonymous token to a private
// one, blobs redirected to another host) and Docker Hub (a token service on another host, 401 for a
// repository it does not have). startRegistries() serves several registry hosts at once.
//
// The parts, in registry/: store.ts and publish.ts (the content), wire.ts (distribution's bytes),
// routes.ts (its URL grammar), context.ts (what handlers share), auth.ts, manifests.ts, blobs.ts.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { authorized, hostedAnswer, token } from "./registry/auth.ts";
import { blobRoute, startUpload, storedBlob, uploadRoute } from "./registry/blobs.ts";
import type { Flavor, RegistryContext, RegistryKnobs } from "./registry/context.ts";
import {
  deleteManifestRoute,
  getManifestRoute,
  injectedFailure,
  putManifestRoute,
  tagsRoute,
} from "./registry/manifests.ts";
import { actionsFor, ROUTES } from "./registry/routes.ts";
import { createRegistryStore, type RegistryStore } from "./registry/store.ts";
import { err, send, sendErrors, sendText } from "./registry/wire.ts";

export type { RegistryKnobs } from "./registry/context.ts";
export { type PublishOptions, publishArtifact, publishIndex } from "./registry/publish.ts";
export {
  createRegistryStore,
  DOCKER_LIST,
  DOCKER_MANIFEST,
  deleteTag,
  OCI_INDEX,
  OCI_MANIFEST,
  putBlob,
  putManifest,
  type RegistryRepo,
  type RegistryStore,
  type StoredManifest,
  sha256,
} from "./registry/store.ts";
export { jsonSyntaxErrorOffset } from "./registry/wire.ts";

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
  flavor?: Flavor;
  /** Loopback address to listen on (default 127.0.0.1). */
  address?: string;
  /** Challenges name this token service instead of its own (a realm on another host). Tokens it
   *  issues are honoured when it shares `grants`. */
  realm?: string;
  grants?: Map<string, Set<string>>;
}

/** The distribution API proper; `matched` learns the route template before anything is sent. */
async function answer(
  c: RegistryContext,
  req: IncomingMessage,
  res: ServerResponse,
  matched: (route: string) => void,
): Promise<void> {
  const url = new URL(req.url ?? "/", c.origin);
  const method = req.method ?? "GET";
  if (url.pathname === "/token") {
    matched("/token");
    return token(c, req, res, url);
  }
  if (url.pathname.startsWith("/_storage/blobs/")) {
    matched("/_storage/blobs/{digest}");
    return storedBlob(c, res, url.pathname.slice("/_storage/blobs/".length));
  }
  const found = ROUTES.map((r) => ({ r, m: r.re.exec(url.pathname) })).find((x) => x.m);
  if (!found) return sendText(res, 404, "404 page not found");
  const route = found.r.id;
  matched(route);
  const [, name = "", ref = ""] = found.m!;
  if (found.r.methods.length > 0 && !found.r.methods.includes(method))
    return sendText(res, 405, "Method not allowed", { Allow: found.r.methods.join(", ") });
  if (!authorized(c, req, res, name, actionsFor(route, method))) return;
  if (hostedAnswer(c, res, name, method, route)) return;
  return answerRoute(c, req, res, { route, name, ref, url, method });
}

interface Matched {
  route: string;
  name: string;
  /** The reference, digest or upload id the route names. */
  ref: string;
  url: URL;
  method: string;
}

async function answerRoute(c: RegistryContext, req: IncomingMessage, res: ServerResponse, m: Matched) {
  const { route, name, ref, url, method } = m;
  if (route === "/v2/") return send(res, 200, { "Content-Type": "application/json; charset=utf-8" }, Buffer.from("{}"));
  if (route === "/v2/{name}/manifests/{reference}") {
    const { knobs } = c;
    if (knobs.failStatus && (knobs.failCount === undefined || knobs.failCount > 0)) {
      if (knobs.failCount !== undefined) knobs.failCount--;
      return injectedFailure(res, knobs.failStatus);
    }
    if (method === "PUT") return putManifestRoute(c, req, res, name, ref);
    if (method === "DELETE") return deleteManifestRoute(c, res, name, ref);
    return getManifestRoute(c, req, res, name, ref, method);
  }
  if (route === "/v2/{name}/tags/list") return tagsRoute(c, res, name);
  if (route === "/v2/{name}/blobs/{digest}") return blobRoute(c, req, res, name, ref, method);
  if (route === "/v2/{name}/blobs/uploads/") {
    if (method !== "POST") return sendErrors(res, 404, [err("BLOB_UPLOAD_UNKNOWN")]);
    return startUpload(c, req, res, name, url);
  }
  return uploadRoute(c, req, res, name, ref, url, method);
}

function registryServer(
  c: RegistryContext,
  requests: Map<string, number>,
  seen: (at: string, req: IncomingMessage) => void,
) {
  return createServer((req, res) => {
    seen("registry", req);
    let route = "unmatched";
    res.on("finish", () => {
      const key = `${req.method} ${route} ${res.statusCode}`;
      requests.set(key, (requests.get(key) ?? 0) + 1);
    });
    const run = async () => {
      if (c.knobs.latencyMs) await new Promise((r) => setTimeout(r, c.knobs.latencyMs));
      await answer(c, req, res, (id) => {
        route = id;
      });
    };
    run().catch((e: unknown) => {
      if (!res.headersSent) sendErrors(res, 500, [err("UNKNOWN", { error: String(e) })]);
      else res.destroy();
    });
  });
}

// GHCR and Docker Hub keep blobs and tokens on hosts of their own: one listener each, on this address.
function sideServer(c: RegistryContext, seen: (at: string, req: IncomingMessage) => void) {
  return createServer((req, res) => {
    seen(req.url?.startsWith("/token") ? "token" : "storage", req);
    const url = new URL(req.url ?? "/", c.storageOrigin);
    if (url.pathname === "/token") return token(c, req, res, url);
    if (!url.pathname.startsWith("/blobs/")) return sendText(res, 404, "404 page not found");
    storedBlob(c, res, url.pathname.slice("/blobs/".length));
  });
}

const listen = (srv: Server, address: string) =>
  new Promise<string>((resolve, reject) => {
    srv.once("error", reject);
    srv.listen(0, address, () => resolve(`http://${address}:${(srv.address() as AddressInfo).port}`));
  });

const close = (srv: Server) =>
  new Promise<void>((resolve) => {
    srv.closeAllConnections();
    srv.close(() => resolve());
  });

export async function startRegistry(opts: RegistryOptions = {}): Promise<SandboxRegistry> {
  const flavor = opts.flavor ?? "distribution";
  const c: RegistryContext = {
    store: opts.store ?? createRegistryStore(),
    knobs: opts.knobs ?? {},
    flavor,
    auth: opts.auth ?? "anonymous",
    token: opts.token,
    // GHCR names itself; Docker Hub's token service serves "registry.docker.io".
    service: flavor === "ghcr" ? "ghcr.io" : flavor === "dockerhub" ? "registry.docker.io" : "sandbox-registry",
    grants: opts.grants ?? new Map<string, Set<string>>(),
    origin: "",
    realm: "",
    storageOrigin: "",
  };
  const requests = new Map<string, number>();
  const authorizations: SandboxRegistry["authorizations"] = [];
  const seen = (at: string, req: IncomingMessage) => {
    if (req.headers.authorization) authorizations.push({ at, path: req.url ?? "", header: req.headers.authorization });
  };
  const address = opts.address ?? "127.0.0.1";
  const server = registryServer(c, requests, seen);
  const side = sideServer(c, seen);
  c.origin = await listen(server, address);
  const hosted = flavor !== "distribution";
  if (hosted) c.storageOrigin = await listen(side, address);
  // Docker Hub's token service is auth.docker.io, not the registry's host; GHCR's is ghcr.io/token.
  c.realm = opts.realm ?? (flavor === "dockerhub" ? `${c.storageOrigin}/token` : `${c.origin}/token`);
  return {
    url: c.origin,
    store: c.store,
    requests,
    knobs: c.knobs,
    service: c.service,
    realm: c.realm,
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
