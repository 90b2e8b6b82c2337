// The registry's 401 challenge: Basic credentials, or a bearer token from its token service.
// Credentials go only to a token service on the host that challenged: a realm elsewhere is asked
// anonymously, so a registry can never make the kit hand a GitHub token to a third party.
import { type Answer, errorOf, exchange, type Transport } from "./transport.ts";
import { type RegistryCredential, RegistryError } from "./types.ts";

/** { scheme, params } of a WWW-Authenticate header such as Bearer realm="…",service="…",scope="…". */
export function parseChallenge(header: string): { scheme: string; params: Record<string, string> } {
  const scheme = /^\s*(\S+)/.exec(header)?.[1]?.toLowerCase() ?? "";
  const params: Record<string, string> = {};
  const re = /([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g;
  for (const m of header.slice(header.indexOf(scheme) + scheme.length).matchAll(re)) {
    params[m[1]!.toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : m[3]!;
  }
  return { scheme, params };
}

/** What to do when a registry host wants a credential the kit was not given. */
export function tokenAdvice(host: string): string {
  return host === "ghcr.io"
    ? "set GH_TOKEN or GITHUB_TOKEN to a token with read:packages (a classic PAT; fine-grained tokens cannot read GHCR)"
    : `give a credential for ${host} in RELEASE_REGISTRY_TOKEN (the GitHub token is only ever sent to ghcr.io)`;
}

const basicOf = (c: RegistryCredential | null): string | null =>
  c ? `Basic ${Buffer.from(`${c.username}:${c.token}`).toString("base64")}` : null;

export interface Challenge {
  /** The WWW-Authenticate header of the 401. */
  header: string | null;
  /** The registry host asked about, and the URL that answered 401 (after redirects). */
  host: string;
  from: string;
  /** The authorization the registry just refused, if any: a cached token that equals it has expired. */
  stale?: string;
}

/**
 * The Authorization header that answers `challenge`. `tokens` caches bearer tokens by realm,
 * service and scope for the client's lifetime.
 */
export async function authorize(
  transport: Transport,
  credential: RegistryCredential | null,
  tokens: Map<string, string>,
  challenge: Challenge,
  what: string,
): Promise<string> {
  const { host, from } = challenge;
  const { scheme, params } = parseChallenge(challenge.header ?? "");
  if (scheme === "basic" && credential) return basicOf(credential)!;
  if (scheme !== "bearer" || !params.realm) {
    throw new RegistryError(
      `${what}: the registry wants credentials (401) ${credential ? "in a form this client does not speak" : "and none were given"}; ${tokenAdvice(host)}`,
      { status: 401, code: "UNAUTHORIZED" },
    );
  }
  let realm: URL;
  try {
    realm = new URL(params.realm, from);
  } catch {
    throw new RegistryError(`${what}: the registry named a token service that is not a URL (${params.realm})`, {
      status: 401,
      code: "UNAUTHORIZED",
    });
  }
  const basic = realm.host === new URL(from).host ? basicOf(credential) : null;
  const key = `${params.realm} ${params.service ?? ""} ${params.scope ?? ""}`;
  const cached = tokens.get(key);
  if (cached && cached !== challenge.stale) return cached;
  if (params.service) realm.searchParams.set("service", params.service);
  for (const scope of (params.scope ?? "").split(" ").filter(Boolean)) realm.searchParams.append("scope", scope);
  // Anonymous means no Authorization header at all: GHCR answers an empty Basic one with 403.
  const answer = await exchange(
    transport,
    realm.href,
    "GET",
    { accept: "application/json", ...(basic ? { authorization: basic } : {}) },
    what,
  );
  if (answer.status !== 200) throw refused(answer, what, host, basic !== null);
  const token = tokenIn(answer);
  if (!token) {
    throw new RegistryError(`${what}: the registry's token service at ${realm.origin} answered without a token`, {
      status: answer.status,
      code: "UNAUTHORIZED",
    });
  }
  tokens.set(key, `Bearer ${token}`);
  return `Bearer ${token}`;
}

function refused(answer: Answer, what: string, host: string, withCredential: boolean): RegistryError {
  const e = errorOf(answer.body);
  const said = `${answer.status}${e.code ? ` ${e.code}` : ""}`;
  return new RegistryError(
    withCredential
      ? `${what}: the registry's token service refused the credentials (${said}); ${host === "ghcr.io" ? "the token must be a classic PAT with read:packages or a GITHUB_TOKEN with packages: read" : "check the registry credential"}`
      : `${what}: the registry refused an anonymous token (${said}): the package is private, so a token that may read it is needed; ${tokenAdvice(host)}`,
    { status: answer.status, code: withCredential ? (e.code ?? "UNAUTHORIZED") : "PRIVATE" },
  );
}

function tokenIn(answer: Answer): string | null {
  try {
    const doc = JSON.parse(answer.body.toString("utf8")) as { token?: unknown; access_token?: unknown };
    const token = doc.token ?? doc.access_token;
    return typeof token === "string" && token ? token : null;
  } catch {
    return null;
  }
}
