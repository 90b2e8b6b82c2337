// One Octokit for the whole kit: token as gh finds it, GITHUB_API_URL for Actions, Enterprise and
// the sandbox, retries for 5xx and throttling that honours rate limits (reference/github-api.md §9).
// Against a loopback API only, throttle spacing, back-off and poll intervals shrink so the tests and
// the rehearsal stay fast; a remote API always gets GitHub's own pacing. How long a request may take
// is never shortened for loopback: a busy machine answers slowly, not wrongly.
import type { Octokit } from "@octokit/rest";
import { Answer, type FetchInit, httpFetch } from "./http-fetch.ts";
import { say } from "./output.ts";
import { createGate, type Gate } from "./run.ts";
import { findToken, type TokenInfo } from "./token.ts";

export interface GitHub {
  octokit: Octokit;
  owner: string;
  repo: string;
  token: TokenInfo;
  baseUrl: string;
  loopback: boolean;
  /** A GET answered from cache when GitHub says 304: unchanged polls cost no rate limit. */
  cachedGet<T>(route: string, params: Record<string, unknown>): Promise<T>;
  /** Poll interval for waits, in ms. */
  pollMs(seconds: number): number;
  /** The core rate limit as GitHub's last answer stated it (x-ratelimit-*), null before any answer. */
  rate(): { limit: number; remaining: number; reset: number } | null;
}

const UNREACHABLE = new Set(["ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH"]);
const UNREACHABLE_STATUS = 599;
/** An answer that is not the JSON a REST route gives: a proxy's page, a captive portal, a wrong URL. */
const NOT_JSON_STATUS = 598;
/** The longest RELEASE_API_TIMEOUT: an hour (a timer cannot wait for ever, or for weeks). */
export const API_TIMEOUT_MAX = 3600;

/** How long one request may go unanswered before it is retried: RELEASE_API_TIMEOUT seconds (30
 *  by default; null when the value is not a number of seconds from 0.001 to an hour). A slow answer
 *  is not a failure, so the default is generous wherever the API runs, loopback included. */
export function apiTimeoutSeconds(env: NodeJS.ProcessEnv = process.env): number | null {
  const value = env.RELEASE_API_TIMEOUT;
  if (value === undefined || value === "") return 30;
  const seconds = Number(value);
  return seconds >= 0.001 && seconds <= API_TIMEOUT_MAX ? seconds : null;
}

/** GitHub's documented primary limit for unauthenticated requests, per hour and address. */
export const ANONYMOUS_LIMIT = 60;

export function isLoopback(url: string): boolean {
  try {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, "");
    return host === "localhost" || host === "::1" || /^127\./.test(host);
  } catch {
    return false;
  }
}

interface ApiError {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | undefined>; data?: unknown };
}

/** A sentence saying what went wrong with a GitHub request, and what to do about it. */
export function describeApiError(error: unknown, what: string): { message: string; fix: string } {
  const e = error as ApiError;
  const headers = e.response?.headers ?? {};
  const status = e.status ?? 0;
  const apiMessage = (e.response?.data as { message?: string } | undefined)?.message ?? e.message ?? String(error);
  if (status === 401) {
    return {
      message: `${what}: GitHub rejected the token (401 ${apiMessage})`,
      fix: "the token is wrong, expired or revoked: set a valid GH_TOKEN or GITHUB_TOKEN, or run `gh auth login`",
    };
  }
  if (
    (status === 403 || status === 429) &&
    (headers["x-ratelimit-remaining"] === "0" || /rate limit/i.test(apiMessage))
  ) {
    const reset = Number(headers["x-ratelimit-reset"]);
    const when = reset
      ? new Date(reset * 1000).toISOString()
      : headers["retry-after"]
        ? `in ${headers["retry-after"]} s`
        : "in a minute or so";
    return {
      message: `${what}: GitHub's rate limit was reached (${status} ${apiMessage})`,
      fix: `wait until the limit resets (${when}) and run the command again`,
    };
  }
  if (status === 403) {
    const needs = headers["x-accepted-github-permissions"];
    return {
      message: `${what}: the token is not allowed to (403 ${apiMessage})`,
      fix: needs
        ? `give the token the ${needs} permission on the repository`
        : "give the token access to the repository (Contents, Actions and Checks permissions)",
    };
  }
  if (status === 404) {
    return {
      message: `${what}: not found (404)`,
      fix: "check GITHUB_REPOSITORY / origin names the right repository, and that the token can see it",
    };
  }
  if (status === NOT_JSON_STATUS) {
    return {
      message: `${what}: ${apiMessage}`,
      fix: "GITHUB_API_URL must be GitHub's REST API (https://api.github.com, or https://HOST/api/v3 on GitHub Enterprise Server); check it, and any proxy or captive portal in between",
    };
  }
  if (status === UNREACHABLE_STATUS) {
    return {
      message: `${what}: ${apiMessage}`,
      fix: "check the network connection and GITHUB_API_URL, then run the command again",
    };
  }
  if (status >= 500 || status === 0) {
    return {
      message: `${what}: GitHub did not answer (${status ? `${status} ` : ""}${apiMessage}) after retries`,
      fix: "GitHub may be down or unreachable: check https://www.githubstatus.com and your connection, then run the command again",
    };
  }
  // GitHub's own reasons (422 Validation Failed carries them in errors[]), not a pointer elsewhere.
  const errors = (
    (
      e.response?.data as
        | { errors?: ({ message?: string; resource?: string; field?: string; code?: string } | string)[] }
        | undefined
    )?.errors ?? []
  ).map((x) => (typeof x === "string" ? x : (x.message ?? [x.resource, x.field, x.code].filter(Boolean).join(" "))));
  const reasons = errors.length ? `: ${errors.join("; ")}` : "";
  return {
    message: `${what}: GitHub refused it (${status} ${apiMessage}${reasons})`,
    fix: `fix what GitHub says${reasons ? ` (${errors.join("; ")})` : ""}, then run the command again`,
  };
}

