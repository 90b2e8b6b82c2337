// Preflight as a check in GitHub Actions (docs/github-actions/release-preflight.yml). A pull_request
// run checks out the pull request (detached), a push run the pushed branch, and neither run releases. The checks of the commit run as everywhere; those that need a checkout of the release
// branch, or that belong to whoever releases (their token, their push, the token that pushes the
// tag) or to CI itself, skip and say why. Only the preflight command does this, and only where
// GITHUB_EVENT_NAME says so: a release run from Actions checks everything.
import { type Check, skip } from "../checks.ts";
import type { PreflightContext } from "./context.ts";

export type CiEvent = "pull_request" | "merge_group" | "push" | null;

export function ciEvent(env: NodeJS.ProcessEnv = process.env): CiEvent {
  if (env.GITHUB_ACTIONS !== "true") return null;
  const name = env.GITHUB_EVENT_NAME;
  return name === "pull_request" || name === "merge_group" || name === "push" ? name : null;
}

const LATER = "checked when you release";

/** Why a check skips in such a run, or null when it runs. */
type Reason = (event: Exclude<CiEvent, null>, ctx: PreflightContext) => string | null;

const merging = (event: string) => event !== "push";
const mergeCommit = (event: string) => (event === "merge_group" ? "the merge queue's commit" : "the pull request");

const REASONS: Record<string, Reason> = {
  "release-branch": (e, { config }) =>
    merging(e) ? `a ${e} run checks out ${mergeCommit(e)}, not ${config.branch}: ${LATER}` : null,
  "up-to-date": (e, { config }) =>
    merging(e) ? `a ${e} run has no local ${config.branch} to compare with origin/${config.branch}: ${LATER}` : null,
  merged: (e, { config }) => (merging(e) ? `the change is not merged into ${config.branch} yet: ${LATER}` : null),
  "next-version": (e, { config }) => {
    const allowed = config.cog?.branchWhitelist ?? [];
    return merging(e) && allowed.length
      ? `cog bumps only on ${allowed.join(", ")} (cog.toml's branch_whitelist), and a ${e} run checks out ${mergeCommit(e)}: ${LATER}`
      : null;
  },
  "ci-green": (e) => `this ${e} run is part of the commit's CI, which runs alongside it: ${LATER}`,
  token: (e) => `the workflow's GITHUB_TOKEN in this ${e} run is not the token that releases: ${LATER}, with yours`,
  push: (e, { config }) =>
    `this ${e} run pushes nothing (${config.branch} and the tag are pushed by whoever releases, with their git credentials): ${LATER}`,
  "token-triggers": (e) =>
    `this ${e} run pushes no tag (a tag pushed with a workflow's GITHUB_TOKEN starts no workflow): ${LATER}`,
};

/** The checks as such a run has them: each one that does not apply there skips, with the reason. */
export function forCiEvent(
  checks: Check<PreflightContext>[],
  event: Exclude<CiEvent, null>,
): Check<PreflightContext>[] {
  return checks.map((check) => {
    const reason = REASONS[check.id];
    if (!reason) return check;
    return {
      ...check,
      run: (ctx, deps) => {
        const why = reason(event, ctx);
        return why ? Promise.resolve(skip(why)) : check.run(ctx, deps);
      },
    };
  });
}
