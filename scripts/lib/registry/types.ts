// What the registry client promises its callers, and the one error it throws.
import type { FetchLike } from "./transport.ts";

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
  /** Replaces the kit's HTTP client (tests record or break requests through it). */
  fetch?: FetchLike;
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