/** How a request is shown: `POST https://api.github.com/repos/o/r/releases {"tag_name":…}`. */
export function requestLine(request: { method: string; url: string; body?: unknown }): string {
  const body = request.body === undefined || request.body === null ? "" : ` ${JSON.stringify(request.body)}`;
  return `${request.method.toUpperCase()} ${request.url}${body}`;
}

/** What a write answers in a dry run, where the gate did not send it. */
const NOT_SENT = 0;

/** A write to this repository, described by the very options Octokit sends. */
export interface ApiWrite {
  /** The request, as a dry run prints it. */
  line: string;
  /** Sends it through the gate: the answer's data, or null in a dry run. */
  send<T = unknown>(): Promise<T | null>;
}

export function apiWrite(gh: GitHub, route: string, params: Record<string, unknown> = {}): ApiWrite {
  const options = { owner: gh.owner, repo: gh.repo, ...params };
  return {
    line: requestLine(gh.octokit.request.endpoint(route, options)),
    async send<T>() {
      const res = await gh.octokit.request(route, options);
      return res.status === NOT_SENT ? null : (res.data as T);
    },
  };
}

/**
 * `gate` owns every write: a request other than GET or HEAD passes it, so in a dry run it is printed
 * from the very options Octokit would send, and not sent. Without a gate, writes are sent.
 */
