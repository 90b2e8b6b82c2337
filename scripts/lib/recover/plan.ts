// The one safe next action for each state of a release (DESIGN.md, "State comes from the world"),
// as the exact commands and API requests it makes. Writes go through the runner's gate, so
// --dry-run prints what --apply would do. What needs a human says what to do and why.
import { rmSync } from "node:fs";
import { join } from "node:path";
import semver from "semver";
import { findSection, normalizeNotes } from "../changelog.ts";
import type { Config } from "../config.ts";
import { hookOutputIn, HOOK_OUTPUT, type Diagnosis, type Facts } from "../diagnose.ts";
import { showFile } from "../git.ts";
import type { GitHub } from "../github.ts";
import { formatRequest, type ApiRequest, type Runner } from "../run.ts";

export interface Plan {
  /** What to do next, in a sentence (for a human step: what, and why recover does not). */
  action: string;
  /** The exact commands and API requests, in order. */
  commands: string[];
  /** Set when recover must not do this itself: why a human has to. */
  human?: string;
  /** Performs the action (through the runner's gate). */
  apply?: () => Promise<void>;
  /** The action waits for GitHub rather than writing. */
  waits?: boolean;
}

export interface PlanInput {
  r: Runner;
  config: Config;
  gh: GitHub;
  gitDir: string;
  diagnosis: Diagnosis;
  deleteRelease: string | null;
  abandon: boolean;
}

const DAY = 24 * 3600 * 1000;
/** GitHub re-runs a workflow run only within 30 days of its creation, and at most 50 times. */
export const RERUN_DAYS = 30;
export const RERUN_ATTEMPTS = 50;

const recoverCmd = (tag: string, extra: string) => `mise run release:recover -- --tag ${tag} ${extra}`;
/** The next version: cog picks it from the commits since the tag, so the fix must be on main first
 *  (a HEAD that still carries the tag has nothing new to release). */
const NEXT_VERSION = "mise run release";

function api(gh: GitHub, method: string, path: string, body?: unknown): ApiRequest {
  return { method, url: `${gh.baseUrl}/repos/${gh.owner}/${gh.repo}${path}`, ...(body === undefined ? {} : { body }) };
}

function pushCommand(r: Runner, branch: string, tag: string) {
  return r.with({ timeout: "120s" }).write`git push --atomic origin ${`refs/heads/${branch}:refs/heads/${branch}`} ${`refs/tags/${tag}:refs/tags/${tag}`}`;
}

function human(action: string, commands: string[], why: string): Plan {
  return { action, commands, human: why };
}

/** The hook that failed: cog runs them in order and stops at the first failure, so it is the
 *  first one whose output is not in the stash. Null when the hooks' outputs cannot be told. */
export function failedHook(hooks: string[], stashFiles: string[]): string | null {
  const writes = (hook: string): RegExp | null => {
    if (/\bgit-cliff\b/.test(hook)) return new RegExp(`^${(/(?:-o|--output)[ =](\S+)/.exec(hook)?.[1] ?? "CHANGELOG.md").replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`);
    if (/\bcargo[- ]release\b|\bcargo set-version\b/.test(hook)) return /(^|\/)Cargo\.(toml|lock)$/;
    if (/\bnpm version\b/.test(hook)) return /^package(-lock)?\.json$/;
    return null;
  };
  for (const hook of hooks) {
    const output = writes(hook);
    if (!output) return null;
    if (!stashFiles.some((f) => output.test(f))) return hook;
  }
  return null;
}

