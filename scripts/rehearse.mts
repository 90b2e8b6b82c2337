// The whole runbook, offline: preflight, release, the tag workflow, verify, a broken release, recover.
import { command } from "./lib/cli.ts";

await command(
  {
    name: "rehearse",
    section: "the whole runbook, against a local GitHub sandbox",
    summary: "Rehearse the runbook on a built-in example repository (or a scratch clone of --repo) with a local GitHub sandbox. (not implemented yet)",
    flags: [
      { name: "scenario", type: "string", value: "NAME", help: "another world for the rehearsal" },
      { name: "keep", type: "boolean", help: "keep the scratch folder and print its path" },
    ],
  },
  async (ctx) => (await import("./lib/placeholder.ts")).notImplementedYet(ctx),
);
