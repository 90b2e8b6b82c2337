// Reading the repository's TOML files: a missing file is null, a broken one is a Problem that
// names the line, and values of the wrong type become Problems too.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseToml } from "smol-toml";
import type { Problem } from "../settings.ts";

export interface TomlRead {
  data: Record<string, unknown> | null;
  problem?: Problem;
}

export function readToml(root: string, file: string): TomlRead {
  const path = join(root, file);
  if (!existsSync(path)) return { data: null };
  try {
    return { data: parseToml(readFileSync(path, "utf8")) as Record<string, unknown> };
  } catch (error) {
    const e = error as Error & { line?: number; column?: number };
    const where = e.line ? ` (line ${e.line}, column ${e.column})` : "";
    return {
      data: null,
      problem: {
        file,
        key: "(syntax)",
        message: `${file} is not valid TOML${where}: ${e.message.split("\n")[0]}`,
        fix: `fix the syntax of ${file}${where}`,
      },
    };
  }
}

export const asTable = (v: unknown): Record<string, unknown> | null =>
  v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : null;

export function stringList(value: unknown, file: string, key: string, problems: Problem[]): string[] {
  if (value === undefined) return [];
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value as string[];
  problems.push({
    file,
    key,
    message: `${key} in ${file} must be a list of strings`,
    fix: `write ${key} = ["..."] in ${file}`,
  });
  return [];
}
