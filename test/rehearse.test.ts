// The rehearsal, run as a new user runs it: through mise, with no token and no network.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createBareRemote, createExample } from "../scripts/sandbox/example.ts";
import { REHEARSAL_STEPS } from "../scripts/sandbox/rehearsal.ts";
import { cleanEnv, git, KIT, MISE, run, tempDir } from "./helpers/kit.ts";

const rehearse = (args: string[]) =>
  run(MISE, ["run", "release:rehearse", "--", "--json", ...args], { cwd: KIT, env: cleanEnv(), timeoutMs: 600_000 });

describe("mise run release:rehearse", () => {
  it("runs the whole runbook on the built-in example and reports every step", async () => {
    const res = await rehearse([]);
    expect(res.code, res.stderr.slice(-3000)).toBe(0);
    expect(res.json).toMatchObject({ command: "rehearse", ok: true, target: "built-in example" });
    expect(res.json.steps.map((s: any) => s.name)).toEqual([...REHEARSAL_STEPS]);
    for (const step of res.json.steps) expect(step, step.name).toMatchObject({ ok: true, ms: expect.any(Number) });
    const [preflight, release, workflow, verify, broken, recover, again] = res.json.steps.map((s: any) => s.report);
    expect(preflight).toMatchObject({ command: "preflight", ok: true, tag: "v0.3.0" });
    expect(release).toMatchObject({ command: "release", ok: true, tag: "v0.3.0" });
    expect(workflow).toMatchObject({ tag: "v0.3.0", conclusion: "success" });
    expect(verify).toMatchObject({ command: "verify", ok: true, tag: "v0.3.0" });
    expect(verify.checks.map((c: any) => c.id)).toContain("artifact:gateway");
    // The broken release fails for its reason, and recover brings it to complete.
    expect(broken).toMatchObject({ command: "verify", ok: false, tag: "v0.4.0" });
    expect(broken.checks.find((c: any) => c.id === "workflow").status).toBe("fail");
    expect(recover).toMatchObject({ command: "recover", ok: true, tag: "v0.4.0", state: "complete" });
    expect(again).toMatchObject({ command: "verify", ok: true, tag: "v0.4.0" });
    // Human output: a heading per runbook section, then the summary table; no git stderr leaks.
    for (const heading of [
      "Release Preflight",
      "Current Release Flow",
      "Post-Release Verification",
      "Failure Recovery",
      "Summary",
    ])
      expect(res.stderr).toContain(heading);
    expect(res.stderr).not.toMatch(/(^|│ )fatal: /m);
  });

  it.each([
    ["ci-red", "ci-green"],
    ["nothing-to-release", "next-version"],
  ])("in world %s, expects the release to stop at %s, and passes because it does", async (scenario, check) => {
    const res = await rehearse(["--scenario", scenario]);
    expect(res.code, res.stderr.slice(-2000)).toBe(0);
    const [preflight, release, ...rest] = res.json.steps;
    expect(preflight.report.ok).toBe(false);
    expect(preflight.report.checks.find((c: any) => c.id === check).status).toBe("fail");
    expect(release.report).toMatchObject({ command: "release", ok: false });
    // Steps that never ran say so: ok is null (not true), with the reason.
    expect(rest.every((s: any) => s.ok === null && s.report === null && /stops at release/.test(s.skipped))).toBe(true);
  });

  it("rehearses the first release of a never-released repository", async () => {
    const res = await rehearse(["--scenario", "first-release"]);
    expect(res.code, res.stderr.slice(-2000)).toBe(0);
    expect(res.json.steps[1].report.tag).toBe("v0.1.0");
  });

  // --repo on a real repository, left byte for byte unchanged, and --keep: test/rehearse-realworld.test.ts.

  it("on a repository whose tag workflow pushes nothing, skips the broken release (and what follows it), saying why, and passes", async () => {
    const dir = tempDir("rk-rehearse-");
    try {
      const remote = await createBareRemote(join(dir.path, "remote.git"));
      const repo = (await createExample(join(dir.path, "tested"), { remote, owner: "octo", name: "tested" })).path;
      writeFileSync(
        join(repo, ".github/workflows/release.yml"),
        'name: release\non:\n  push:\n    tags: ["v*"]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "tested, nothing published"\n',
      );
      git(repo, "commit", "-qam", "ci: the tag workflow only tests");
      const res = await rehearse(["--repo", repo]);
      expect(res.code, res.stderr.slice(-3000)).toBe(0);
      const byName = Object.fromEntries(res.json.steps.map((s: any) => [s.name, s]));
      for (const name of ["preflight", "release", "workflow", "verify"])
        expect(byName[name], name).toMatchObject({ ok: true });
      for (const name of ["broken-release", "recover", "verify-again"]) {
        expect(byName[name], name).toMatchObject({
          ok: null,
          report: null,
          skipped:
            "not run: v0.3.0's tag workflows pushed nothing to a registry, so there is no publishing job to break",
        });
      }
      expect(res.json.ok).toBe(true);
    } finally {
      dir.remove();
    }
  });

  it("refuses an unknown world with exit 2 and the list of worlds", async () => {
    const res = await rehearse(["--scenario", "no-such-world"]);
    expect(res.code).toBe(2);
    expect(res.json.error.fix).toContain("first-release");
  });
});
