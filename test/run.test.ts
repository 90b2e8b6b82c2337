import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { CommandError, createRunner } from "../scripts/lib/run.ts";
import { tempDir } from "./helpers/kit.ts";

const tmp = tempDir();
afterAll(() => tmp.remove());

function captureStderr() {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stderr, "write").mockImplementation((chunk: any) => {
    lines.push(String(chunk));
    return true;
  });
  return { text: () => lines.join(""), restore: () => spy.mockRestore() };
}

describe("runner", () => {
  it("runs reads even in dry-run, and quotes every interpolated value", async () => {
    const r = createRunner(tmp.path, true);
    const hostile = "a'b $(touch pwned) `x` ; rm -rf /";
    const out = await r.read`printf %s ${hostile}`;
    expect(out.stdout).toBe(hostile);
    expect(existsSync(join(tmp.path, "pwned"))).toBe(false);
  });

  it("prints and skips writes in dry-run, exactly as they would run", async () => {
    const cap = captureStderr();
    try {
      const r = createRunner(tmp.path, true);
      const result = await r.write`touch ${"made by write"}`;
      expect(result).toBeNull();
      expect(existsSync(join(tmp.path, "made by write"))).toBe(false);
      expect(cap.text()).toContain("[dry-run] touch $'made by write'");
    } finally {
      cap.restore();
    }
  });

  it("performs writes outside dry-run and shows the command", async () => {
    const cap = captureStderr();
    try {
      await createRunner(tmp.path, false).write`touch ${"made"}`;
    } finally {
      cap.restore();
    }
    expect(existsSync(join(tmp.path, "made"))).toBe(true);
    expect(cap.text()).toContain("$ touch made");
  });

  it("puts the kit's own files behind the same gate", async () => {
    const file = join(tmp.path, "journal", "v1.0.0.json");
    const cap = captureStderr();
    try {
      expect(await createRunner(tmp.path, true).writeFile(file, "{}\n")).toBe(false);
      expect(existsSync(file)).toBe(false);
      expect(cap.text()).toContain(`[dry-run] write ${file}`);
      expect(await createRunner(tmp.path, false).writeFile(file, "{}\n")).toBe(true);
      expect(existsSync(file)).toBe(true);
      expect(await createRunner(tmp.path, true).removeFile(file)).toBe(false);
      expect(existsSync(file)).toBe(true);
      expect(await createRunner(tmp.path, false).removeFile(file)).toBe(true);
      expect(existsSync(file)).toBe(false);
    } finally {
      cap.restore();
    }
  });

  it("refuses a git or cog command that changes the repository when it is declared a read", async () => {
    const r = createRunner(tmp.path, false);
    await expect(r.read`git tag ${"v9.9.9"}`).rejects.toThrow(/cannot run as a read/);
    await expect(r.probe`git worktree add ${"x"}`).rejects.toThrow(/cannot run as a read/);
    await expect(r.probe`git -C ${tmp.path} stash push`).rejects.toThrow(/cannot run as a read/);
    await expect(r.probe`cog --config ${"c.toml"} bump --auto`).rejects.toThrow(/cannot run as a read/);
    // Nothing ran: no repository was made to answer the refused command.
    expect(existsSync(join(tmp.path, "x"))).toBe(false);
    // Reads declared as reads run (a failing one is an answer, not a refusal).
    expect((await r.probe`git tag --list`).exitCode).not.toBe(0);
    expect((await r.probe`git -C ${tmp.path} rev-parse --verify --quiet HEAD`).exitCode).not.toBe(0);
  });

  it("fails with the command, exit code and stderr; probes never throw", async () => {
    const r = createRunner(tmp.path, false);
    await expect(r.read`sh -c ${"echo boom >&2; exit 3"}`).rejects.toThrow(CommandError);
    await expect(r.read`sh -c ${"echo boom >&2; exit 3"}`).rejects.toThrow(/failed \(exit 3\):\nboom/);
    expect((await r.probe`sh -c ${"exit 5"}`).exitCode).toBe(5);
  });

  it("never lets git or ssh prompt", async () => {
    const r = createRunner(tmp.path, false);
    expect((await r.read`sh -c ${"echo $GIT_TERMINAL_PROMPT:$GIT_SSH_COMMAND"}`).stdout.trim()).toMatch(
      /^0:.*ssh -o BatchMode=yes$/,
    );
  });
});
