// The steps of `mise run release`, in DESIGN.md's safe order. Each checks the world first: a step
// already done is skipped (a re-run continues where the last one stopped), never repeated.

import { setTimeout as sleep } from "node:timers/promises";
import { findSection } from "../changelog.ts";
import { bumpArgs, failedHookOutput, type VersionChoice } from "../cog.ts";
import type { Config } from "../config.ts";
import type { Diagnosis } from "../diagnose.ts";
import { findRelease, tagOnGitHub } from "../facts/index.ts";
import { reviewGate } from "../gate.ts";
import { commitOf, commits, headSha, isAncestor, remoteTags, showFile } from "../git.ts";
import { describeApiError, type GitHub } from "../github.ts";
import { kitCommand } from "../hint.ts";
import { readJournal, writeJournal } from "../journal.ts";
import { summarise } from "../output.ts";
import { preflight, printPreflight } from "../preflight/index.ts";
import { reviewReleaseCommit } from "../release-commit.ts";
import { CommandError, type Runner } from "../run.ts";
import { latestTag } from "../tags.ts";
import { makeLatest, NOTES_LIMIT, notesAt, releaseWrite } from "./github-release.ts";
import { pushCommandLine, pushRelease } from "./push.ts";
import { printReview } from "./review.ts";
import { Planned, Skipped, StepFailed } from "./run.ts";

export interface ReleaseContext {
  r: Runner;
  config: Config;
  gh: GitHub;
  gitDir: string;
  choice: VersionChoice;
  yes: boolean;
  /** What diagnose() found for the release in progress, when there is one. */
  resume: Diagnosis | null;
  tag: string | null;
  version: string | null;
  commit: string | null;
  base: string | null;
  releaseUrl: string | null;
}

const recover = (...args: string[]) => kitCommand("release:recover", args);
const again = () => kitCommand("release");
/** Whether a resumed release is past this step: it resumed from a state not among `stepRunsIn`,
 * the states in which the step still has to run. */
const resumedPast = (ctx: ReleaseContext, stepRunsIn: Diagnosis["state"][]) =>
  Boolean(ctx.resume && !stepRunsIn.includes(ctx.resume.state));

/** 1. update main locally: every preflight check, all at once. */
export async function preflightStep(ctx: ReleaseContext): Promise<string | Skipped | Planned> {
  if (ctx.resume)
    return new Skipped(
      `the release commit of ${ctx.tag} exists already (${ctx.resume.state}); preflight was passed when it was made`,
    );
  const report = await preflight(ctx.r, ctx.config, ctx.choice);
  printPreflight(report, ctx.config);
  if (!report.ok) {
    const failed = report.checks.filter((c) => c.status === "fail");
    throw new StepFailed(
      `preflight failed: ${failed.map((c) => `${c.id} (${c.detail})`).join("; ")}`,
      failed.map((c) => `${c.id}: ${c.fix}`).join("; "),
    );
  }
  ctx.version = report.version;
  ctx.tag = report.tag;
  return `releasable: ${report.tag}`;
}

/** The version: cog's, or the maintainer's choice passed through to cog. */
export async function versionStep(ctx: ReleaseContext): Promise<string | Skipped | Planned> {
  if (!ctx.tag || !ctx.version)
    throw new StepFailed(
      "no next version was computed",
      `see the next-version check: ${kitCommand("release:preflight")}`,
    );
  if (ctx.resume) return new Skipped(`continuing the release of ${ctx.tag}`);
  ctx.base = await headSha(ctx.r);
  await writeJournal(ctx.r, ctx.gitDir, {
    tag: ctx.tag,
    version: ctx.version,
    base: ctx.base!,
    started: new Date().toISOString(),
  });
  const latest = await latestTag(ctx.r, ctx.config.tagPrefix);
  return `${ctx.tag} (${latest ? `after ${latest}` : "first release"}${ctx.choice.version || ctx.choice.bump || ctx.choice.pre ? ", as asked" : ", cog's choice from the commits"})`;
}

/**
 * What mise run release does, steps 1, 2 and 4: `cog bump --skip-untracked`, whose pre_bump_hooks
 * run git-cliff -o CHANGELOG.md and cargo release version, commit their changes and tag that commit.
 */
