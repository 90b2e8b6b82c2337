// What goes over the wire, as distribution writes it: Go's JSON, the error envelope and its codes,
// the API version header, and where Go's decoder reports a syntax error in a manifest.
import type { IncomingMessage, ServerResponse } from "node:http";

/** Go's encoding/json: compact, "\n"-terminated, with <, > and & escaped. */
export function goJson(value: unknown): Buffer {
  const text = JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  return Buffer.from(`${text}\n`);
}

export interface WireError {
  code: string;
  message: string;
  detail?: unknown;
}

const MESSAGES: Record<string, string> = {
  BLOB_UNKNOWN: "blob unknown to registry",
  BLOB_UPLOAD_INVALID: "blob upload invalid",
  BLOB_UPLOAD_UNKNOWN: "blob upload unknown to registry",
  DENIED: "requested access to the resource is denied",
  DIGEST_INVALID: "provided digest did not match uploaded content",
  MANIFEST_BLOB_UNKNOWN: "blob unknown to registry",
  MANIFEST_INVALID: "manifest invalid",
  MANIFEST_UNKNOWN: "manifest unknown",
  NAME_UNKNOWN: "repository name not known to registry",
  TOOMANYREQUESTS: "too many requests",
  UNAUTHORIZED: "authentication required",
  UNKNOWN: "unknown error",
};

/** One error; `detail` undefined leaves the key out, as distribution does for bare codes. */
export function err(code: string, detail?: unknown, message = MESSAGES[code] ?? code): WireError {
  return detail === undefined ? { code, message } : { code, message, detail };
}

const API_VERSION = { "Docker-Distribution-Api-Version": "registry/2.0" };

export function send(res: ServerResponse, status: number, headers: Record<string, string>, body?: Buffer): void {
  const all: Record<string, string> = { ...API_VERSION, ...headers };
  if (body && !("Content-Length" in all)) all["Content-Length"] = String(body.length);
  res.writeHead(status, all);
  // Node drops the body of a HEAD answer but keeps the Content-Length, as Go's server does.
  res.end(body);
}

export function sendErrors(
  res: ServerResponse,
  status: number,
  errors: WireError[],
  extra: Record<string, string> = {},
): void {
  send(res, status, { "Content-Type": "application/json; charset=utf-8", ...extra }, goJson({ errors }));
}

export function sendText(res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void {
  send(
    res,
    status,
    { "Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff", ...extra },
    Buffer.from(`${text}\n`),
  );
}

/**
 * Where Go's encoding/json reports the first syntax error (json.SyntaxError.Offset): the byte
 * after the offending one, or the input length when it ends early. undefined: valid JSON.
 */
export function jsonSyntaxErrorOffset(b: Buffer): number | undefined {
  let i = 0;
  const stop = (): never => {
    throw new RangeError(String(i < b.length ? i + 1 : b.length));
  };
  const ws = () => {
    while (i < b.length && (b[i] === 0x20 || b[i] === 0x09 || b[i] === 0x0a || b[i] === 0x0d)) i++;
  };
  const eat = (c: number) => {
    if (b[i] !== c) stop();
    i++;
  };
  const digits = () => {
    if (!(b[i]! >= 0x30 && b[i]! <= 0x39)) stop();
    while (b[i]! >= 0x30 && b[i]! <= 0x39) i++;
  };
  const string = () => {
    i++;
    for (;;) {
      if (i >= b.length || b[i]! < 0x20) stop();
      const c = b[i++];
      if (c === 0x22) return;
      if (c !== 0x5c) continue;
      if (i >= b.length) stop();
      const e = b[i++]!;
      if (e === 0x75) {
        for (let k = 0; k < 4; k++) {
          if (!/[0-9a-fA-F]/.test(String.fromCharCode(b[i] ?? 0))) stop();
          i++;
        }
      } else if (!'"\\/bfnrt'.includes(String.fromCharCode(e))) {
        i--;
        stop();
      }
    }
  };
  const value = (): void => {
    ws();
    if (i >= b.length) stop();
    const c = b[i]!;
    if (c === 0x7b || c === 0x5b) {
      const close = c === 0x7b ? 0x7d : 0x5d;
      i++;
      ws();
      if (b[i] === close) return void i++;
      for (;;) {
        if (c === 0x7b) {
          ws();
          if (b[i] !== 0x22) stop();
          string();
          ws();
          eat(0x3a);
        }
        value();
        ws();
        if (b[i] === 0x2c) {
          i++;
          continue;
        }
        return eat(close);
      }
    }
    if (c === 0x22) return string();
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      if (c === 0x2d) i++;
      if (b[i] === 0x30) i++;
      else digits();
      if (b[i] === 0x2e) {
        i++;
        digits();
      }
      if (b[i] === 0x65 || b[i] === 0x45) {
        i++;
        if (b[i] === 0x2b || b[i] === 0x2d) i++;
        digits();
      }
      return;
    }
    for (const word of ["true", "false", "null"]) {
      if (c === word.charCodeAt(0)) {
        for (let k = 0; k < word.length; k++) eat(word.charCodeAt(k));
        return;
      }
    }
    stop();
  };
  try {
    value();
    ws();
    if (i < b.length) stop();
    return undefined;
  } catch (e) {
    if (e instanceof RangeError) return Number(e.message);
    throw e;
  }
}

/** Go's UnmarshalTypeError for a top-level non-object: where its decoder stood when it gave up. */
export function topLevelTypeError(b: Buffer, parsed: unknown): WireError | undefined {
  if (parsed === null || (typeof parsed === "object" && !Array.isArray(parsed))) return undefined;
  const start = b.length - b.toString("latin1").trimStart().length;
  const kind = Array.isArray(parsed) ? "array" : typeof parsed === "boolean" ? "bool" : typeof parsed;
  // Arrays: just past the "["; scalars: just past the literal.
  const offset = Array.isArray(parsed) ? start + 1 : b.toString("latin1").trimEnd().length;
  return err("MANIFEST_INVALID", { Value: kind, Type: {}, Offset: offset, Struct: "", Field: "" });
}

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

export function mediaTypeOf(header: string | undefined): string {
  return (header ?? "").split(";")[0]!.trim().toLowerCase();
}
