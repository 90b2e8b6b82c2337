// Every command the kit prints for the maintainer to run works when pasted into a shell: it is the
// same invocation the maintainer used (the launcher's path, or npx mise run from the kit's folder),
// with --repo when it was given, so it acts on the same repository from wherever it is pasted.
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { KIT, LAUNCHER, run } from "./helpers/kit.ts";
import { kitIn, type Sandbox, sandboxEnv } from "./helpers/sandbox.ts";
import { STORY_MS, withSandbox } from "./helpers/world.ts";

/** The kit commands in a report: lines of their own, as the kit prints them. */
function hintsIn(text: string, prefix: RegExp): string[] {
  return [
    ...new Set(
      text
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => prefix.test(l)),
    ),
  ];
}

async function paste(sb: Sandbox, command: string, cwd: string) {
  return run("sh", ["-c", command], { cwd, env: sandboxEnv(sb), timeoutMs: 120_000 });
}

describe("hints run as pasted", () => {
  it("the launcher's hints, pasted in another folder, act on the same repository", { timeout: STORY_MS }, async () => {
    await withSandbox(
      { scenario: { failJobs: [{ job: "admin-ui", attempts: 9 }] }, example: { dirty: true } },
      async (sb) => {
        const said: string[] = [];
        said.push((await kitIn(sb, "preflight")).stderr); // a dirty tree: fixes to follow
        await run("git", ["stash", "--include-untracked"], { cwd: sb.repoPath! });
        said.push((await kitIn(sb, "release")).stderr); // the gate refuses: how to go on
        said.push((await kitIn(sb, "recover")).stderr);
        said.push((await kitIn(sb, "release", ["--yes"])).stderr);
        await sb.settle();
        said.push((await kitIn(sb, "verify")).stderr); // the image job failed: recover
        said.push((await kitIn(sb, "recover")).stderr);
        const hints = hintsIn(said.join("\n"), new RegExp(`^${LAUNCHER.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} `));
        expect(hints.length).toBeGreaterThanOrEqual(4);
        for (const hint of hints) {
          expect(hint, "a hint names the repository it is about").toContain(`--repo ${sb.repoPath}`);
          const res = await paste(sb, hint, tmpdir());
          // It ran as the kit's command on that repository: 0 or 1, never a start failure (2) or not found (127).
          expect([0, 1], `${hint}\n${res.stderr.slice(-1500)}`).toContain(res.code);
          expect(res.stderr).toMatch(/acme\/gateway|v0\.3\.0/);
        }
      },
    );
  });

  it("after npx mise run in the kit's folder, the hints are npx mise run commands that work there", {
    timeout: STORY_MS,
  }, async () => {
    await withSandbox({}, async (sb) => {
      const env = sandboxEnv(sb);
      const started = await run("npx", ["--no-install", "mise", "run", "release", "--", "--repo", sb.repoPath!], {
        cwd: KIT,
        env,
        timeoutMs: 120_000,
      });
      expect(started.code).toBe(1); // the gate refuses without a terminal
      const hints = hintsIn(started.stderr, /^npx mise run release/);
      expect(hints.length).toBeGreaterThanOrEqual(2);
      for (const hint of hints) {
        expect(hint).toContain(`--repo ${sb.repoPath}`);
        const res = await paste(sb, hint, KIT);
        expect([0, 1], `${hint}\n${res.stderr.slice(-1500)}`).toContain(res.code);
      }
    });
  });
});
