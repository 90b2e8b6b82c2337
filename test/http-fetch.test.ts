// The kit's HTTP client against a real server on loopback, side by side with Node's own fetch:
// where both answer, they must answer alike (status, final URL, headers, body, the failure's shape).
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createTlsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpFetch } from "../scripts/lib/http-fetch.ts";
import { KIT } from "./helpers/kit.ts";

interface Seen {
  method: string;
  url: string;
  authorization?: string;
  body: string;
}

function serve(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void) {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString();
      seen.push({ method: req.method ?? "", url: req.url ?? "", authorization: req.headers.authorization, body });
      handler(req, res, body);
    });
  });
  return { server, seen };
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const JSON_BODY = JSON.stringify({ name: "v1.2.3", notes: "é ✓" });

let main: ReturnType<typeof serve>;
let other: ReturnType<typeof serve>;
let base = "";
let otherBase = "";

beforeAll(async () => {
  other = serve((req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ at: "other", path: req.url }));
  });
  otherBase = await listen(other.server);
  main = serve((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const to = url.searchParams.get("to");
    const status = Number(url.searchParams.get("status") ?? 200);
    if (url.pathname === "/redirect") {
      res.writeHead(status, { location: to === "other" ? `${otherBase}/landed` : "/echo" });
      res.end();
    } else if (url.pathname === "/loop") {
      res.writeHead(302, { location: "/loop" });
      res.end();
    } else if (url.pathname === "/echo") {
      res.writeHead(200, { "content-type": "application/json", "x-request-id": "abc", "set-cookie": ["a=1", "b=2"] });
      res.end(JSON.stringify({ method: req.method }));
    } else if (url.pathname === "/encoded") {
      const encoding = url.searchParams.get("as") ?? "gzip";
      const packed =
        encoding === "gzip"
          ? gzipSync(JSON_BODY)
          : encoding === "br"
            ? brotliCompressSync(JSON_BODY)
            : encoding === "deflate-raw"
              ? deflateRawSync(JSON_BODY)
              : deflateSync(JSON_BODY);
      // Servers send "deflate" both with its zlib header and without (raw).
      res.writeHead(200, { "content-type": "application/json", "content-encoding": encoding.replace("-raw", "") });
      res.end(packed);
    } else if (url.pathname === "/gzip-empty") {
      res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });
      res.end();
    } else if (url.pathname === "/gzip-cut") {
      const packed = gzipSync(JSON_BODY);
      res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });
      res.end(packed.subarray(0, packed.length - 8)); // no trailer
    } else if (url.pathname === "/redirect-gzip") {
      res.writeHead(302, { location: "/echo", "content-encoding": "gzip" });
      res.end();
    } else if (url.pathname === "/bom") {
      res.writeHead(200, { "content-type": "application/json; charset=utf-8" });
      res.end(`\uFEFF${JSON_BODY}`);
    } else if (url.pathname === "/cut") {
      res.writeHead(200, { "content-type": "application/json", "content-length": "1000" });
      res.write('{"partial":');
      setTimeout(() => res.socket?.destroy(), 20);
    } else if (url.pathname === "/hang") {
      // never answers; the client's signal ends it
    } else {
      res.writeHead(status, { "content-type": "application/json", "Retry-After": "1" });
      res.end(status === 204 || status === 304 ? undefined : JSON_BODY);
    }
  });
  base = await listen(main.server);
});

afterAll(() => {
  main.server.closeAllConnections();
  other.server.closeAllConnections();
  main.server.close();
  other.server.close();
});

/** What a caller sees of an answer, read the same way from either client. */
async function reading(res: {
  status: number;
  url: string;
  redirected: boolean;
  ok: boolean;
  headers: { get(n: string): string | null };
  text(): Promise<string>;
}) {
  return {
    status: res.status,
    url: res.url,
    redirected: res.redirected,
    ok: res.ok,
    type: res.headers.get("Content-Type"),
    retryAfter: res.headers.get("retry-after"),
    location: res.headers.get("location"),
    body: await res.text(),
  };
}

