// "normal CI is green for that commit", and what the release will ask of GitHub: a token that may
// push and read, and a tag name that nothing has used yet.
import { fail, pass, skip, type Check } from "../checks.ts";
import { ciVerdict } from "../ci.ts";
import { headSha, remoteTags } from "../git.ts";
import { describeApiError } from "../github.ts";
import { NO_TOKEN_FIX } from "../token.ts";
import type { PreflightContext } from "./context.ts";

const short = (sha: string) => sha.slice(0, 7);
const list = (names: string[]) => names.slice(0, 6).join(", ") + (names.length > 6 ? ` and ${names.length - 6} more` : "");

export const ciGreen: Check<PreflightContext> = {
  id: "ci-green",
  async run({ r, github }) {
    const sha = await headSha(r);
    if (!sha) return fail("the repository has no commits", "commit something to release first");
    try {
      const v = await ciVerdict(await github(), sha);
      switch (v.state) {
        case "success":
          return pass(`CI is green for ${short(sha)}: ${list(v.passing)}`);
        case "failure":
          return fail(`CI failed for ${short(sha)}: ${list(v.failing)}`, "fix the failing checks and release a commit whose CI is green (the tag workflow is distribution, not the quality gate)");
        case "pending":
          return fail(`CI is still running for ${short(sha)}: ${list(v.pending)}`, "wait for CI to finish, then run preflight again");
        case "none":
          return fail(`no CI at all for ${short(sha)}: GitHub has no check runs or statuses for it`, "push the commit so CI runs on it (a commit CI never saw is not known-good), or check that CI runs on the release branch");
      }
    } catch (error) {
      const { message, fix } = describeApiError(error, `reading CI for ${short(sha)}`);
      return fail(message, fix);
    }
  },
};

interface Permissions {
  push?: boolean;
  pull?: boolean;
}

export const token: Check<PreflightContext> = {
  id: "token",
  async run({ github, config }) {
    const gh = await github();
    if (!gh.token.token) return fail("no GitHub token: GH_TOKEN and GITHUB_TOKEN are unset and `gh auth token` gave none", NO_TOKEN_FIX);
    const { octokit, owner, repo } = gh;
    let permissions: Permissions | undefined;
    try {
      permissions = (await octokit.rest.repos.get({ owner, repo })).data.permissions as Permissions | undefined;
    } catch (error) {
      const { message, fix } = describeApiError(error, `reading ${owner}/${repo} with the token from ${gh.token.source}`);
      return fail(message, fix);
    }
    if (permissions && !permissions.push) {
      return fail(`the token from ${gh.token.source} cannot write to ${owner}/${repo}: creating the GitHub release would fail`, "use a token with Contents: write (classic: repo) on the repository");
    }
    const workflow = config.workflowPath.split("/").pop()!;
    const probes: [string, () => Promise<unknown>][] = [
      ["list releases (the tag-free check and the release step)", () => octokit.rest.repos.listReleases({ owner, repo, per_page: 1 })],
      ["read check runs (the ci-green check)", () => octokit.rest.checks.listForRef({ owner, repo, ref: config.branch, per_page: 1 })],
      ["read workflow runs (release:verify)", () => octokit.rest.actions.listWorkflowRuns({ owner, repo, workflow_id: workflow, per_page: 1 })],
    ];
    const failures: string[] = [];
    const fixes: string[] = [];
    await Promise.all(
      probes.map(async ([what, probe]) => {
        try {
          await probe();
        } catch (error) {
          if ((error as { status?: number }).status === 404 && what.includes("workflow")) return; // no workflow file on GitHub yet
          const { message, fix } = describeApiError(error, what);
          failures.push(message);
          fixes.push(fix);
        }
      }),
    );
    if (failures.length) return fail(`the token from ${gh.token.source} can push, but: ${failures.join("; ")}`, [...new Set(fixes)].join("; "));
    return pass(`token from ${gh.token.source} may push to ${owner}/${repo} and read releases, checks and workflow runs`);
  },
};

export const tagFree: Check<PreflightContext> = {
  id: "tag-free",
  needs: ["next-version"],
  async run({ r, github }, deps) {
    const next = deps["next-version"]?.data as { tag: string } | undefined;
    if (!next) return skip("no next version to check (see next-version)");
    const { tag } = next;
    const used: string[] = [];
    if ((await r.probe`git rev-parse --verify --quiet ${`refs/tags/${tag}`}`).exitCode === 0) used.push("as a local tag");
    try {
      if ((await remoteTags(r.with({ timeout: "60s" }))).has(tag)) used.push("as a tag on origin");
    } catch (error) {
      return fail(`cannot list origin's tags: ${(error as Error).message.split("\n").pop()}`, "check the network and git's credentials for origin");
    }
    try {
      const gh = await github();
      const releases = await gh.octokit.paginate(gh.octokit.rest.repos.listReleases, { owner: gh.owner, repo: gh.repo, per_page: 100 });
      const release = releases.find((rel) => rel.tag_name === tag);
      if (release) used.push(release.draft ? "by a draft GitHub release" : "by a published GitHub release");
    } catch (error) {
      const { message, fix } = describeApiError(error, "listing GitHub releases");
      return fail(message, fix);
    }
    if (!used.length) return pass(`${tag} is not used locally, on origin, or by a GitHub release`);
    return fail(
      `${tag} is already used ${used.join(", ")}`,
      used.length === 1 && used[0] === "as a local tag"
        ? `a release of ${tag} was started here: run mise run release:recover to see its state`
        : `${tag} was (partly) released already: run mise run release:recover -- --tag ${tag}; never retag a published version`,
    );
  },
};
