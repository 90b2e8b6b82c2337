// `run:` steps: the script in a file under RUNNER_TEMP, run by bash the way Actions runs a shell
// (`bash -e {0}` when no shell is named, `bash --noprofile --norc -eo pipefail {0}` for
// `shell: bash`, `sh -e {0}` for sh, or a custom template with {0}), in a PATH made only of the
// stand-ins and a fixed list of harmless tools. Any other command is logged as skipped and
// succeeds, through bash's command_not_found_handle; nothing else of the machine is reachable by
// name.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, symlinkSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { KIT_ROOT } from "../../lib/kit-root.ts";
import { BASH } from "../bash.ts";

export const STANDIN_DIR = join(KIT_ROOT, "scripts", "sandbox", "runner-bin");
export const STANDINS = ["docker", "helm", "oras", "crane", "cosign"];

/** Tools a step may run from the machine: they read and write files, and reach nothing else. */
export const ALLOWED_TOOLS = [
  "awk",
  "base64",
  "basename",
  "cat",
  "chmod",
  "cksum",
  "cmp",
  "comm",
  "cp",
  "cut",
  "date",
  "diff",
  "dirname",
  "env",
  "expr",
  "false",
  "find",
  "fold",
  "grep",
  "gunzip",
  "gzip",
  "head",
  "id",
  "jq",
  "join",
  "ls",
  "md5sum",
  "mkdir",
  "mv",
  "nl",
  "od",
  "paste",
  "printenv",
  "printf",
  "readlink",
  "realpath",
  "rev",
  "sed",
  "seq",
  "sha1sum",
  "sha256sum",
  "sha512sum",
  "sort",
  "stat",
  "tac",
  "tail",
  "tar",
  "tee",
  "test",
  "touch",
  "tr",
  "true",
  "uname",
  "uniq",
  "wc",
  "whoami",
  "xargs",
  "zcat",
];

const SYSTEM_DIRS = ["/usr/local/bin", "/usr/bin", "/bin"];

/**
 * Makes the one folder a job's PATH holds: the stand-ins and the allowed tools, as links, plus any
 * program the sandbox's owner lets workflows run by name (`extra`: name → absolute path).
 */
export function makeBinDir(dir: string, extra: Record<string, string> = {}): string {
  mkdirSync(dir, { recursive: true });
  for (const [name, target] of Object.entries(extra)) symlinkSync(target, join(dir, name));
  const link = (target: string, name: string) => {
    if (!existsSync(join(dir, name))) symlinkSync(target, join(dir, name));
  };
  for (const tool of STANDINS) link(join(STANDIN_DIR, tool), tool);
  for (const tool of ALLOWED_TOOLS) {
    const found = SYSTEM_DIRS.map((d) => join(d, tool)).find((p) => existsSync(p));
    if (found) link(found, tool);
  }
  for (const name of ["bash", "sh"]) link(BASH, name);
  return dir;
}

const shQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/** One line (no newline, so the user's line numbers stay right) that makes unknown commands log and succeed. */
export function prelude(skippedLog: string): string {
  return `command_not_found_handle() { printf '%s\\n' "$*" >> ${shQuote(skippedLog)}; printf 'sandbox: %s is not available in the sandbox: skipped\\n' "$1" >&2; return 0; }; export -f command_not_found_handle; `;
}

export interface ShellStep {
  script: string;
  /** `shell:` as written, or undefined. */
  shell: string | undefined;
  cwd: string;
  env: Record<string, string>;
  temp: string;
  skippedLog: string;
  timeoutMs: number;
  onLine(stream: "stdout" | "stderr", line: string): void;
  /** Registered so that stopping the sandbox can end it. */
  track(kill: () => void): () => void;
}

export type ShellResult =
  | { kind: "ran"; exitCode: number; timedOut: boolean }
  | { kind: "unavailable"; shell: string }
  | { kind: "no-cwd" };

/** The program and arguments for a `shell:` value, "{0}" standing for the script file. */
function template(shell: string | undefined): { args: string[]; ext: string } | null {
  if (shell === undefined) return { args: ["-e", "{0}"], ext: ".sh" };
  const words = shell.trim().split(/\s+/);
  if (words.length === 1) {
    if (words[0] === "bash") return { args: ["--noprofile", "--norc", "-eo", "pipefail", "{0}"], ext: ".sh" };
    // sh is bash in POSIX mode here, so that unknown commands are handled the same way.
    if (words[0] === "sh") return { args: ["--posix", "-e", "{0}"], ext: ".sh" };
    return null;
  }
  if (words[0] !== "bash" && words[0] !== "sh") return null;
  const args = words.slice(1);
  if (!args.includes("{0}")) args.push("{0}");
  return { args: words[0] === "sh" ? ["--posix", ...args] : args, ext: ".sh" };
}

export async function runShell(step: ShellStep): Promise<ShellResult> {
  const t = template(step.shell);
  if (!t) return { kind: "unavailable", shell: step.shell ?? "" };
  if (!existsSync(step.cwd)) return { kind: "no-cwd" };
  const file = join(step.temp, `${crypto.randomUUID()}${t.ext}`);
  await writeFile(file, prelude(step.skippedLog) + step.script);
  const args = t.args.map((a) => a.replaceAll("{0}", file));
  return new Promise((resolve) => {
    const child = spawn(BASH, args, {
      cwd: step.cwd,
      env: step.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let timedOut = false;
    const kill = () => {
      try {
        if (child.pid) process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    };
    const untrack = step.track(kill);
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, step.timeoutMs);
    const lines = (stream: "stdout" | "stderr") => {
      let rest = "";
      return {
        push(chunk: Buffer) {
          rest += chunk.toString("utf8");
          const parts = rest.split("\n");
          rest = parts.pop()!;
          for (const p of parts) step.onLine(stream, p);
        },
        flush() {
          if (rest) step.onLine(stream, rest);
          rest = "";
        },
      };
    };
    const out = lines("stdout");
    const err = lines("stderr");
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      untrack();
      out.flush();
      err.flush();
      resolve({ kind: "ran", exitCode: code ?? (signal ? 128 + 9 : 1), timedOut });
    });
    child.on("error", () => {
      clearTimeout(timer);
      untrack();
      resolve({ kind: "ran", exitCode: 127, timedOut });
    });
  });
}
