// The API's transport vocabulary, with no server state: what a route receives and answers, GitHub's
// error bodies, route matching, bodies, query parameters and pagination links.
import type http from "node:http";
import type { ApiContext } from "./context.ts";
import * as render from "./render.ts";

export interface Caller {
  /** The valid token, or null for an anonymous caller. */
  token: string | null;
  /** A token was sent and it is not the valid one. */
  bad: boolean;
  key: string;
  /** A running job's GITHUB_TOKEN: an installation token holding only what the job's `permissions:` grant. */
  grants?: Record<string, string>;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Req {
  params: Record<string, string>;
  query: URLSearchParams;
  body: Record<string, unknown>;
  caller: Caller;
  url: URL;
}

export interface Route {
  method: string;
  template: string;
  /** Fine-grained permission, "contents:write"; checked for token callers. */
  perm?: string;
  handle(c: ApiContext, r: Req): Promise<Reply>;
}

export class HttpError extends Error {
  status: number;
  body: unknown;
  headers: Record<string, string>;
  constructor(status: number, body: unknown, headers: Record<string, string> = {}) {
    super(`HTTP ${status}`);
    this.status = status;
    this.body = body;
    this.headers = headers;
  }
}

export const DOCS = {
  refs: "https://docs.github.com/rest/git/refs",
  tags: "https://docs.github.com/rest/git/tags",
  rules: "https://docs.github.com/rest/repos/rules",
  branches: "https://docs.github.com/rest/branches/branches",
  protection: "https://docs.github.com/rest/branches/branch-protection",
  pulls: "https://docs.github.com/rest/pulls/pulls",
  releases: "https://docs.github.com/rest/releases/releases",
  commits: "https://docs.github.com/rest/commits/commits",
  runs: "https://docs.github.com/rest/actions/workflow-runs",
  rate: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
  attestations: "https://docs.github.com/rest/repos/repos#list-attestations",
};

export const fail = (status: number, message: string, docs?: string): HttpError =>
  new HttpError(status, render.errorBody(message, status, docs));
export const notFound = (docs?: string): HttpError => fail(404, "Not Found", docs);
export const invalid = (
  message: string,
  docs?: string,
  errors?: { resource: string; code: string; field?: string; message?: string }[],
): HttpError => new HttpError(422, render.validationError(message, errors, docs));

// ---- route matching ----

export interface Match {
  route: Route | null;
  template: string;
  params: Record<string, string>;
}

export interface CompiledRoute {
  route: Route;
  parts: string[];
}

export const compileRoutes = (routes: Route[]): CompiledRoute[] =>
  routes.map((route) => ({ route, parts: route.template.split("/").filter(Boolean) }));

// Parameters that may hold slashes: Octokit sends them as one %2F-encoded segment, curl as several.
const MULTI = new Set(["ref", "tag", "basehead", "subject_digest", "branch"]);

function matchParts(
  tpl: string[],
  segs: string[],
  i: number,
  j: number,
  params: Record<string, string>,
): Record<string, string> | null {
  if (i === tpl.length) return j === segs.length ? params : null;
  const t = tpl[i];
  const name = /^\{(\w+)\}$/.exec(t)?.[1];
  if (!name) return segs[j] === t ? matchParts(tpl, segs, i + 1, j + 1, params) : null;
  if (!MULTI.has(name))
    return j < segs.length && segs[j] !== ""
      ? matchParts(tpl, segs, i + 1, j + 1, { ...params, [name]: segs[j] })
      : null;
  for (let k = segs.length; k > j; k--) {
    const m = matchParts(tpl, segs, i + 1, k, { ...params, [name]: segs.slice(j, k).join("/") });
    if (m) return m;
  }
  return null;
}

export function matchRoute(compiled: CompiledRoute[], method: string, pathname: string): Match | null {
  let segs: string[];
  try {
    segs = pathname
      .split("/")
      .filter((s, i, all) => i > 0 && !(s === "" && i === all.length - 1))
      .map(decodeURIComponent);
  } catch {
    return null; // malformed percent-encoding
  }
  let other: Match | null = null;
  for (const { route, parts } of compiled) {
    const params = matchParts(parts, segs, 0, 0, {});
    if (!params) continue;
    if (route.method === method) return { route, template: route.template, params };
    other ??= { route: null, template: route.template, params };
  }
  return other; // the path exists for another method: GitHub answers 404 too
}

// ---- requests ----

export function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

export function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

export function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

export function messageOf(x: unknown): string {
  return isRecord(x) && typeof x.message === "string" ? x.message : "";
}

export function intParam(q: URLSearchParams, name: string): number | null {
  const v = q.get(name);
  if (v === null || !/^\d+$/.test(v)) return null;
  return Number(v);
}

export function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const strip = (t: string) => t.trim().replace(/^W\//, "");
  return header.split(",").some((t) => t.trim() === "*" || strip(t) === strip(etag));
}

type Expect = "string" | "string?" | "boolean";

/** GitHub rejects wrongly typed fields with 422 before doing anything. */
export function expectTypes(body: Record<string, unknown>, fields: Record<string, Expect>): void {
  for (const [k, want] of Object.entries(fields)) {
    if (!(k in body)) continue;
    const v = body[k];
    const ok =
      want === "boolean" ? typeof v === "boolean" : typeof v === "string" || (want === "string?" && v === null);
    if (!ok)
      throw invalid(
        `Invalid request.\n\nFor 'properties/${k}', ${JSON.stringify(v)} is not a ${want === "boolean" ? "boolean" : "string"}.`,
      );
  }
}

// ---- pagination ----

export interface Page<T> {
  page: T[];
  headers: Record<string, string>;
}

const perPageOf = (r: Req): number => Math.min(100, Math.max(1, intParam(r.query, "per_page") ?? 30));

/** The Link header of a page-numbered list: this request's URL with `page` set, one per relation. */
function pageLinks(apiUrl: string, r: Req, pages: [number, string][]): Record<string, string> {
  const links = pages.map(([n, rel]) => {
    const q = new URLSearchParams(r.query);
    q.set("page", String(n));
    return `<${apiUrl}${r.url.pathname}?${q}>; rel="${rel}"`;
  });
  return links.length ? { link: links.join(", ") } : {};
}

export function paginate<T>(apiUrl: string, r: Req, items: T[]): Page<T> {
  const perPage = perPageOf(r);
  const page = Math.max(1, intParam(r.query, "page") ?? 1);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const pages: [number, string][] = [];
  if (page > 1) pages.push([page - 1, "prev"], [1, "first"]);
  if (page < last) pages.push([page + 1, "next"], [last, "last"]);
  return { page: items.slice((page - 1) * perPage, page * perPage), headers: pageLinks(apiUrl, r, pages) };
}

/** A 200 answer holding the requested page of `items`, with its Link header. */
export function pageReply<T>(apiUrl: string, r: Req, items: T[]): Reply {
  const { page, headers } = paginate(apiUrl, r, items);
  return { status: 200, body: page, headers };
}

/**
 * A list whose length is unknown (git log): `fetch(skip, count)` is asked for one more than a page,
 * so "next" is offered only when there is more, and no "last" is given.
 */
export async function paginateOpenEnded<T>(
  apiUrl: string,
  r: Req,
  fetch: (skip: number, count: number) => Promise<T[]>,
): Promise<Page<T>> {
  const perPage = perPageOf(r);
  const page = Math.max(1, intParam(r.query, "page") ?? 1);
  const items = await fetch((page - 1) * perPage, perPage + 1);
  const pages: [number, string][] = [];
  if (items.length > perPage) pages.push([page + 1, "next"]);
  if (page > 1) pages.push([page - 1, "prev"], [1, "first"]);
  return { page: items.slice(0, perPage), headers: pageLinks(apiUrl, r, pages) };
}

/**
 * Cursor pagination (https://docs.github.com/rest/using-the-rest-api/using-pagination-in-the-rest-api):
 * `before`/`after` take opaque cursors from the Link header; `page` is not accepted.
 */
export function paginateByCursor<T>(apiUrl: string, r: Req, items: T[]): Page<T> {
  const perPage = perPageOf(r);
  const cursor = (i: number) => Buffer.from(`cursor:${i}`).toString("base64url");
  const position = (c: string | null): number | null => {
    if (c === null) return null;
    const m = /^cursor:(\d+)$/.exec(Buffer.from(c, "base64url").toString("utf8"));
    if (!m) throw fail(400, "Invalid cursor", DOCS.attestations);
    return Number(m[1]);
  };
  const after = position(r.query.get("after"));
  const before = position(r.query.get("before"));
  let start = after !== null ? after + 1 : 0;
  let end = start + perPage;
  if (before !== null && after === null) {
    end = before;
    start = Math.max(0, end - perPage);
  }
  end = Math.min(end, items.length);
  const page = items.slice(start, end);
  const links: string[] = [];
  const link = (key: "after" | "before", i: number, rel: string) => {
    const q = new URLSearchParams(r.query);
    q.delete("after");
    q.delete("before");
    q.set(key, cursor(i));
    return `<${apiUrl}${r.url.pathname}?${q}>; rel="${rel}"`;
  };
  if (end < items.length && page.length) links.push(link("after", end - 1, "next"));
  if (start > 0 && page.length) links.push(link("before", start, "prev"));
  return { page, headers: links.length ? { link: links.join(", ") } : {} };
}
