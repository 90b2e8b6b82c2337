// What the `tools` check asks the machine: each tool's version, asked the way the real binary answers
// it, where the binary came from, and the versions mise.toml pins for it.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseToml } from "smol-toml";
import { KIT_ROOT } from "../kit-root.ts";
import type { Runner } from "../run.ts";

export interface Tool {
  /** The executable the maintainer needs. */
  name: string;
  /** Its names in mise.toml's [tools] (the last part of a backend key such as `aqua:cocogitto/cocogitto`). */
  mise: string[];
  /** Commands that print its version, tried in turn. */
  probes: string[][];
}

export interface Found {
  tool: Tool;
  /** The first line of the version answer, or null when no probe worked. */
  line: string | null;
  version: string | null;
  path: string | null;
}

export interface Pin {
  version: string;
  /** The file that pins it, as shown to the maintainer. */
  file: string;
}

export const TOOLS = {
  cog: { name: "cog", mise: ["cocogitto", "cog"], probes: [["cog", "--version"]] },
  gitCliff: { name: "git-cliff", mise: ["git-cliff"], probes: [["git-cliff", "--version"]] },
  cargo: { name: "cargo", mise: [], probes: [["cargo", "--version"]] },
  // The real binary is clap's `cargo` command with one subcommand, `release`, which alone carries
  // `--version` (crate-ci/cargo-release src/bin/cargo-release.rs): `cargo-release --version` is a
  // usage error. cargo runs it as `cargo-release release ...`; without cargo, ask it directly.
  cargoRelease: {
    name: "cargo-release",
    mise: ["cargo-release"],
    probes: [
      ["cargo", "release", "--version"],
      ["cargo-release", "release", "--version"],
    ],
  },
} satisfies Record<string, Tool>;

// Where a tool comes from: PATH, or for cargo-release also $CARGO_HOME/bin, which cargo searches
// first (rust-lang/cargo src/bin/cargo/main.rs `search_directories`). The name is an argument.
const WHERE =
  'command -v "$1" || { [ "$1" = cargo-release ] && d="${CARGO_HOME:-$HOME/.cargo}/bin/$1" && [ -x "$d" ] && printf "%s\\n" "$d"; }';

const firstLine = (text: string) => text.trim().split("\n")[0]?.trim() ?? "";

export async function findTool(r: Runner, tool: Tool): Promise<Found> {
  let line: string | null = null;
  for (const argv of tool.probes) {
    const out = await r.probe`${argv}`;
    if (out.exitCode === 0 && firstLine(out.stdout)) {
      line = firstLine(out.stdout);
      break;
    }
  }
  if (line === null) return { tool, line, version: null, path: null };
  const where = await r.probe`sh -c ${WHERE} sh ${tool.name}`;
  const path = where.exitCode === 0 ? firstLine(where.stdout) || null : null;
  return { tool, line, version: /\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?/.exec(line)?.[0] ?? null, path };
}

/** A mise.toml [tools] value: "7.0.0", ["7.0.0", ...], { version = "7.0.0" }. */
function pinOf(value: unknown): string | null {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return pinOf(value[0]);
  if (value && typeof value === "object" && "version" in value) return pinOf((value as { version: unknown }).version);
  return null;
}

function pinsIn(dir: string, label: (file: string) => string): Map<string, Pin> {
  const pins = new Map<string, Pin>();
  for (const file of ["mise.toml", ".mise.toml"]) {
    const path = join(dir, file);
    if (!existsSync(path)) continue;
    let tools: unknown;
    try {
      tools = (parseToml(readFileSync(path, "utf8")) as { tools?: unknown }).tools;
    } catch {
      continue; // the config check reports a file that does not parse
    }
    if (!tools || typeof tools !== "object") continue;
    for (const [key, value] of Object.entries(tools)) {
      const name = key.split(/[:/]/).pop()!;
      const version = pinOf(value);
      if (version && !pins.has(name)) pins.set(name, { version, file: label(file) });
    }
  }
  return pins;
}

/** The pin for `tool`: the target repository's mise.toml first, then the kit's own. */
export function pinFor(root: string, tool: Tool): Pin | null {
  for (const pins of [pinsIn(root, (f) => f), pinsIn(KIT_ROOT, (f) => `the kit's ${f} (${join(KIT_ROOT, f)})`)]) {
    for (const name of tool.mise) {
      const pin = pins.get(name);
      if (pin) return pin;
    }
  }
  return null;
}

/** Whether `found` is outside `pin` as mise reads it: exact for x.y.z, a prefix for "7" or "7.0"; "latest", "ref:..." pin nothing. */
export function differs(found: string, pin: string): boolean {
  const bare = pin.replace(/^v/, "");
  if (!/^\d+(\.\d+){0,2}(-[0-9A-Za-z.-]+)?$/.test(bare)) return false;
  if (/^\d+\.\d+\.\d+/.test(bare)) return found !== bare;
  return found !== bare && !found.startsWith(`${bare}.`);
}
