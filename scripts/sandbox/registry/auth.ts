// Token auth, as `docker-registry` with `auth: token` answers (the same challenge, body and error
// parameter), where a hosted registry answers differently, and the token service itself.
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { exists, isPrivate, type RegistryContext } from "./context.ts";
import { err, send, sendErrors } from "./wire.ts";

export function authorized(
  c: RegistryContext,
  req: IncomingMessage,
  res: ServerResponse,
  name: string,
  actions: string[],
): boolean {
  const header = req.headers.authorization ?? "";
  const bearer = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
  const granted = bearer ? c.grants.get(bearer) : undefined;
  if (granted && actions.every((a) => granted.has(`repository:${name}:${a}`))) return true;
  const scope = actions.length > 0 ? `,scope="repository:${name}:${actions.join(",")}"` : "";
  const error = bearer && !granted ? `,error="invalid_token"` : granted ? `,error="insufficient_scope"` : "";
  const detail =
    actions.length > 0 ? actions.map((a) => ({ Type: "repository", Class: "", Name: name, Action: a })) : null;
  sendErrors(res, 401, [err("UNAUTHORIZED", detail)], {
    "WWW-Authenticate": `Bearer realm="${c.realm}",service="${c.service}"${scope}${error}`,
  });
  return false;
}

/**
 * Where a hosted registry answers a read differently from distribution, its answer; else null.
 * GHCR: a package it does not have is 403 DENIED, a missing tag of one it has MANIFEST_UNKNOWN.
 * Docker Hub: a repository it does not have is 401 UNAUTHORIZED, token or not.
 */
export function hostedAnswer(
  c: RegistryContext,
  res: ServerResponse,
  name: string,
  method: string,
  route: string,
): boolean {
  if (
    c.flavor === "distribution" ||
    route === "/v2/" ||
    route.includes("uploads") ||
    (method !== "GET" && method !== "HEAD")
  )
    return false;
  if (exists(c, name)) return false;
  if (c.flavor === "ghcr") {
    sendErrors(res, 403, [err("DENIED")]);
    return true;
  }
  sendErrors(res, 401, [err("UNAUTHORIZED", [{ Type: "repository", Class: "", Name: name, Action: "pull" }])], {
    "WWW-Authenticate": `Bearer realm="${c.realm}",service="${c.service}",scope="repository:${name}:pull",error="insufficient_scope"`,
  });
  return true;
}

export function token(c: RegistryContext, req: IncomingMessage, res: ServerResponse, url: URL): void {
  const basic = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1];
  const password = basic ? Buffer.from(basic, "base64").toString("utf8").split(":").slice(1).join(":") : undefined;
  const credentialed = c.token !== undefined && password === c.token;
  if (c.auth === "token" && !credentialed) {
    return sendErrors(res, 401, [err("DENIED")]);
  }
  const scopes = url.searchParams.getAll("scope").flatMap((s) => s.split(" "));
  // GHCR refuses an anonymous token for a private package outright (observed: 401 at /token,
  // e.g. openai/tunnel-client#75), before any manifest is asked for.
  if (!credentialed && scopes.some((sc) => isPrivate(c, /^repository:(.+):[a-z*,]+$/.exec(sc)?.[1] ?? ""))) {
    return sendErrors(res, 401, [err("UNAUTHORIZED")]);
  }
  const granted = new Set<string>();
  for (const scope of scopes) {
    const m = /^repository:(.+):([a-z*,]+)$/.exec(scope);
    for (const action of m ? m[2]!.split(",") : []) granted.add(`repository:${m![1]}:${action}`);
  }
  const issued = `sbx_${randomBytes(16).toString("hex")}`;
  c.grants.set(issued, granted);
  send(
    res,
    200,
    { "Content-Type": "application/json" },
    Buffer.from(
      JSON.stringify({ token: issued, access_token: issued, expires_in: 300, issued_at: new Date().toISOString() }),
    ),
  );
}
