// One request, from the socket to the answer: who calls (token, job token, anonymous), injected
// faults and latency, the primary rate limit, route permissions, the JSON body, serialized writes,
// and GitHub's response headers (ETags and conditional requests, rate-limit and OAuth headers).
import { createHash, randomUUID } from "node:crypto";
import http from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import type { Fault } from "../scenario.ts";
import { type ApiContext, AUTHOR, fineGrained, lacks, rateHeaders, rateOf } from "./context.ts";
import {
  type Caller,
  type CompiledRoute,
  DOCS,
  etagMatches,
  fail,
  HttpError,
  isRecord,
  type Match,
  matchRoute,
  messageOf,
  notFound,
  parseJson,
  type Reply,
  type Req,
  readBody,
} from "./http.ts";
import * as render from "./render.ts";

export interface Transport {
  c: ApiContext;
  routes: CompiledRoute[];
  /** "METHOD /route/{template} STATUS" → count. */
  requests: Map<string, number>;
  inFlight: { now: number; peak: number };
  /** Aborted by stop(): ends the latency waits of requests in flight. */
  stopping: AbortSignal;
  /** The tail of the write queue: writes run one at a time, as two racing creates of one tag must see each other. */
  writes: Promise<unknown>;
}

export function count(t: Transport, key: string): void {
  t.requests.set(key, (t.requests.get(key) ?? 0) + 1);
}

function serial<T>(t: Transport, fn: () => Promise<T>): Promise<T> {
  const p = t.writes.then(fn, fn);
  t.writes = p.catch(() => undefined);
  return p;
}

function callerOf(c: ApiContext, req: http.IncomingMessage): Caller {
  const header = req.headers.authorization;
  const anonymous = `anon:${req.socket.remoteAddress}`;
  if (!header) return { token: null, bad: false, key: anonymous };
  const m = /^(?:token|bearer)\s+(\S+)\s*$/i.exec(header);
  let sent = m?.[1] ?? null;
  const basic = /^basic\s+(\S+)\s*$/i.exec(header);
  if (basic) sent = Buffer.from(basic[1], "base64").toString("utf8").split(":").slice(1).join(":");
  const ok = sent === c.opts.token;
  const grants = !ok && sent ? c.state.jobTokens.get(sent) : undefined;
  if (grants) return { token: sent, bad: false, key: `token:${sent}`, grants };
  return { token: ok ? sent : null, bad: !ok, key: ok ? `token:${sent}` : anonymous };
}

function takeFault(c: ApiContext, method: string, template: string): Fault | null {
  const f = c.scenario.faults.find(
    (x) => x.times > 0 && (!x.method || x.method.toUpperCase() === method) && (!x.route || x.route === template),
  );
  if (!f) return null;
  f.times -= 1; // Infinity stays Infinity
  return f;
}

const primaryLimitText = (caller: Caller, extra: string) =>
  `API rate limit exceeded for ${caller.token ? `user ID ${AUTHOR.id}` : "127.0.0.1"}. ${extra}`;

function faultReply(c: ApiContext, f: Fault, caller: Caller): Reply {
  const status = f.status ?? 500;
  const headers: Record<string, string> = {};
  let body: unknown = render.errorBody(http.STATUS_CODES[status] ?? "Error", status);
  const custom = f.body === undefined ? null : typeof f.body === "string" ? f.body : messageOf(f.body);
  const rateLimited = (status === 403 || status === 429) && (custom === null || /rate limit/i.test(custom));
  if (rateLimited) {
    const secondary =
      Object.keys(f.headers ?? {}).some((k) => k.toLowerCase() === "retry-after") ||
      /secondary rate/i.test(custom ?? "");
    const support = `If you reach out to GitHub Support for help, please include the request ID ${randomUUID().toUpperCase()}.`;
    if (secondary) {
      body = render.errorBody(
        `You have exceeded a secondary rate limit. Please wait a few minutes before you try again. ${support}`,
        status,
        `${DOCS.rate}#about-secondary-rate-limits`,
      );
      headers["retry-after"] = "1";
    } else {
      body = render.errorBody(primaryLimitText(caller, support), status, `${DOCS.rate}#about-the-primary-rate-limit`);
      const rate = rateOf(c, caller);
      const spent = { ...rate, remaining: 0, used: rate.limit, reset: Math.ceil(Date.now() / 1000) + 1 };
      Object.assign(headers, rateHeaders(spent));
    }
  }
  if (f.body !== undefined) body = f.body;
  Object.assign(headers, f.headers);
  return { status, body, headers };
}

/** A spent primary limit: 403 until the window resets, as GitHub answers
 *  (https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#exceeding-the-rate-limit). */
function exhausted(c: ApiContext, caller: Caller, template: string): Reply | null {
  if (template === "/rate_limit" || caller.bad) return null;
  const rate = rateOf(c, caller);
  if (rate.remaining > 0) return null;
  const text = primaryLimitText(
    caller,
    "(But here's the good news: Authenticated requests get a higher rate limit. Check out the documentation for more details.)",
  );
  return {
    status: 403,
    body: render.errorBody(text, 403, `${DOCS.rate}#about-the-primary-rate-limit`),
    headers: rateHeaders(rate),
  };
}

