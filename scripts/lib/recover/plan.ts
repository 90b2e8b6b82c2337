// The one safe next action for each state of a release (DESIGN.md, "State comes from the world"),
// as the exact commands and API requests it makes. Writes go through the runner's gate, so
// --dry-run prints what --apply would do. What needs a human says what to do and why.
// Two rules shape every plan: recover publishes only what the reviewed release commit holds (or
// what it regenerated itself from the hooks), and it never discards what it cannot regenerate.

import type { Config } from "../config.ts";
import type { Diagnosis, Facts } from "../diagnose.ts";
import { apiWrite, type GitHub } from "../github.ts";
import { kitCommand, sh } from "../hint.ts";
import { proveHookOutput } from "../hook-output.ts";
import { removeJournal } from "../journal.ts";
import { summarise } from "../output.ts";
import { makeLatest, notesAt, releaseWrite } from "../release/github-release.ts";
import { branchPushRefusal, pushCommandLine, pushRelease } from "../release/push.ts";
import { HOOK_FILES } from "../release-commit.ts";
import type { Runner } from "../run.ts";
import { latestTag } from "../tags.ts";

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
  /** After this action nothing of the release is left to recover here (it was abandoned). */
  ends?: boolean;
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

const recoverCmd = (tag: string, ...extra: string[]) => kitCommand("release:recover", ["--tag", tag, ...extra]);
/** The next version: cog picks it from the commits since the tag, so the fix must be on main first
 *  (a HEAD that still carries the tag has nothing new to release). */
const NEXT_VERSION = kitCommand("release");
const short = (sha: string) => sha.slice(0, 7);

/** Thrown by an action that found, at the last moment, that the world changed under it. */
export class HumanNeeded extends Error {}

const deleteReleaseWrite = (gh: GitHub, id: number) =>
  apiWrite(gh, "DELETE /repos/{owner}/{repo}/releases/{release_id}", { release_id: id });

function human(action: string, commands: string[], why: string): Plan {
  return { action, commands, human: why };
}

/** The hook that failed: cog runs them in order and stops at the first failure, so it is the
 *  first one whose output is not in the stash. Null when the hooks' outputs cannot be told. */
