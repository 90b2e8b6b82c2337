// What the target repository is and how it releases, derived from its own files (DESIGN.md,
// "Which repository, and its settings"). Zero configuration for a repository shaped like the
// runbook's; RELEASE_* settings override what is derived.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { parse as parseToml } from "smol-toml";
import { originDefaultBranch } from "./branch.ts";
import { StartError } from "./cli.ts";
import { configValue } from "./git.ts";
import { parseRemoteUrl } from "./remote-url.ts";
import type { Runner } from "./run.ts";
import { type Problem, pickSettings, type SettingName } from "./settings.ts";
import { inferTagPrefix, type PrefixGuess } from "./tag-prefix.ts";
import { readTopology, type Topology } from "./topology.ts";

export type { Problem } from "./settings.ts";

export interface Repository {
  owner: string;
  name: string;
  /** Where owner/name came from, for messages. */
  source: string;
}

export interface CogSettings {
  tagPrefix: string;
  /** cog.toml sets tag_prefix (else cog's default, no prefix, applies). */
  tagPrefixSet: boolean;
  preBumpHooks: string[];
  postBumpHooks: string[];
  disableChangelog: boolean;
  branchWhitelist: string[];
  /** `[changelog] path`: the file cog writes its changelog into (CHANGELOG.md by default). */
  changelogPath: string;
  /** `skip_untracked = true`: cog never checks the tree before a bump. */
  skipUntracked: boolean;
  /** cog 7's `[monorepo.packages]`: per-package tags. */
  packages: string[];
  /** cog 6's top-level `[packages]`, which cog 7 rejects. */
  legacyPackages: string[];
  /** Top-level keys cog 7 does not know: it refuses the whole file (deny_unknown_fields). */
  unknownKeys: string[];
}

export interface CliffSettings {
  /** `[changelog] output`: set, every git-cliff run without -o overwrites that file. */
  output: string | null;
  /** `[git] tag_pattern`: which tags git-cliff counts as releases. */
  tagPattern: string | null;
}

export interface CargoMember {
  name: string;
  /** Manifest path relative to the root, e.g. crates/gateway/Cargo.toml. */
  manifest: string;
  version: string | null;
  /** `version.workspace = true`: the version lives in the root's [workspace.package]. */
  inheritsVersion: boolean;
}

export type Workspace =
  | { kind: "cargo"; members: CargoMember[]; workspaceVersion: string | null }
  | { kind: "npm"; name: string; version: string | null }
  | { kind: "none" };

export interface Config {
  root: string;
  repository: Repository;
  branch: string;
  /** origin's default branch, when git (or GitHub, in preflight) told it; null when unknown. */
  defaultBranch: string | null;
  tagPrefix: string;
  /** Set when cog.toml does not set tag_prefix but the history's release tags carry one. */
  inferredPrefix: PrefixGuess | null;
  /** How this repository releases, read from its own files, and what the runbook's flow cannot do here. */
  topology: Topology;
  /** null: there is no cog.toml (cog's defaults apply). */
  cog: CogSettings | null;
  cliff: CliffSettings | null;
  /** RELEASE_WORKFLOW: the tag workflows to read; null: every workflow under .github/workflows the tag starts. */
  workflowPaths: string[] | null;
  docs: string[];
  generate: string | null;
  registryUrl: string | null;
  pollSeconds: number;
  workspace: Workspace;
  /** Where each setting came from: "default", "derived from cog.toml", "environment variable …". */
  sources: Record<string, string>;
  /** Files or settings that do not parse or hold a wrong value. */
  problems: Problem[];
}

const DEFAULT_DOCS = ["docs/**/*.md", "README.md"];

export { parseRemoteUrl };

const NAME = /^[A-Za-z0-9_.-]+$/;

