// The one safe next action for each state of a release (DESIGN.md, "State comes from the world"),
// as the exact commands and API requests it makes. Writes go through the runner's gate, so
// --dry-run prints what --apply would do. What needs a human says who and why.
import { rmSync } from "node:fs";
import { join } from "node:path";
import { findSection } from "../changelog.ts";
import type { Config } from "../config.ts";
import type { Diagnosis } from "../diagnose.ts";
import { showFile } from "../git.ts";
import type { GitHub } from "../github.ts";
import type { Runner } from "../run.ts";
import semver from "semver";

export interface Plan {
  action: string;
  commands: string[];
  /** Set when no command may do this: what a human has to decide, and why. */
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

const HOOK_OUTPUT = /^(CHANGELOG\.md|Cargo\.lock|(.*\/)?Cargo\.toml|package\.json|package-lock\.json)$/;
const DAY = 24 * 3600 * 1000;

function api(gh: GitHub, method: string, path: string, body?: unknown) {
  return { method, url: `${gh.baseUrl}/repos/${gh.owner}/${gh.repo}${path}`, ...(body === undefined ? {} : { body }) };
}

const describe = (req: { method: string; url: string; body?: unknown }) => `${req.method} ${req.url}${req.body === undefined ? "" : ` ${JSON.stringify(req.body)}`}`;

/** Drops the local release commit and tag: only ever a commit that exists nowhere else. */
function abandonPlan({ r, config, gitDir, diagnosis }: PlanInput): Plan {
  const f = diagnosis.facts;
  const hookFiles = f.dirty.map((l) => l.slice(3).trim()).filter((p) => HOOK_OUTPUT.test(p));
  const commands: string[] = [];
  if (hookFiles.length) commands.push(`git restore --staged --worktree -- ${hookFiles.join(" ")}`);
  if (f.localCommit) commands.push(`git tag -d ${f.tag}`);
  if (f.localCommit && f.headIsTag) commands.push(`git reset --keep ${f.localCommit.slice(0, 12)}^`);
  return {
    action: `abandon ${f.tag}: drop the local release commit and tag (nothing of it was pushed)`,
    commands,
    apply: async () => {
      if (hookFiles.length) await r.write`git restore --staged --worktree -- ${hookFiles}`;
      if (f.localCommit) await r.write`git tag -d ${f.tag}`;
      if (f.localCommit && f.headIsTag) await r.write`git reset --keep ${`${f.localCommit}^`}`;
      if (!r.dryRun) rmSync(join(gitDir, "release-kit", `${encodeURIComponent(f.tag)}.json`), { force: true });
      void config;
    },
  };
}

async function releaseNotes(r: Runner, commit: string, version: string): Promise<string> {
  const changelog = await showFile(r, commit, "CHANGELOG.md");
  return (changelog && findSection(changelog, version)) ?? "";
}

export async function planFor(input: PlanInput): Promise<Plan> {
  const { r, config, gh, diagnosis, deleteRelease, abandon } = input;
  const f = diagnosis.facts;
  const tag = f.tag;
  const branch = config.branch;
  const localOnly = Boolean(f.localCommit && !f.remoteCommit);

  switch (diagnosis.state) {
    case "complete":
      return { action: "none: the release is complete", commands: [] };

    case "bump-stashed": {
      const stash = f.stashes[0]!.split("\t")[0]!;
      const hooks = config.cog?.preBumpHooks ?? [];
      return {
        action: "show the stash and the failed hook; drop the stash once the hook is fixed",
        commands: [`git stash show --stat ${stash}`, ...hooks.map((h) => `# pre_bump_hook: ${h}`), `git stash drop ${stash}`, "mise run release"],
        human: `a pre_bump_hook failed (cog stashed its changes as ${stash}). Run the hooks above by hand to see which fails, fix it in cog.toml, then drop the stash and run mise run release again`,
      };
    }

    case "local-changes-failed":
      if (localOnly || !f.localCommit) {
        if (abandon) return abandonPlan(input);
        return {
          action: `restore: drop the incomplete local release of ${tag}, then release again once the hooks are fixed`,
          commands: ["git status", `mise run release:recover -- --tag ${tag} --abandon --apply`, "mise run release"],
          human: `the release commit lacks what the hooks should have written (${diagnosis.reason}). Look at the tree (git status, git diff), fix the hooks in cog.toml (mise run release:preflight checks them), then drop it with --abandon --apply and run mise run release`,
        };
      }
      return {
        action: "none that is safe: the incomplete release commit is already on origin",
        commands: [`mise run release -- --bump patch`],
        human: `${tag} is pushed but its commit is incomplete (${f.commitProblems.join("; ")}). A pushed tag is never moved: fix the hooks and release the next version`,
      };

    case "tag-mismatch":
      return {
        action: "stop: a published tag is never moved; release the next version",
        commands: [`git tag -d ${tag}`, `git fetch origin tag ${tag}`, "mise run release -- --bump patch"],
        human: `${tag} on origin (${f.remoteCommit?.slice(0, 7)}) is not the local release commit (${f.localCommit?.slice(0, 7)}), and run ${f.run?.id ?? "?"} already used it. Take origin's tag (the commands above) and release the next version with the fix`,
      };

    case "release-without-tag": {
      const release = f.release!;
      if (release.immutable) {
        return {
          action: `stop: ${tag}'s release is immutable, so its tag is final`,
          commands: ["mise run release -- --bump patch"],
          human: `the immutable release ${release.url} locks ${tag} for ever; it cannot be deleted or moved. Drop the local release (--abandon --apply) and release the next version`,
        };
      }
      const deleteReq = api(gh, "DELETE", `/releases/${release.id}`);
      const refReq = api(gh, "DELETE", `/git/refs/tags/${tag}`);
      const commands = [describe(deleteReq), ...(f.remoteCommit ? [describe(refReq)] : []), `git push --atomic origin ${branch} ${tag}`];
      if (!release.draft && deleteRelease !== tag) {
        return {
          action: `delete the GitHub release ${tag} and GitHub's tag${f.remoteCommit ? ` (at ${f.remoteCommit.slice(0, 7)})` : ""}, then push ours`,
          commands,
          human: `deleting the published release ${release.url} needs its name: run again with --apply --delete-release ${tag} (--yes never implies it)`,
        };
      }
      return {
        action: `delete the GitHub release ${tag} and GitHub's tag${f.remoteCommit ? ` (at ${f.remoteCommit.slice(0, 7)})` : ""}, then push ours`,
        commands,
        apply: async () => {
          await r.api(deleteReq, () => gh.octokit.rest.repos.deleteRelease({ owner: gh.owner, repo: gh.repo, release_id: release.id }));
          if (f.remoteCommit) {
            await r.api(refReq, async () => {
              try {
                await gh.octokit.rest.git.deleteRef({ owner: gh.owner, repo: gh.repo, ref: `tags/${tag}` });
              } catch (error) {
                if ((error as { status?: number }).status !== 422) throw error; // already gone
              }
            });
          }
          if (f.localCommit) await r.with({ timeout: "120s" }).write`git push --atomic origin ${`refs/heads/${branch}:refs/heads/${branch}`} ${`refs/tags/${tag}:refs/tags/${tag}`}`;
        },
      };
    }

    case "authored-not-pushed":
      if (abandon) return abandonPlan(input);
      if (!f.localCommit) return { action: `nothing: ${tag} does not exist locally, on origin or on GitHub`, commands: ["mise run release"], human: `there is no release of ${tag} to recover; start one with mise run release` };
      return {
        action: `push the release commit and ${tag} (or --abandon to drop them)`,
        commands: [`git push --atomic origin ${branch} ${tag}`],
        apply: async () => {
          await r.with({ timeout: "120s" }).write`git push --atomic origin ${`refs/heads/${branch}:refs/heads/${branch}`} ${`refs/tags/${tag}:refs/tags/${tag}`}`;
        },
      };

    case "pushed-no-release": {
      const notes = await releaseNotes(r, f.remoteCommit!, f.version);
      const prerelease = Boolean(semver.prerelease(f.version));
      const body = { tag_name: tag, name: tag, body: notes, draft: false, prerelease, make_latest: prerelease ? "false" : "true" };
      if (f.release?.draft) {
        const req = api(gh, "PATCH", `/releases/${f.release.id}`, { draft: false, body: notes, name: tag });
        return {
          action: `publish the draft release of ${tag}`,
          commands: [describe(req)],
          apply: async () => {
            await r.api(req, () => gh.octokit.rest.repos.updateRelease({ owner: gh.owner, repo: gh.repo, release_id: f.release!.id, draft: false, body: notes, name: tag }));
          },
        };
      }
      const req = api(gh, "POST", "/releases", body);
      return {
        action: `create the GitHub release for ${tag}`,
        commands: [describe(req)],
        apply: async () => {
          await r.api(req, () => gh.octokit.rest.repos.createRelease({ owner: gh.owner, repo: gh.repo, ...body, make_latest: body.make_latest as "true" | "false" }));
        },
      };
    }

    case "workflow-running":
      return { action: `wait for the tag workflow of ${tag}`, commands: [`mise run release:verify -- --tag ${tag} --wait`], waits: true };

    case "workflow-failed": {
      const run = f.run!;
      const req = api(gh, "POST", `/actions/runs/${run.id}/rerun-failed-jobs`);
      const age = Date.now() - Date.parse(run.createdAt);
      if (age > 30 * DAY) return { action: "re-run the failed jobs", commands: [], human: `run ${run.id} is ${Math.floor(age / DAY)} days old: GitHub re-runs only within 30 days. Fix the workflow and release the next version (mise run release -- --bump patch)` };
      if (run.attempt >= 50) return { action: "re-run the failed jobs", commands: [], human: `run ${run.id} was re-run ${run.attempt} times: GitHub allows 50. Release the next version instead` };
      return {
        action: `re-run the failed jobs (${f.failedJobs.map((j) => j.name).join(", ") || "failed"}) of run ${run.id} for the same tag`,
        commands: [describe(req)],
        apply: async () => {
          await r.api(req, () => gh.octokit.rest.actions.reRunWorkflowFailedJobs({ owner: gh.owner, repo: gh.repo, run_id: run.id }));
        },
      };
    }

    case "images-missing": {
      const run = f.run!;
      const req = api(gh, "POST", `/actions/runs/${run.id}/rerun`);
      return {
        action: `re-run run ${run.id}: it succeeded but ${diagnosis.reason}`,
        commands: [describe(req)],
        apply: async () => {
          await r.api(req, () => gh.octokit.rest.actions.reRunWorkflow({ owner: gh.owner, repo: gh.repo, run_id: run.id }));
        },
      };
    }
  }
}
