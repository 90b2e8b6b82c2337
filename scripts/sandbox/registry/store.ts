// The registry's store: blobs are global and content-addressed, but a repository sees only the blobs
// linked to it (distribution's `_layers` links), and manifests live apart from blobs (a manifest
// digest is not fetchable under /blobs/). Tests and the workflow simulator write it directly too.
import { createHash } from "node:crypto";

export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
export const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
export const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
export const DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";

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

export function repoOf(store: RegistryStore, name: string): RegistryRepo {
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
