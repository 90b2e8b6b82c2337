// What the world says about one release tag, gathered at once: the local and remote tag, the GitHub
// release, the tag workflow's run, the registry, the working tree, cog's stashes and the journal.
// diagnose() decides a state from these; nothing else reads them again.

import { parse as parseToml } from "smol-toml";
import { findSection } from "../changelog.ts";
import { StartError } from "../cli.ts";
import type { Config } from "../config.ts";
import { commitOf, isAncestor, remoteTags, showFile, statusLines } from "../git.ts";
import type { GitHub } from "../github.ts";
import { readTree, statusPath } from "../hook-output.ts";
import { type Journal, readJournal } from "../journal.ts";
import { reviewReleaseCommit } from "../release-commit.ts";
import type { Runner } from "../run.ts";
import { latestTag, versionOf } from "../tags.ts";
import type { TagWorkflows } from "../workflow/index.ts";
import { type ImageFacts, inspectImage } from "./images.ts";
import { type RegistryAccess, registryAccess } from "./registry-access.ts";
import { findRelease, type ReleaseFacts } from "./release.ts";
import { failedJobs, findRun, type RunFacts } from "./run.ts";
import { noWorkflows, tagWorkflowsAt } from "./workflows.ts";

/** cog's stash from a failed pre-bump hook: what the hooks before the failing one wrote. */
export interface StashFacts {
  /** stash@{N} */
  ref: string;
  files: string[];
  /** The commit HEAD was on when cog stashed. */
  base: string | null;
  /** pre_bump_hooks in cog.toml at that commit: the hooks that ran. */
  hooksAtBase: string[] | null;
}

export interface Facts {
  tag: string;
  version: string;
  localCommit: string | null;
  remoteCommit: string | null;
  /** The local release commit is on origin's release branch (pushed, or part of its history). */
  commitOnOrigin: boolean;
  release: ReleaseFacts | null;
  run: RunFacts | null;
  failedJobs: { name: string; conclusion: string | null; url: string }[];
  images: { ref: string; facts: ImageFacts | null; error?: string }[];
  /** Other OCI artifacts the workflow pushes (a Helm chart): present or not. */
  artifacts: { ref: string; tag: string; digest: string | null; error?: string }[];
  /** Lines of `git status --porcelain`. */
  dirty: string[];
  /** cog's stashes from a failed pre-bump hook (`stash@{N}\t<subject>`), newest first. */
  stashes: string[];
  /** The newest of them, looked into. */
  stash: StashFacts | null;
  /** pre_bump_hooks in cog.toml as it is now. */
  hooks: string[];
  commitProblems: string[];
  /** Files the local release commit changes that no hook writes (swept in, or edited by hand). */
  commitUnexpected: string[];
  headIsTag: boolean;
  /** HEAD is cog's release commit of this tag, made after the journal's base, but never tagged
   *  (the release was stopped between cog's commit and its tag). */
  untaggedCommit: string | null;
  /** origin's tag names a release commit of this version on origin's release branch, holding its
   *  changelog section: someone's release, made from another clone. */
  remoteIsRelease: boolean;
  /** Uncommitted changes that are exactly this release's hook output (the hooks were run again to tell). */
  hookOutput: string[];
  /** Uncommitted changes no hook made for this release: never committed or discarded by recover. */
  otherEdits: string[];
  journal: Journal | null;
  workflowExpected: boolean;
  /** The workflows the tag starts (their runs are what `run` sums up). */
  workflowPaths: string[];
  /** Why the tag's workflows cannot be read (GitHub refuses to run an invalid workflow: startup_failure). */
  workflowInvalid: string | null;
}

export interface FactsInput {
  r: Runner;
  config: Config;
  gh: GitHub;
  tag: string;
  gitDir: string;
}

async function hooksAt(r: Runner, rev: string): Promise<string[] | null> {
  const text = await showFile(r, rev, "cog.toml");
  if (text === null) return [];
  try {
    const hooks = (parseToml(text) as { pre_bump_hooks?: unknown }).pre_bump_hooks;
    return Array.isArray(hooks) ? hooks.filter((h): h is string => typeof h === "string") : [];
  } catch {
    return null;
  }
}

