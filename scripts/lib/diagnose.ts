// Where a release stands, decided from the world (DESIGN.md, "State comes from the world"): the
// local and remote tag, the GitHub release, the tag workflow's run, the registry, the working tree
// and cog's stashes. The first state in the table that holds wins.

import { parse as parseToml } from "smol-toml";
import { findSection } from "./changelog.ts";
import type { Config } from "./config.ts";
import { commitOf, isAncestor, remoteTags, showFile, statusLines } from "./git.ts";
import type { GitHub } from "./github.ts";
import { readTree, statusPath } from "./hook-output.ts";
import { type Journal, readJournal } from "./journal.ts";
import { summarise } from "./output.ts";
import { reviewReleaseCommit } from "./release-commit.ts";
import type { Runner } from "./run.ts";
import { latestTag, versionOf } from "./tags.ts";
import { type ImageFacts, inspectImage } from "./verify/image-checks.ts";
import type { RegistryAccess } from "./verify/registry-access.ts";
import { findRelease, type ReleaseFacts } from "./verify/release-checks.ts";
import { failedJobs, findRun, type RunFacts } from "./verify/workflow-checks.ts";
import type { TagWorkflows } from "./workflow/index.ts";

export const STATES = [
  "bump-stashed",
  "released-elsewhere",
  "commit-not-tagged",
  "local-changes-failed",
  "tag-mismatch",
  "release-without-tag",
  "authored-not-pushed",
  "pushed-no-release",
  "workflow-running",
  "workflow-failed",
  "images-missing",
  "complete",
] as const;
export type State = (typeof STATES)[number];

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

export interface Diagnosis {
  state: State;
  /** Why this state holds, in a sentence. */
  reason: string;
  facts: Facts;
}

