// Which stand-ins the sandbox needs: cocogitto and cargo-release cannot be installed on the
// machines that build this project, so scripts/sandbox/standins/bin holds stand-ins for them
// (cog.mjs, cargo-release.mjs). A real binary on PATH always wins.

import { accessSync, constants, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { KIT_ROOT } from "../../lib/kit-root.ts";

/** Absolute path of the folder holding the `cog` and `cargo-release` wrappers. */
export const STANDIN_BIN_DIR = join(KIT_ROOT, "scripts", "sandbox", "standins", "bin");

/** The tools this folder stands in for, by executable name. */
export const STANDIN_TOOLS = ["cog", "cargo-release"] as const;

// Folders made for a partial set of stand-ins (see below); never counted as "real" tools.
const PARTIAL_ROOT = join(tmpdir(), `release-kit-standins-${process.getuid?.() ?? "user"}`);

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The stand-ins needed because the real binary is absent from `env.PATH`, and the folder to put
 * first on PATH for them. Prepend `dir` only when `tools` is non-empty. When only some tools are
 * missing, `dir` is a folder with just those wrappers, so a real binary is never shadowed.
 */
export function standinsNeeded(env: NodeJS.ProcessEnv = process.env): { dir: string; tools: string[] } {
  const searched = (env.PATH ?? "")
    .split(delimiter)
    .filter((d) => d !== "" && resolve(d) !== STANDIN_BIN_DIR && !resolve(d).startsWith(PARTIAL_ROOT));
  const tools: string[] = STANDIN_TOOLS.filter((tool) => !searched.some((d) => isExecutable(join(d, tool))));
  if (tools.length === 0 || tools.length === STANDIN_TOOLS.length) return { dir: STANDIN_BIN_DIR, tools };
  return { dir: partialBinDir(tools), tools };
}

function partialBinDir(tools: string[]): string {
  const dir = join(PARTIAL_ROOT, tools.join("+"));
  mkdirSync(dir, { recursive: true });
  for (const tool of tools) {
    const script = join(STANDIN_BIN_DIR, "..", `${tool}.mjs`);
    // Written aside and renamed, so a concurrent caller never runs a half-written wrapper.
    const temp = join(dir, `.${tool}.${process.pid}`);
    writeFileSync(temp, `#!/bin/sh\nexec node '${script.replaceAll("'", `'\\''`)}' "$@"\n`, { mode: 0o755 });
    renameSync(temp, join(dir, tool));
  }
  return dir;
}
