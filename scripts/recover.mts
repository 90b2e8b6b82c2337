// Failure Recovery Notes.
import { command } from "./lib/cli.ts";

await command(
  {
    name: "recover",
    section: "Failure Recovery Notes",
    summary: "Name the state a broken release is in, show the evidence, and take the one safe next step. (not implemented yet)",
    flags: [
      { name: "tag", type: "string", value: "TAG", help: "the release to recover (default: the release in progress, else the highest tag)" },
      { name: "apply", type: "boolean", help: "perform the next action, diagnose again, and repeat until complete or a human is needed" },
      { name: "yes", type: "boolean", help: "answer the gate before --apply writes" },
      { name: "dry-run", type: "boolean", help: "with --apply: print the actions, change nothing" },
      { name: "delete-release", type: "string", value: "TAG", help: "allow deleting the published GitHub release of TAG (never implied by --yes)" },
      { name: "abandon", type: "boolean", help: "drop the local release commit and tag instead of pushing them" },
    ],
  },
  async (ctx) => (await import("./lib/placeholder.ts")).notImplementedYet(ctx),
);
