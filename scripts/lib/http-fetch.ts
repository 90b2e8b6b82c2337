// The part of fetch the kit's two HTTP clients use (Octokit, and the registry client), over Node's
// own http and https modules. Node's fetch is undici: loading it and compiling its WebAssembly
// HTTP parser cost a command more CPU than all its requests (measured: a third of a recover).
// The answers behave as fetch's do where the kit and Octokit look: status, url after redirects,
// lower-case headers, text/json/arrayBuffer/clone, redirects followed as the Fetch standard says
// (credentials never sent to another origin), compressed bodies decoded, and the same failures:
// a network error is TypeError("fetch failed") with the system error as its cause, an abort
// rejects with the signal's reason.
import type { IncomingMessage } from "node:http";

const MAX_REDIRECTS = 20;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Request headers that must not follow a redirect to another origin. */
const CREDENTIALS = ["authorization", "cookie", "proxy-authorization"];

export interface FetchInit {
  method?: string;
  headers?: Record<string, string> | [string, string][];
  body?: string | Uint8Array | null;
  redirect?: "follow" | "manual" | "error";
  signal?: AbortSignal | null;
}

/** Response headers, read as fetch's Headers reads them: names in lower case and in order, a
 *  repeated header joined with ", ", except Set-Cookie, which is listed once per value. */
