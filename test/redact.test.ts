import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { addSecret, redact, redactDeep } from "../scripts/lib/redact.ts";
import { cleanEnv, KIT, run, tempDir } from "./helpers/kit.ts";

const tmp = tempDir();
afterAll(() => tmp.remove());

describe("redact", () => {
  it("removes registered secrets and GitHub token shapes", () => {
    addSecret("s3cr3t-value-123");
    const classic = `ghp_${"a".repeat(36)}`;
    const pat = `github_pat_${"B".repeat(40)}`;
    const out = redact(`token s3cr3t-value-123 and ${classic} and ${pat} and gho_${"c".repeat(36)}`);
    expect(out).not.toContain("s3cr3t-value-123");
    expect(out).not.toContain(classic);
    expect(out).not.toContain(pat);
    expect(out).not.toMatch(/gho_c/);
    expect(out).toContain("***");
  });

  it("leaves ordinary text alone and ignores too-short secrets", () => {
    addSecret("abc");
    expect(redact("abc def ghp_short")).toBe("abc def ghp_short");
  });

  it("redacts inside JSON documents", () => {
    addSecret("json-secret-xyz");
    expect(redactDeep({ a: ["json-secret-xyz"], b: { c: "x json-secret-xyz y" } })).toEqual({
      a: ["***"],
      b: { c: "x *** y" },
    });
  });

  it("covers zx's verbose echo, child output and uncaught errors in a real process", async () => {
    const token = `ghs_${"Z".repeat(36)}`;
    const other = "plain-token-from-env-0123456789";
    // In a scratch folder, never in the kit's tree; modules by absolute address.
    const scratch = tempDir("rk-redact-");
    const script = join(scratch.path, "redact-probe.mts");
    const zx = import.meta.resolve("zx/core");
    const redactModule = pathToFileURL(join(KIT, "scripts", "lib", "redact.ts")).href;
    writeFileSync(
      script,
      [
        `import { $ } from ${JSON.stringify(zx)};`,
        `import { installRedaction, addEnvironmentSecrets } from ${JSON.stringify(redactModule)};`,
        "installRedaction(); addEnvironmentSecrets();",
        "$.verbose = true;",
        `await $\`echo \${process.env.GH_TOKEN} ${"$"}{process.env.OTHER}\`;`,
        "console.log(JSON.stringify({ t: process.env.GH_TOKEN }));",
        "throw new Error(`API said: bad token ${process.env.GH_TOKEN}`);",
      ].join("\n"),
    );
    try {
      const res = await run(
        "node",
        ["--import", pathToFileURL(join(KIT, "node_modules/tsx/dist/esm/index.mjs")).href, script],
        { cwd: scratch.path, env: cleanEnv({ GH_TOKEN: token, OTHER: other }) },
      );
      const all = res.stdout + res.stderr;
      expect(res.code).not.toBe(0);
      expect(all).toContain("echo"); // zx echoed the command
      expect(all).toContain("API said: bad token");
      expect(all).not.toContain(token);
      expect(all).not.toContain("ZZZZZZZZ");
    } finally {
      scratch.remove();
    }
  });
});
