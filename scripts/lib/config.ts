// What the target repository is and how it releases, derived from its own files (DESIGN.md,
// "Which repository, and its settings"). Zero configuration for a repository shaped like the
// runbook's; RELEASE_* settings override what is derived.
import { originDefaultBranch } from "./branch.ts";
import { StartError } from "./cli.ts";
import { type CliffSettings, readCliff } from "./config/cliff.ts";
import { type CogSettings, readCog } from "./config/cog.ts";
import { type Repository, resolveRepository } from "./config/identity.ts";
import { readMiseEnv } from "./config/mise.ts";
import { readWorkspace, type Workspace } from "./config/workspace.ts";
import type { Runner } from "./run.ts";
import { type Problem, pickSettings, type SettingName } from "./settings.ts";
import { inferTagPrefix, type PrefixGuess } from "./tag-prefix.ts";
import { readTopology, type Topology } from "./topology.ts";
import { shellSyntax, workflowParsers } from "./workflow/libraries.ts";

export type { CliffSettings } from "./config/cliff.ts";
export type { CogSettings } from "./config/cog.ts";
export { type Repository, resolveRepository } from "./config/identity.ts";
export type { CargoMember, Workspace } from "./config/workspace.ts";
export { parseRemoteUrl } from "./remote-url.ts";
export type { Problem } from "./settings.ts";

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

export async function loadConfig(r: Runner, root: string, env: NodeJS.ProcessEnv = process.env): Promise<Config> {
  const problems: Problem[] = [];
  const cog = readCog(root, problems);
  const cliff = readCliff(root, problems);
  const workspace = readWorkspace(root, problems);
  const mise = readMiseEnv(root, problems);
  const settings = pickSettings(env, mise.env, mise.file);
  problems.push(...settings.problems);

  // Which GitHub repository first: a start refused for it must not wait on origin meanwhile. Then
  // the independent reads of the clone (origin's default branch may ask origin) at once.
  const repository = await resolveRepository(r, env);
  const found: Record<string, string> = {};
  const reads = Promise.all([
    releaseBranch(r, settings.values.RELEASE_BRANCH, found),
    tagPrefixOf(r, cog, cliff, found),
  ]);
  // The shell and workflow parsers (for the hooks below, and the workflows every command that loads
  // the configuration reads) take a tenth of a second each to start: they start while git answers.
  // A failure to load is met, and reported, where they are used.
  void shellSyntax().catch(() => {});
  void workflowParsers().catch(() => {});
  const [{ branch, defaultBranch }, { tagPrefix, inferredPrefix }] = await reads;
  const sources: Record<string, string> = {
    repository: repository.source,
    RELEASE_BRANCH: found.RELEASE_BRANCH!,
    tag_prefix: found.tag_prefix!,
  };
  const pick = (name: SettingName, fallback: string | null, fallbackSource: string) => {
    const setting = settings.values[name];
    sources[name] = setting?.source ?? fallbackSource;
    return setting?.value ?? fallback;
  };
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