export async function resolveRepository(r: Runner, env: NodeJS.ProcessEnv): Promise<Repository> {
  const fromEnv = env.GITHUB_REPOSITORY;
  if (fromEnv) {
    const [owner, name, ...rest] = fromEnv.split("/");
    if (!owner || !name || rest.length || !NAME.test(owner) || !NAME.test(name)) {
      throw new StartError(
        `GITHUB_REPOSITORY=${JSON.stringify(fromEnv)} is not owner/name`,
        "set GITHUB_REPOSITORY to owner/name, e.g. acme/gateway, or unset it to use origin",
      );
    }
    return { owner, name, source: "GITHUB_REPOSITORY" };
  }
  const url = await configValue(r, "remote.origin.url");
  if (!url) {
    throw new StartError(
      "this repository has no origin remote and GITHUB_REPOSITORY is not set, so there is no GitHub repository to release to",
      "add the GitHub remote (git remote add origin https://github.com/OWNER/NAME.git) or set GITHUB_REPOSITORY=OWNER/NAME",
    );
  }
  const parsed = parseRemoteUrl(url);
  const enterprise = Boolean(env.GITHUB_API_URL) && !/api\.github\.com/.test(env.GITHUB_API_URL ?? "");
  const named = parsed && NAME.test(parsed.owner) && NAME.test(parsed.name);
  if (!parsed || !named || (parsed.host !== "github.com" && !parsed.host.endsWith(".github.com") && !enterprise)) {
    throw new StartError(
      `origin (${url}) is not a GitHub repository URL`,
      "point origin at GitHub (https://github.com/OWNER/NAME.git or git@github.com:OWNER/NAME.git), or set GITHUB_REPOSITORY=OWNER/NAME (and GITHUB_API_URL for GitHub Enterprise)",
    );
  }
  return { owner: parsed.owner, name: parsed.name, source: `origin (${url})` };
}

interface TomlRead {
  data: Record<string, unknown> | null;
  problem?: Problem;
}

