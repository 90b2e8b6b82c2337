// Requests under one repository's /v2/<name>/, as one client makes them: the 401 challenge
// answered once, the authorization each repository needed remembered, and failures explained.

import { httpFetch } from "../http-fetch.ts";
import { authorize, tokenAdvice } from "./auth.ts";
import { endpointFor } from "./names.ts";
import { type Answer, errorOf, exchange, type Transport } from "./transport.ts";
import { type RegistryClientOptions, type RegistryCredential, RegistryError } from "./types.ts";

/** What one client keeps between requests. */
export interface Session {
  transport: Transport;
  /** The base URL answering for a registry host, without a trailing slash. */
  baseOf(host: string): string;
  credentialOf(host: string): RegistryCredential | null;
  /** Bearer tokens by challenge realm, service and scope. */
  tokens: Map<string, string>;
  /** The last authorization each host/name needed, so later requests skip the 401 round trip. */
  authFor: Map<string, string>;
}

export function openSession(opts: RegistryClientOptions): Session {
  return {
    transport: { fetch: opts.fetch ?? httpFetch, timeoutMs: opts.timeoutMs ?? 15_000 },
    baseOf: (host) => endpointFor(host, opts).replace(/\/+$/, ""),
    credentialOf: (host) =>
      opts.credentialFor
        ? opts.credentialFor(host)
        : opts.token
          ? { username: opts.username ?? "token", token: opts.token }
          : null,
    tokens: new Map(),
    authFor: new Map(),
  };
}

export interface Repo {
  host: string;
  name: string;
}

/** GET or HEAD under /v2/<name>/, with the 401 challenge answered once. */
export async function call(
  s: Session,
  { host, name }: Repo,
  path: string,
  method: string,
  accept: string | null,
  what: string,
): Promise<Answer> {
  const url = `${s.baseOf(host)}/v2/${name}/${path}`;
  const headers = (auth?: string): Record<string, string> => ({
    ...(accept ? { accept } : {}),
    ...(auth ? { authorization: auth } : {}),
  });
  let auth = s.authFor.get(`${host}/${name}`);
  let answer = await exchange(s.transport, url, method, headers(auth), what);
  if (answer.status !== 401) return answer;
  const credential = s.credentialOf(host);
  const challenge = { header: answer.headers.get("www-authenticate"), host, from: answer.url, stale: auth };
  auth = await authorize(s.transport, credential, s.tokens, challenge, what);
  answer = await exchange(s.transport, url, method, headers(auth), what);
  if (answer.status === 401) {
    const e = errorOf(answer.body);
    // Docker Hub answers 401 for a repository it does not have, whatever the token says.
    const absent = host === "docker.io" && !credential;
    throw new RegistryError(
      absent
        ? `${what}: Docker Hub refused access (401${e.code ? ` ${e.code}` : ""}): the repository does not exist, or is private; check that the workflow pushed it`
        : `${what}: the registry refused access (401${e.code ? ` ${e.code}` : ""}) even with a token; ${credential ? "the token may not read this package" : `the image may be private: ${tokenAdvice(host)}`}`,
      { status: 401, code: absent ? "NOT_PUBLISHED" : (e.code ?? "UNAUTHORIZED") },
    );
  }
  s.authFor.set(`${host}/${name}`, auth);
  return answer;
}

/** The error for an answer that is neither what was asked for nor "not there". */
export function failure(s: Session, answer: Answer, what: string, host: string): RegistryError {
  const e = errorOf(answer.body);
  const said = e.code ? ` ${e.code}${e.message ? `: ${e.message}` : ""}` : "";
  const status = answer.status;
  const credential = s.credentialOf(host);
  // GHCR answers DENIED for a package it does not have, once it has given a token for it: a
  // private package would have been refused at the token service already (see authorize).
  if (status === 403 && e.code === "DENIED") {
    return new RegistryError(
      credential
        ? `${what}: the registry answered 403 DENIED: the package was never published, or the token may not read it`
        : `${what}: the registry answered 403 DENIED: the package was never published (GHCR says so for a package it does not have)`,
      { status, code: "NOT_PUBLISHED" },
    );
  }
  const advice =
    status >= 500
      ? "the registry is failing; retry later"
      : status === 429
        ? "rate limited; retry later"
        : status === 403
          ? credential
            ? "the token may not read this package"
            : `the image may be private or missing: ${tokenAdvice(host)}`
          : "check the image reference and RELEASE_REGISTRY_URL";
  return new RegistryError(`${what}: the registry answered ${status}${said}; ${advice}`, { status, code: e.code });
}
