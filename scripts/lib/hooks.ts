// cog's hooks read as the shell commands they are: cog runs each as `sh -c "<hook>"`, so a hook is
// parsed with mvdan/sh's parser (the workflow reader's), and judged by the commands it runs, not by
// the words it happens to contain (`echo git push` pushes nothing; `sh -c 'git push'` does).
import { posix } from "node:path";
import { publishedBy } from "./workflow/commands.ts";
import { shellSyntax } from "./workflow/libraries.ts";
import { readScript, type ShellCommand } from "./workflow/shell.ts";

export interface ParsedHook {
  hook: string;
  /** The commands it runs, with `sh -c` scripts read as the commands inside them. */
  commands: ShellCommand[];
  /** Why it is not valid shell; null when it parses. */
  error: string | null;
}

const SHELLS = new Set(["sh", "bash", "dash", "zsh", "ksh"]);
const WRAPPERS = new Set(["sudo", "time", "exec", "command", "nohup"]);

const base = (word: string | null | undefined) => (word ? posix.basename(word) : null);

/** The words after wrappers (sudo, env NAME=value, time, exec, command, nohup). */
export function unwrapped(argv: (string | null)[]): (string | null)[] {
  let i = 0;
  for (;;) {
    const word = argv[i];
    if (word && WRAPPERS.has(word)) i++;
    else if (word === "env") {
      i++;
      while (argv[i] && (/^[A-Za-z_]\w*=/.test(argv[i]!) || argv[i]!.startsWith("-"))) i++;
    } else break;
  }
  return argv.slice(i);
}

export async function parseHook(hook: string): Promise<ParsedHook> {
  const sh = await shellSyntax();
  const read = (text: string, depth: number): ShellCommand[] => {
    const commands = readScript(sh, text, new Map(), "", new Map());
    return commands.flatMap((c) => {
      const argv = unwrapped(c.argv);
      const at = argv.indexOf("-c");
      const script = at > 0 ? argv[at + 1] : undefined;
      if (depth < 4 && SHELLS.has(base(argv[0]) ?? "") && typeof script === "string") return read(script, depth + 1);
      return [c];
    });
  };
  try {
    return { hook, commands: read(hook, 0), error: null };
  } catch (error) {
    return { hook, commands: [], error: (error as Error).message.replace(/^run:/, "") };
  }
}

export async function parseHooks(hooks: string[]): Promise<ParsedHook[]> {
  return Promise.all(hooks.map(parseHook));
}

/** git's options before its subcommand (`git -C dir -c k=v push`). */
function gitSubcommand(args: (string | null)[]): { sub: string | null; rest: (string | null)[] } {
  let i = 0;
  while (i < args.length) {
    const a = args[i];
    if (a === "-C" || a === "-c" || a === "--git-dir" || a === "--work-tree" || a === "--namespace") i += 2;
    else if (a?.startsWith("-")) i++;
    else break;
  }
  return { sub: args[i] ?? null, rest: args.slice(i + 1) };
}

const CARGO_RELEASE_STEPS = new Set(["version", "replace", "hook", "commit", "changes", "config"]);

/** cargo-release's arguments after `cargo release` (or the `cargo-release release` binary). */
function cargoReleaseArgs(argv: (string | null)[]): (string | null)[] | null {
  const tool = base(argv[0]);
  if (tool === "cargo" && argv[1] === "release") return argv.slice(2);
  if (tool === "cargo-release") return argv[1] === "release" ? argv.slice(2) : argv.slice(1);
  return null;
}

/** What a command does that only the review gate may let happen: push, publish, create a release. */
async function actsOnTheWorld(c: ShellCommand): Promise<string | null> {
  const argv = unwrapped(c.argv);
  const tool = base(argv[0]);
  if (tool === "git") {
    const { sub, rest } = gitSubcommand(argv.slice(1));
    if (sub === "push" && !rest.includes("--dry-run") && !rest.includes("-n")) return "pushes to a remote";
    return null;
  }
  if (
    tool === "gh" &&
    argv[1] === "release" &&
    ["create", "edit", "upload", "delete", "delete-asset"].includes(argv[2] ?? "")
  )
    return `${argv[2] === "create" ? "creates" : "changes"} a GitHub release`;
  const release = cargoReleaseArgs(argv);
  if (release) {
    const step = release.find((a) => a !== null && !a.startsWith("-"));
    if (step === "publish") return "publishes the crates";
    if (step === "push") return "pushes to a remote";
    const executes = release.includes("--execute") || release.includes("-x");
    if (executes && (step === undefined || !CARGO_RELEASE_STEPS.has(step ?? "")))
      return "runs a whole cargo-release release: it publishes the crates, tags and pushes";
    return null;
  }
  const found = await publishedBy(c, { readFile: async () => null, packaged: new Map() });
  if (!found.length) return null;
  if (tool === "cargo") return "publishes to crates.io";
  if (tool === "npm" || tool === "pnpm" || tool === "yarn") return "publishes to the npm registry";
  if (["twine", "poetry", "uv", "flit", "hatch"].includes(tool ?? "")) return "uploads to PyPI";
  if (["docker", "podman", "crane", "skopeo", "regctl", "oras", "helm"].includes(tool ?? ""))
    return "pushes to a registry";
  if (tool === "gh") return "uploads files to a GitHub release";
  return "publishes";
}

