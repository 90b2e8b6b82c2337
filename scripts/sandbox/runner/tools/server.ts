// Where the stand-in CLIs (scripts/sandbox/runner-bin) call in: a loopback TCP server in the
// sandbox's process. A request is NUL-separated: the job's key, the tool, the working folder,
// the arguments, the environment, then stdin; the answer is "o <line>" (stdout), "e <line>"
// (stderr) and finally "x <exit status>". The key ties the call to its job's runtime.

import type { AddressInfo } from "node:net";
import { createServer, type Socket } from "node:net";
import type { JobRuntime } from "../runtime.ts";
import { cosign } from "./cosign.ts";
import { crane } from "./crane.ts";
import { docker } from "./docker.ts";
import { helm } from "./helm.ts";
import { oras } from "./oras.ts";
import type { Tool } from "./types.ts";

export const TOOLS: Record<string, Tool> = { docker, helm, oras, crane, cosign };

export interface ToolServer {
  port: number;
  register(rt: JobRuntime): void;
  unregister(key: string): void;
  stop(): Promise<void>;
}

/** The request's fields once all have arrived, else null. */
function parseRequest(buf: Buffer): string[] | null {
  const fields: string[] = [];
  let at = 0;
  const next = () => {
    const end = buf.indexOf(0, at);
    if (end === -1) return null;
    const field = buf.subarray(at, end).toString("utf8");
    at = end + 1;
    fields.push(field);
    return field;
  };
  for (let i = 0; i < 4; i++) if (next() === null) return null;
  const argc = Number(fields[3]);
  for (let i = 0; i < argc; i++) if (next() === null) return null;
  const envc = next();
  if (envc === null) return null;
  for (let i = 0; i < Number(envc); i++) if (next() === null) return null;
  if (next() === null) return null;
  return fields;
}

export async function startToolServer(): Promise<ToolServer> {
  const jobs = new Map<string, JobRuntime>();
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    let buf = Buffer.alloc(0);
    let started = false;
    socket.on("data", (chunk: Buffer) => {
      if (started) return;
      buf = Buffer.concat([buf, chunk]);
      const fields = parseRequest(buf);
      if (!fields) return;
      started = true;
      const [key, tool, cwd, argcText, ...rest] = fields;
      const argc = Number(argcText);
      const args = rest.slice(0, argc);
      const envc = Number(rest[argc]);
      const env = Object.fromEntries(
        rest
          .slice(argc + 1, argc + 1 + envc)
          .map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
      );
      const stdin = rest[argc + 1 + envc] ?? "";
      const write = (prefix: string, text: string) => {
        if (socket.writable) for (const line of text.split("\n")) socket.write(`${prefix} ${line}\n`);
      };
      const rt = jobs.get(key ?? "");
      const done = (code: number) => {
        if (socket.writable) socket.end(`x ${code}\n`);
      };
      if (!rt || !TOOLS[tool ?? ""]) {
        write("e", `${tool}: not part of a running sandbox job`);
        return done(127);
      }
      rt.log(`sandbox: ${tool} ${args.join(" ")}`);
      TOOLS[tool!]!({ rt, args, cwd: cwd!, env, stdin, out: (l) => write("o", l), err: (l) => write("e", l) }).then(
        done,
        (error: unknown) => {
          write("e", `${tool}: sandbox stand-in failed: ${error instanceof Error ? error.message : String(error)}`);
          done(1);
        },
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    register: (rt) => jobs.set(rt.key, rt),
    unregister: (key) => jobs.delete(key),
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
