// One HTTP exchange with a registry: a bound on time, redirects followed by hand so credentials
// never follow to another origin, network failures turned into RegistryErrors that say what to do.
import type { FetchInit } from "../http-fetch.ts";
import { RegistryError } from "./types.ts";

const MAX_REDIRECTS = 5;

/** What the registry client reads of an HTTP answer: fetch's Response, or the kit's own Answer. */
export interface Reply {
  status: number;
  headers: { get(name: string): string | null };
  arrayBuffer(): Promise<ArrayBuffer>;
  body?: { cancel(): Promise<void> } | null;
}

/** fetch's shape, as far as the registry client calls it. */
export type FetchLike = (url: string, init: FetchInit & { redirect: "manual" }) => Promise<Reply>;

export interface Transport {
  fetch: FetchLike;
  /** Bound on every request, body included. */
  timeoutMs: number;
}

export interface Answer {
  status: number;
  headers: Reply["headers"];
  body: Buffer;
  /** Where the answer came from, after redirects. */
  url: string;
}

export async function exchange(
  transport: Transport,
  url: string,
  method: string,
  headers: Record<string, string>,
  what: string,
): Promise<Answer> {
  const { timeoutMs } = transport;
  const signal = AbortSignal.timeout(timeoutMs);
  let current = url;
  const sent = { ...headers };
  try {
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const res = await transport.fetch(current, { method, headers: sent, redirect: "manual", signal });
      const location = res.headers.get("location");
      if ([301, 302, 303, 307, 308].includes(res.status) && location) {
        await res.body?.cancel();
        const next = new URL(location, current);
        // Blob redirects go to signed storage URLs, which must not see (and reject) our token.
        if (next.origin !== new URL(current).origin) delete sent.authorization;
        current = next.href;
        continue;
      }
      const body = method === "HEAD" ? Buffer.alloc(0) : Buffer.from(await res.arrayBuffer());
      return { status: res.status, headers: res.headers, body, url: current };
    }
  } catch (error) {
    if (signal.aborted) {
      throw new RegistryError(
        `${what}: the registry did not answer within ${timeoutMs} ms (${method} ${current}); check that it is reachable, or retry later`,
        { code: "TIMEOUT", cause: error },
      );
    }
    const reason = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new RegistryError(
      `${what}: cannot reach the registry at ${new URL(current).origin} (${reason}); check the network and RELEASE_REGISTRY_URL`,
      { code: "NETWORK", cause: error },
    );
  }
  throw new RegistryError(`${what}: more than ${MAX_REDIRECTS} redirects from ${url}`, { code: "REDIRECTS" });
}

/** The first error a registry put in its body, when it sent the standard envelope. */
export function errorOf(body: Buffer): { code?: string; message?: string } {
  try {
    const first = (JSON.parse(body.toString("utf8")) as { errors?: { code?: unknown; message?: unknown }[] })
      .errors?.[0];
    return {
      code: typeof first?.code === "string" ? first.code : undefined,
      message: typeof first?.message === "string" ? first.message : undefined,
    };
  } catch {
    return {};
  }
}
