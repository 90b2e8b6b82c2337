// Release Preflight: "Before mise run release, confirm" every precondition, all at once.
import { command } from "./lib/cli.ts";

await command(
  {
    name: "preflight",
    section: "Release Preflight",
    summary: "Is this commit releasable? Every precondition of the runbook, checked at once, with a verdict. (not implemented yet)",
    flags: [
      { name: "version", type: "string", value: "X.Y.Z", help: "check releasing this version instead of cog's automatic one" },
      { name: "bump", type: "string", value: "major|minor|patch", help: "check releasing this increment instead of cog's automatic one" },
      { name: "pre", type: "string", value: "LABEL", help: "check releasing a pre-release with this label" },
    ],
  },
  async (ctx) => (await import("./lib/placeholder.ts")).notImplementedYet(ctx),
);
