// The registry as verify sees it: anonymous first (public GHCR images need no token, and
// fine-grained tokens are refused by GHCR's token endpoint), then with the GitHub token.
import { createRegistryClient, RegistryError, type ManifestInfo } from "../registry.ts";

export interface RegistryAccess {
  resolve(ref: string, tag: string): Promise<ManifestInfo | null>;
  fetchManifest(ref: string, reference: string): Promise<{ digest: string; mediaType: string; body: any } | null>;
  endpoint: string | null;
}

export function registryAccess(endpoint: string | null, token: string | null): RegistryAccess {
  const anonymous = createRegistryClient({ endpoint: endpoint ?? undefined });
  const withToken = token ? createRegistryClient({ endpoint: endpoint ?? undefined, token, username: "x-access-token" }) : null;
  const attempt = async <T>(call: (c: typeof anonymous) => Promise<T>): Promise<T> => {
    try {
      return await call(anonymous);
    } catch (error) {
      const status = (error as RegistryError).status;
      if (withToken && error instanceof RegistryError && (status === 401 || status === 403)) return call(withToken);
      throw error;
    }
  };
  return {
    endpoint,
    resolve: (ref, tag) => attempt((c) => c.resolve(ref, tag)),
    fetchManifest: (ref, reference) => attempt((c) => c.fetchManifest(ref, reference)),
  };
}