export interface DiagnoseInput {
  r: Runner;
  config: Config;
  gh: GitHub;
  tag: string;
  gitDir: string;
  /** The tag workflows at the tag's commit (tagWorkflowsAt). */
  workflows: TagWorkflows;
  /** Set when a tag workflow at that commit is invalid: what is wrong with it. */
  workflowInvalid?: string | null;
  registry: RegistryAccess;
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
  input: DiagnoseInput,
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

export async function gatherFacts(input: DiagnoseInput): Promise<Facts> {
  const { r, config, gh, tag, gitDir, workflows } = input;
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
  const [review, stash, commitOnOrigin, remoteIsRelease] = await Promise.all([
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
      ? await registryFacts(input, workflows)
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
    workflowInvalid: input.workflowInvalid ?? null,
  };
}

const short = (sha: string | null) => (sha ? sha.slice(0, 7) : "none");

function imageProblem(i: Facts["images"][number]): string | null {
  if (i.error) return `cannot be read: ${i.error}`;
  const f = i.facts!;
  const lacks = [...f.missingTags.map((t) => `tag ${t}`), ...f.missingPlatforms];
  if (Object.keys(f.digests).length === 0) return "is not published";
  if (lacks.length) return `lacks ${lacks.join(", ")}`;
  if (!f.digest) return "has tags on different digests";
  return null;
}

/** What the registry lacks of what the run should have published, one phrase each. */
export function registryProblems(f: Facts): string[] {
  const images = f.images
    .map((i) => ({ ref: i.ref, problem: imageProblem(i) }))
    .filter((i) => i.problem)
    .map((i) => `${i.ref} ${i.problem}`);
  const artifacts = f.artifacts
    .filter((a) => !a.digest)
    .map((a) => `${a.ref}:${a.tag} ${a.error ? `cannot be read: ${a.error}` : "is not published"}`);
  return [...images, ...artifacts];
}

/** The state table, in order of precedence. */
export function decide(f: Facts): Diagnosis {
  const at = (state: State, reason: string): Diagnosis => ({ state, reason, facts: f });
  const mine = f.localCommit ?? f.untaggedCommit;

  if (f.stashes.length && !mine)
    return at(
      "bump-stashed",
      `a pre-bump hook failed and cog stashed what the hooks had written (${f.stashes[0]!.replace("\t", ": ")}); no release commit was made`,
    );
  // Someone released this version from another clone: theirs is published, ours is a duplicate.
  if (f.remoteCommit && mine && f.remoteCommit !== mine && f.remoteIsRelease) {
    return at(
      "released-elsewhere",
      `${f.tag} on origin is ${short(f.remoteCommit)}, a release commit of ${f.version} on origin's release branch, made in another clone; the local release commit ${short(mine)} is a duplicate that was never pushed`,
    );
  }
  if (f.untaggedCommit && !f.remoteCommit) {
    return at(
      "commit-not-tagged",
      `HEAD ${short(f.untaggedCommit)} is cog's release commit for ${f.tag}, but it has no tag: the release stopped between cog's commit and its tag`,
    );
  }
  if (f.localCommit && f.commitProblems.length)
    return at(
      "local-changes-failed",
      `the release commit ${short(f.localCommit)} is incomplete: ${f.commitProblems.join("; ")}`,
    );
  if (f.localCommit && f.headIsTag && f.hookOutput.length && !f.remoteCommit && !f.commitOnOrigin) {
    return at(
      "local-changes-failed",
      `the tree holds ${f.tag}'s uncommitted hook output (${summarise(f.hookOutput)}) next to its release commit`,
    );
  }
  if (!f.localCommit && f.hookOutput.length && !f.remoteCommit && f.journal) {
    return at(
      "local-changes-failed",
      `a release of ${f.tag} stopped inside cog bump, after its hooks wrote and before cog committed: the tree holds its hook output (${summarise(f.hookOutput)})`,
    );
  }
  // A run, or an image built by one, means the tag was used: whatever made it, it is published now.
  const consumed = Boolean(f.run) || f.images.some((i) => i.facts?.digest);
  if (f.remoteCommit && f.localCommit && f.remoteCommit !== f.localCommit) {
    if (consumed)
      return at(
        "tag-mismatch",
        `${f.tag} on origin is ${short(f.remoteCommit)}, not the local release commit ${short(f.localCommit)}, and run ${f.run?.id ?? "?"} already used it`,
      );
    if (f.release)
      return at(
        "release-without-tag",
        `a GitHub release holds ${f.tag} at ${short(f.remoteCommit)} (made by GitHub, not the release commit ${short(f.localCommit)}), and nothing consumed it`,
      );
    return at(
      "tag-mismatch",
      `${f.tag} on origin is ${short(f.remoteCommit)}, not the local release commit ${short(f.localCommit)}`,
    );
  }
  if (f.release && !f.remoteCommit)
    return at(
      "release-without-tag",
      `a GitHub release${f.release.draft ? " (a draft)" : ""} exists for ${f.tag}, but origin has no ${f.tag} tag`,
    );
  if (f.localCommit && !f.remoteCommit)
    return at("authored-not-pushed", `the release commit ${short(f.localCommit)} and ${f.tag} exist only locally`);
  if (!f.localCommit && !f.remoteCommit)
    return at("authored-not-pushed", `there is no ${f.tag} yet, locally or on origin`);
  if (!f.release || f.release.draft)
    return at(
      "pushed-no-release",
      `${f.tag} is on origin at ${short(f.remoteCommit)}, but ${f.release ? "its GitHub release is a draft" : "there is no GitHub release"}`,
    );
  if (f.workflowInvalid)
    return at(
      "workflow-failed",
      `the tag workflow at ${f.tag} is invalid, so GitHub cannot run it (startup_failure) and nothing was published: ${f.workflowInvalid}`,
    );
  if (f.workflowExpected) {
    if (!f.run) return at("workflow-running", `no run of the release workflow for ${f.tag} has started yet`);
    if (f.run.status !== "completed")
      return at("workflow-running", `run ${f.run.id} (attempt ${f.run.attempt}) is ${f.run.status}`);
    if (f.run.conclusion !== "success")
      return at(
        "workflow-failed",
        `run ${f.run.id} (attempt ${f.run.attempt}) ended ${f.run.conclusion}${f.failedJobs.length ? `: ${f.failedJobs.map((j) => j.name).join(", ")} failed` : ""}`,
      );
    const problems = registryProblems(f);
    if (problems.length) return at("images-missing", `run ${f.run.id} succeeded, but ${problems.join("; ")}`);
  }
  return at(
    "complete",
    `${f.tag} is published, ${f.run ? `run ${f.run.id} succeeded` : "no workflow was expected"}${f.images.length ? ", and every image is in the registry" : ""}`,
  );
}

export async function diagnose(input: DiagnoseInput): Promise<Diagnosis> {
  return decide(await gatherFacts(input));
}

/** The facts as the JSON report's `evidence`: plain values, keyed in snake_case. */
export function evidence(f: Facts): Record<string, unknown> {
  return {
    local_tag_commit: f.localCommit,
    remote_tag_commit: f.remoteCommit,
    commit_on_origin: f.commitOnOrigin,
    release: f.release
      ? { id: f.release.id, draft: f.release.draft, immutable: f.release.immutable, url: f.release.url }
      : null,
    run: f.run
      ? {
          id: f.run.id,
          status: f.run.status,
          conclusion: f.run.conclusion,
          attempt: f.run.attempt,
          created_at: f.run.createdAt,
          url: f.run.url,
        }
      : null,
    failed_jobs: f.failedJobs.map((j) => j.name),
    images: f.images.map((i) => ({
      ref: i.ref,
      digest: i.facts?.digest ?? null,
      missing_tags: i.facts?.missingTags ?? [],
      missing_platforms: i.facts?.missingPlatforms ?? [],
      error: i.error ?? null,
    })),
    artifacts: f.artifacts.map((a) => ({ ref: a.ref, tag: a.tag, digest: a.digest, error: a.error ?? null })),
    dirty_files: f.dirty.map(statusPath),
    cog_stashes: f.stashes,
    stash_files: f.stash?.files ?? [],
    // The hooks matter when one of them failed.
    pre_bump_hooks: f.stashes.length ? f.hooks : null,
    release_commit_problems: f.commitProblems,
    release_commit_unexpected_files: f.commitUnexpected,
    head_is_release_commit: f.headIsTag,
    untagged_release_commit: f.untaggedCommit,
    remote_tag_is_a_release: f.remoteIsRelease,
    hook_output: f.hookOutput,
    other_edits: f.otherEdits,
    workflow_expected: f.workflowExpected,
    workflow_invalid: f.workflowInvalid,
    journal: f.journal,
  };
}