/** bump-stashed: show the stash and the failed hook; drop the stash once the hook is fixed. */
function stashPlan({ r, diagnosis, abandon }: PlanInput): Plan {
  const f = diagnosis.facts;
  const s = f.stash!;
  const failed = failedHook(s.hooksAtBase ?? f.hooks, s.files);
  const stray = s.files.filter((p) => !HOOK_OUTPUT.test(p));
  const show = `git stash show --stat ${s.ref}`;
  if (stray.length) {
    return human(
      `cog's stash ${s.ref} also holds ${stray.join(", ")}, which no hook writes: take them back (git stash pop), fix the failed pre_bump_hook${failed ? ` (${failed})` : ""}, then release again`,
      [show, `git stash pop ${s.ref}`, "mise run release"],
      `the stash holds more than hook output; dropping it would lose ${stray.join(", ")}`,
    );
  }
  const fixed = s.hooksAtBase !== null && JSON.stringify(s.hooksAtBase) !== JSON.stringify(f.hooks);
  const drop: Plan = {
    action: `drop cog's stash ${s.ref} (${s.files.join(", ") || "empty"}: what the hooks wrote before ${failed ? `\`${failed}\`` : "one"} failed; the fixed hooks write it again), then release again`,
    commands: [show, `git stash drop ${s.ref}`, "mise run release"],
    apply: async () => {
      await r.write`git stash drop ${s.ref}`;
    },
  };
  if (fixed || abandon) return drop;
  return human(
    `fix the failed pre_bump_hook in cog.toml${failed ? ` (\`${failed}\`: the hooks before it left their output in the stash)` : ""} and commit the fix; then drop cog's stash ${s.ref} (${recoverCmd(f.tag, "--apply")} does once cog.toml's hooks changed) and release again`,
    [show, `git stash drop ${s.ref}`, "mise run release"],
    `cog.toml's pre_bump_hooks are the ones that failed: the hook must be fixed before the stash is dropped`,
  );
}

/** Drops the local release commit and tag: only ever a commit that exists nowhere else. */
function abandonPlan({ r, gitDir, diagnosis }: PlanInput): Plan {
  const f = diagnosis.facts;
  const tracked = f.dirty.filter((l) => !l.startsWith("??"));
  const hookFiles = hookOutputIn(tracked);
  const reset = Boolean(f.localCommit && f.headIsTag && !f.commitOnOrigin);
  const commands: string[] = [];
  if (hookFiles.length) commands.push(`git restore --staged --worktree -- ${hookFiles.join(" ")}`);
  if (f.localCommit) commands.push(`git tag -d ${f.tag}`);
  if (reset) commands.push(`git reset --keep ${f.localCommit!.slice(0, 12)}^`);
  return {
    action: `abandon ${f.tag}: ${[hookFiles.length ? "restore the hook output in the tree" : "", f.localCommit ? `delete the local tag${reset ? " and drop the release commit" : ""}` : ""].filter(Boolean).join(", ")} (nothing of it was pushed)`,
    commands,
    apply: async () => {
      if (hookFiles.length) await r.write`git restore --staged --worktree -- ${hookFiles}`;
      if (f.localCommit) await r.write`git tag -d ${f.tag}`;
      if (reset) await r.write`git reset --keep ${`${f.localCommit}^`}`;
      if (!r.dryRun) rmSync(join(gitDir, "release-kit", `${encodeURIComponent(f.tag)}.json`), { force: true });
    },
  };
}

/** local-changes-failed with the hooks' output in the tree: commit it into the local release commit. */
function finishPlan({ r, diagnosis }: PlanInput): Plan {
  const f = diagnosis.facts;
  const files = hookOutputIn(f.dirty);
  return {
    action: `finish ${f.tag}: commit the hook output (${files.join(", ")}) into the local release commit and move the local tag onto it (nothing was pushed; --abandon drops it instead)`,
    commands: ["git status --short", `git add -- ${files.join(" ")}`, "git commit --amend --no-edit --no-verify", `git tag -f ${f.tag}`],
    apply: async () => {
      const annotated = (await r.probe`git cat-file -t ${`refs/tags/${f.tag}`}`).stdout.trim() === "tag";
      const message = annotated ? (await r.read`git tag --list --format=%(contents) ${f.tag}`).stdout.trim() : "";
      await r.write`git add -- ${files}`;
      // cog commits without git hooks; the amended commit must not run them either.
      await r.write`git -c core.hooksPath=/dev/null commit --amend --no-edit --no-verify --quiet`;
      if (annotated) await r.write`git tag -f -a ${f.tag} -m ${message}`;
      else await r.write`git tag -f ${f.tag}`;
    },
  };
}

