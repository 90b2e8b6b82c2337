// The README's Quick start, as a new user meets it: a clean clone, a machine with Node, npm and git
// but no mise on PATH, and the two commands exactly as the README writes them.
import { accessSync, constants, readFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cleanEnv, git, KIT, run, tempDir } from "./helpers/kit.ts";

const tmp = tempDir("rk-quickstart-");
afterAll(() => tmp.remove());

/** The shell commands of the README's Quick start block. */
function quickStart(): string[] {
  const readme = readFileSync(join(KIT, "README.md"), "utf8");
  const block = /## Quick start[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
  return block
    .split("\n")
    .map((l) => l.replace(/\s+#.*$/, "").trim())
    .filter(Boolean);
}

/** PATH without any folder that holds a mise: what a fresh machine has. */
function pathWithoutMise(): string {
  return (process.env.PATH ?? "")
    .split(delimiter)
    .filter((dir) => {
      try {
        accessSync(join(dir, "mise"), constants.X_OK);
        return false;
      } catch {
        return true;
      }
    })
    .join(delimiter);
}

describe("the README's Quick start", () => {
  it("is two commands: the rehearsal and the test suite, each after npm ci", () => {
    const commands = quickStart();
    expect(commands).toEqual(["npm ci && npx mise run release:rehearse", "npm ci && npx mise run test"]);
    const ci = readFileSync(join(KIT, ".ci/run"), "utf8");
    expect(ci).toContain("npm ci --no-audit --no-fund && npx mise run test");
  });

  it("runs as written on a clean clone with no mise on PATH: the rehearsal passes, and the test task resolves", {
    timeout: 600_000,
  }, async () => {
    const clone = join(tmp.path, "release-kit");
    git(tmp.path, "clone", "-q", KIT, clone);
    const env = cleanEnv({
      PATH: pathWithoutMise(),
      npm_config_prefer_offline: "true",
      npm_config_audit: "false",
      npm_config_fund: "false",
      // npm ci may reach the registry, through whatever proxy this machine's CA certificates are for.
      NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS,
    });
    expect((await run("sh", ["-c", "command -v mise || echo none"], { env })).stdout.trim()).toBe("none");
    const [rehearse, test] = quickStart();
    const rehearsed = await run("sh", ["-c", rehearse!], { cwd: clone, env, timeoutMs: 540_000 });
    expect(rehearsed.code, rehearsed.stderr.slice(-3000)).toBe(0);
    expect(rehearsed.stderr).toMatch(/the rehearsal went as the runbook says it should/);
    // The whole suite cannot run inside itself: mise's own dry run shows the second command's task
    // resolves, through npx, on the same clean clone (npm ci done above).
    const resolved = await run(
      "sh",
      ["-c", test!.replace("npm ci && npx mise run test", "npx mise run --dry-run test")],
      { cwd: clone, env, timeoutMs: 120_000 },
    );
    expect(resolved.code, resolved.stderr).toBe(0);
    expect(`${resolved.stdout}${resolved.stderr}`).toMatch(/biome check[\s\S]*tsc --noEmit -p \.[\s\S]*vitest run/);
  });
});