export function failedHook(hooks: string[], stashFiles: string[]): string | null {
  const writes = (hook: string): RegExp | null => {
    if (/\bgit-cliff\b/.test(hook))
      return new RegExp(
        `^${(/(?:-o|--output|-p|--prepend)[ =](\S+)/.exec(hook)?.[1] ?? "CHANGELOG.md").replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`,
      );
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

/** Moves edits nobody reviewed out of the way under a named stash, and says where they went. */
async function saveEdits(r: Runner, tag: string, files: string[], why: string): Promise<void> {
  if (!files.length) return;
  await r.write`git stash push --include-untracked --message ${`release-kit: ${why} (${tag}): ${files.join(", ")}`} -- ${files}`;
}

/** bump-stashed: show the stash and the failed hook; drop the stash once the hook is fixed and its
 *  content is proven to be what the hooks write again. */
async function stashPlan({ r, config, diagnosis, abandon }: PlanInput): Promise<Plan> {
  const f = diagnosis.facts;
  const s = f.stash!;
  const hooks = s.hooksAtBase ?? f.hooks;
  const failed = failedHook(hooks, s.files);
  const show = `git stash show --stat ${s.ref}`;
  const keep = (why: string, extra = "") =>
    human(
      `keep cog's stash ${s.ref}: ${why}. Look at it (${show}), take back what is yours (git stash pop ${s.ref}), fix the failed pre_bump_hook${failed ? ` (${failed})` : ""}${extra}, then release again`,
      [show, `git stash pop ${s.ref}`, NEXT_VERSION],
      `dropping the stash would lose what cannot be written again: ${why}`,
    );
  const stray = s.files.filter((p) => !HOOK_FILES.test(p));
  if (stray.length) return keep(`it also holds ${summarise(stray)}, which no hook writes`);
  const fixed = s.hooksAtBase !== null && JSON.stringify(s.hooksAtBase) !== JSON.stringify(f.hooks);
  if (!fixed && !abandon) {
    return human(
      `fix the failed pre_bump_hook in cog.toml${failed ? ` (\`${failed}\`: the hooks before it left their output in the stash)` : ""} and commit the fix; then drop cog's stash ${s.ref} (${recoverCmd(f.tag, "--apply")} does once cog.toml's hooks changed) and release again`,
      [show, `git stash drop ${s.ref}`, NEXT_VERSION],
      `cog.toml's pre_bump_hooks are the ones that failed: the hook must be fixed before the stash is dropped`,
    );
  }
  // Only what the hooks before the failed one write again, for this version, may be dropped.
  if (!failed || !s.base || !f.journal)
    return keep(
      failed ? "release-kit has no record of the version that was being released" : "which hook failed cannot be told",
    );
  const ran = hooks.slice(0, hooks.indexOf(failed));
  const proof = await proveHookOutput(
    r,
    config,
    {
      rev: s.base,
      version: f.journal.version,
      tag: f.tag,
      latestTag: await latestTag(r, config.tagPrefix, s.base),
      hooks: ran,
    },
    s.files,
    async (path) => {
      const out = await r.probe`git show ${`${s.ref}:${path}`}`;
      return out.exitCode === 0 ? Buffer.from(out.stdout) : null;
    },
  );
  if (proof.otherEdits.length)
    return keep(
      `${summarise(proof.otherEdits)} in it ${proof.unproven ? `cannot be checked (${proof.unproven})` : "differ from what the hooks write again"}`,
    );
  return {
    action: `drop cog's stash ${s.ref} (${summarise(s.files) || "empty"}: what the hooks wrote before \`${failed}\` failed, which they write again), then release again`,
    commands: [show, `git stash drop ${s.ref}`, NEXT_VERSION],
    apply: async () => {
      await r.write`git stash drop ${s.ref}`;
    },
    ends: true,
  };
}

/**
 * Drops the local release (its tag, and its commit when HEAD is it and origin never had it),
 * setting back the tree's proven hook output and stashing every other edit under a named stash.
 * With `takeOrigins`, origin's tag of that name is then fetched in its place.
 */
function dropLocalPlan(
  { r, gitDir, diagnosis }: PlanInput,
  opts: { takeOrigins: boolean; why: string; goOn?: boolean },
): Plan {
  const f = diagnosis.facts;
  const commit = f.localCommit ?? f.untaggedCommit;
  if (commit && (f.commitOnOrigin || f.remoteCommit === commit)) {
    return human(
      `${f.tag}'s release commit ${short(commit)} is on origin already: a pushed commit or tag is never dropped. Run without --abandon to see the next step`,
      [recoverCmd(f.tag)],
      "--abandon drops only what exists nowhere but here",
    );
  }
  if (commit && f.headIsTag && f.commitUnexpected.length) {
    return human(
      `the local release commit ${short(commit)} also changes ${summarise(f.commitUnexpected)}, which no hook writes: dropping it would lose that work. Take those changes into a commit of their own first (git show ${short(commit)} -- <file>), then run recover again`,
      [
        `git show --stat ${short(commit)}`,
        recoverCmd(f.tag, opts.takeOrigins ? "--apply" : "--abandon", ...(opts.takeOrigins ? [] : ["--apply"])),
      ],
      `${short(commit)} holds more than the release's own output`,
    );
  }
  const reset = Boolean(commit && f.headIsTag);
  const restore = f.hookOutput;
  const save = f.otherEdits;
  const commands = [
    ...(save.length
      ? [
          sh(
            "git",
            "stash",
            "push",
            "--include-untracked",
            "--message",
            `release-kit: ${opts.why} (${f.tag})`,
            "--",
            ...save,
          ),
        ]
      : []),
    ...(restore.length ? [sh("git", "restore", "--staged", "--worktree", "--", ...restore)] : []),
    ...(f.localCommit ? [sh("git", "tag", "-d", f.tag)] : []),
    ...(reset ? [sh("git", "reset", "--keep", `${commit!.slice(0, 12)}^`)] : []),
    ...(opts.takeOrigins ? [sh("git", "fetch", "origin", "tag", f.tag)] : []),
  ];
  const parts = [
    save.length ? `stash ${summarise(save)} (edits no hook made) under a named stash` : "",
    restore.length ? `set back the hook output in the tree (${summarise(restore)}), which the hooks write again` : "",
    f.localCommit ? `delete the local tag ${f.tag}` : "",
    reset ? `drop the release commit ${short(commit!)} (it stays in git reflog)` : "",
    opts.takeOrigins ? `take origin's ${f.tag} (${short(f.remoteCommit!)})` : "",
  ].filter(Boolean);
  return {
    action: `${opts.why}: ${parts.join(", ")}; nothing on origin or GitHub changes`,
    commands,
    apply: async () => {
      await saveEdits(r, f.tag, save, opts.why);
      if (restore.length) await r.write`git restore --staged --worktree -- ${restore}`;
      if (f.localCommit) await r.write`git tag -d ${f.tag}`;
      if (reset) await r.write`git reset --keep ${`${commit}^`}`;
      if (opts.takeOrigins)
        await r.with({ timeout: "120s" })
          .write`git fetch --quiet --no-tags origin ${`refs/tags/${f.tag}:refs/tags/${f.tag}`}`;
      if (!opts.goOn) await removeJournal(r, gitDir, f.tag);
    },
    ends: !opts.goOn,
  };
}

/** local-changes-failed with the hooks' proven output in the tree: commit it into the local release commit. */
function finishPlan({ r, diagnosis }: PlanInput): Plan {
  const f = diagnosis.facts;
  const files = f.hookOutput;
  if (f.otherEdits.length) {
    return human(
      `the tree also holds edits no hook made for ${f.tag} (${summarise(f.otherEdits)}): nobody reviewed them for this release, so recover will not commit them. Move them out of the way, then run recover again`,
      [sh("git", "stash", "push", "--include-untracked", "--", ...f.otherEdits), recoverCmd(f.tag, "--apply")],
      `only the hooks' own output (proven by running them again: ${summarise(files)}) may be committed into the release`,
    );
  }
  return {
    action: `finish ${f.tag}: commit the hook output (${summarise(files)}: exactly what the hooks write again for ${f.version}) into the local release commit and move the local tag onto it (nothing was pushed; --abandon drops it instead)`,
    commands: [
      "git status --short",
      sh("git", "add", "--", ...files),
      "git commit --amend --no-edit --no-verify",
      sh("git", "tag", "-f", f.tag),
    ],
    apply: async () => {
      const annotated = (await r.probe`git cat-file -t ${`refs/tags/${f.tag}`}`).stdout.trim() === "tag";
      const message = annotated ? (await r.read`git tag --list --format=%(contents) ${f.tag}`).stdout.trim() : "";
      await r.write`git add -- ${files}`;
      // cog commits without git hooks; the amended commit must not run them either. --only: exactly these files.
      await r.write`git -c core.hooksPath=/dev/null commit --amend --no-edit --no-verify --quiet --only -- ${files}`;
      if (annotated) await r.write`git tag -f -a ${f.tag} -m ${message}`;
      else await r.write`git tag -f ${f.tag}`;
    },
  };
}

function localChangesPlan(input: PlanInput): Plan {
  const { diagnosis, gitDir, r } = input;
  const f = diagnosis.facts;
  const tag = f.tag;
  if (f.localCommit && (f.remoteCommit || f.commitOnOrigin)) {
    return human(
      `leave ${tag} as it is and release the next version once the hooks are fixed: the incomplete release commit ${short(f.localCommit)} is on origin already, and a pushed commit or tag is never rewritten`,
      [kitCommand("release:preflight"), NEXT_VERSION],
      `${tag}'s release commit is pushed but incomplete (${f.commitProblems.join("; ") || diagnosis.reason})`,
    );
  }
  if (input.abandon) return dropLocalPlan(input, { takeOrigins: false, why: `abandon ${tag}` });
  if (f.localCommit && f.headIsTag && f.hookOutput.length) return finishPlan(input);
  if (!f.localCommit) {
    // Stopped inside cog bump (killed, or the machine went down): the hooks wrote, cog never committed.
    // Their output is proven regenerable, so setting it back loses nothing; other edits are not touched.
    return {
      action: `set back ${tag}'s hook output in the tree (${summarise(f.hookOutput)}: exactly what the hooks write again; the release stopped inside cog bump, before cog committed), then release again`,
      commands: [sh("git", "restore", "--staged", "--worktree", "--", ...f.hookOutput), NEXT_VERSION],
      apply: async () => {
        await r.write`git restore --staged --worktree -- ${f.hookOutput}`;
        await removeJournal(r, gitDir, tag);
      },
      ends: true,
    };
  }
  return human(
    `drop the incomplete local release of ${tag} (${recoverCmd(tag, "--abandon", "--apply")}), fix the pre_bump_hooks in cog.toml that should have written it (${kitCommand("release:preflight")} checks them), then release again`,
    ["git status --short", `git show --stat ${tag}`, recoverCmd(tag, "--abandon", "--apply"), NEXT_VERSION],
    `${diagnosis.reason}: only a new release commit can hold what the hooks should have written`,
  );
}

/** commit-not-tagged: cog made the release commit and was stopped before its tag. */
function untaggedPlan(input: PlanInput): Plan {
  const { r, diagnosis } = input;
  const f = diagnosis.facts;
  const commit = f.untaggedCommit!;
  if (input.abandon) return dropLocalPlan(input, { takeOrigins: false, why: `abandon ${f.tag}` });
  if (f.commitProblems.length) {
    return human(
      `drop the untagged release commit ${short(commit)} (${recoverCmd(f.tag, "--abandon", "--apply")}): it is incomplete (${f.commitProblems.join("; ")}); fix the hooks, then release again`,
      [`git show --stat ${short(commit)}`, recoverCmd(f.tag, "--abandon", "--apply"), NEXT_VERSION],
      "an incomplete release commit is never tagged",
    );
  }
  return {
    action: `tag the release commit ${short(commit)} as ${f.tag}, as cog would have (it holds the ${f.version} changelog section and versions: checked again just now); then push them together`,
    commands: [sh("git", "tag", f.tag, commit)],
    apply: async () => {
      await r.write`git tag ${f.tag} ${commit}`;
    },
  };
}

/** released-elsewhere: origin's tag is someone's release of this version; ours is a duplicate. */
function releasedElsewherePlan(input: PlanInput): Plan {
  const f = input.diagnosis.facts;
  const plan = dropLocalPlan(input, { takeOrigins: true, why: `${f.tag} was released from another clone`, goOn: true });
  if (plan.human) return plan;
  return {
    ...plan,
    action: `${f.tag} is already released: origin has it at ${short(f.remoteCommit!)}, a release commit of ${f.version}; never delete or move it. ${plan.action}; then recover goes on with origin's ${f.tag}`,
  };
}

function tagMismatchPlan(input: PlanInput): Plan {
  const f = input.diagnosis.facts;
  const tag = f.tag;
  if (input.abandon) return dropLocalPlan(input, { takeOrigins: true, why: `abandon the local ${tag}` });
  const commands = [
    sh("git", "tag", "-d", tag),
    ...(f.headIsTag && !f.commitOnOrigin ? [sh("git", "reset", "--keep", `${f.localCommit!.slice(0, 12)}^`)] : []),
    sh("git", "fetch", "origin", "tag", tag),
    kitCommand("release:preflight"),
    NEXT_VERSION,
  ];
  const used = f.run ? `run ${f.run.id} (${f.run.url}) already built from it` : "it is published";
  const final = f.release?.immutable ? `; its immutable release ${f.release.url} makes the tag final` : "";
  return human(
    `stop: ${tag} on origin is ${short(f.remoteCommit!)}, not the local release commit ${short(f.localCommit!)}, and ${used}${final}. A published tag is never moved: take origin's ${tag} and drop the local release commit (${recoverCmd(tag, "--abandon", "--apply")} does exactly that), and release the next version once the fix is on main (preflight says what else it needs: ${tag}'s commit may lack its version stamps)`,
    commands,
    `a published tag is never moved (${input.diagnosis.reason})`,
  );
}

async function releaseWithoutTagPlan(input: PlanInput): Promise<Plan> {
  const { r, gh, config, diagnosis, deleteRelease } = input;
  const f = diagnosis.facts;
  const tag = f.tag;
  const release = f.release!;
  const branch = config.branch;
  if (release.immutable) {
    return human(
      `stop: the GitHub release ${release.url} is immutable, so ${tag} is final: it can be neither deleted nor moved. Drop the local release (${recoverCmd(tag, "--abandon", "--apply")}), take GitHub's ${tag}, and release the next version`,
      [recoverCmd(tag, "--abandon", "--apply"), sh("git", "fetch", "origin", "tag", tag), NEXT_VERSION],
      `an immutable release's tag is final`,
    );
  }
  if (input.abandon)
    return dropLocalPlan(input, {
      takeOrigins: false,
      why: `abandon the local ${tag} (the GitHub release ${release.url} stays: delete it deliberately if it is not wanted)`,
    });
  if (!f.localCommit) {
    return human(
      `there is no local ${tag} to push: run recover in the clone that made the release commit, or delete the release ${release.url} deliberately`,
      [deleteReleaseWrite(gh, release.id).line],
      `the release commit of ${tag} is not in this repository`,
    );
  }
  const push = pushCommandLine(branch, tag);
  if (!f.remoteCommit) {
    // Nothing stands in the way: push ours, and the release (draft or not) is reused with our notes.
    const { body } = await notesAt(r, gh, f.localCommit, tag, f.version);
    const patch =
      body.trim() === release.body.trim()
        ? null
        : apiWrite(gh, "PATCH /repos/{owner}/{repo}/releases/{release_id}", { release_id: release.id, body });
    return {
      action: `push the release commit and ${tag}, and reuse the existing GitHub release ${release.url}${patch ? " with the CHANGELOG.md section as its notes" : ""}`,
      commands: [push, ...(patch ? [patch.line] : [])],
      apply: async () => {
        await pushRelease(r, branch, tag);
        await patch?.send();
      },
    };
  }
  const deleteReq = deleteReleaseWrite(gh, release.id);
  const refReq = apiWrite(gh, "DELETE /repos/{owner}/{repo}/git/refs/tags/{tag}", { tag });
  const commands = [deleteReq.line, refReq.line, push];
  const action = `delete the GitHub release ${tag} (${release.url}) and the ${tag} GitHub made at ${short(f.remoteCommit)}, which nothing used; then push ours (${short(f.localCommit)})`;
  if (!release.draft && deleteRelease !== tag) {
    return human(
      `${action}: deleting a published release needs its name, so run again with --delete-release ${tag} (--yes never implies it)`,
      [recoverCmd(tag, "--apply", "--delete-release", tag), ...commands],
      `deleting the published release ${release.url} needs --delete-release ${tag}${deleteRelease ? ` (--delete-release named ${deleteRelease})` : ""}`,
    );
  }
  return {
    action,
    commands,
    apply: async () => {
      // Nothing is deleted unless the push that follows will be taken: else the release would be
      // gone and ours still not published.
      const refusal = await branchPushRefusal(r, branch, f.localCommit!);
      if (refusal)
        throw new HumanNeeded(
          `nothing was deleted: ${refusal}. ${recoverCmd(tag)} says what to do once origin's ${branch} is in the release commit`,
        );
      await deleteReq.send();
      try {
        await refReq.send();
      } catch (error) {
        if ((error as { status?: number }).status !== 422) throw error; // already gone
      }
      await pushRelease(r, branch, tag);
    },
  };
}

async function createReleasePlan({ r, gh, config, diagnosis }: PlanInput): Promise<Plan> {
  const f = diagnosis.facts;
  const tag = f.tag;
  const { body } = await notesAt(r, gh, f.remoteCommit!, tag, f.version);
  const write = releaseWrite(gh, {
    tag,
    version: f.version,
    body,
    makeLatest: await makeLatest(r, config.tagPrefix, f.version),
    ...(f.release?.draft ? { draftId: f.release.id } : {}),
  });
  return {
    action: f.release?.draft
      ? `publish the draft GitHub release of ${tag} with the ${f.version} section of CHANGELOG.md as its notes`
      : `create the GitHub release for ${tag} (on GitHub at ${short(f.remoteCommit!)}) with the ${f.version} section of CHANGELOG.md as its notes`,
    commands: [write.line],
    apply: async () => {
      await write.send();
    },
  };
}

/** Why GitHub will not re-run this run, or null when it will. */
function rerunRefusal(f: Facts): string | null {
  const run = f.run!;
  const age = Date.now() - Date.parse(run.createdAt);
  if (age > RERUN_DAYS * DAY)
    return `run ${run.id} is ${Math.floor(age / DAY)} days old, and GitHub re-runs a run only within ${RERUN_DAYS} days`;
  if (run.attempt >= RERUN_ATTEMPTS)
    return `run ${run.id} has run ${run.attempt} times, and GitHub allows at most ${RERUN_ATTEMPTS} attempts`;
  if (run.conclusion === "startup_failure")
    return `run ${run.id} never started (startup_failure: the workflow file is invalid at ${f.tag}), so there are no jobs to re-run`;
  return null;
}

function cannotRerun(f: Facts, why: string): Plan {
  return human(
    `release the next version: ${why}. Fix the cause in the workflow first; ${f.tag} stays as it is (a published tag is never moved)`,
    [kitCommand("release:preflight"), NEXT_VERSION],
    why,
  );
}

/** Re-reads the run right before a re-run: someone may have re-run it meanwhile. */
async function runIsStill(gh: GitHub, runId: number, conclusion: "failure" | "success"): Promise<string | null> {
  const { data } = await gh.octokit.rest.actions.getWorkflowRun({ owner: gh.owner, repo: gh.repo, run_id: runId });
  if (data.status !== "completed")
    return `run ${runId} is ${data.status} again (attempt ${data.run_attempt ?? "?"}): someone re-ran it; wait for it (${kitCommand("release:verify", ["--wait"])})`;
  if (conclusion === "failure" && data.conclusion === "success")
    return `run ${runId} already succeeded (attempt ${data.run_attempt ?? "?"}): there are no failed jobs to re-run; check the result with ${kitCommand("release:verify")}`;
  return null;
}

function workflowFailedPlan({ gh, diagnosis }: PlanInput): Plan {
  const f = diagnosis.facts;
  if (f.workflowInvalid)
    return cannotRerun(
      f,
      `the tag workflow at ${f.tag} is invalid (${f.workflowInvalid}): GitHub cannot run it for this tag, so there is nothing to re-run; fix the workflow on the release branch and release the next version`,
    );
  const run = f.run!;
  const refusal = rerunRefusal(f);
  if (refusal) return cannotRerun(f, refusal);
  const req = apiWrite(gh, "POST /repos/{owner}/{repo}/actions/runs/{run_id}/rerun-failed-jobs", { run_id: run.id });
  return {
    action: `re-run the failed jobs (${f.failedJobs.map((j) => j.name).join(", ") || "every failed one"}) of run ${run.id} for the same tag ${f.tag}, once their cause is fixed outside the repository (a fix inside it needs a new version)`,
    commands: [req.line],
    apply: async () => {
      const changed = await runIsStill(gh, run.id, "failure");
      if (changed) throw new HumanNeeded(changed);
      await req.send();
    },
  };
}

function imagesMissingPlan({ gh, diagnosis }: PlanInput): Plan {
  const f = diagnosis.facts;
  const run = f.run!;
  const refusal = rerunRefusal(f);
  if (refusal) return cannotRerun(f, `${diagnosis.reason}, and ${refusal}`);
  const req = apiWrite(gh, "POST /repos/{owner}/{repo}/actions/runs/{run_id}/rerun", { run_id: run.id });
  return {
    action: `re-run the whole run ${run.id} for ${f.tag}: it succeeded, so it has no failed jobs to re-run, yet ${diagnosis.reason.replace(/^run \d+ succeeded, but /, "")}`,
    commands: [req.line],
    apply: async () => {
      await req.send();
    },
  };
}

/** --abandon drops only what exists nowhere else; in these states there is a local part to drop. */
const ABANDONABLE = new Set([
  "bump-stashed",
  "commit-not-tagged",
  "local-changes-failed",
  "released-elsewhere",
  "tag-mismatch",
  "release-without-tag",
  "authored-not-pushed",
]);

export async function planFor(input: PlanInput): Promise<Plan> {
  const { r, config, diagnosis, abandon } = input;
  const f = diagnosis.facts;
  const tag = f.tag;

  if (abandon && !ABANDONABLE.has(diagnosis.state)) {
    return human(
      `${tag} cannot be abandoned: it is ${diagnosis.state}, so it is on GitHub already, and a published tag or release is never dropped. Run without --abandon to see the next step`,
      [recoverCmd(tag)],
      "--abandon drops only a release that exists nowhere but here",
    );
  }

  switch (diagnosis.state) {
    case "complete":
      return { action: "none: the release is complete", commands: [] };
    case "bump-stashed":
      return stashPlan(input);
    case "released-elsewhere":
      return releasedElsewherePlan(input);
    case "commit-not-tagged":
      return untaggedPlan(input);
    case "local-changes-failed":
      return localChangesPlan(input);
    case "tag-mismatch":
      return tagMismatchPlan(input);
    case "release-without-tag":
      return releaseWithoutTagPlan(input);
    case "authored-not-pushed":
      if (!f.localCommit)
        return human(
          `nothing of ${tag} exists yet: start the release with ${NEXT_VERSION}`,
          [NEXT_VERSION],
          `there is no release of ${tag} to recover`,
        );
      if (abandon) return dropLocalPlan(input, { takeOrigins: false, why: `abandon ${tag}` });
      return {
        action: `push the release commit ${short(f.localCommit)} and ${tag} in one atomic push (or --abandon to drop them)${f.otherEdits.length ? `; the uncommitted edits in the tree (${summarise(f.otherEdits)}) are not part of it and stay where they are` : ""}`,
        commands: [pushCommandLine(config.branch, tag)],
        apply: async () => {
          await pushRelease(r, config.branch, tag);
        },
      };
    case "pushed-no-release":
      return createReleasePlan(input);
    case "workflow-running":
      return {
        action: `wait for the tag workflow of ${tag}${f.run ? ` (run ${f.run.id})` : ""} to finish`,
        commands: [kitCommand("release:verify", ["--tag", tag, "--wait"])],
        waits: true,
      };
    case "workflow-failed":
      return workflowFailedPlan(input);
    case "images-missing":
      return imagesMissingPlan(input);
  }
}
