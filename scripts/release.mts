// Current Release Flow, and What `mise run release` Does, in the safe order of DESIGN.md: every
// runbook step, authored locally and reviewed before anything leaves the machine; the tag pushed
// before its GitHub release exists; a re-run continues where the last one stopped.
import { command, StartError } from "./lib/cli.ts";

void command(
  {
    name: "release",
    section: "Current Release Flow; What mise run release Does",
    summary: "Author the version, changelog and tag locally, review them, push, and create the GitHub release.",
    flags: [
      { name: "version", type: "string", value: "X.Y.Z", help: "release this version instead of cog's automatic one" },
      {
        name: "bump",
        type: "string",
        value: "major|minor|patch",
        help: "release this increment instead of cog's automatic one (cog never leaves 0.x by itself)",
      },
      { name: "pre", type: "string", value: "LABEL", help: "release a pre-release with this label (e.g. rc.1)" },
      {
        name: "dry-run",
        type: "boolean",
        help: "run every read; print every write as the exact command or request; change nothing",
      },
      { name: "yes", type: "boolean", help: "answer the review gate (needed without a terminal)" },
    ],
    more: `Steps (names as in the JSON report): preflight, version, bump, check-commit, review, push, confirm-tag, github-release.
Run it again after any failure: it continues at the first step not done. mise run release:recover says where a release stands.`,
  },
  async (ctx) => {
    const { openWork } = await import("./lib/target.ts");
    const { validateChoice } = await import("./lib/cog.ts");
    const { emitJson, say, writeProse } = await import("./lib/output.ts");
    const { ReleaseRun, RELEASE_STEPS } = await import("./lib/release/run.ts");
    const { newRelease, continueOrStop } = await import("./lib/release/resume.ts");
    const { kitCommand } = await import("./lib/hint.ts");
    const steps = await import("./lib/release/steps.ts");

    const choice = {
      version: ctx.flags.version as string | undefined,
      bump: ctx.flags.bump as string | undefined,
      pre: ctx.flags.pre as string | undefined,
    };
    const invalid = validateChoice(choice);
    if (invalid)
      throw new StartError(invalid, `see ${(await import("./lib/hint.ts")).kitCommand("release", ["--help"])}`);
    const { r, config, gh, gitDir, lock } = await openWork(ctx, {
      dryRun: Boolean(ctx.flags["dry-run"]),
      lock: "release",
    });
    if (r.dryRun) say.warn("dry run: every read runs; every write is printed, not made");

    const release = newRelease({ r, config, gh, gitDir, choice, yes: Boolean(ctx.flags.yes) });
    const report = (ok: boolean, run: InstanceType<typeof ReleaseRun> | null, note?: string) => {
      lock?.release();
      if (ctx.json) {
        const recorded =
          run?.steps ?? RELEASE_STEPS.map((name) => ({ name, status: "skipped" as const, detail: note ?? "", ms: 0 }));
        emitJson({
          command: "release",
          ok,
          version: release.version,
          tag: release.tag,
          commit: release.commit,
          release_url: release.releaseUrl,
          steps: recorded,
        });
      }
      return ok ? 0 : 1;
    };

    // Where does this release stand? The world says; a re-run continues at the first step not done.
    const stop = await continueOrStop(release);
    if (stop) return report(stop.ok, null, stop.note);

    // Numbered in the order they run; the runbook's own step is cited beside each (lib/release/run.ts).
    const run = new ReleaseRun();
    // Current Release Flow. 1. update main locally
    await run.step("preflight", () => steps.preflightStep(release));
    // 2. run mise run release, which does: 1. cog bump --auto --skip-untracked; its pre-bump hooks
    //    run 2. git-cliff -o CHANGELOG.md and 4. cargo release version --execute, before cog commits
    await run.step("version", () => steps.versionStep(release));
    await run.step("bump", () => steps.bumpStep(release));
    // 3. review the generated version changes and CHANGELOG.md
    await run.step("check-commit", () => steps.checkCommitStep(release));
    await run.step("review", () => steps.reviewStep(release));
    // 5. push the release commit and tag
    await run.step("push", () => steps.pushStep(release));
    // 4. confirm the GitHub release was created for the new tag: created now, for the tag GitHub has
    await run.step("confirm-tag", () => steps.confirmTagStep(release));
    await run.step("github-release", () => steps.githubReleaseStep(release));
    // 6. let the tag-triggered GitHub Actions workflow build, attest, and publish images
    if (run.ok && !r.dryRun) {
      run.summary(`${release.tag} is released: ${release.releaseUrl}`);
      writeProse(
        "",
        `the tag workflow now builds, attests and publishes; then check it: ${kitCommand("release:verify", ["--tag", release.tag!, "--wait"])}`,
      );
    } else if (run.ok) {
      run.summary(`dry run of ${release.tag} complete: nothing was changed`);
    } else {
      run.summary(`the release stopped at ${run.steps.find((s) => s.status === "failed")?.name}`);
    }
    return report(run.ok, run);
  },
);