const EXCHANGES: { name: string; path: string; init?: RequestInit & { redirect?: "follow" | "manual" } }[] = [
  { name: "a JSON answer", path: "/ok" },
  { name: "a 404 with a body", path: "/x?status=404" },
  { name: "a 502", path: "/x?status=502" },
  { name: "a 204", path: "/x?status=204" },
  { name: "a HEAD", path: "/ok", init: { method: "HEAD" } },
  { name: "a POST with a JSON body", path: "/x?status=201", init: { method: "POST", body: '{"tag_name":"v1"}' } },
  ...[301, 302, 303, 307, 308].flatMap((status) => [
    { name: `GET through a ${status}`, path: `/redirect?status=${status}` },
    {
      name: `POST through a ${status}`,
      path: `/redirect?status=${status}`,
      init: { method: "POST", body: "{}", headers: { "content-type": "application/json" } },
    },
    {
      name: `a ${status} left to the caller`,
      path: `/redirect?status=${status}`,
      init: { redirect: "manual" as const },
    },
  ]),
  { name: "a redirect to another origin", path: "/redirect?status=302&to=other" },
  ...["gzip", "deflate", "deflate-raw", "br"].map((as) => ({ name: `a ${as} body`, path: `/encoded?as=${as}` })),
  { name: "an empty body said to be gzip", path: "/gzip-empty" },
  { name: "a gzip body without its trailer", path: "/gzip-cut" },
  { name: "a followed redirect said to be gzip, with no body", path: "/redirect-gzip" },
  { name: "the same redirect left to the caller", path: "/redirect-gzip", init: { redirect: "manual" as const } },
  { name: "a JSON body with a byte-order mark", path: "/bom" },
];

describe("httpFetch answers as fetch does", () => {
  it.for(EXCHANGES)("$name", async ({ path, init }) => {
    const theirs = await reading(await fetch(`${base}${path}`, init));
    const ours = await reading(await httpFetch(`${base}${path}`, init as Parameters<typeof httpFetch>[1]));
    expect(ours).toEqual(theirs);
  });

  it("lists headers as fetch does: lower-case names, sorted, repeated ones joined", async () => {
    const theirs = [...(await fetch(`${base}/echo`)).headers].filter(
      ([k]) => !["date", "keep-alive", "connection"].includes(k),
    );
    const ours = [...(await httpFetch(`${base}/echo`)).headers].filter(
      ([k]) => !["date", "keep-alive", "connection"].includes(k),
    );
    expect(ours).toEqual(theirs);
    expect(ours.find(([k]) => k === "x-request-id")).toEqual(["x-request-id", "abc"]);
  });

  it("sends fetch's default accept and a user agent unless the caller names its own", async () => {
    const heard: Record<string, string | undefined>[] = [];
    const probe = serve((req, res) => {
      heard.push({
        accept: req.headers.accept,
        agent: req.headers["user-agent"],
        encoding: req.headers["accept-encoding"],
      });
      res.writeHead(204);
      res.end();
    });
    const url = await listen(probe.server);
    try {
      await httpFetch(`${url}/a`);
      await httpFetch(`${url}/b`, { headers: { Accept: "application/vnd.github+json", "User-Agent": "octokit" } });
    } finally {
      probe.server.closeAllConnections();
      probe.server.close();
    }
    expect(heard).toEqual([
      { accept: "*/*", agent: "release-kit", encoding: "gzip, deflate, br" },
      { accept: "application/vnd.github+json", agent: "octokit", encoding: "gzip, deflate, br" },
    ]);
  });

  it("reads JSON after a byte-order mark as fetch does", async () => {
    expect(await (await httpFetch(`${base}/bom`)).json()).toEqual(await (await fetch(`${base}/bom`)).json());
  });

  it("reads a body more than once through clone, and as bytes", async () => {
    const res = await httpFetch(`${base}/ok`);
    expect(await res.clone().json()).toEqual(JSON.parse(JSON_BODY));
    expect(Buffer.from(await res.arrayBuffer()).toString()).toBe(JSON_BODY);
  });

  it("sends a redirected POST's method and body as fetch does, and credentials only to the same origin", async () => {
    const before = main.seen.length;
    await httpFetch(`${base}/redirect?status=303`, {
      method: "POST",
      body: "{}",
      headers: { authorization: "token s3cret" },
    });
    await httpFetch(`${base}/redirect?status=307`, {
      method: "POST",
      body: '{"a":1}',
      headers: { authorization: "token s3cret" },
    });
    const later = main.seen.slice(before).filter((s) => s.url === "/echo");
    expect(later.map((s) => [s.method, s.body, s.authorization])).toEqual([
      ["GET", "", "token s3cret"],
      ["POST", '{"a":1}', "token s3cret"],
    ]);
    const atOther = other.seen.length;
    await httpFetch(`${base}/redirect?status=302&to=other`, { headers: { authorization: "token s3cret" } });
    expect(other.seen.slice(atOther)).toEqual([expect.objectContaining({ url: "/landed", authorization: undefined })]);
  });
});