export interface GateBypass {
  /** cog.toml's key: pre_bump_hooks or post_bump_hooks. */
  key: string;
  hook: string;
  command: string;
  does: string;
}

/** Every command of these hooks that pushes, publishes or creates a release. */
export async function gateBypasses(key: string, hooks: ParsedHook[]): Promise<GateBypass[]> {
  const found: GateBypass[] = [];
  for (const parsed of hooks) {
    for (const c of parsed.commands) {
      const does = await actsOnTheWorld(c);
      if (does) found.push({ key, hook: parsed.hook, command: c.text, does });
    }
  }
  return found;
}

/** The first command of a hook that runs `tool` (by its executable's name), with its words. */
export function commandOf(parsed: ParsedHook, tool: string): ShellCommand | null {
  return parsed.commands.find((c) => base(unwrapped(c.argv)[0]) === tool) ?? null;
}

/** A hook's cargo-release command: `cargo release ...`, or the `cargo-release` binary (with or without its `release` subcommand). */
export function cargoReleaseCommand(
  parsed: ParsedHook,
): { binary: "cargo" | "cargo-release"; subcommand: boolean; args: (string | null)[] } | null {
  for (const c of parsed.commands) {
    const argv = unwrapped(c.argv);
    const tool = base(argv[0]);
    if (tool === "cargo" && argv[1] === "release") return { binary: "cargo", subcommand: true, args: argv.slice(2) };
    if (tool === "cargo-release")
      return {
        binary: "cargo-release",
        subcommand: argv[1] === "release",
        args: argv.slice(argv[1] === "release" ? 2 : 1),
      };
  }
  return null;
}

/** A pre_bump_hook command that stamps the release version into the manifests. */
export function stampsVersions(parsed: ParsedHook): boolean {
  return parsed.commands.some((c) => {
    const argv = unwrapped(c.argv);
    const tool = base(argv[0]);
    const release = cargoReleaseArgs(argv);
    if (release) return release.find((a) => a !== null && !a.startsWith("-")) === "version";
    if (tool === "cargo" && argv[1] === "set-version") return true;
    if (tool === "cargo-set-version") return true;
    if ((tool === "npm" || tool === "pnpm" || tool === "yarn") && argv[1] === "version") return true;
    return tool === "npm" && argv[1] === "pkg" && argv[2] === "set" && argv.some((a) => a?.startsWith("version="));
  });
}

export interface CliffHook {
  hook: string;
  /** The file it writes: -o/--output's value ("-" is stdout), --prepend's, or null for none. */
  output: string | null;
  prepends: boolean;
  /** --unreleased, --latest, --current or a range: what --prepend requires. */
  ranged: boolean;
  /** --tag/-t or --bump: the new section is titled with a version, not "Unreleased". */
  tagged: boolean;
}

/** git-cliff's arguments in a hook, as git-cliff reads them. */
export function cliffHookOf(parsed: ParsedHook): CliffHook | null {
  const c = commandOf(parsed, "git-cliff");
  if (!c) return null;
  const args = unwrapped(c.argv).slice(1);
  let output: string | null = null;
  let prepends = false;
  let ranged = false;
  let tagged = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? "";
    const next = args[i + 1];
    const valueOf = (long: string, short: string | null): string | null | undefined => {
      if (a === long || (short && a === short))
        return typeof next === "string" && (next === "-" || !next.startsWith("-")) ? next : null;
      if (a.startsWith(`${long}=`)) return a.slice(long.length + 1);
      if (short && a.startsWith(short) && !a.startsWith("--") && a.length > short.length) return a.slice(short.length);
      return undefined;
    };
    const out = valueOf("--output", "-o");
    if (out !== undefined) output = out === null || out === "" ? "CHANGELOG.md" : out; // a bare -o means CHANGELOG.md
    const prepend = valueOf("--prepend", "-p");
    if (prepend !== undefined) {
      prepends = true;
      output ??= prepend ?? "CHANGELOG.md";
    }
    if (valueOf("--tag", "-t") !== undefined || a === "--bump" || a.startsWith("--bump=")) tagged = true;
    if (["-u", "--unreleased", "-l", "--latest", "--current"].includes(a) || /\.\./.test(a)) ranged = true;
  }
  return { hook: parsed.hook, output, prepends, ranged, tagged };
}