export async function bumpStep(ctx: ReleaseContext): Promise<string | Skipped | Planned> {
  const tag = ctx.tag!;
  if (ctx.resume) {
    ctx.commit = ctx.resume.facts.localCommit;
    return new Skipped(`done: ${tag} is on the release commit ${ctx.commit?.slice(0, 7)}`);
  }
  try {
    const out = await ctx.r.with({ timeout: "600s" }).write`cog bump ${bumpArgs(ctx.choice)} --skip-untracked`;
    if (!out)
      return new Planned(
        `cog bump ${bumpArgs(ctx.choice).join(" ")} --skip-untracked: runs the pre_bump_hooks (git-cliff, version), commits and tags ${tag}`,
      );
  } catch (error) {
    if (!(error instanceof CommandError)) throw error;
    const said = error.stderr + error.stdout;
    const stashed = /cog_bump_/.test(said);
    // cog panics when the first hook fails before anything was written: there is nothing to stash.
    const nothingWritten = /nothing to stash/i.test(said);
    // The hook's own words say why it failed; cog's last lines only say that it did.
    const hook = failedHookOutput(error.stderr);
    const hookSaid =
      hook.hook && hook.lines.length ? `; the hook \`${hook.hook}\` said: ${hook.lines.join(" / ")}` : "";
    throw new StepFailed(
      `cog bump failed${stashed ? "; a pre_bump_hook failed and cog stashed its changes" : nothingWritten ? "; the first pre_bump_hook failed before writing anything" : ""}: ${error.message.split("\n").slice(-3).join(" ")}${hookSaid}`,
      stashed
        ? `${recover()} shows the stash and the failed hook; fix the hook in cog.toml, then drop the stash and run ${again()} again`
        : nothingWritten
          ? `nothing was changed: run the pre_bump_hooks of cog.toml by hand to see which fails, fix it, then run ${again()} again`
          : `${recover()} shows what state the repository is in`,
    );
  }
  const commit = await commitOf(ctx.r, `refs/tags/${tag}`);
  const head = await headSha(ctx.r);
  if (!commit || commit !== head) {
    throw new StepFailed(
      `cog bump finished, but ${tag} ${commit ? `is on ${commit.slice(0, 7)}, not HEAD` : "does not exist"}: cog chose another version than preflight`,
      recover("--tag", tag),
    );
  }
  ctx.commit = commit;
  return `${tag} tagged on the release commit ${commit.slice(0, 7)}`;
}

/** Step 4 of DESIGN.md: the release commit holds this version's changelog section and versions. */
export async function checkCommitStep(ctx: ReleaseContext): Promise<string | Skipped | Planned> {
  if (!ctx.commit) return new Planned("check that the release commit holds the changelog section and the versions");
  if (resumedPast(ctx, ["authored-not-pushed"]))
    return new Skipped(`done: ${ctx.tag} was pushed, so its commit was checked`);
  const review = await reviewReleaseCommit(ctx.r, ctx.config, ctx.commit, ctx.version!);
  if (!review.ok) {
    throw new StepFailed(
      `the release commit ${ctx.commit.slice(0, 7)} is not complete: ${review.problems.join("; ")}`,
      `nothing was pushed. Fix the hook in cog.toml, drop this commit and tag (${recover("--abandon", "--apply")}), then run ${again()} again`,
    );
  }
  const long =
    review.section && review.section.length > NOTES_LIMIT
      ? `; the ${ctx.version} section is ${review.section.length.toLocaleString("en-US")} characters, more than GitHub's ${NOTES_LIMIT.toLocaleString("en-US")}: the release notes will be its head and a link to the whole section`
      : "";
  return `${review.files.length} files changed, CHANGELOG.md has ${ctx.version}${ctx.config.workspace.kind === "cargo" ? `, every crate and Cargo.lock at ${ctx.version}` : ""}${review.unexpected.length ? `; also changed: ${summarise(review.unexpected)}` : ""}${long}`;
}