function readToml(root: string, file: string): TomlRead {
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

const asTable = (v: unknown): Record<string, unknown> | null =>
  v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : null;

function stringList(value: unknown, file: string, key: string, problems: Problem[]): string[] {
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

// cog 7's top-level settings (cocogitto crates/cocogitto/src/settings/mod.rs, deny_unknown_fields).
const COG_KEYS = new Set([
  "from_latest_tag",
  "ignore_merge_commits",
  "ignore_fixup_commits",
  "disable_changelog",
  "disable_bump_commit",
  "generate_mono_repository_global_tag",
  "generate_mono_repository_package_tags",
  "monorepo_version_separator",
  "branch_whitelist",
  "tag_prefix",
  "pre",
  "skip_ci",
  "skip_untracked",
  "pre_bump_hooks",
  "post_bump_hooks",
  "pre_package_bump_hooks",
  "post_package_bump_hooks",
  "git_hooks",
  "commit_types",
  "changelog",
  "bump_profiles",
  "monorepo",
  "scopes",
]);

function readCog(root: string, problems: Problem[]): CogSettings | null {
  const { data, problem } = readToml(root, "cog.toml");
  if (problem) problems.push(problem);
  if (!data) return null;
  const prefix = data.tag_prefix ?? "";
  if (typeof prefix !== "string" || /[\s~^:?*[\\]/.test(prefix)) {
    problems.push({
      file: "cog.toml",
      key: "tag_prefix",
      message: `tag_prefix in cog.toml must be a string usable in a tag name, not ${JSON.stringify(prefix)}`,
      fix: 'set tag_prefix = "v" in cog.toml',
    });
  }
  const disable = data.disable_changelog ?? false;
  if (typeof disable !== "boolean") {
    problems.push({
      file: "cog.toml",
      key: "disable_changelog",
      message: "disable_changelog in cog.toml must be true or false",
      fix: "set disable_changelog = true in cog.toml",
    });
  }
  const changelogPath = asTable(data.changelog)?.path;
  return {
    tagPrefix: typeof prefix === "string" ? prefix : "",
    tagPrefixSet: data.tag_prefix !== undefined,
    preBumpHooks: stringList(data.pre_bump_hooks, "cog.toml", "pre_bump_hooks", problems),
    postBumpHooks: stringList(data.post_bump_hooks, "cog.toml", "post_bump_hooks", problems),
    disableChangelog: disable === true,
    branchWhitelist: stringList(data.branch_whitelist, "cog.toml", "branch_whitelist", problems),
    changelogPath: typeof changelogPath === "string" ? changelogPath : "CHANGELOG.md",
    skipUntracked: data.skip_untracked === true,
    packages: Object.keys(asTable(asTable(data.monorepo)?.packages) ?? {}),
    legacyPackages: Object.keys(asTable(data.packages) ?? {}),
    unknownKeys: Object.keys(data).filter((k) => !COG_KEYS.has(k)),
  };
}

function readCliff(root: string, problems: Problem[]): CliffSettings | null {
  const { data, problem } = readToml(root, "cliff.toml");
  if (problem) problems.push(problem);
  if (!data) return null;
  const output = asTable(data.changelog)?.output;
  const pattern = asTable(data.git)?.tag_pattern;
  return {
    output: typeof output === "string" ? output : null,
    tagPattern: typeof pattern === "string" ? pattern : null,
  };
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

function readWorkspace(root: string, problems: Problem[]): Workspace {
  const { data: cargo, problem } = readToml(root, "Cargo.toml");
  if (problem) problems.push(problem);
  if (cargo) {
    const workspace = asTable(cargo.workspace);
    const workspaceVersion = asTable(workspace?.package)?.version;
    const members: CargoMember[] = [];
    const readMember = (manifest: string, data: Record<string, unknown>) => {
      const pkg = asTable(data.package);
      if (!pkg) return;
      const release = asTable(asTable(asTable(pkg.metadata)?.release))?.release;
      if (release === false) return;
      const inherits = asTable(pkg.version)?.workspace === true;
      const version = inherits
        ? typeof workspaceVersion === "string"
          ? workspaceVersion
          : null
        : typeof pkg.version === "string"
          ? pkg.version
          : null;
      members.push({ name: String(pkg.name ?? manifest), manifest, version, inheritsVersion: inherits });
    };
    readMember("Cargo.toml", cargo);
    if (workspace) {
      const excluded = new Set(stringList(workspace.exclude, "Cargo.toml", "workspace.exclude", problems));
      for (const dir of expandMembers(
        root,
        stringList(workspace.members, "Cargo.toml", "workspace.members", problems),
      )) {
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
        else readMember(manifest, member.data);
      }
    }
    return { kind: "cargo", members, workspaceVersion: typeof workspaceVersion === "string" ? workspaceVersion : null };
  }
  const pkgPath = join(root, "package.json");
  if (existsSync(pkgPath)) {
    try {
      const pkg = JSON.parse(readFileSync(pkgPath, "utf8")) as { name?: unknown; version?: unknown };
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
    }
  }
  return { kind: "none" };
}

function readMiseEnv(root: string, problems: Problem[]): { env: Record<string, unknown>; file: string } {
  for (const file of ["mise.toml", ".mise.toml"]) {
    const { data, problem } = readToml(root, file);
    if (problem) {
      problems.push(problem);
      return { env: {}, file };
    }
    if (data) return { env: asTable(data.env) ?? {}, file };
  }
  return { env: {}, file: "mise.toml" };
}

export async function loadConfig(r: Runner, root: string, env: NodeJS.ProcessEnv = process.env): Promise<Config> {
  const problems: Problem[] = [];
  const repository = await resolveRepository(r, env);
  const cog = readCog(root, problems);
  const cliff = readCliff(root, problems);
  const workspace = readWorkspace(root, problems);
  const mise = readMiseEnv(root, problems);
  const settings = pickSettings(env, mise.env, mise.file);
  problems.push(...settings.problems);

  const sources: Record<string, string> = { repository: repository.source };
  const pick = (name: SettingName, fallback: string | null, fallbackSource: string) => {
    const setting = settings.values[name];
    sources[name] = setting?.source ?? fallbackSource;
    return setting?.value ?? fallback;
  };
  const { branch, defaultBranch } = await releaseBranch(r, settings.values.RELEASE_BRANCH, sources);
  const { tagPrefix, inferredPrefix } = await tagPrefixOf(r, cog, cliff, sources);
  const topology = await readTopology(r, { root, cog, cliff, workspace, tagPrefix, branch, defaultBranch });
  return {
    root,
    repository,
    branch,
    defaultBranch,
    tagPrefix,
    inferredPrefix,
    topology,
    cog,
    cliff,
    workflowPaths:
      pick("RELEASE_WORKFLOW", null, "default (every workflow under .github/workflows the tag starts)")
        ?.split(",")
        .map((p) => p.trim())
        .filter(Boolean) ?? null,
    docs: (pick("RELEASE_DOCS", null, "default") ?? DEFAULT_DOCS.join(",")).split(",").map((g) => g.trim()),
    generate: pick("RELEASE_GENERATE", null, "default (none)"),
    registryUrl: pick("RELEASE_REGISTRY_URL", null, "default (the image's own registry)"),
    pollSeconds: Number(pick("RELEASE_POLL_SECONDS", "10", "default")),
    workspace,
    sources,
    problems,
  };
}

/** RELEASE_BRANCH, else origin's default branch, else `main` (preflight then asks GitHub). */
async function releaseBranch(
  r: Runner,
  setting: { value: string; source: string } | undefined,
  sources: Record<string, string>,
): Promise<{ branch: string; defaultBranch: string | null }> {
  const found = await originDefaultBranch(r);
  const defaultBranch = found.branch;
  if (setting) {
    sources.RELEASE_BRANCH = setting.source;
    return { branch: setting.value, defaultBranch };
  }
  if (found.branch !== null) {
    sources.RELEASE_BRANCH = (found as { source: string }).source;
    return { branch: found.branch, defaultBranch };
  }
  sources.RELEASE_BRANCH = `${DEFAULT_BRANCH_SOURCE} (${(found as { why: string }).why})`;
  return { branch: "main", defaultBranch: null };
}

/** Where the fallback branch name came from: preflight replaces it with GitHub's default branch. */
export const DEFAULT_BRANCH_SOURCE = "default: main, as origin's default branch is not known";

/** cog.toml's tag_prefix; when it sets none, the prefix the history's release tags carry. */
async function tagPrefixOf(
  r: Runner,
  cog: CogSettings | null,
  cliff: CliffSettings | null,
  sources: Record<string, string>,
): Promise<{ tagPrefix: string; inferredPrefix: PrefixGuess | null }> {
  if (cog?.tagPrefixSet) {
    sources.tag_prefix = "cog.toml tag_prefix";
    return { tagPrefix: cog.tagPrefix, inferredPrefix: null };
  }
  const guess = await inferTagPrefix(r, cliff?.tagPattern ?? null);
  const where = cog ? "cog.toml sets no tag_prefix" : "there is no cog.toml";
  if (!guess || guess.prefix === "") {
    sources.tag_prefix = cog
      ? `cog.toml (no tag_prefix: cog's default, no prefix${guess ? `, as the history's ${guess.tags} release tags have` : ""})`
      : `default: no prefix, cog's (there is no cog.toml${guess ? `; the history's ${guess.tags} release tags have none` : ""})`;
    return { tagPrefix: "", inferredPrefix: null };
  }
  sources.tag_prefix = `inferred from the history: ${guess.tags} release tags ${guess.prefix}<version> reachable from HEAD, ${guess.highest} the highest (${where})`;
  return { tagPrefix: guess.prefix, inferredPrefix: guess };
}

/** For release, verify and recover: a configuration that does not parse stops the command (exit 2). */
export function requireValidConfig(config: Config): void {
  const [first, ...rest] = config.problems;
  if (!first) return;
  const more = rest.length ? ` (and ${rest.length} more: ${rest.map((p) => p.message).join("; ")})` : "";
  throw new StartError(`${first.message}${more}`, first.fix);
}
