// Image references, registry hosts and the URLs that answer for them: pure functions, no network.
import { type RegistryClientOptions, RegistryError } from "./types.ts";

export const TAG = /^[\w][\w.-]{0,127}$/;
export const DIGEST = /^(sha256|sha384|sha512):[a-f0-9]{64,128}$/;
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

// Docker Hub answers under several names; its API lives at registry-1.docker.io.
const DOCKER_HUB = new Set(["docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"]);
const DOCKER_HUB_API = "https://registry-1.docker.io";

/** The name a registry host is known by: Docker Hub's aliases are all "docker.io". */
export function canonicalHost(host: string): string {
  const h = host.toLowerCase();
  return DOCKER_HUB.has(h) ? "docker.io" : h;
}

/**
 * "ghcr.io/acme/gateway" → { host: "ghcr.io", name: "acme/gateway" }. As docker does, a reference
 * whose first part is no host is Docker Hub's ("user/app" → docker.io/user/app, "nginx" →
 * docker.io/library/nginx), and Docker Hub's aliases are one host.
 */
export function parseImageRef(ref: string): { host: string; name: string } {
  const slash = ref.indexOf("/");
  const first = slash > 0 ? ref.slice(0, slash) : "";
  const named = first.includes(".") || first.includes(":") || first === "localhost";
  const host = named ? canonicalHost(first) : "docker.io";
  let name = named ? ref.slice(slash + 1) : ref;
  if (named && !/^[A-Za-z0-9.-]+(?::\d+)?$/.test(first)) {
    throw new RegistryError(
      `image reference "${ref}" names no valid registry host: write it in full, e.g. ghcr.io/owner/name`,
      { code: "NAME_INVALID" },
    );
  }
  if (host === "docker.io" && name && !name.includes("/") && !/[@:]/.test(name)) name = `library/${name}`;
  if (/[@:]/.test(name)) {
    throw new RegistryError(
      `image reference "${ref}" carries a tag or digest: name the image alone (${host}/${name.split(/[@:]/)[0]})`,
      { code: "NAME_INVALID" },
    );
  }
  const parts = name.split("/");
  if (!parts.every((p) => COMPONENT.test(p))) {
    const lower = parts.every((p) => COMPONENT.test(p.toLowerCase()));
    throw new RegistryError(
      lower
        ? `image reference "${ref}" has capitals: registries take lowercase names only (GHCR lowercases owner and image), use ${host}/${name.toLowerCase()}`
        : `image reference "${ref}" is not a valid repository name: components are lowercase letters and digits joined by ".", "_", "__" or "-"`,
      { code: "NAME_INVALID" },
    );
  }
  return { host: host.toLowerCase(), name };
}

/** The base URL answering for a registry host: its mapping, the bare endpoint, else the host itself. */
export function endpointFor(host: string, opts: Pick<RegistryClientOptions, "endpoint" | "endpoints">): string {
  const h = canonicalHost(host);
  const mapped = Object.entries(opts.endpoints ?? {}).find(([k]) => canonicalHost(k) === h)?.[1];
  return mapped ?? opts.endpoint ?? (h === "docker.io" ? DOCKER_HUB_API : `https://${h}`);
}

/**
 * RELEASE_REGISTRY_URL: a bare URL answers for the images' registry (every host); "host=URL,..."
 * maps each registry host to the URL answering for it.
 */
export function parseRegistryMap(
  value: string,
): { endpoint: string | null; endpoints: Record<string, string> } | { problem: string } {
  const parts = value
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
  const url = (text: string): boolean => {
    try {
      const u = new URL(text);
      return u.protocol === "http:" || u.protocol === "https:";
    } catch {
      return false;
    }
  };
  if (parts.length === 1 && !/^[^=/]+=/.test(parts[0]!)) {
    return url(parts[0]!)
      ? { endpoint: parts[0]!, endpoints: {} }
      : {
          problem:
            "an http(s) URL, such as https://ghcr.io, or host=URL pairs, such as ghcr.io=http://127.0.0.1:5000,docker.io=http://127.0.0.1:5001",
        };
  }
  const endpoints: Record<string, string> = {};
  for (const part of parts) {
    const m = /^([A-Za-z0-9.-]+(?::\d+)?)=(.+)$/.exec(part);
    if (!m || !url(m[2]!))
      return { problem: `host=URL pairs separated by commas, such as ghcr.io=http://127.0.0.1:5000 (not "${part}")` };
    endpoints[canonicalHost(m[1]!)] = m[2]!;
  }
  return { endpoint: null, endpoints };
}
