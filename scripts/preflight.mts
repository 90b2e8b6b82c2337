// Release Preflight: "Before mise run release, confirm" every precondition, all at once.
// It changes nothing in the repository; its one write to .git is the fetch of origin it announces.
import { command } from "./lib/cli.ts";

const CHECKS = `Checks (ids as in the JSON report):
  release-branch        HEAD is on the release branch (origin's default branch, or RELEASE_BRANCH)
  clean-tree            no modified, staged or untracked files
  up-to-date            after fetching origin, the branch equals origin's
  merged                the commit to release is on origin's release branch
  ci-green              GitHub's check runs and statuses for that commit are green
  artifacts-current     RELEASE_GENERATE, run in a throwaway worktree of HEAD, changes nothing
  conventional-commits  cog check --from-latest-tag passes
  next-version          cog computes the next version (or the one asked for)
  versions              the workspace's versions equal the latest tag's
  tag-free              the next tag is unused locally, on origin and by GitHub releases
  tag-triggers          the next tag starts a workflow (on.push.tags of each file in .github/workflows)
  token-triggers        the tag push will start workflows (not the Actions GITHUB_TOKEN)
  token                 a GitHub token is found, may push, and can read what release and verify need
  push                  git push --dry-run --atomic origin <branch> is accepted
  tools                 cog, git-cliff (and cargo, cargo-release for a Cargo workspace) are on PATH
  config                cog.toml, cliff.toml, the hooks and the workflow parse and agree; what the
                        runbook's flow cannot do here is said as "not supported: why"

A configuration file that does not parse fails the config check (exit 1, not 2), so that one run
shows every problem. Preflight changes nothing in the repository but one \`git fetch\` of origin.

In a GitHub Actions run whose GITHUB_EVENT_NAME is pull_request, merge_group or push (preflight as a
check: docs/github-actions/release-preflight.yml), the checks that need a checkout of the release
branch, or belong to whoever releases or to CI itself, skip with the reason.`;

void command(
  {
    name: "preflight",
    section: "Release Preflight",
    summary: "Is this commit releasable? Every precondition of the runbook, checked at once, with a verdict.",
    flags: [
      {
        name: "version",
        type: "string",
        value: "X.Y.Z",
        help: "check releasing this version instead of cog's automatic one",
      },
      {
        name: "bump",
        type: "string",
        value: "major|minor|patch",
        help: "check releasing this increment instead of cog's automatic one",
      },
      { name: "pre", type: "string", value: "LABEL", help: "check releasing a pre-release with this label" },
    ],
    more: CHECKS,
  },
  async (ctx) => {
    const { describeConfig, preflight, printPreflight, writePreflightSummary } = await import(
      "./lib/preflight/index.ts"
    );
    const { ciEvent } = await import("./lib/preflight/ci-event.ts");
    const { reportToActions } = await import("./lib/actions-report.ts");
    const { openTarget } = await import("./lib/target.ts");
    const { loadConfig } = await import("./lib/config.ts");
    const { emitJson } = await import("./lib/output.ts");

    // Preflight changes nothing but origin's remote-tracking ref: the whole run is one snapshot.
    const { root, r: live } = await openTarget(ctx);
    const r = live.snapshot();
    const config = await loadConfig(r, root);
    const choice = {
      version: ctx.flags.version as string | undefined,
      bump: ctx.flags.bump as string | undefined,
      pre: ctx.flags.pre as string | undefined,
    };

    // Before mise run release, confirm:
    //   main is up to date locally · the intended release state is already merged ·
    //   normal CI is green for that commit · generated admin contract artifacts are current ·
    //   changelog-worthy commits are in the expected shape
    // In a pull_request or push run of GitHub Actions, the checks of the commit run; those that
    // need a release-branch checkout or belong to whoever releases skip, saying why.
    const report = await preflight(r, config, choice, undefined, ciEvent());

    printPreflight(report, config);
    writePreflightSummary(report, config);
    const doc = {
      command: "preflight",
      ok: report.ok,
      version: report.version,
      tag: report.tag,
      checks: report.checks,
      config: describeConfig(config),
    };
    if (ctx.json) emitJson(doc);
    reportToActions(doc);
    return report.ok ? 0 : 1;
  },
);