function localChangesPlan(input: PlanInput): Plan {
  const f = input.diagnosis.facts;
  const tag = f.tag;
  if (f.localCommit && (f.remoteCommit || f.commitOnOrigin)) {
    return human(
      `leave ${tag} as it is and release the next version once the hooks are fixed: the incomplete release commit ${f.localCommit.slice(0, 7)} is on origin already, and a pushed commit or tag is never rewritten`,
      ["mise run release:preflight", NEXT_VERSION],
      `${tag}'s release commit is pushed but incomplete (${f.commitProblems.join("; ") || input.diagnosis.reason})`,
    );
  }
  if (input.abandon) return abandonPlan(input);
  if (f.localCommit && f.headIsTag && hookOutputIn(f.dirty).length) return finishPlan(input);
  return human(
    `drop the incomplete local release of ${tag} (${recoverCmd(tag, "--abandon --apply")}), fix the hooks in cog.toml (mise run release:preflight checks them), then release again`,
    ["git status --short", ...(f.localCommit ? [`git show --stat ${tag}`] : []), recoverCmd(tag, "--abandon --apply"), "mise run release"],
    `${input.diagnosis.reason}: only a new release commit can hold what the hooks should have written`,
  );
}

function tagMismatchPlan({ diagnosis }: PlanInput): Plan {
  const f = diagnosis.facts;
  const tag = f.tag;
  const commands = [`git tag -d ${tag}`, ...(f.headIsTag && !f.commitOnOrigin ? [`git reset --keep ${f.localCommit!.slice(0, 12)}^`] : []), `git fetch origin tag ${tag}`, "mise run release:preflight", NEXT_VERSION];
  const used = f.run ? `run ${f.run.id} (${f.run.url}) already built from it` : "it is published";
  const final = f.release?.immutable ? `; its immutable release ${f.release.url} makes the tag final` : "";
  return human(
    `stop: ${tag} on origin is ${f.remoteCommit!.slice(0, 7)}, not the local release commit ${f.localCommit!.slice(0, 7)}, and ${used}${final}. A published tag is never moved: take origin's ${tag}, drop the local release commit, and release the next version once the fix is on main (preflight says what else it needs: ${tag}'s commit may lack its version stamps)`,
    commands,
    `a published tag is never moved (${diagnosis.reason})`,
  );
}

async function notesFor(r: Runner, commit: string, version: string): Promise<string> {
  const changelog = await showFile(r, commit, "CHANGELOG.md");
  return (changelog && findSection(changelog, version)) ?? "";
}

async function releaseWithoutTagPlan(input: PlanInput): Promise<Plan> {
  const { r, gh, config, diagnosis, deleteRelease } = input;
  const f = diagnosis.facts;
  const tag = f.tag;
  const release = f.release!;
  const branch = config.branch;
  if (release.immutable) {
    return human(
      `stop: the GitHub release ${release.url} is immutable, so ${tag} is final: it can be neither deleted nor moved. Drop the local release (${recoverCmd(tag, "--abandon --apply")}), take GitHub's ${tag}, and release the next version`,
      [recoverCmd(tag, "--abandon --apply"), `git fetch origin tag ${tag}`, NEXT_VERSION],
      `an immutable release's tag is final`,
    );
  }
  if (!f.localCommit) {
    return human(
      `there is no local ${tag} to push: run recover in the clone that made the release commit, or delete the release ${release.url} deliberately`,
      [formatRequest(api(gh, "DELETE", `/releases/${release.id}`))],
      `the release commit of ${tag} is not in this repository`,
    );
  }
  const push = `git push --atomic origin ${branch} ${tag}`;
  if (!f.remoteCommit) {
    // Nothing stands in the way: push ours, and the release (draft or not) is reused with our notes.
    const notes = await notesFor(r, f.localCommit, f.version);
    const patch = normalizeNotes(release.body) === normalizeNotes(notes) ? null : api(gh, "PATCH", `/releases/${release.id}`, { body: notes });
    return {
      action: `push the release commit and ${tag}, and reuse the existing GitHub release ${release.url}${patch ? " with the CHANGELOG.md section as its notes" : ""}`,
      commands: [push, ...(patch ? [formatRequest(patch)] : [])],
      apply: async () => {
        await pushCommand(r, branch, tag);
        if (patch) await r.api(patch, () => gh.octokit.rest.repos.updateRelease({ owner: gh.owner, repo: gh.repo, release_id: release.id, body: notes }));
      },
    };
  }
  const deleteReq = api(gh, "DELETE", `/releases/${release.id}`);
  const refReq = api(gh, "DELETE", `/git/refs/tags/${tag}`);
  const commands = [formatRequest(deleteReq), formatRequest(refReq), push];
  const action = `delete the GitHub release ${tag} (${release.url}) and the ${tag} GitHub made at ${f.remoteCommit.slice(0, 7)}, which nothing used; then push ours (${f.localCommit.slice(0, 7)})`;
  if (!release.draft && deleteRelease !== tag) {
    return human(
      `${action}: deleting a published release needs its name, so run again with --delete-release ${tag} (--yes never implies it)`,
      [recoverCmd(tag, `--apply --delete-release ${tag}`), ...commands],
      `deleting the published release ${release.url} needs --delete-release ${tag}${deleteRelease ? ` (--delete-release named ${deleteRelease})` : ""}`,
    );
  }
  return {
    action,
    commands,
    apply: async () => {
      await r.api(deleteReq, () => gh.octokit.rest.repos.deleteRelease({ owner: gh.owner, repo: gh.repo, release_id: release.id }));
      await r.api(refReq, async () => {
        try {
          await gh.octokit.rest.git.deleteRef({ owner: gh.owner, repo: gh.repo, ref: `tags/${tag}` });
        } catch (error) {
          if ((error as { status?: number }).status !== 422) throw error; // already gone
        }
      });
      await pushCommand(r, branch, tag);
    },
  };
}

