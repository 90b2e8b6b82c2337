// "normal CI is green for that commit", and what the release will ask of GitHub: a token that may
// push and read, and a tag name that nothing has used yet.

import { type Check, fail, pass, skip, warn } from "../checks.ts";
import { ciVerdict } from "../ci.ts";
import { headSha, remoteTags } from "../git.ts";
import { describeApiError } from "../github.ts";
import { kitCommand } from "../hint.ts";
import { NO_TOKEN_FIX } from "../token.ts";
import type { PreflightContext } from "./context.ts";

const short = (sha: string) => sha.slice(0, 7);
const list = (names: string[]) =>
  names.slice(0, 6).join(", ") + (names.length > 6 ? ` and ${names.length - 6} more` : "");

/** When a rate limit that stopped a request lifts, from GitHub's headers; null for other errors. */
function rateLimitResets(error: unknown): string | null {
  const e = error as { status?: number; response?: { headers?: Record<string, string | undefined> } };
  const headers = e.response?.headers ?? {};
  if ((e.status !== 403 && e.status !== 429) || (headers["x-ratelimit-remaining"] !== "0" && !headers["retry-after"]))
    return null;
  const reset = Number(headers["x-ratelimit-reset"]);
  if (reset) return `resets at ${new Date(reset * 1000).toISOString().replace(/\.\d+Z$/, "Z")}`;
  return `resets in ${headers["retry-after"]} s`;
}

/** A failed API read: what failed, why, and (for a rate limit) when it can be retried. */
function apiProblem(error: unknown, what: string): { message: string; fix: string } {
  const { message, fix } = describeApiError(error, what);
  const resets = rateLimitResets(error);
  return { message: resets ? `${message}; the limit ${resets}` : message, fix };
}

function apiFail(error: unknown, what: string) {
  const { message, fix } = apiProblem(error, what);
  return fail(message, fix);
}

function unknownCommit(error: unknown): boolean {
  const e = error as { status?: number; message?: string; response?: { data?: { message?: string } } };
  return (
    (e.status === 404 || e.status === 422) &&
    /no commit found/i.test(`${e.response?.data?.message ?? ""} ${e.message ?? ""}`)
  );
}

export const ciGreen: Check<PreflightContext> = {
  id: "ci-green",
  async run({ r, github, config }) {
    const sha = await headSha(r);
    if (!sha) return fail("the repository has no commits", "commit something to release first");
    try {
      const v = await ciVerdict(await github(), sha);
      switch (v.state) {
        case "success":
          return pass(`CI is green for ${short(sha)}: ${list(v.passing)}`);
        case "failure":
          return fail(
            `CI failed for ${short(sha)}: ${list(v.failing)}`,
            "fix the failing checks and release a commit whose CI is green (the tag workflow is distribution, not the quality gate)",
          );
        case "pending":
          return fail(
            `CI is still running for ${short(sha)}: ${list(v.pending)}`,
            "wait for CI to finish, then run preflight again",
          );
        case "none":
          return fail(
            `no CI at all for ${short(sha)}: GitHub has no check runs or statuses for it`,
            "push the commit so CI runs on it (a commit CI never saw is not known-good), or check that CI runs on the release branch",
          );
      }
    } catch (error) {
      // GitHub answers "No commit found for SHA" (422 for check runs, 404 for statuses) for a
      // commit it has never received: CI cannot have run on it.
      if (unknownCommit(error)) {
        return fail(
          `GitHub does not have ${short(sha)}: it was never pushed, so CI never ran on it`,
          `merge the change into ${config.branch} through the normal review (or push it), wait for CI, then run preflight on the merged commit`,
        );
      }
      return apiFail(error, `reading CI for ${short(sha)}`);
    }
  },
};

interface Permissions {
  admin?: boolean;
  maintain?: boolean;
  push?: boolean;
  pull?: boolean;
}

