// Post-Release Verification and Current Image Reality.
import { command } from "./lib/cli.ts";

await command(
  {
    name: "verify",
    section: "Post-Release Verification; Current Image Reality",
    summary: "Did the tag workflow publish what the docs promise? Release, notes, workflow run, images, attestations, docs. (not implemented yet)",
    flags: [
      { name: "tag", type: "string", value: "TAG", help: "the release to verify (default: the highest semver tag with the configured prefix)" },
      { name: "wait", type: "optional", value: "SECONDS", help: "wait for the tag workflow to finish (default limit 1800 s)" },
    ],
  },
  async (ctx) => (await import("./lib/placeholder.ts")).notImplementedYet(ctx),
);