describe("httpFetch fails as fetch does", () => {
  async function failure(run: () => Promise<unknown>) {
    try {
      await run();
    } catch (error) {
      const e = error as Error & { cause?: { code?: string } };
      return { name: e.name, message: e.message, causeCode: e.cause?.code ?? null };
    }
    throw new Error("it did not fail");
  }

  it("nothing listening: TypeError('fetch failed') caused by ECONNREFUSED", async () => {
    const closed = serve(() => {});
    const url = await listen(closed.server);
    await new Promise((r) => closed.server.close(r));
    const ours = await failure(() => httpFetch(`${url}/x`));
    expect(ours).toEqual(await failure(() => fetch(`${url}/x`)));
    expect(ours.causeCode).toBe("ECONNREFUSED");
  });

  it("a body cut off: TypeError('fetch failed') with the socket's error as its cause", async () => {
    // Node's fetch resolves first and fails while the body is read ("terminated"); this client reads
    // the body before it answers, so the same cut fails the request itself, as a network error.
    const ours = await failure(() => httpFetch(`${base}/cut`).then((r) => r.text()));
    expect(ours).toMatchObject({ name: "TypeError", message: "fetch failed" });
    expect(ours.causeCode).toBe("ECONNRESET");
    const theirs = await failure(() => fetch(`${base}/cut`).then((r) => r.text()));
    expect(theirs.name).toBe("TypeError");
  });

  it("no answer within the signal's time: rejects with the signal's TimeoutError", async () => {
    const ours = await failure(() => httpFetch(`${base}/hang`, { signal: AbortSignal.timeout(200) }));
    expect(ours).toEqual(await failure(() => fetch(`${base}/hang`, { signal: AbortSignal.timeout(200) })));
    expect(ours.name).toBe("TimeoutError");
  });

  it("a signal aborted before the request is made: rejects at once with the signal's reason", async () => {
    // The abort lands while the client is still starting (loading its modules): it must not be missed,
    // or a request to a server that never answers would wait forever. Missed, the request reaches
    // the server: that ends the test as surely as the rejection does.
    const before = main.seen.length;
    let done = false;
    const reached = new Promise<string>((resolve) => {
      const look = () => {
        if (main.seen.slice(before).some((s) => s.url === "/hang?ours")) resolve("sent");
        else if (!done) setTimeout(look, 10);
      };
      look();
    });
    const ours = new AbortController();
    const pending = failure(() => httpFetch(`${base}/hang?ours`, { signal: ours.signal }));
    ours.abort();
    const first = await Promise.race([pending, reached]);
    done = true;
    expect(first).toEqual({ name: "AbortError", message: "This operation was aborted", causeCode: null });
    const theirs = new AbortController();
    const fetched = failure(() => fetch(`${base}/hang`, { signal: theirs.signal }));
    theirs.abort();
    expect(await pending).toEqual(await fetched);
  });

  it("a redirect loop: TypeError('fetch failed') after 20 redirects", async () => {
    const before = main.seen.length;
    const ours = await failure(() => httpFetch(`${base}/loop`));
    expect(ours).toMatchObject({ name: "TypeError", message: "fetch failed" });
    expect(main.seen.slice(before).filter((s) => s.url === "/loop")).toHaveLength(21);
  });

  it("closes a connection left idle, as fetch does, so a long pause never meets one a NAT has dropped", async () => {
    // The server would keep it for ten minutes: the client is the one to close it, after seconds.
    const idle = serve((_req, res) => {
      res.writeHead(204);
      res.end();
    });
    idle.server.keepAliveTimeout = 600_000;
    const url = await listen(idle.server);
    const closed = new Promise<void>((resolve) =>
      idle.server.on("connection", (socket) => socket.on("close", resolve)),
    );
    try {
      expect((await httpFetch(`${url}/a`)).status).toBe(204);
      await closed;
    } finally {
      idle.server.closeAllConnections();
      idle.server.close();
    }
  });

  it("a kept connection does not keep the process alive once the answer is read", async () => {
    // The server keeps idle connections for ten minutes: a process held by one would not end.
    main.server.keepAliveTimeout = 600_000;
    const script = `import { httpFetch } from ${JSON.stringify(`${KIT}/scripts/lib/http-fetch.ts`)};
      const res = await httpFetch(${JSON.stringify(`${base}/ok`)}); console.log(res.status, (await res.json()).name);`;
    const child = spawn(process.execPath, ["--import", "tsx/esm", "--input-type=module", "-e", script], {
      cwd: KIT,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (c) => (out += c));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(code).toBe(0);
    expect(out.trim()).toBe("200 v1.2.3");
  });
});

describe("httpFetch over TLS", () => {
  // A server certificate for 127.0.0.1 signed by a test CA (test/fixtures/tls; the CA's key was
  // thrown away). Node reads NODE_EXTRA_CA_CERTS as it starts, so each case runs in a process of its own.
  const tls = `${KIT}/test/fixtures/tls`;
  let secure: Server;
  let secureUrl = "";
  beforeAll(async () => {
    secure = createTlsServer(
      { key: readFileSync(`${tls}/server.key`), cert: readFileSync(`${tls}/server.crt`) },
      (_req, res) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON_BODY);
      },
    );
    await new Promise<void>((resolve) => secure.listen(0, "127.0.0.1", resolve));
    secureUrl = `https://127.0.0.1:${(secure.address() as AddressInfo).port}/ok`;
  });
  afterAll(() => {
    secure.closeAllConnections();
    secure.close();
  });

  /** What each client makes of the URL, in a node started with `extra` as NODE_EXTRA_CA_CERTS. */
  async function both(extra: string | undefined) {
    const script = `import { httpFetch } from ${JSON.stringify(`${KIT}/scripts/lib/http-fetch.ts`)};
      const read = async (f) => { try { const r = await f(${JSON.stringify(secureUrl)}); return { status: r.status, body: await r.text() }; }
        catch (e) { return { name: e.name, message: e.message, code: e.cause?.code ?? null }; } };
      console.log(JSON.stringify({ ours: await read(httpFetch), theirs: await read(fetch) }));`;
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.NODE_EXTRA_CA_CERTS;
    if (extra) env.NODE_EXTRA_CA_CERTS = extra;
    const child = spawn(process.execPath, ["--import", "tsx/esm", "--input-type=module", "-e", script], {
      cwd: KIT,
      env,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (c) => (out += c));
    await new Promise((resolve) => child.on("exit", resolve));
    return JSON.parse(out) as { ours: Record<string, unknown>; theirs: Record<string, unknown> };
  }

  it("trusts what NODE_EXTRA_CA_CERTS adds, as fetch does", async () => {
    const { ours, theirs } = await both(`${tls}/ca.crt`);
    expect(ours).toEqual({ status: 200, body: JSON_BODY });
    expect(ours).toEqual(theirs);
  });

  it("refuses a certificate nobody vouches for, failing as fetch fails", async () => {
    const { ours, theirs } = await both(undefined);
    expect(ours).toMatchObject({ name: "TypeError", message: "fetch failed" });
    expect(ours.code).toMatch(/CERT|SIGNATURE|ISSUER/);
    expect(ours).toEqual(theirs);
  });
});