async function createReleasePlan({ r, gh, diagnosis }: PlanInput): Promise<Plan> {
  const f = diagnosis.facts;
  const tag = f.tag;
  const notes = await notesFor(r, f.remoteCommit!, f.version);
  const prerelease = Boolean(semver.prerelease(f.version));
  const makeLatest = prerelease ? ("false" as const) : ("true" as const);
  if (f.release?.draft) {
    const req = api(gh, "PATCH", `/releases/${f.release.id}`, { draft: false, name: tag, body: notes, make_latest: makeLatest });
    return {
      action: `publish the draft GitHub release of ${tag} with the ${f.version} section of CHANGELOG.md as its notes`,
      commands: [formatRequest(req)],
      apply: async () => {
        await r.api(req, () => gh.octokit.rest.repos.updateRelease({ owner: gh.owner, repo: gh.repo, release_id: f.release!.id, draft: false, name: tag, body: notes, make_latest: makeLatest }));
      },
    };
  }
  const body = { tag_name: tag, name: tag, body: notes, draft: false, prerelease, make_latest: makeLatest };
  const req = api(gh, "POST", "/releases", body);
  return {
    action: `create the GitHub release for ${tag} (on GitHub at ${f.remoteCommit!.slice(0, 7)}) with the ${f.version} section of CHANGELOG.md as its notes`,
    commands: [formatRequest(req)],
    apply: async () => {
      await r.api(req, () => gh.octokit.rest.repos.createRelease({ owner: gh.owner, repo: gh.repo, ...body }));
    },
  };
}

/** Why GitHub will not re-run this run, or null when it will. */
function rerunRefusal(f: Facts): string | null {
  const run = f.run!;
  const age = Date.now() - Date.parse(run.createdAt);
  if (age > RERUN_DAYS * DAY) return `run ${run.id} is ${Math.floor(age / DAY)} days old, and GitHub re-runs a run only within ${RERUN_DAYS} days`;
  if (run.attempt >= RERUN_ATTEMPTS) return `run ${run.id} has run ${run.attempt} times, and GitHub allows at most ${RERUN_ATTEMPTS} attempts`;
  return null;
}

function cannotRerun(f: Facts, why: string): Plan {
  return human(
    `release the next version: ${why}. Fix the cause in the workflow first; ${f.tag} stays as it is (a published tag is never moved)`,
    ["mise run release:preflight", NEXT_VERSION],
    why,
  );
}

/** Re-reads the run right before a re-run: someone may have re-run it meanwhile. */
async function runIsStill(gh: GitHub, runId: number, conclusion: "failure" | "success"): Promise<string | null> {
  const { data } = await gh.octokit.rest.actions.getWorkflowRun({ owner: gh.owner, repo: gh.repo, run_id: runId });
  if (data.status !== "completed") return `run ${runId} is ${data.status} again (attempt ${data.run_attempt ?? "?"}): someone re-ran it; wait for it (mise run release:verify -- --wait)`;
  if (conclusion === "failure" && data.conclusion === "success") return `run ${runId} already succeeded (attempt ${data.run_attempt ?? "?"}): there are no failed jobs to re-run; check the result with mise run release:verify`;
  return null;
}

