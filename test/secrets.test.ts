// No secret is ever printed: every command runs with a recognisable fake token, zx's verbose echo
// on, and the API echoing the token back in its errors; the token must appear in no stdout, stderr,
// journal, JSON report or step summary.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "./helpers/kit.ts";
import { kitIn, type Sandbox, sandbox } from "./helpers/sandbox.ts";

// Two shapes: one a GitHub token would have, and one no pattern could guess.
const TOKENS = ["ghp_R3CogNIsaBLEfakeTOKENxxxxxxxxxxxxxxxx", "canary-secret-9f8e7d6c5b4a39281706"];

describe.each(TOKENS)("with the token %s", (token) => {
  let sb: Sandbox;
  const tmp = tempDir("rk-secret-");
  const summary = join(tmp.path, "summary.md");
  const outputs: string[] = [];
  beforeAll(async () => {
    sb = await sandbox({ token, history: true });
  });
  afterAll(async () => {
    await sb.stop();
    tmp.remove();
  });
  const env = { ZX_VERBOSE: "true", GITHUB_STEP_SUMMARY: summary, RELEASE_KIT_DEBUG: "1" };

  it("is never printed by any command, with zx verbose on", async () => {
    sb.scenario.failJobs = [{ job: "admin-ui", attempts: 1 }];
    const runs = [
      ["preflight", []],
      ["release", ["--dry-run"]],
      ["release", ["--yes"]],
      ["verify", ["--wait=60"]],
      ["recover", []],
      ["recover", ["--apply", "--yes"]],
      ["verify", []],
    ] as const;
    for (const [command, args] of runs) {
      const res = await kitIn(sb, command, [...args, "--json"], { env });
      outputs.push(res.stdout, res.stderr);
      expect(res.stderr.length).toBeGreaterThan(0);
    }
    // zx's verbose echo was really on: commands were echoed.
    expect(outputs.join("")).toMatch(/\$ git /);
  });

  it("is not echoed back from a failing API answer that contains it", async () => {
    sb.scenario.faults = [
      {
        method: "GET",
        kind: "status",
        status: 401,
        body: { message: `Bad credentials for token ${token}` },
        times: Infinity,
      },
    ];
    for (const command of ["preflight", "verify", "recover"]) {
      const res = await kitIn(sb, command, ["--json"], { env });
      outputs.push(res.stdout, res.stderr);
      expect(res.code).not.toBe(0);
    }
    sb.scenario.faults = [];
  });

  it("appears in no output, journal, JSON report or step summary", () => {
    const journals = join(sb.repoPath!, ".git", "release-kit");
    const files = existsSync(journals) ? readdirSync(journals).map((f) => readFileSync(join(journals, f), "utf8")) : [];
    expect(files.length).toBeGreaterThan(0);
    expect(existsSync(summary)).toBe(true);
    for (const text of [...outputs, ...files, readFileSync(summary, "utf8")]) {
      expect(text).not.toContain(token);
      expect(text).not.toContain(token.slice(0, 20));
    }
    expect(outputs.join("")).toContain("***");
  });
});
