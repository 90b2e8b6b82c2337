// The sandbox's GitHub: the REST routes the kit calls, answered as api.github.com answers them
// (auth, ETags, rate-limit headers, pagination, error bodies), over a real bare repository.
// Scenario knobs are read on every request, so a test can change the world mid-command.
//
// The parts: http.ts (what a route receives and answers), transport.ts (one request end to end),
// context.ts (the state every handler is given), routes/*.ts (one module per resource), hooks.ts
// (the bare repository's push hooks), render.ts (GitHub's JSON).
import http from "node:http";
import type { Socket } from "node:net";
import type { ApiContext, ApiServerOptions } from "./context.ts";
import { openBareRepo } from "./git.ts";
import { answerPreReceive, answerRefsHook, installPushHooks, PRE_RECEIVE_ENDPOINT, REFS_ENDPOINT } from "./hooks.ts";
import { compileRoutes } from "./http.ts";
import * as render from "./render.ts";
import { actionsRoutes } from "./routes/actions.ts";
import { commitRoutes } from "./routes/commits.ts";
import { refRoutes } from "./routes/refs.ts";
import { releaseRoutes } from "./routes/releases.ts";
import { repositoryRoutes } from "./routes/repository.ts";
import type { SandboxState } from "./state.ts";
import { createState, repositoryIdOf } from "./state.ts";
import { count, handleRequest, type Transport } from "./transport.ts";

export type { ApiServerOptions, RefUpdate } from "./context.ts";

export interface ApiServer {
  /** http://127.0.0.1:PORT, the GITHUB_API_URL. */
  url: string;
  state: SandboxState;
  /** "METHOD /route/{template} STATUS" → count; resets, hangs and unmatched paths included. */
  requests: Map<string, number>;
  /** Requests being answered right now, and the most at once (a test may reset peak to 0). */
  inFlight: { now: number; peak: number };
  /** Writes hooks/pre-receive (GitHub's push rules: protected branches, rulesets, burned tag names) and
   *  hooks/post-receive (pushes reach onRefUpdate before `git push` returns) into remotePath. */
  installPushHook(): Promise<void>;
  /** Closes the server and every open socket (hung requests included). */
  stop(): Promise<void>;
}

// Earlier routes win where templates overlap (".../commits/{ref}/status" before ".../commits/{ref}").
const ROUTES = compileRoutes([...repositoryRoutes, ...refRoutes, ...commitRoutes, ...releaseRoutes, ...actionsRoutes]);

/** The rendering context, complete but for the URLs and the creation time, set once the server listens. */
function renderContext(opts: ApiServerOptions, state: SandboxState): render.RenderContext {
  return {
    apiUrl: "",
    htmlUrl: "",
    owner: opts.owner,
    repo: opts.repo,
    repoId: repositoryIdOf(opts.owner, opts.repo),
    defaultBranch: opts.defaultBranch,
    workflowId: state.workflowId,
    createdAt: "",
    accountOf: (email) => {
      const login =
        opts.scenario.accounts[email.toLowerCase()] ??
        /^(?:\d+\+)?([A-Za-z0-9-]+)@users\.noreply\.github\.com$/i.exec(email)?.[1];
      return login ? { login, id: render.derivedId("user", login) % 100_000_000 } : null;
    },
  };
}

async function route(t: Transport, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const method = (req.method ?? "GET").toUpperCase();
  const pathname = new URL(req.url ?? "/", t.c.render.apiUrl).pathname;
  if (method === "POST" && pathname === REFS_ENDPOINT)
    return count(t, `POST ${REFS_ENDPOINT} ${await answerRefsHook(t.c, req, res)}`);
  if (method === "POST" && pathname === PRE_RECEIVE_ENDPOINT)
    return count(t, `POST ${PRE_RECEIVE_ENDPOINT} ${await answerPreReceive(t.c, req, res)}`);
  return handleRequest(t, req, res);
}

export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const now = opts.now ?? (() => new Date());
  const state = createState();
  const c: ApiContext = {
    opts,
    scenario: opts.scenario,
    state,
    git: openBareRepo(opts.remotePath),
    now,
    render: renderContext(opts, state),
    jobHistory: new Map(),
    rates: new Map(),
    latestId: null,
  };
  const stopping = new AbortController();
  const t: Transport = {
    c,
    routes: ROUTES,
    requests: new Map(),
    inFlight: { now: 0, peak: 0 },
    stopping: stopping.signal,
    writes: Promise.resolve(),
  };
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    route(t, req, res).catch((e) => {
      console.error("sandbox: request failed:", e);
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500);
        res.end();
      }
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("sandbox API: no TCP address");
  const url = `http://127.0.0.1:${address.port}`;
  c.render.apiUrl = url;
  c.render.htmlUrl = url;
  c.render.createdAt = render.isoSeconds(now());

  return {
    url,
    state,
    requests: t.requests,
    inFlight: t.inFlight,
    installPushHook: () => installPushHooks(opts.remotePath, url),
    async stop() {
      stopping.abort();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      await closed;
    },
  };
}