/** 3. review the generated version changes and CHANGELOG.md: the gate, after local authoring. */
export async function reviewStep(ctx: ReleaseContext): Promise<string | Skipped | Planned> {
  if (resumedPast(ctx, ["authored-not-pushed"])) return new Skipped(`done: ${ctx.tag} was pushed after review`);
  const latest = await latestTag(ctx.r, ctx.config.tagPrefix, ctx.commit ? `${ctx.commit}^` : "HEAD");
  const included = await commits(ctx.r, latest ? `${latest}..${ctx.commit ?? "HEAD"}` : (ctx.commit ?? "HEAD"));
  const changelog = ctx.commit ? await showFile(ctx.r, ctx.commit, "CHANGELOG.md") : await previewNotes(ctx);
  const section = changelog ? (findSection(changelog, ctx.version!) ?? changelog) : null;
  const files = ctx.commit ? (await reviewReleaseCommit(ctx.r, ctx.config, ctx.commit, ctx.version!)).files : [];
  printReview(ctx, included, section, files);
  if (ctx.r.dryRun) return new Planned("the review gate would ask here");
  const answer = await reviewGate(`Push ${ctx.config.branch} and ${ctx.tag}, then create the GitHub release?`, ctx.yes);
  if (!answer.ok) {
    throw new StepFailed(
      `not confirmed (${answer.reason}): the release commit and ${ctx.tag} stay local, nothing was pushed`,
      `to push: run ${again()} again (with --yes when no terminal can answer) or ${recover("--apply")}; to abandon: ${recover("--abandon", "--apply")}`,
    );
  }
  return `confirmed (${answer.reason})`;
}

/** Notes for the dry-run preview: git-cliff renders the unreleased commits under the new tag. */
async function previewNotes(ctx: ReleaseContext): Promise<string | null> {
  const out = await ctx.r.probe`git-cliff --unreleased --tag ${ctx.tag!} --strip all -o -`;
  return out.exitCode === 0 ? out.stdout : null;
}

/** 5. push the release commit and tag: one atomic push, so both land or neither does. */
export async function pushStep(ctx: ReleaseContext): Promise<string | Skipped | Planned> {
  const { r, config } = ctx;
  const tag = ctx.tag!;
  const branch = config.branch;
  if (resumedPast(ctx, ["authored-not-pushed"])) return new Skipped(`done: ${tag} is on origin`);
  if (ctx.r.dryRun) {
    await pushRelease(r, branch, tag);
    return new Planned(pushCommandLine(branch, tag));
  }
  // What recover makes of a push that cannot be made depends on why: it diagnoses and says.
  const diagnoseIt = `nothing was pushed: ${kitCommand("release:recover", ["--tag", tag])} says what state the release is in and the one next step`;
  // The cheap checks again: the gate may have waited, and origin may have moved meanwhile.
  const fetched = await r.with({ timeout: "120s" })
    .probe`git fetch --quiet --no-tags origin ${`+refs/heads/${branch}:refs/remotes/origin/${branch}`}`;
  if (fetched.exitCode !== 0)
    throw new StepFailed(
      `cannot fetch origin before pushing: ${fetched.stderr.trim()}`,
      `check the network and git's credentials for origin, then ${kitCommand("release")} again`,
    );
  if ((await remoteTags(r.with({ timeout: "60s" }))).has(tag))
    throw new StepFailed(`origin already has a tag ${tag}: someone released or tagged it meanwhile`, diagnoseIt);
  if (!(await isAncestor(r, `refs/remotes/origin/${branch}`, ctx.commit!))) {
    throw new StepFailed(
      `origin/${branch} moved since preflight and is not contained in the release commit: the push would be rejected`,
      diagnoseIt,
    );
  }
  try {
    await pushRelease(r, branch, tag);
  } catch (error) {
    if (!(error instanceof CommandError)) throw error;
    throw new StepFailed(
      `git push was refused; nothing was pushed (--atomic): ${error.message.split("\n").slice(-3).join(" ")}`,
      `fix what git says (credentials, branch protection), then run ${kitCommand("release")} again: it continues from here`,
    );
  }
  return `pushed ${branch} and ${tag} to origin`;
}