function workflowFailedPlan({ r, gh, diagnosis }: PlanInput): Plan {
  const f = diagnosis.facts;
  const run = f.run!;
  const refusal = rerunRefusal(f);
  if (refusal) return cannotRerun(f, refusal);
  const req = api(gh, "POST", `/actions/runs/${run.id}/rerun-failed-jobs`);
  return {
    action: `re-run the failed jobs (${f.failedJobs.map((j) => j.name).join(", ") || "every failed one"}) of run ${run.id} for the same tag ${f.tag}, once their cause is fixed outside the repository (a fix inside it needs a new version)`,
    commands: [formatRequest(req)],
    apply: async () => {
      if (!r.dryRun) {
        const changed = await runIsStill(gh, run.id, "failure");
        if (changed) throw new HumanNeeded(changed);
      }
      await r.api(req, () => gh.octokit.rest.actions.reRunWorkflowFailedJobs({ owner: gh.owner, repo: gh.repo, run_id: run.id }));
    },
  };
}

function imagesMissingPlan({ r, gh, diagnosis }: PlanInput): Plan {
  const f = diagnosis.facts;
  const run = f.run!;
  const refusal = rerunRefusal(f);
  if (refusal) return cannotRerun(f, `${diagnosis.reason}, and ${refusal}`);
  const req = api(gh, "POST", `/actions/runs/${run.id}/rerun`);
  return {
    action: `re-run the whole run ${run.id} for ${f.tag}: it succeeded, so it has no failed jobs to re-run, yet ${diagnosis.reason.replace(/^run \d+ succeeded, but /, "")}`,
    commands: [formatRequest(req)],
    apply: async () => {
      await r.api(req, () => gh.octokit.rest.actions.reRunWorkflow({ owner: gh.owner, repo: gh.repo, run_id: run.id }));
    },
  };
}

/** Thrown by an action that found, at the last moment, that the world changed under it. */
export class HumanNeeded extends Error {}

/** --abandon drops only what exists nowhere else. */
const ABANDONABLE = new Set(["bump-stashed", "local-changes-failed", "authored-not-pushed"]);

export async function planFor(input: PlanInput): Promise<Plan> {
  const { r, config, diagnosis, abandon } = input;
  const f = diagnosis.facts;
  const tag = f.tag;

  if (abandon && !ABANDONABLE.has(diagnosis.state)) {
    return human(
      `${tag} cannot be abandoned: it is ${diagnosis.state}, so something of it is on GitHub already, and a published tag or release is never dropped. Run without --abandon to see the next step`,
      [`mise run release:recover -- --tag ${tag}`],
      "--abandon drops only a release that exists nowhere but here",
    );
  }

  switch (diagnosis.state) {
    case "complete":
      return { action: "none: the release is complete", commands: [] };
    case "bump-stashed":
      return stashPlan(input);
    case "local-changes-failed":
      return localChangesPlan(input);
    case "tag-mismatch":
      return tagMismatchPlan(input);
    case "release-without-tag":
      return releaseWithoutTagPlan(input);
    case "authored-not-pushed":
      if (!f.localCommit) return human(`nothing of ${tag} exists yet: start the release with mise run release`, ["mise run release"], `there is no release of ${tag} to recover`);
      if (abandon) return abandonPlan(input);
      return {
        action: `push the release commit ${f.localCommit.slice(0, 7)} and ${tag} in one atomic push (or --abandon to drop them)`,
        commands: [`git push --atomic origin ${config.branch} ${tag}`],
        apply: async () => {
          await pushCommand(r, config.branch, tag);
        },
      };
    case "pushed-no-release":
      return createReleasePlan(input);
    case "workflow-running":
      return { action: `wait for the tag workflow of ${tag}${f.run ? ` (run ${f.run.id})` : ""} to finish`, commands: [`mise run release:verify -- --tag ${tag} --wait`], waits: true };
    case "workflow-failed":
      return workflowFailedPlan(input);
    case "images-missing":
      return imagesMissingPlan(input);
  }
}
