// "main is up to date locally" and "the intended release state is already merged", plus the push
// that `mise run release` will make, asked of git with --dry-run.
import { type Check, fail, pass, warn } from "../checks.ts";
import { countBetween, currentBranch, isAncestor, statusLines } from "../git.ts";
import { kitCommand, sh } from "../hint.ts";
import { say, summarise } from "../output.ts";
import type { PreflightContext } from "./context.ts";
import { PUSH_RULES_FIX, readPushRules } from "./push-rules.ts";

export const releaseBranch: Check<PreflightContext> = {
  id: "release-branch",
  async run({ r, config }) {
    const branch = await currentBranch(r);
    if (branch === config.branch) return pass(`on ${branch}`);
    if (!branch) return fail(`HEAD is detached, not on ${config.branch}`, sh("git", "switch", config.branch));
    return fail(
      `on ${branch}, not the release branch ${config.branch}`,
      `${sh("git", "switch", config.branch)} (or set RELEASE_BRANCH if ${branch} is the release branch)`,
    );
  },
};

export const cleanTree: Check<PreflightContext> = {
  id: "clean-tree",
  async run({ r }) {
    const dirty = await statusLines(r);
    if (!dirty.length) return pass("no modified, staged or untracked files");
    const shown = summarise(dirty);
    return fail(
      `${dirty.length} uncommitted or untracked file${dirty.length > 1 ? "s" : ""} (${shown}); cog's --skip-untracked would sweep them into the release commit`,
      "commit them, stash them (git stash --include-untracked), or add them to .gitignore",
    );
  },
};

/**
 * cog's release commits among `range` that carry no tag: a release stopped between cog's commit
 * and its tag. Pushing such a commit alone would publish a version bump with no release.
 */
async function untaggedReleaseCommits(r: PreflightContext["r"], range: string): Promise<string[]> {
  const out = await r.probe`git log --format=%H%x00%s --end-of-options ${range} --`;
  const found: string[] = [];
  for (const line of out.stdout.split("\n").filter(Boolean)) {
    const [sha, subject] = line.split("\0");
    const tag = /^chore\(version\): (\S+)$/.exec(subject ?? "")?.[1];
    if (tag && !(await r.probe`git tag --points-at ${sha!}`).stdout.trim()) found.push(`${sha!.slice(0, 7)} (${tag})`);
  }
  return found;
}

const untaggedFail = (found: string[]) =>
  fail(
    `${summarise(found)}: cog's release commit without its tag, a release stopped between its commit and its tag; it must never be pushed on its own`,
    `${kitCommand("release:recover")} tags it after checking it, or drops it (--abandon --apply)`,
  );

/** The one network read preflight makes of git: fetch the release branch from origin. */
export const upToDate: Check<PreflightContext> = {
  id: "up-to-date",
  async run({ r, config }) {
    const branch = config.branch;
    say.info(`fetching origin (git fetch origin ${branch})`);
    const fetched = await r.with({ timeout: "120s" })
      .probe`git fetch --quiet --no-tags origin ${`+refs/heads/${branch}:refs/remotes/origin/${branch}`}`;
    if (fetched.exitCode !== 0) {
      const why = fetched.stderr.trim().split("\n").pop() ?? "";
      return fail(
        `cannot fetch ${branch} from origin: ${why}`,
        "check the network and your git credentials for origin (git fetch origin), then run preflight again",
        { fetched: false },
      );
    }
    const local = (await r.probe`git rev-parse --verify --quiet ${`refs/heads/${branch}`}`).exitCode === 0;
    if (!local) return fail(`there is no local ${branch} branch`, sh("git", "switch", branch));
    const [behind, ahead] = await Promise.all([
      countBetween(r, `refs/heads/${branch}`, `origin/${branch}`),
      countBetween(r, `origin/${branch}`, `refs/heads/${branch}`),
    ]);
    if (!behind && !ahead) return pass(`${branch} equals origin/${branch}`);
    if (behind && !ahead)
      return fail(
        `origin/${branch} has ${behind} commit${behind > 1 ? "s" : ""} you do not have`,
        sh("git", "pull", "--ff-only"),
      );
    const untagged = await untaggedReleaseCommits(r, `origin/${branch}..refs/heads/${branch}`);
    if (untagged.length) return untaggedFail(untagged);
    if (ahead && !behind)
      return fail(
        `${branch} has ${ahead} commit${ahead > 1 ? "s" : ""} that origin/${branch} does not`,
        `merge them through the normal review (or ${sh("git", "push", "origin", branch)}) so the release is cut from what origin has`,
      );
    return fail(
      `${branch} and origin/${branch} have diverged (${ahead} ahead, ${behind} behind)`,
      `${sh("git", "pull", "--rebase", "origin", branch)}, or reset ${branch} to origin/${branch} if your local commits are not wanted`,
    );
  },
};