export class AnswerHeaders {
  readonly #map = new Map<string, string[]>();
  constructor(init: Record<string, string | string[] | undefined> = {}) {
    for (const [name, value] of Object.entries(init)) {
      if (value !== undefined) this.#map.set(name.toLowerCase(), Array.isArray(value) ? value : [value]);
    }
  }
  get(name: string): string | null {
    return this.#map.get(name.toLowerCase())?.join(", ") ?? null;
  }
  has(name: string): boolean {
    return this.#map.has(name.toLowerCase());
  }
  forEach(fn: (value: string, name: string) => void): void {
    for (const [name, value] of this) fn(value, name);
  }
  *entries(): IterableIterator<[string, string]> {
    const names = [...this.#map.keys()].sort();
    for (const name of names) {
      const values = this.#map.get(name)!;
      if (name === "set-cookie") for (const value of values) yield [name, value];
      else yield [name, values.join(", ")];
    }
  }
  *keys(): IterableIterator<string> {
    for (const [name] of this.entries()) yield name;
  }
  *values(): IterableIterator<string> {
    for (const [, value] of this.entries()) yield value;
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
}

/** A whole answer, its body already read (the kit's answers are JSON documents and manifests). */
export class Answer {
  readonly status: number;
  readonly statusText: string;
  readonly headers: AnswerHeaders;
  readonly url: string;
  readonly ok: boolean;
  readonly redirected: boolean;
  /** Only what the kit and Octokit call: the body was read before the answer was handed out. */
  readonly body = { cancel: async () => {} };
  readonly #bytes: Buffer;
  constructor(
    status: number,
    statusText: string,
    headers: AnswerHeaders,
    url: string,
    bytes: Buffer,
    redirected = false,
  ) {
    this.status = status;
    this.statusText = statusText;
    this.headers = headers;
    this.url = url;
    this.#bytes = bytes;
    this.ok = status >= 200 && status < 300;
    this.redirected = redirected;
  }
  /** A JSON answer made here rather than received (a verdict on what came back). */
  static json(status: number, value: unknown, url = ""): Answer {
    const headers = new AnswerHeaders({ "content-type": "application/json" });
    return new Answer(status, "", headers, url, Buffer.from(JSON.stringify(value)));
  }
  // As fetch: UTF-8, a byte-order mark dropped.
  async text(): Promise<string> {
    return new TextDecoder().decode(this.#bytes);
  }
  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }
  async arrayBuffer(): Promise<ArrayBuffer> {
    const copy = new ArrayBuffer(this.#bytes.length);
    new Uint8Array(copy).set(this.#bytes);
    return copy;
  }
  clone(): Answer {
    return new Answer(this.status, this.statusText, this.headers, this.url, this.#bytes, this.redirected);
  }
  /** This answer, as the last of a chain of redirects. */
  afterRedirects(): Answer {
    return new Answer(this.status, this.statusText, this.headers, this.url, this.#bytes, true);
  }
}

// Node's own agents: they keep a connection for the next request and close it after a few idle
// seconds (a pause of minutes between polls never meets a connection a NAT has dropped), an idle
// one does not keep the process alive, and where Node is told to use the proxy settings
// (NODE_USE_ENV_PROXY, Node 22.21 and 24), they do. https (and TLS with it) loads only for an https URL.
async function transportFor(protocol: string) {
  if (protocol === "http:") {
    const http = await import("node:http");
    return { request: http.request, agent: http.globalAgent };
  }
  if (protocol === "https:") {
    const https = await import("node:https");
    return { request: https.request, agent: https.globalAgent };
  }
  throw new TypeError("fetch failed", { cause: new Error(`unsupported protocol ${protocol}`) });
}

export async function httpFetch(input: string | URL, init: FetchInit = {}): Promise<Answer> {
  const signal = init.signal ?? null;
  signal?.throwIfAborted();
  let url = new URL(String(input));
  let method = (init.method ?? "GET").toUpperCase();
  let body = init.body ?? null;
  const headers: Record<string, string> = {};
  for (const [name, value] of Array.isArray(init.headers) ? init.headers : Object.entries(init.headers ?? {}))
    headers[name.toLowerCase()] = String(value);
  // What fetch sends when the caller does not say: some servers refuse a request without a user agent.
  headers.accept ??= "*/*";
  headers["user-agent"] ??= "release-kit";
  headers["accept-encoding"] ??= "gzip, deflate, br";
  for (let hop = 0; ; hop++) {
    const answer = await exchange(url, method, headers, body, signal, init.redirect !== "manual");
    const location = answer.headers.get("location");
    if (!REDIRECTS.has(answer.status) || location === null || init.redirect === "manual") {
      return hop ? answer.afterRedirects() : answer;
    }
    if (init.redirect === "error") throw new TypeError("fetch failed", { cause: new Error("unexpected redirect") });
    if (hop >= MAX_REDIRECTS) throw new TypeError("fetch failed", { cause: new Error("redirect count exceeded") });
    const next = new URL(location, url);
    if (
      answer.status === 303 ? method !== "HEAD" : (answer.status === 301 || answer.status === 302) && method === "POST"
    ) {
      method = "GET";
      body = null;
      for (const name of ["content-type", "content-length", "content-encoding", "content-language", "content-location"])
        delete headers[name];
    }
    if (next.origin !== url.origin) for (const name of CREDENTIALS) delete headers[name];
    url = next;
  }
}

async function exchange(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: string | Uint8Array | null,
  signal: AbortSignal | null,
  following: boolean,
): Promise<Answer> {
  const { request, agent } = await transportFor(url.protocol);
  const zlib = await import("node:zlib");
  // Decoded as fetch decodes: leniently, so an empty or unfinished compressed body is what arrived,
  // and "deflate" with or without its zlib header (servers send both).
  const sync = { flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH };
  const brotli = {
    flush: zlib.constants.BROTLI_OPERATION_FLUSH,
    finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH,
  };
  const decoders: Record<string, (raw: Buffer) => Buffer> = {
    gzip: (raw) => zlib.gunzipSync(raw, sync),
    "x-gzip": (raw) => zlib.gunzipSync(raw, sync),
    deflate: (raw) => ((raw[0]! & 0x0f) === 8 ? zlib.inflateSync(raw, sync) : zlib.inflateRawSync(raw, sync)),
    br: (raw) => zlib.brotliDecompressSync(raw, brotli),
  };
  return new Promise<Answer>((resolve, reject) => {
    // The signal may have fired while the modules above loaded: it will not fire again.
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    let settled = false;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener("abort", onAbort);
      req.destroy();
      reject(error);
    };
    const onAbort = () => fail(signal?.reason);
    const sent = body === null ? headers : { ...headers, "content-length": String(Buffer.byteLength(body)) };
    const req = request(url, { method, headers: sent, agent }, (res: IncomingMessage) => {
      const encoding = (res.headers["content-encoding"] ?? "").trim().toLowerCase();
      // A redirect that is followed has its body thrown away: it is not decoded either.
      const skipped = following && REDIRECTS.has(res.statusCode ?? 0) && res.headers.location !== undefined;
      const bodyless = method === "HEAD" || res.statusCode === 204 || res.statusCode === 304 || skipped;
      const decode = bodyless ? undefined : decoders[encoding];
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.once("error", (e) => fail(signal?.aborted ? signal.reason : new TypeError("fetch failed", { cause: e })));
      // A connection closed in the middle of the body ends no stream with an error on every Node.
      res.once("close", () => {
        if (!res.complete)
          fail(
            new TypeError("fetch failed", {
              cause: Object.assign(new Error("other side closed"), { code: "ECONNRESET" }),
            }),
          );
      });
      res.once("end", () => {
        if (settled) return;
        let bytes: Buffer = Buffer.concat(chunks);
        try {
          if (decode && bytes.length) bytes = decode(bytes);
        } catch (e) {
          fail(new TypeError("fetch failed", { cause: e }));
          return;
        }
        settled = true;
        signal?.removeEventListener("abort", onAbort);
        const headers = new AnswerHeaders(res.headers);
        resolve(new Answer(res.statusCode ?? 0, res.statusMessage ?? "", headers, url.href, bytes));
      });
    });
    req.once("error", (e) => fail(signal?.aborted ? signal.reason : new TypeError("fetch failed", { cause: e })));
    signal?.addEventListener("abort", onAbort, { once: true });
    req.end(body ?? undefined);
  });
}
