// The kit's OCI registry client: just enough of the distribution API to answer "which digest does
// this tag name, and which platforms does it hold" for GHCR or any registry, with the bearer-token
// challenge, all four manifest media types and every digest checked.
//
// The pieces, each in registry/: names (image references, hosts, RELEASE_REGISTRY_URL), transport
// (one HTTP exchange), auth (the 401 challenge), session (requests under a repository, with what a
// client remembers), manifests and tags.
import { fetchManifest, head, manifestInfo } from "./registry/manifests.ts";
import { openSession } from "./registry/session.ts";
import { listTags } from "./registry/tags.ts";
import { type RegistryClient, type RegistryClientOptions, RegistryError } from "./registry/types.ts";

export { parseChallenge } from "./registry/auth.ts";
export { formatPlatform, MANIFEST_ACCEPT } from "./registry/manifests.ts";
export { canonicalHost, endpointFor, parseImageRef, parseRegistryMap } from "./registry/names.ts";
export * from "./registry/types.ts";

export function createRegistryClient(opts: RegistryClientOptions = {}): RegistryClient {
  const s = openSession(opts);
  return {
    fetchManifest: (ref, reference) => fetchManifest(s, ref, reference),
    head: (ref, tag) => head(s, ref, tag),
    listTags: (ref) => listTags(s, ref),

    async resolve(ref, tag) {
      const m = await fetchManifest(s, ref, tag);
      return m ? manifestInfo(s, ref, m) : null;
    },

    async platformsOf(ref, digest) {
      const m = await fetchManifest(s, ref, digest);
      if (!m)
        throw new RegistryError(`manifest ${ref}@${digest} is not in the registry`, {
          status: 404,
          code: "MANIFEST_UNKNOWN",
        });
      return (await manifestInfo(s, ref, m)).platforms;
    },
  };
}
