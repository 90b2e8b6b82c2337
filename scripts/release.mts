// Current Release Flow / What `mise run release` Does.
import { command } from "./lib/cli.ts";

await command(
  {
    name: "release",
    section: "Current Release Flow; What mise run release Does",
    summary: "Author the version, changelog and tag locally, review them, push, and create the GitHub release. (not implemented yet)",
    flags: [
      { name: "version", type: "string", value: "X.Y.Z", help: "release this version instead of cog's automatic one" },
      { name: "bump", type: "string", value: "major|minor|patch", help: "release this increment instead of cog's automatic one" },
      { name: "pre", type: "string", value: "LABEL", help: "release a pre-release with this label" },
      { name: "dry-run", type: "boolean", help: "run every read; print every write as the exact command or request; change nothing" },
      { name: "yes", type: "boolean", help: "answer the review gate (needed without a terminal)" },
    ],
  },
  async (ctx) => (await import("./lib/placeholder.ts")).notImplementedYet(ctx),
);
