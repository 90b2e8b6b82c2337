import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { CommandError, createRunner, formatRequest } from "../scripts/lib/run.ts";
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

  it("puts API writes behind the same gate", async () => {
    const cap = captureStderr();
    const perform = vi.fn(async () => 42);
    try {
      const request = {
        method: "POST",
        url: "https://api.github.com/repos/acme/gw/releases",
        body: { tag_name: "v1.0.0" },
      };
      expect(await createRunner(tmp.path, true).api(request, perform)).toBeNull();
      expect(perform).not.toHaveBeenCalled();
      expect(cap.text()).toContain(formatRequest(request));
      expect(await createRunner(tmp.path, false).api(request, perform)).toBe(42);
    } finally {
      cap.restore();
    }
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
