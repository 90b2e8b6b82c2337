import { execFileSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { CommandError, createRunner, type Runner } from "../scripts/lib/run.ts";
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

describe("a snapshot of local reads", () => {
  const repo = join(tmp.path, "snap");
  const origin = join(tmp.path, "snap-origin.git");
  const sh = (...args: string[]) => execFileSync("git", args, { cwd: repo, encoding: "utf8" }).trim();
  const commit = (message: string) =>
    sh("-c", "user.name=T", "-c", "user.email=t@e", "commit", "-q", "--allow-empty", "-m", message);
  beforeAll(() => {
    execFileSync("git", ["init", "-q", "-b", "main", repo]);
    execFileSync("git", ["init", "-q", "--bare", origin]);
    commit("one");
    sh("remote", "add", "origin", origin);
    sh("push", "-q", "origin", "main");
  });

  it("answers a repeated local git read once, until a write or a fetch through it", async () => {
    const live = createRunner(repo, false);
    const snap = live.snapshot();
    const head = async (r: Runner) => (await r.read`git rev-parse HEAD`).stdout.trim();
    const first = await head(snap);

    commit("two, made behind the kit's back");
    expect(await head(live)).not.toBe(first);
    expect(await head(snap)).toBe(first);
    expect(await head(snap.with({ cwd: repo }))).toBe(first);
    expect(snap.snapshot()).toBe(snap);

    // Other programs, and git commands that ask origin, are never kept.
    expect((await snap.read`git ls-remote origin refs/heads/main`).stdout).toContain(first);
    writeFileSync(join(repo, "note"), "a");
    expect((await snap.read`cat note`).stdout).toBe("a");
    writeFileSync(join(repo, "note"), "b");
    expect((await snap.read`cat note`).stdout).toBe("b");

    // A write forgets every answer.
    const cap = captureStderr();
    try {
      await snap.write`git tag t1`;
    } finally {
      cap.restore();
    }
    expect(await head(snap)).toBe(await head(live));

    // So does a fetch, which moves the remote-tracking refs.
    const tracked = async (r: Runner) =>
      (await r.probe`git rev-parse --verify --quiet refs/remotes/origin/main`).stdout.trim();
    const before = await tracked(snap);
    sh("push", "-q", "origin", "HEAD:main");
    expect(await tracked(snap)).toBe(before);
    await snap.probe`git fetch --quiet origin`;
    expect(await tracked(snap)).toBe(await head(live));
  });

  it("fails each caller of a failed read, as a live runner does; a probe never throws", async () => {
    const snap = createRunner(repo, false).snapshot();
    await expect(snap.read`git rev-parse --verify no-such-ref`).rejects.toBeInstanceOf(CommandError);
    await expect(snap.read`git rev-parse --verify no-such-ref`).rejects.toBeInstanceOf(CommandError);
    expect((await snap.probe`git rev-parse --verify --quiet no-such-ref`).exitCode).not.toBe(0);
  });
});
