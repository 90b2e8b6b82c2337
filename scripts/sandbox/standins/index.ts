// Which stand-ins the sandbox needs. cocogitto and cargo-release cannot be installed on the machines
// that build this project, and cargo may be missing too, so bin/<tool>/<tool> holds a stand-in for
// each (cog.mjs, cargo-release.mjs, cargo.mjs). Each lives alone in its own folder of this checkout:
// prepending the folders of the missing tools never shadows a real one, and nothing is written at
// run time, so two checkouts (or two runs) never rewrite each other's wrappers.

import { accessSync, closeSync, constants, openSync, readSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, isAbsolute, join, relative, resolve, sep } from "node:path";
import { KIT_ROOT } from "../../lib/kit-root.ts";

/** The folder holding one folder per stand-in: bin/cog/cog, bin/cargo-release/cargo-release, bin/cargo/cargo. */
export const STANDIN_BIN_DIR = join(KIT_ROOT, "scripts", "sandbox", "standins", "bin");

/** The tools there are stand-ins for, by executable name. */
export const STANDIN_TOOLS = ["cog", "cargo-release", "cargo"] as const;
export type StandinTool = (typeof STANDIN_TOOLS)[number];

/** Every wrapper says this in its first lines, so one from another checkout is never taken for a real tool. */
const MARKER = "release-kit stand-in";

/** The folder that holds `tool`'s stand-in, alone. */
export function standinDir(tool: StandinTool): string {
  return join(STANDIN_BIN_DIR, tool);
}

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** A release-kit wrapper (of this checkout or any other), not a real binary. */
export function isStandin(path: string): boolean {
  let fd: number | null = null;
  try {
    fd = openSync(path, "r");
    const head = Buffer.alloc(512);
    const n = readSync(fd, head, 0, head.length, 0);
    return head.subarray(0, n).toString("latin1").includes(MARKER);
  } catch {
    return false;
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

const inside = (dir: string, root: string) => {
  const rel = relative(root, dir);
  return rel === "" || !(rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel));
};

/**
 * The stand-ins needed because the real tool is absent from `env.PATH`, and what to prepend to PATH
 * for them: `dir` is their folders joined with the path delimiter ("" when none is needed).
 * cargo-release also counts as present when a real cargo would find it in `$CARGO_HOME/bin`, which
 * cargo searches before PATH (src/bin/cargo/main.rs `search_directories`).
 */
export function standinsNeeded(env: NodeJS.ProcessEnv = process.env): { dir: string; tools: StandinTool[] } {
  const searched = (env.PATH ?? "").split(delimiter).filter((d) => d !== "" && !inside(resolve(d), STANDIN_BIN_DIR));
  const real = (path: string) => isExecutable(path) && !isStandin(path);
  const onPath = (tool: string) => searched.some((d) => real(join(d, tool)));
  const cargo = onPath("cargo");
  const cargoHome = env.CARGO_HOME || join(env.HOME || homedir(), ".cargo");
  const tools: StandinTool[] = [];
  if (!onPath("cog")) tools.push("cog");
  if (!onPath("cargo-release") && !(cargo && real(join(cargoHome, "bin", "cargo-release"))))
    tools.push("cargo-release");
  if (!cargo) tools.push("cargo");
  return { dir: tools.map(standinDir).join(delimiter), tools };
}