/** The --verify-tag rule: the release is created only for the tag GitHub has at the release commit. */
export async function confirmTagStep(ctx: ReleaseContext): Promise<string | Skipped | Planned> {
  const tag = ctx.tag!;
  if (ctx.r.dryRun)
    return new Planned(`confirm that GitHub has ${tag} at the release commit before creating the release`);
  if (resumedPast(ctx, ["authored-not-pushed", "pushed-no-release"]))
    return new Skipped(`done: ${tag} has its GitHub release`);
  let onGitHub: string | null = null;
  try {
    // A tag just pushed can be invisible to the API for a moment: look a few times.
    for (let attempt = 0; attempt < 8 && onGitHub !== ctx.commit; attempt++) {
      if (attempt) await sleep(ctx.gh.loopback ? 50 : 1000 * attempt);
      onGitHub = await tagOnGitHub(ctx.gh, tag);
      if (onGitHub && onGitHub !== ctx.commit) break;
    }
  } catch (error) {
    const { message, fix } = describeApiError(error, `reading ${tag} on GitHub`);
    throw new StepFailed(message, `${fix}; then run ${again()} again (it continues from here)`);
  }
  if (!onGitHub)
    throw new StepFailed(
      `GitHub does not show ${tag} although it was pushed`,
      `wait a minute and run ${again()} again; it continues from here`,
    );
  if (onGitHub !== ctx.commit)
    throw new StepFailed(
      `GitHub has ${tag} at ${onGitHub.slice(0, 7)}, not the release commit ${ctx.commit!.slice(0, 7)}`,
      `${recover("--tag", tag)}: a published tag is never moved`,
    );
  return `GitHub has ${tag} at ${onGitHub.slice(0, 7)}`;
}

function isValidation(error: unknown, code: string): boolean {
  const e = error as { status?: number; response?: { data?: { errors?: { code?: string; message?: string }[] } } };
  return (
    e.status === 422 && Boolean(e.response?.data?.errors?.some((x) => x.code === code || x.message?.includes(code)))
  );
}

/** 4. confirm the GitHub release was created for the new tag: created here, not a draft, latest
 *  only when no higher version is released. */
export async function githubReleaseStep(ctx: ReleaseContext): Promise<string | Skipped | Planned> {
  const { r, gh } = ctx;
  const tag = ctx.tag!;
  const version = ctx.version!;
  // In a dry run the release commit does not exist yet: git-cliff previews the notes.
  const notes = ctx.commit ? (await notesAt(r, gh, ctx.commit, tag, version)).body : ((await previewNotes(ctx)) ?? "");
  const latest = await makeLatest(r, ctx.config.tagPrefix, version);
  try {
    const existing = await findRelease(gh, tag);
    if (existing && !existing.draft) {
      ctx.releaseUrl = existing.url;
      if (existing.body.trim() === notes.trim())
        return new Skipped(`done: the GitHub release ${existing.url} exists with these notes`);
      throw new StepFailed(
        `a published GitHub release for ${tag} exists with other notes: ${existing.url}`,
        `${recover("--tag", tag)}; ${kitCommand("release:verify")} compares the notes with CHANGELOG.md`,
      );
    }
    const write = releaseWrite(gh, {
      tag,
      version,
      body: notes,
      makeLatest: latest,
      ...(existing?.draft ? { draftId: existing.id } : {}),
    });
    ctx.releaseUrl = await write.url();
    if (!ctx.releaseUrl)
      return new Planned(
        `${existing?.draft ? "publish the draft release" : "create the GitHub release"} for ${tag} (${ctx.commit ? ctx.commit.slice(0, 7) : "the release commit"}), notes: the ${version} section of CHANGELOG.md${latest === "false" ? "; not marked latest (a higher version is released)" : ""}`,
      );
    if (existing?.draft) return `published the draft release: ${ctx.releaseUrl}`;
  } catch (error) {
    if (error instanceof StepFailed) throw error;
    if (isValidation(error, "already_exists")) {
      const existing = await findRelease(gh, tag);
      if (existing && existing.body.trim() === notes.trim()) {
        ctx.releaseUrl = existing.url;
        return new Skipped(`done: the GitHub release ${existing.url} exists with these notes`);
      }
    }
    if (isValidation(error, "immutable")) {
      throw new StepFailed(
        `GitHub refuses ${tag}: the name was used by an immutable release, so this tag is final`,
        `never retag a published version: release the next version (${kitCommand("release", ["--bump", "patch"])}) after dropping this one with ${recover("--tag", tag, "--abandon", "--apply")}`,
      );
    }
    const { message, fix } = describeApiError(error, `creating the GitHub release for ${tag}`);
    throw new StepFailed(message, `${fix}; then ${kitCommand("release")} again: it continues from here`);
  }
  const journal = readJournal(ctx.gitDir, tag);
  if (journal) await writeJournal(ctx.r, ctx.gitDir, { ...journal, releaseUrl: ctx.releaseUrl ?? undefined });
  return `created ${ctx.releaseUrl}${latest === "false" ? " (not marked latest: a higher version is released)" : ""}`;
}