export const token: Check<PreflightContext> = {
  id: "token",
  async run({ github, config }) {
    const gh = await github();
    if (!gh.token.token)
      return fail("no GitHub token: GH_TOKEN and GITHUB_TOKEN are unset and `gh auth token` gave none", NO_TOKEN_FIX);
    const { octokit, owner, repo } = gh;
    const from = `the token from ${gh.token.source}`;
    // Any workflow file answers for the actions:read probe; a missing one answers 404, which is ignored below.
    const workflow = (config.workflowPaths?.[0] ?? ".github/workflows/release.yml").split("/").pop()!;
    // The repository read and the probes go out together: one round trip instead of two.
    const probes: [string, () => Promise<unknown>][] = [
      [
        "list releases (the tag-free check and the release step)",
        () => octokit.rest.repos.listReleases({ owner, repo, per_page: 1 }),
      ],
      [
        "read check runs (the ci-green check)",
        () => octokit.rest.checks.listForRef({ owner, repo, ref: config.branch, per_page: 1 }),
      ],
      [
        "read workflow runs (release:verify)",
        () => octokit.rest.actions.listWorkflowRuns({ owner, repo, workflow_id: workflow, per_page: 1 }),
      ],
    ];
    const probed = Promise.all(
      probes.map(([, probe]) =>
        probe().then(
          () => null,
          (error: unknown) => error,
        ),
      ),
    );
    let permissions: Permissions | undefined;
    let scopes: string[] | null;
    try {
      const res = await octokit.rest.repos.get({ owner, repo });
      if (
        !res.data ||
        typeof res.data !== "object" ||
        typeof (res.data as { full_name?: unknown }).full_name !== "string"
      ) {
        await probed;
        return fail(
          `reading ${owner}/${repo} with ${from}: ${gh.baseUrl} answered without a repository`,
          "GITHUB_API_URL must be GitHub's REST API (https://api.github.com, or https://HOST/api/v3 on GitHub Enterprise Server)",
        );
      }
      permissions = res.data.permissions as Permissions | undefined;
      // Classic tokens (and gh's OAuth tokens) list their scopes on every answer; fine-grained
      // tokens and app tokens list nothing anywhere.
      const header = res.headers["x-oauth-scopes"];
      scopes =
        typeof header === "string"
          ? header
              .split(",")
              .map((x) => x.trim())
              .filter(Boolean)
          : null;
    } catch (error) {
      await probed;
      return apiFail(error, `reading ${owner}/${repo} with ${from}`);
    }
    const outcomes = await probed;
    // `permissions` is the user's role on the repository, not what this token may do.
    if (permissions && !permissions.push) {
      return fail(
        `${from} belongs to an account that cannot push to ${owner}/${repo} (its role reads only): creating the release would fail`,
        "use a token of an account with write access (the Write, Maintain or Admin role) on the repository",
      );
    }
    const failures: string[] = [];
    const fixes: string[] = [];
    probes.forEach(([what], i) => {
      const error = outcomes[i];
      if (!error) return;
      if ((error as { status?: number }).status === 404 && what.includes("workflow")) return; // no workflow file on GitHub yet
      const { message, fix } = apiProblem(error, what);
      failures.push(message);
      fixes.push(fix);
    });
    const confirmed = `${from} reads ${owner}/${repo}'s releases, checks and workflow runs${permissions?.push ? ", and its account may push there" : ""}`;
    if (failures.length)
      return fail(`${from} cannot do all the release needs: ${failures.join("; ")}`, [...new Set(fixes)].join("; "));
    if (scopes !== null) {
      const writes = scopes.includes("repo") || scopes.includes("public_repo");
      if (!writes)
        return fail(
          `${from} is a classic token without the repo scope (it has: ${scopes.join(", ") || "none"}): creating the release would fail`,
          "create a classic token with the repo scope, or a fine-grained one with Contents: write and Actions: read/write",
        );
      return pass(`${confirmed}; its scopes (${scopes.join(", ")}) allow creating releases`);
    }
    return warn(
      `${confirmed}; cannot confirm the token may create releases: fine-grained tokens do not list their permissions`,
      "make sure the token has Contents: write and Actions: read/write on the repository; the release step will say so if it has not",
    );
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
    if ((await r.probe`git rev-parse --verify --quiet ${`refs/tags/${tag}`}`).exitCode === 0)
      used.push("as a local tag");
    try {
      if ((await remoteTags(r.with({ timeout: "60s" }))).has(tag)) used.push("as a tag on origin");
    } catch (error) {
      return fail(
        `cannot list origin's tags: ${(error as Error).message.split("\n").pop()}`,
        "check the network and git's credentials for origin",
      );
    }
    try {
      const gh = await github();
      const releases = await gh.octokit.paginate(gh.octokit.rest.repos.listReleases, {
        owner: gh.owner,
        repo: gh.repo,
        per_page: 100,
      });
      const release = releases.find((rel) => rel.tag_name === tag);
      if (release) used.push(release.draft ? "by a draft GitHub release" : "by a published GitHub release");
    } catch (error) {
      return apiFail(error, "listing GitHub releases");
    }
    if (!used.length) return pass(`${tag} is not used locally, on origin, or by a GitHub release`);
    return fail(
      `${tag} is already used ${used.join(", ")}`,
      used.length === 1 && used[0] === "as a local tag"
        ? `a release of ${tag} was started here: run ${kitCommand("release:recover", ["--tag", tag])} to see its state and the next step`
        : `${tag} was (partly) released already: run ${kitCommand("release:recover", ["--tag", tag])}; never retag a published version`,
    );
  },
};
