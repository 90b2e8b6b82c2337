// What gets versioned: a Cargo workspace, else an npm package, else nothing the kit knows.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Problem } from "../settings.ts";
import { type CargoWorkspace, readCargoWorkspace } from "./cargo.ts";

export type { CargoMember } from "./cargo.ts";

export type Workspace = CargoWorkspace | { kind: "npm"; name: string; version: string | null } | { kind: "none" };

export function readWorkspace(root: string, problems: Problem[]): Workspace {
  return readCargoWorkspace(root, problems) ?? readNpmPackage(root, problems) ?? { kind: "none" };
}

function readNpmPackage(root: string, problems: Problem[]): Workspace | null {
  const path = join(root, "package.json");
  if (!existsSync(path)) return null;
  try {
    const pkg = JSON.parse(readFileSync(path, "utf8")) as { name?: unknown; version?: unknown };
    return {
      kind: "npm",
      name: String(pkg.name ?? "package"),
      version: typeof pkg.version === "string" ? pkg.version : null,
    };
  } catch (error) {
    problems.push({
      file: "package.json",
      key: "(syntax)",
      message: `package.json is not valid JSON: ${(error as Error).message}`,
      fix: "fix the syntax of package.json",
    });
    return null;
  }
}
