// What every registry handler is given: the store, the live knobs, which registry it answers as, its
// token service, and the addresses it listens on (known once it listens).
import type { IncomingMessage } from "node:http";
import type { RegistryStore } from "./store.ts";

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

export type Flavor = "distribution" | "ghcr" | "dockerhub";

export interface RegistryContext {
  store: RegistryStore;
  knobs: RegistryKnobs;
  flavor: Flavor;
  /** "anonymous": /token hands a token to anyone; "token": /token wants Basic auth with `token`. */
  auth: "anonymous" | "token";
  token: string | undefined;
  /** The `service` its bearer challenges name. */
  service: string;
  /** bearer token → "repository:<name>:<action>" grants */
  grants: Map<string, Set<string>>;
  /** The registry's own http://host:port. */
  origin: string;
  /** The token service's URL, as the challenges name it. */
  realm: string;
  /** The hosted flavors' second host (blob storage, and Docker Hub's token service). */
  storageOrigin: string;
}

export function hostOrigin(c: RegistryContext, req: IncomingMessage): string {
  return req.headers.host ? `http://${req.headers.host}` : c.origin;
}

export const isPrivate = (c: RegistryContext, name: string) => (c.knobs.private ?? []).includes(name);

/** A package GHCR has: something was pushed to it and it still has a manifest. */
export const exists = (c: RegistryContext, name: string) => (c.store.repos.get(name)?.manifests.size ?? 0) > 0;