async function stashFacts(r: Runner, entry: string | undefined): Promise<StashFacts | null> {
  if (!entry) return null;
  const ref = entry.split("\t")[0]!;
  const [files, base] = await Promise.all([
    r.probe`git stash show --name-only ${ref}`,
    r.probe`git rev-parse --verify --quiet ${`${ref}^1`}`,
  ]);
  const baseSha = base.exitCode === 0 ? base.stdout.trim() : null;
  return {
    ref,
    files: files.stdout
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean),
    base: baseSha,
    hooksAtBase: baseSha ? await hooksAt(r, baseSha) : null,
  };
}

async function branchOnOrigin(r: Runner, branch: string): Promise<string | null> {
  const out = await r.with({ timeout: "60s" }).probe`git ls-remote origin ${`refs/heads/${branch}`}`;
  return out.exitCode === 0 ? out.stdout.split(/\s+/)[0] || null : null;
}

async function registryFacts(
  input: { registry: RegistryAccess },
  workflow: TagWorkflows,
): Promise<Pick<Facts, "images" | "artifacts">> {
  const [images, artifacts] = await Promise.all([
    Promise.all(
      workflow.images.map(async (image) => {
        try {
          return { ref: image.ref, facts: await inspectImage(input, image) };
        } catch (error) {
          return { ref: image.ref, facts: null, error: (error as Error).message };
        }
      }),
    ),
    Promise.all(
      workflow.artifacts.map(async (a) => {
        try {
          return { ref: a.ref, tag: a.tag, digest: (await input.registry.fetchManifest(a.ref, a.tag))?.digest ?? null };
        } catch (error) {
          return { ref: a.ref, tag: a.tag, digest: null, error: (error as Error).message };
        }
      }),
    ),
  ]);
  return { images, artifacts };
}

/** HEAD, when it is cog's release commit of `tag` made on the journal's base and left without its tag. */
async function untaggedReleaseCommit(r: Runner, tag: string, journal: Journal | null): Promise<string | null> {
  if (!journal) return null;
  const out = await r.probe`git log -1 --format=%H%x00%P%x00%s HEAD`;
  const [sha, parents, subject] = out.stdout.trim().split("\0");
  return out.exitCode === 0 && parents === journal.base && subject === `chore(version): ${tag}` ? sha! : null;
}

/** Is origin's tag a release commit of this version on origin's branch? Its objects are fetched (no ref changes) to tell. */
async function remoteRelease(
  r: Runner,
  tag: string,
  version: string,
  remoteCommit: string,
  branchTip: string | null,
  branch: string,
): Promise<boolean> {
  if (!branchTip) return false;
  const have = async (sha: string) => (await r.probe`git cat-file -e ${`${sha}^{commit}`}`).exitCode === 0;
  if (!(await have(remoteCommit)) || !(await have(branchTip))) {
    await r.with({ timeout: "120s" })
      .probe`git fetch --quiet --no-tags --no-write-fetch-head origin ${`refs/tags/${tag}`} ${`refs/heads/${branch}`}`;
  }
  if (!(await have(remoteCommit)) || !(await isAncestor(r, remoteCommit, branchTip))) return false;
  const changelog = await showFile(r, remoteCommit, "CHANGELOG.md");
  return Boolean(changelog && findSection(changelog, version));
}

/** The tag workflows that count: those at the tag GitHub has (its run used them) when that commit
 *  is here; else at the local tag, else at HEAD. An invalid one is a fact (GitHub would not run it). */
async function workflowsFor(
  input: FactsInput,
  remoteCommit: string | null,
  localCommit: string | null,
): Promise<{ workflows: TagWorkflows; invalid: string | null }> {
  const { r, config, tag } = input;
  const commit = (remoteCommit && (await commitOf(r, remoteCommit))) || localCommit || "HEAD";
  try {
    return { workflows: await tagWorkflowsAt(r, config, tag, commit), invalid: null };
  } catch (error) {
    if (!(error instanceof StartError)) throw error;
    return { workflows: noWorkflows(commit), invalid: error.message };
  }
}

