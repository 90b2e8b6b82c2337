// Post-Release Verification: "After the workflow finishes, verify" what the runbook lists, and
// that the images are the Current Image Reality the docs describe. It never writes.
import { command, StartError } from "./lib/cli.ts";

const CHECKS = `Checks (ids as in the JSON report):
  release             a published GitHub release exists, and GitHub's tag is the local tag's commit
  notes               the notes equal the version's CHANGELOG.md section, with no template leftovers
  workflow            the push run of the tag workflow for the tag's commit succeeded
                      (workflow:<file>, one per workflow, when the tag starts several)
  image:<ref>         every declared tag exists, all on one index digest, with the declared platforms
  attestation:<ref>   a provenance attestation exists for the image's digest
  artifact:<name>     every other OCI artifact (helm push, oras push) exists at its version and media type
  not-verified:<workflow>/<job>/<step>
                      (warning) a publishing step release-kit could not read: named, never passed
  docs                deploy doc lines that name an image state its real platforms
  docs-changed        (warning) feat or breaking commits, but no deploy doc changed since the previous tag`;

void command(
  {
    name: "verify",
    section: "Post-Release Verification; Current Image Reality",
    summary:
      "Did the tag workflow publish what the docs promise? Release, notes, workflow run, images, attestations, docs.",
    flags: [
      {
        name: "tag",
        type: "string",
        value: "TAG",
        help: "the release to verify (default: the highest semver tag with the configured prefix)",
      },
      {
        name: "wait",
        type: "optional",
        value: "SECONDS",
        help: "wait for the tag workflow to finish (default limit 1800 s), polling with conditional requests",
      },
    ],
    more: CHECKS,
  },
  async (ctx) => {
    const { openTarget } = await import("./lib/target.ts");
    const { loadConfig, requireValidConfig } = await import("./lib/config.ts");
    const { verify, printVerify, writeStepSummary } = await import("./lib/verify/index.ts");
    const { emitJson } = await import("./lib/output.ts");
    const { reportToActions } = await import("./lib/actions-report.ts");

    const wait = ctx.flags.wait;
    const waitSeconds = wait === undefined ? null : wait === true ? 1800 : Number(wait);
    if (waitSeconds !== null && !(waitSeconds > 0))
      throw new StartError(`--wait=${String(wait)}: expected a number of seconds`, "write --wait or --wait=600");

    const { root, r } = await openTarget(ctx);
    const config = await loadConfig(r, root);
    requireValidConfig(config);

    // After the workflow finishes, verify: the GitHub release exists for the pushed tag · the
    // expected image tags were published · the release notes look sane · the deploy docs still
    // match the image reality
    const report = await verify(r, config, { tag: ctx.flags.tag as string | undefined, waitSeconds });

    printVerify(report, config);
    writeStepSummary(report);
    const doc = {
      command: "verify",
      ok: report.ok,
      tag: report.tag,
      commit: report.commit,
      checks: report.checks,
      receipt: report.receipt,
      not_verified: report.notVerified,
    };
    if (ctx.json) emitJson(doc);
    reportToActions(doc);
    return report.ok ? 0 : 1;
  },
);
