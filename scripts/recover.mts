// Failure Recovery Notes: name the state a broken release is in, show the evidence, and take the one
// safe next step. Without --apply it only reads.
import { command, StartError } from "./lib/cli.ts";

const STATES = `States, in order of precedence:
  bump-stashed          a pre-bump hook failed and cog stashed the changes
  local-changes-failed  the release commit lacks its changelog or versions, or the tree holds hook output
  tag-mismatch          origin's tag is not the local release commit, and something already used it
  release-without-tag   a GitHub release exists without our tag (GitHub made one elsewhere)
  authored-not-pushed   the release commit and tag exist only locally
  pushed-no-release     the tag is on origin at our commit, without a GitHub release
  workflow-running      the tag workflow is queued or running
  workflow-failed       the tag workflow failed
  images-missing        the workflow succeeded, but an image, tag or platform is missing
  complete              everything verify checks holds
Never: force-push, move a published tag, delete a published release without --delete-release.`;

void command(
  {
    name: "recover",
    section: "Failure Recovery Notes",
    summary: "Name the state a broken release is in, show the evidence, and take the one safe next step.",
    flags: [
      {
        name: "tag",
        type: "string",
        value: "TAG",
        help: "the release to recover (default: the release in progress, else the highest tag)",
      },
      {
        name: "apply",
        type: "boolean",
        help: "perform the next action, diagnose again, and repeat until complete or a human is needed",
      },
      { name: "yes", type: "boolean", help: "answer the gate before --apply writes" },
      { name: "dry-run", type: "boolean", help: "with --apply: print the actions, change nothing" },
      {
        name: "delete-release",
        type: "string",
        value: "TAG",
        help: "allow deleting the published GitHub release of TAG (never implied by --yes)",
      },
      { name: "abandon", type: "boolean", help: "drop the local release commit and tag instead of pushing them" },
    ],
    more: STATES,
  },
  async (ctx) => {
    const { openWork } = await import("./lib/target.ts");
    const { reviewGate } = await import("./lib/gate.ts");
    const { emitJson, say, write, writeProse, green, red } = await import("./lib/output.ts");
    const { recover } = await import("./lib/recover/index.ts");

    const apply = Boolean(ctx.flags.apply);
    const dryRun = Boolean(ctx.flags["dry-run"]);
    const deleteRelease = (ctx.flags["delete-release"] as string | undefined) ?? null;
    const { kitCommand } = await import("./lib/hint.ts");
    if (deleteRelease && !apply)
      throw new StartError(
        "--delete-release only matters with --apply",
        `add --apply: ${kitCommand("release:recover", ["--apply", "--delete-release", deleteRelease])}`,
      );
    if (ctx.flags.abandon && !apply) say.info("--abandon takes effect with --apply; showing what it would do");
    const { r, config, gh, gitDir, lock } = await openWork(ctx, {
      dryRun: dryRun || !apply,
      lock: apply ? "recover" : null,
    });

    // Failure Recovery Notes: inspect before rerunning; fix the local state; reuse or delete the
    // created GitHub release deliberately; rerun the failed workflow for the same tag; never retag.
    const report = await recover(r, config, gh, gitDir, {
      tag: ctx.flags.tag as string | undefined,
      apply,
      yes: Boolean(ctx.flags.yes),
      deleteRelease,
      abandon: Boolean(ctx.flags.abandon),
      confirm: async (q) => (await reviewGate(q, Boolean(ctx.flags.yes))).ok,
    }).finally(() => lock?.release());

    write();
    writeProse(report.ok ? green("✔") : red("✖"), report.summary, "");
    if (ctx.json)
      emitJson({
        command: "recover",
        ok: report.ok,
        tag: report.tag,
        state: report.state,
        evidence: report.evidence,
        next: report.next,
      });
    return report.ok ? 0 : 1;
  },
);
