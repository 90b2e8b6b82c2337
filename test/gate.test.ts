// The review gate: --yes opens it; without a terminal it refuses instead of hanging; on a terminal
// only "y" or "yes" opens it.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { cleanEnv, KIT, run, tempDir } from "./helpers/kit.ts";

const tmp = tempDir("rk-gate-");
afterAll(() => tmp.remove());
// The probe lives in a scratch folder, never in the kit's tree (the launcher would call the build stale).
const probe = join(tmp.path, "gate-probe.mts");
const gateModule = pathToFileURL(join(KIT, "scripts", "lib", "gate.ts")).href;

async function gate(args: { yes?: boolean; tty: boolean; answer?: string }) {
  writeFileSync(
    probe,
    `import { reviewGate } from ${JSON.stringify(gateModule)};\nconst a = await reviewGate("Push?", ${Boolean(args.yes)});\nprocess.stdout.write("\\nRESULT " + JSON.stringify(a) + "\\n");\n`,
  );
  const node = `node --import ${join(KIT, "node_modules/tsx/dist/esm/index.mjs")} ${probe}`;
  // script(1) gives the child a real terminal; its input is what we type at the prompt.
  const res = args.tty
    ? await run("script", ["-qec", node, "/dev/null"], {
        env: cleanEnv(),
        input: args.answer ?? "",
        timeoutMs: 120_000,
      })
    : await run("sh", ["-c", `${node} </dev/null`], { env: cleanEnv(), timeoutMs: 120_000 });
  return JSON.parse(/RESULT (.*)/.exec(res.stdout)?.[1] ?? "null");
}

describe("reviewGate", () => {
  it("opens with --yes, without asking", async () =>
    expect(await gate({ yes: true, tty: false })).toEqual({ ok: true, reason: "--yes" }));
  it("refuses without a terminal instead of hanging", async () =>
    expect(await gate({ tty: false })).toEqual({
      ok: false,
      reason: "no terminal to answer the review gate, and --yes was not given",
    }));
  it("opens on a terminal answer of y", async () =>
    expect(await gate({ tty: true, answer: "y\n" })).toEqual({ ok: true, reason: "confirmed" }));
  it("stays shut when the terminal's input closes before an answer (Ctrl-D)", async () =>
    expect(await gate({ tty: true, answer: "\u0004" })).toEqual({
      ok: false,
      reason: "the terminal's input closed before an answer",
    }));
  it("stays shut on a terminal answer of no, or just Enter", async () => {
    expect(await gate({ tty: true, answer: "no\n" })).toEqual({ ok: false, reason: 'answered "no"' });
    expect(await gate({ tty: true, answer: "\n" })).toEqual({ ok: false, reason: 'answered "no"' });
  });
});

describe("a command whose work is left waiting for nothing", () => {
  it("exits 1, saying it stopped before finishing, instead of 0", async () => {
    const cli = pathToFileURL(join(KIT, "scripts", "lib", "cli.ts")).href;
    const stuck = join(tmp.path, "stuck-probe.mts");
    writeFileSync(
      stuck,
      `import { command } from ${JSON.stringify(cli)};\nvoid command({ name: "stuck", section: "test", summary: "waits forever", flags: [] }, () => new Promise(() => {}));\n`,
    );
    const res = await run("node", ["--import", join(KIT, "node_modules/tsx/dist/esm/index.mjs"), stuck], {
      env: cleanEnv(),
      timeoutMs: 120_000,
    });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("release-kit stuck: stopped before finishing");
    expect(res.stderr).toMatch(/what to do: run it again;[\s\S]*recover\s+names the state/);
  });
});