export async function connectGitHub(
  repository: { owner: string; name: string },
  env: NodeJS.ProcessEnv = process.env,
  gate: Gate = createGate(false),
): Promise<GitHub> {
  const [{ Octokit: Base }, { retry }, { throttling }, { default: Bottleneck }] = await Promise.all([
    import("@octokit/rest"),
    import("@octokit/plugin-retry"),
    import("@octokit/plugin-throttling"),
    import("bottleneck"),
  ]);
  const token = await findToken(env);
  const baseUrl = (env.GITHUB_API_URL || "https://api.github.com").replace(/\/+$/, "");
  const loopback = isLoopback(baseUrl);
  // openTarget refused a bad value before anything was asked.
  const timeoutMs = Math.round((apiTimeoutSeconds(env) ?? 30) * 1000);
  const timedFetch = async (input: string, init: FetchInit = {}): Promise<Answer> => {
    try {
      const res = await httpFetch(input, {
        ...init,
        signal: init.signal
          ? AbortSignal.any([init.signal, AbortSignal.timeout(timeoutMs)])
          : AbortSignal.timeout(timeoutMs),
      });
      return await insistOnJson(res, input, init.method ?? "GET");
    } catch (error) {
      // An API that cannot be reached at all (no DNS, nothing listening) will not answer a retry
      // either: answer with a status plugin-retry leaves alone, so the user hears it at once.
      const code = (error as { cause?: { code?: string } }).cause?.code ?? "";
      if (UNREACHABLE.has(code))
        return Answer.json(UNREACHABLE_STATUS, { message: `cannot reach ${baseUrl} (${code})` }, input);
      throw error;
    }
  };
  const fast = loopback
    ? {
        retryAfterBaseValue: 20,
        write: new Bottleneck.Group({ maxConcurrent: 1, minTime: 5 }),
        notifications: new Bottleneck.Group({ maxConcurrent: 1, minTime: 5 }),
      }
    : {};
  const Kit = Base.plugin(retry, throttling);
  const octokit = new Kit({
    auth: token.token ?? undefined,
    baseUrl,
    userAgent: "release-kit",
    // Octokit calls it with a URL string and a plain init, and reads only what Answer provides.
    request: { fetch: timedFetch as unknown as typeof fetch },
    // Expected 404s and 304s are answers, not errors: callers report what matters.
    log: { debug() {}, info() {}, warn: (m: string) => say.warn(m), error() {} },
    // 429 is left to throttling, which honours Retry-After; plugin-retry would ignore it.
    retry: {
      doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451, NOT_JSON_STATUS, UNREACHABLE_STATUS],
      ...(loopback ? { retryAfterBaseValue: 20 } : {}),
    },
    throttle: {
      id: `release-kit-${baseUrl}`,
      // Every wait has a bound: a reset a minute away is waited for once; an hour away is reported.
      onRateLimit: (after: number, _options: unknown, _kit: unknown, retryCount: number) =>
        retryCount < 1 && after <= 60,
      onSecondaryRateLimit: (after: number, _options: unknown, _kit: unknown, retryCount: number) =>
        retryCount < 2 && after <= 120,
      ...fast,
    },
  }) as unknown as Octokit;

  let rate: { limit: number; remaining: number; reset: number } | null = null;
  const noteRate = (headers: Record<string, string | number | undefined> | undefined) => {
    const n = (k: string) => Number(headers?.[k]);
    if (headers && Number.isFinite(n("x-ratelimit-limit")) && Number.isFinite(n("x-ratelimit-remaining"))) {
      rate = {
        limit: n("x-ratelimit-limit"),
        remaining: n("x-ratelimit-remaining"),
        reset: n("x-ratelimit-reset") || 0,
      };
    }
  };
  let announced = false;
  octokit.hook.before("request", () => {
    if (token.token || announced) return;
    announced = true;
    say.warn(
      `no GitHub token: reading ${baseUrl} anonymously, within GitHub's limit of ${ANONYMOUS_LIMIT} requests an hour for this address; set GH_TOKEN (or GITHUB_TOKEN) for 5,000`,
    );
  });
  octokit.hook.wrap("request", async (request, options) => {
    const method = String(options.method ?? "GET").toUpperCase();
    if (method === "GET" || method === "HEAD") return request(options);
    const sent = octokit.request.endpoint.parse(options as Parameters<typeof octokit.request.endpoint.parse>[0]);
    const answer = await gate.pass(requestLine(sent), () => request(options), `${method} ${sent.url}`);
    return answer ?? { status: NOT_SENT, url: sent.url, headers: {}, data: null };
  });
  octokit.hook.after("request", (res) => noteRate(res.headers as Record<string, string | number | undefined>));
  octokit.hook.error("request", (error) => {
    noteRate((error as ApiError).response?.headers);
    throw error;
  });

  const cache = new Map<string, { etag: string; data: unknown }>();
  return {
    octokit,
    owner: repository.owner,
    repo: repository.name,
    token,
    baseUrl,
    loopback,
    async cachedGet<T>(route: string, params: Record<string, unknown>): Promise<T> {
      const key = `${route} ${JSON.stringify(params)}`;
      const hit = cache.get(key);
      try {
        const res = await octokit.request(route, { ...params, headers: hit ? { "if-none-match": hit.etag } : {} });
        const etag = res.headers.etag;
        if (etag) cache.set(key, { etag, data: res.data });
        return res.data as T;
      } catch (error) {
        if ((error as ApiError).status === 304 && hit) return hit.data as T;
        throw error;
      }
    },
    pollMs: (seconds: number) => (loopback ? Math.min(seconds * 1000, 100) : seconds * 1000),
    rate: () => rate,
  };
}

/**
 * A successful answer from a REST route is JSON. Anything else (an HTML page from a proxy or a
 * wrong GITHUB_API_URL, a truncated body) must never be read as data: it becomes an error that names
 * the URL and what came back, with a status no retry repeats.
 */
async function insistOnJson(res: Answer, url: string, method: string): Promise<Answer> {
  if (res.status < 200 || res.status >= 300 || res.status === 204 || method.toUpperCase() === "HEAD") return res;
  const type = res.headers.get("content-type") ?? "";
  // Read a copy: the answer itself goes on untouched (Octokit reads its url and body).
  const text = await res.clone().text();
  const jsonType = /^application\/([\w.+-]*\+)?json\b/i.test(type);
  let problem: string | null = null;
  if (!jsonType) problem = `answered ${res.status} with ${type || "no content type"}, not JSON`;
  else {
    try {
      JSON.parse(text);
    } catch {
      problem = `answered ${res.status} with invalid JSON`;
    }
  }
  if (!problem) return res;
  const start = text.replace(/\s+/g, " ").trim().slice(0, 60);
  const message = `${method.toUpperCase()} ${url.split("?")[0]} ${problem}${start ? ` ("${start}${text.length > 60 ? "..." : ""}")` : ""}`;
  return Answer.json(NOT_JSON_STATUS, { message }, url);
}