export const merged: Check<PreflightContext> = {
  id: "merged",
  needs: ["up-to-date"],
  async run({ r, config }, deps) {
    const remote = `refs/remotes/origin/${config.branch}`;
    // A failed fetch leaves origin/<branch> as an earlier fetch saw it: that answer may be stale.
    if ((deps["up-to-date"]?.data as { fetched?: boolean } | undefined)?.fetched === false) {
      return fail(
        `cannot tell: fetching ${config.branch} from origin failed (see up-to-date), so origin/${config.branch} here may be stale`,
        "fix the fetch (network, git's credentials for origin), then run preflight again",
      );
    }
    if ((await r.probe`git rev-parse --verify --quiet ${remote}`).exitCode !== 0) {
      return fail(
        `origin has no ${config.branch} branch (or it was not fetched)`,
        `push ${config.branch} to origin first, or set RELEASE_BRANCH`,
      );
    }
    if (await isAncestor(r, "HEAD", remote)) return pass(`HEAD is on origin/${config.branch}`);
    const untagged = await untaggedReleaseCommits(r, `${remote}..HEAD`);
    if (untagged.length) return untaggedFail(untagged);
    const count = await countBetween(r, remote, "HEAD");
    return fail(
      `HEAD has ${count} commit${count > 1 ? "s" : ""} that origin/${config.branch} does not: the state to release is not merged`,
      `merge the change into ${config.branch} on GitHub (or push it), then ${sh("git", "pull", "--ff-only")}`,
    );
  },
};

export const push: Check<PreflightContext> = {
  id: "push",
  // The tag the release will push is the next version's.
  needs: ["next-version"],
  async run({ r, config, github }, deps) {
    const tag = (deps["next-version"]?.data as { tag?: string } | undefined)?.tag ?? null;
    // git's dry run proves credentials and fast-forward; only GitHub's API knows its server-side rules.
    const rulesRead = github()
      .then((gh) => readPushRules(gh, config.branch, tag))
      .then(
        (rules) => rules,
        (error: unknown) => ({
          blocked: [] as string[],
          unknown: [`cannot read GitHub's rules: ${(error as Error).message}`],
        }),
      );
    const out = await r.with({ timeout: "60s" })
      .probe`git push --dry-run --atomic --porcelain origin ${`HEAD:refs/heads/${config.branch}`}`;
    const rules = await rulesRead;
    if (out.exitCode !== 0) {
      const said = `${out.stdout}\n${out.stderr}`;
      const line =
        said
          .split("\n")
          .map((l) => l.trim())
          .filter((l) => /rejected|denied|error|fatal|protected|Authentication|could not/i.test(l))[0] ??
        said.trim().split("\n").pop();
      if (/non-fast-forward|fetch first|rejected/i.test(said) && !/protected|denied/i.test(said)) {
        return fail(
          `a push to ${config.branch} would be rejected: ${line}`,
          `${sh("git", "pull", "--ff-only")} so ${config.branch} contains origin/${config.branch}`,
        );
      }
      if (/protected|GH006|GH013|declined|hook/i.test(said))
        return fail(`origin refuses pushes to ${config.branch}: ${line}`, PUSH_RULES_FIX);
      return fail(
        `git cannot push to origin: ${line}`,
        "check git's credentials for origin (a credential helper, ssh key, or gh auth setup-git), then run preflight again",
      );
    }
    // A new branch: origin has no such branch, so this is not origin's release branch.
    if (out.stdout.split("\n").some((l) => l.startsWith("*") && l.includes(`:refs/heads/${config.branch}\t`))) {
      return fail(
        `origin has no branch ${config.branch}: the push would create it`,
        `release from origin's default branch (preflight reads it from origin, then GitHub), or set RELEASE_BRANCH to the branch origin releases from`,
      );
    }
    if (rules.blocked.length) {
      return fail(
        `git push --dry-run is accepted, but GitHub will refuse the release: ${rules.blocked.join("; ")}`,
        PUSH_RULES_FIX,
      );
    }
    const what = `pushing ${config.branch}${tag ? ` or creating ${tag}` : ""}`;
    if (rules.unknown.length) {
      return warn(
        `git push --dry-run --atomic origin ${config.branch} is accepted, but GitHub's rules for ${what} could not be read: ${rules.unknown.join("; ")}`,
        "a branch protection or ruleset may still refuse the push; check the repository's rules (Settings → Rules), then run preflight again",
      );
    }
    return pass(`git push --dry-run --atomic origin ${config.branch} is accepted, and no GitHub rule blocks ${what}`);
  },
};