export async function gatherFacts(input: FactsInput): Promise<Facts> {
  const { r, config, gh, tag, gitDir } = input;
  const version = versionOf(tag, config.tagPrefix) ?? tag;
  const journal = readJournal(gitDir, tag);
  const [localCommit, remote, release, dirty, stashList, head, originBranch, untaggedCommit] = await Promise.all([
    commitOf(r, `refs/tags/${tag}`),
    remoteTags(r.with({ timeout: "60s" })),
    findRelease(gh, tag),
    statusLines(r),
    r.read`git stash list --format=%gd%x09%s`,
    commitOf(r, "HEAD"),
    branchOnOrigin(r, config.branch),
    untaggedReleaseCommit(r, tag, journal),
  ]);
  // ls-remote gives tag objects for annotated tags; the peeled entry (^{}) wins in remoteTags.
  const remoteCommit = remote.get(tag) ?? null;
  const stashes = stashList.stdout.split("\n").filter((l) => /cog_bump_/.test(l));
  const ours = localCommit ?? untaggedCommit;
  const [{ workflows, invalid }, review, stash, commitOnOrigin, remoteIsRelease] = await Promise.all([
    workflowsFor(input, remoteCommit, localCommit),
    ours ? reviewReleaseCommit(r, config, ours, version) : Promise.resolve(null),
    stashFacts(r, stashes[0]),
    ours && originBranch
      ? r.probe`git merge-base --is-ancestor ${ours} ${originBranch}`.then((o) => o.exitCode === 0)
      : Promise.resolve(false),
    remoteCommit && remoteCommit !== ours
      ? remoteRelease(r, tag, version, remoteCommit, originBranch, config.branch)
      : Promise.resolve(false),
  ]);
  // The tree matters only while the release is local: then its hooks are run again to tell their
  // output from anyone's edits. A finished release is not undone by a later edit.
  const headIsTag = Boolean(ours && head === ours);
  const localOnly = !remoteCommit && !commitOnOrigin;
  const tree =
    dirty.length && localOnly && (headIsTag || (!ours && journal))
      ? await readTree(r, config, {
          rev: headIsTag ? ours! : "HEAD",
          version,
          tag,
          latestTag: await latestTag(r, config.tagPrefix, headIsTag ? `${ours}^` : "HEAD"),
        })
      : { hookOutput: [], otherEdits: dirty.map(statusPath), unproven: null };
  const runCommit = remoteCommit ?? localCommit;
  const workflowExpected = workflows.started.length > 0;
  const runs = runCommit ? await Promise.all(workflows.started.map((w) => findRun(gh, w.path, tag, runCommit))) : [];
  // With several tag workflows, the run that says the most: a missing one, then one not done, then a failed one.
  const run = runs.includes(null)
    ? null
    : (runs.find((x) => x!.status !== "completed") ?? runs.find((x) => x!.conclusion !== "success") ?? runs[0] ?? null);
  const failed = run && run.status === "completed" && run.conclusion !== "success" ? await failedJobs(gh, run.id) : [];
  const published =
    run?.status === "completed" && run.conclusion === "success" && runs.every((x) => x?.conclusion === "success")
      ? await registryFacts({ registry: registryAccess(config, gh.token.token) }, workflows)
      : { images: [], artifacts: [] };
  return {
    tag,
    version,
    localCommit,
    remoteCommit,
    commitOnOrigin,
    release,
    run,
    failedJobs: failed,
    ...published,
    dirty,
    stashes,
    stash,
    hooks: config.cog?.preBumpHooks ?? [],
    commitProblems: review?.problems ?? [],
    commitUnexpected: review?.unexpected ?? [],
    headIsTag,
    untaggedCommit: localCommit ? null : untaggedCommit,
    remoteIsRelease,
    hookOutput: tree.hookOutput,
    otherEdits: tree.otherEdits,
    journal,
    workflowExpected,
    workflowPaths: workflows.started.map((w) => w.path),
    workflowInvalid: invalid,
  };
}