/** Authentication, the repository named, permissions and the body, then the route itself. */
async function dispatch(
  t: Transport,
  req: http.IncomingMessage,
  url: URL,
  match: Match | null,
  caller: Caller,
): Promise<Reply> {
  const { c } = t;
  if (caller.bad) throw fail(401, "Bad credentials");
  if (!match?.route) throw notFound();
  const { route, params } = match;
  const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  if (params.owner !== undefined && (!same(params.owner, c.opts.owner) || !same(params.repo, c.opts.repo)))
    throw notFound();
  const write = route.method !== "GET" && route.method !== "HEAD";
  if (write && !caller.token) throw fail(401, "Requires authentication");
  const accepted = route.perm ? { "x-accepted-github-permissions": route.perm.replace(":", "=") } : undefined;
  if (route.perm && caller.token && lacks(c, route.perm, caller)) {
    const who = caller.grants ? "integration" : "personal access token";
    throw new HttpError(403, render.errorBody(`Resource not accessible by ${who}`, 403), accepted);
  }
  const raw = await readBody(req);
  let body: Record<string, unknown> = {};
  if (write && raw.trim() !== "") {
    // GitHub parses the body as JSON whatever its Content-Type says.
    const parsed = parseJson(raw);
    if (!isRecord(parsed)) throw fail(400, "Problems parsing JSON");
    body = parsed;
  }
  const r: Req = { params, query: url.searchParams, body, caller, url };
  const reply = await (write ? serial(t, () => route.handle(c, r)) : route.handle(c, r));
  return accepted ? { ...reply, headers: { ...accepted, ...reply.headers } } : reply;
}

function spend(rate: render.RateCounter): void {
  rate.used += 1;
  rate.remaining = Math.max(0, rate.limit - rate.used);
}

/** Writes the answer with GitHub's headers; returns the status sent (304 for a matching ETag). */
function send(
  c: ApiContext,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  reply: Reply,
  caller: Caller,
  countRate: boolean,
): number {
  const headers: Record<string, string> = {
    "x-github-api-version-selected": "2022-11-28",
    "x-github-media-type": "github.v3; format=json",
    "x-github-request-id": randomUUID().toUpperCase(),
  };
  const text =
    reply.body === undefined ? null : typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body);
  const etag = text === null ? null : `W/"${createHash("sha256").update(text).digest("hex")}"`;
  if (caller.token && !caller.grants && !fineGrained(c)) headers["x-oauth-scopes"] = c.scenario.tokenScopes.join(", ");
  const rate = rateOf(c, caller);
  if (etag && req.method === "GET" && reply.status === 200 && etagMatches(req.headers["if-none-match"], etag)) {
    // A conditional request answered 304 is free only when it is authorized; anonymous ones count.
    // https://docs.github.com/rest/using-the-rest-api/best-practices-for-using-the-rest-api#use-conditional-requests-if-appropriate
    if (countRate && !caller.token) spend(rate);
    res.writeHead(304, { ...headers, ...rateHeaders(rate), etag });
    res.end();
    return 304;
  }
  if (countRate) spend(rate);
  Object.assign(headers, rateHeaders(rate), reply.headers);
  if (text === null) {
    res.writeHead(reply.status, headers);
    res.end();
    return reply.status;
  }
  res.writeHead(reply.status, {
    ...headers,
    "content-type": "application/json; charset=utf-8",
    etag: etag ?? "",
    "content-length": String(Buffer.byteLength(text)),
  });
  res.end(text);
  return reply.status;
}

/** The route's answer, or GitHub's error body for whatever it threw. */
async function answer(
  t: Transport,
  req: http.IncomingMessage,
  url: URL,
  match: Match | null,
  caller: Caller,
  fault: Fault | null,
): Promise<Reply> {
  const template = match?.template ?? url.pathname;
  try {
    if (fault) return faultReply(t.c, fault, caller);
    return exhausted(t.c, caller, template) ?? (await dispatch(t, req, url, match, caller));
  } catch (e) {
    if (e instanceof HttpError) return { status: e.status, body: e.body, headers: e.headers };
    console.error(`sandbox: ${req.method} ${url.pathname} failed:`, e);
    return { status: 500, body: render.errorBody("Server Error", 500) };
  }
}

/** Answers one REST request and counts it under its route's template. */
export async function handleRequest(t: Transport, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const method = (req.method ?? "GET").toUpperCase();
  const url = new URL(req.url ?? "/", t.c.render.apiUrl);
  const match = matchRoute(t.routes, method, url.pathname);
  const template = match?.template ?? url.pathname;
  const key = (status: number) => `${method} ${template} ${status}`;
  const caller = callerOf(t.c, req);
  const fault = takeFault(t.c, method, template);
  if (fault?.kind === "reset") {
    count(t, key(0));
    req.socket.destroy();
    return;
  }
  if (fault?.kind === "hang") {
    count(t, key(0)); // never answered; stop() closes the socket
    return;
  }
  t.inFlight.peak = Math.max(t.inFlight.peak, ++t.inFlight.now);
  try {
    try {
      if (t.c.scenario.latencyMs > 0) await sleep(t.c.scenario.latencyMs, undefined, { signal: t.stopping });
    } catch {
      return; // stopping
    }
    const reply = await answer(t, req, url, match, caller, fault);
    if (res.destroyed || res.writableEnded) return;
    const countRate = template !== "/rate_limit" && !(reply.status === 403 && rateOf(t.c, caller).remaining === 0);
    count(t, key(send(t.c, req, res, reply, caller, countRate)));
  } finally {
    t.inFlight.now--;
  }
}
