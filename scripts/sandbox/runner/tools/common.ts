// What the stand-ins share: their subcommand tables, logins, and turning a failure into the tool's exit status.
import { type ImageRef, OciError } from "../oci/client.ts";
import { BuildFailure } from "../runtime.ts";
import { first, parseArgs, UsageError } from "./args.ts";
import type { Tool, ToolCall } from "./types.ts";

/** `<tool> login [HOST] -u USER (-p PASS | --password-stdin)`: remembered for the job's pushes. */
export function login(call: ToolCall, args: string[], defaultHost: string | null, okText = "Login Succeeded"): number {
  const p = parseArgs(args, "-u|--username= -p|--password= --password-stdin --insecure --plain-http");
  const host = p.positionals[0] ?? defaultHost;
  if (!host) throw new UsageError("login needs a registry host");
  const username = first(p, "username") ?? "";
  const password = p.flags.has("passwordStdin") ? call.stdin.replace(/\r?\n$/, "") : (first(p, "password") ?? "");
  if (!username || !password) {
    call.err("Error: Cannot perform an interactive login from a non TTY device");
    return 1;
  }
  call.rt.logins.set(host.replace(/^https?:\/\//, "").replace(/\/.*$/, ""), { username, password });
  call.out(okText);
  return 0;
}

/** Runs a stand-in command, turning the failures a real tool reports into its exit status. */
export async function guarded(call: ToolCall, tool: string, run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof BuildFailure || error instanceof OciError) {
      for (const line of error.message.split("\n")) call.err(line);
      return 1;
    }
    if (error instanceof UsageError) {
      call.err(`${tool}: ${error.message}`);
      return tool === "docker" ? 125 : 1;
    }
    throw error;
  }
}

export function skipped(call: ToolCall, what: string): number {
  call.rt.log(`sandbox: \`${what}\` is not simulated: skipped`);
  return 0;
}

/** One subcommand of a stand-in: the arguments after its name; `skip` passes the whole line over as not simulated. */
export type Subcommand = (call: ToolCall, args: string[], skip: () => number) => number | Promise<number>;

/**
 * A stand-in CLI as the table of the subcommands it simulates: `version` prints `version`, a
 * subcommand not in the table is skipped, and failures become the tool's exit status. `prepare`
 * drops what comes before the subcommand or what the stand-in ignores (global options).
 */
export function standIn(
  tool: string,
  version: string,
  commands: Record<string, Subcommand>,
  prepare: (args: string[]) => string[] = (args) => args,
): Tool {
  return (call) =>
    guarded(call, tool, async () => {
      const args = prepare(call.args);
      const [command = "", ...rest] = args;
      const skip = () => skipped(call, `${tool} ${args.join(" ")}`);
      if (command === "version") {
        call.out(version);
        return 0;
      }
      return Object.hasOwn(commands, command) ? commands[command]!(call, rest, skip) : skip();
    });
}

/** The manifest a reference names (its digest, else its tag, else `latest`), or null when the registry has none. */
export function manifestAt(call: ToolCall, ref: ImageRef) {
  return call.rt.oci.getManifest(ref, ref.digest ?? ref.tag ?? "latest");
}
