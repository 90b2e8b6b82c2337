// Where a release stands, decided from the world (DESIGN.md, "State comes from the world"): the
// local and remote tag, the GitHub release, the tag workflow's run, the registry, the working tree
// and cog's stashes, as the facts layer reads them. The first state in the table that holds wins.

import type { Config } from "./config.ts";
import { type Facts, gatherFacts } from "./facts/index.ts";
import type { GitHub } from "./github.ts";
import { statusPath } from "./hook-output.ts";
import { summarise } from "./output.ts";
import type { Runner } from "./run.ts";

export type { Facts } from "./facts/index.ts";

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

export interface Diagnosis {
  state: State;
  /** Why this state holds, in a sentence. */
  reason: string;
  facts: Facts;
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

/** Where the release of `tag` stands. */
export async function diagnoseTag(
  r: Runner,
  config: Config,
  gh: GitHub,
  gitDir: string,
  tag: string,
): Promise<Diagnosis> {
  return decide(await gatherFacts({ r, config, gh, gitDir, tag }));
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
