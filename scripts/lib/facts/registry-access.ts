// The registry as verify and recover see it: anonymous first (public images need no token, and
// fine-grained tokens are refused by GHCR's token endpoint), then with a credential where one may go.
// The GitHub token is a GitHub credential: it goes to GHCR only, or to the endpoint that stands in
// for ghcr.io when the person running the kit set that mapping in the environment. A mapping from a
// committed file (mise.toml) is the repository's say, and a repository must not be able to send the
// maintainer's token to a server of its choosing. Any other registry gets RELEASE_REGISTRY_TOKEN
// ("host=user:token"), for its own host only. The client adds the last rule: credentials go only to
// a token service on the host that asked for them.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseToml } from "smol-toml";
import { addSecret } from "../redact.ts";
import {
  canonicalHost,
  createRegistryClient,
  type ManifestInfo,
  parseImageRef,
  parseRegistryMap,
  type RegistryCredential,
  RegistryError,
} from "../registry.ts";

export interface RegistryAccess {
  resolve(ref: string, tag: string): Promise<ManifestInfo | null>;
  fetchManifest(ref: string, reference: string): Promise<{ digest: string; mediaType: string; body: any } | null>;
  endpoint: string | null;
  /** Registry hosts the GitHub token may be sent to (for reports and tests). */
  tokenHosts?: string[];
}

/** What registryAccess needs of the configuration; a bare RELEASE_REGISTRY_URL value also works. */
export interface RegistrySettings {
  registryUrl: string | null;
  /** config.sources: where RELEASE_REGISTRY_URL came from ("environment variable ..." or a file). */
  sources?: Record<string, string>;
  /** The repository's root, to tell a committed mise.toml value that mise exported into the environment. */
  root?: string;
}

function committedValue(root: string | undefined): string | null {
  if (!root) return null;
  for (const file of ["mise.toml", ".mise.toml"]) {
    const path = join(root, file);
    if (!existsSync(path)) continue;
    try {
      const env = (parseToml(readFileSync(path, "utf8")) as { env?: Record<string, unknown> }).env;
      const v = env?.RELEASE_REGISTRY_URL;
      return typeof v === "string" ? v : null;
    } catch {
      return null;
    }
  }
  return null;
}

/** Whether the RELEASE_REGISTRY_URL in force was set by the person running the kit. */
function fromEnvironment(settings: RegistrySettings, env: NodeJS.ProcessEnv): boolean {
  const value = settings.registryUrl;
  if (!value) return false;
  const source = settings.sources?.RELEASE_REGISTRY_URL;
  const envSet = source ? source.startsWith("environment") : env.RELEASE_REGISTRY_URL === value;
  return envSet && committedValue(settings.root) !== value;
}

/** RELEASE_REGISTRY_TOKEN: "host=user:token" pairs, comma-separated. */
function registryCredentials(env: NodeJS.ProcessEnv): Map<string, RegistryCredential> {
  const out = new Map<string, RegistryCredential>();
  for (const part of (env.RELEASE_REGISTRY_TOKEN ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^([^=]+)=([^:]+):(.+)$/.exec(part);
    if (!m) continue;
    addSecret(m[3]!);
    out.set(canonicalHost(m[1]!.trim()), { username: m[2]!, token: m[3]! });
  }
  return out;
}

export function registryAccess(
  settings: RegistrySettings | string | null,
  token: string | null,
  env: NodeJS.ProcessEnv = process.env,
): RegistryAccess {
  const s: RegistrySettings = typeof settings === "object" && settings !== null ? settings : { registryUrl: settings };
  const parsed = s.registryUrl ? parseRegistryMap(s.registryUrl) : { endpoint: null, endpoints: {} };
  const map = "problem" in parsed ? { endpoint: null, endpoints: {} } : parsed;
  const mapped = map.endpoint !== null || "ghcr.io" in map.endpoints;
  // ghcr.io itself, or its stand-in when the mapping is the user's own.
  const tokenHosts = token && (!mapped || fromEnvironment(s, env)) ? ["ghcr.io"] : [];
  const others = registryCredentials(env);
  const credentialFor = (host: string): RegistryCredential | null => {
    const h = canonicalHost(host);
    if (others.has(h)) return others.get(h)!;
    return token && tokenHosts.includes(h) ? { username: "x-access-token", token } : null;
  };
  const base = { endpoint: map.endpoint ?? undefined, endpoints: map.endpoints };
  const anonymous = createRegistryClient({ ...base, credentialFor: () => null });
  const withCredential = createRegistryClient({ ...base, credentialFor });
  const attempt = async <T>(ref: string, call: (c: typeof anonymous) => Promise<T>): Promise<T> => {
    try {
      return await call(anonymous);
    } catch (error) {
      const status = (error as RegistryError).status;
      let host: string | null = null;
      try {
        host = parseImageRef(ref).host;
      } catch {
        host = null;
      }
      if (host && credentialFor(host) && error instanceof RegistryError && (status === 401 || status === 403))
        return call(withCredential);
      throw error;
    }
  };
  return {
    endpoint: s.registryUrl,
    tokenHosts,
    resolve: (ref, tag) => attempt(ref, (c) => c.resolve(ref, tag)),
    fetchManifest: (ref, reference) => attempt(ref, (c) => c.fetchManifest(ref, reference)),
  };
}
