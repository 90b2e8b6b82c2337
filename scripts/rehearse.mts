// The whole runbook, offline: preflight → release → the tag workflow → verify → a broken release →
// recover → verify again, against a local GitHub sandbox, on a built-in example repository (or a
// scratch clone of --repo, which is left untouched).
import { command, StartError } from "./lib/cli.ts";
import { presetHelp, REHEARSABLE } from "./sandbox/presets.ts";

void command(
  {
    name: "rehearse",
    section: "the whole runbook, against a local GitHub sandbox",
    summary:
      "Rehearse the release runbook offline on a built-in example repository (or a scratch clone of --repo) with a local GitHub sandbox.",
    flags: [
      { name: "scenario", type: "string", value: "NAME", help: "rehearse in another world (see below)" },
      { name: "keep", type: "boolean", help: "keep the scratch folder and print its path" },
    ],
    more: `Steps (names as in the JSON report): preflight, release, workflow, verify, broken-release, recover, verify-again.
Exit 0 only when every step did what this world should make it do (a release meant to fail must fail).

${presetHelp(REHEARSABLE)}`,
  },
  async (ctx) => {
    const { rehearse } = await import("./sandbox/rehearsal.ts");
    const { emitJson } = await import("./lib/output.ts");
    const scenario = (ctx.flags.scenario as string | undefined) ?? "default";
    if (!REHEARSABLE.includes(scenario))
      throw new StartError(`the rehearsal has no world named ${scenario}`, `pick one of: ${REHEARSABLE.join(", ")}`);
    let repo: string | undefined;
    if (typeof ctx.flags.repo === "string") {
      const { openTarget } = await import("./lib/target.ts");
      repo = (await openTarget(ctx)).root;
    }
    const result = await rehearse({ scenario, repo, keep: Boolean(ctx.flags.keep) });
    if (ctx.json) emitJson({ command: "rehearse", ok: result.ok, target: result.target, steps: result.steps });
    return result.ok ? 0 : 1;
  },
);
