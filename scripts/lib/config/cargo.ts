// A Cargo workspace: the root package and the members its `members` globs name, each with its
// version (its own, or the workspace's when it inherits), less those cargo-release skips.
import { existsSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import type { Problem } from "../settings.ts";
import { asTable, readToml, stringList } from "./toml.ts";

export interface CargoMember {
  name: string;
  /** Manifest path relative to the root, e.g. crates/gateway/Cargo.toml. */
  manifest: string;
  version: string | null;
  /** `version.workspace = true`: the version lives in the root's [workspace.package]. */
  inheritsVersion: boolean;
}

export interface CargoWorkspace {
  kind: "cargo";
  members: CargoMember[];
  workspaceVersion: string | null;
}

/** Expands Cargo's `members` entries; only a trailing `*` segment is a glob, as in practice. */
function expandMembers(root: string, patterns: string[]): string[] {
  const dirs: string[] = [];
  for (const pattern of patterns) {
    if (pattern.endsWith("/*")) {
      const parent = join(root, pattern.slice(0, -2));
      if (!existsSync(parent)) continue;
      for (const entry of readdirSync(parent, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
        if (entry.isDirectory() && existsSync(join(parent, entry.name, "Cargo.toml")))
          dirs.push(relative(root, join(parent, entry.name)));
      }
    } else {
      dirs.push(pattern);
    }
  }
  return dirs;
}

/** One manifest's package, or null when it has none or opts out of release (`[package.metadata.release] release = false`). */
function memberOf(manifest: string, data: Record<string, unknown>, workspaceVersion: unknown): CargoMember | null {
  const pkg = asTable(data.package);
  if (!pkg) return null;
  const release = asTable(asTable(asTable(pkg.metadata)?.release))?.release;
  if (release === false) return null;
  const inherits = asTable(pkg.version)?.workspace === true;
  const version = inherits ? workspaceVersion : pkg.version;
  return {
    name: String(pkg.name ?? manifest),
    manifest,
    version: typeof version === "string" ? version : null,
    inheritsVersion: inherits,
  };
}

/** The workspace rooted at Cargo.toml; null when there is no Cargo.toml (or it does not parse). */
export function readCargoWorkspace(root: string, problems: Problem[]): CargoWorkspace | null {
  const { data: cargo, problem } = readToml(root, "Cargo.toml");
  if (problem) problems.push(problem);
  if (!cargo) return null;
  const workspace = asTable(cargo.workspace);
  const workspaceVersion = asTable(workspace?.package)?.version;
  const members: CargoMember[] = [];
  const add = (member: CargoMember | null) => member && members.push(member);
  add(memberOf("Cargo.toml", cargo, workspaceVersion));
  if (workspace) {
    const excluded = new Set(stringList(workspace.exclude, "Cargo.toml", "workspace.exclude", problems));
    const listed = stringList(workspace.members, "Cargo.toml", "workspace.members", problems);
    for (const dir of expandMembers(root, listed)) {
      if (excluded.has(dir) || dir === ".") continue;
      const manifest = `${dir}/Cargo.toml`;
      const member = readToml(root, manifest);
      if (member.problem) problems.push(member.problem);
      else if (!member.data)
        problems.push({
          file: "Cargo.toml",
          key: "workspace.members",
          message: `workspace member ${dir} has no Cargo.toml`,
          fix: `add ${manifest} or remove ${dir} from [workspace] members`,
        });
      else add(memberOf(manifest, member.data, workspaceVersion));
    }
  }
  return { kind: "cargo", members, workspaceVersion: typeof workspaceVersion === "string" ? workspaceVersion : null };
}
