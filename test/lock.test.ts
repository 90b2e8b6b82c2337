import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { acquireLock } from "../scripts/lib/lock.ts";
import { KIT, run, tempDir } from "./helpers/kit.ts";

const tmp = tempDir();
afterAll(() => tmp.remove());
let n = 0;

function gitDir(): string {
  const dir = join(tmp.path, `git-${++n}`);
  mkdirSync(join(dir, "release-kit"), { recursive: true });
  return dir;
}

// Processes that all reach acquireLock in the same millisecond, and hold what they got until every
// one has tried: how many got the lock, how many were refused, how many reported a stale one.
async function race(dir: string, count: number): Promise<{ got: number; refused: number; warned: number }> {
  const meeting = join(dir, "meeting");
  mkdirSync(meeting);
  const holder = join(KIT, "test", "helpers", "lock-holder.mts");
  const runs = Promise.all(Array.from({ length: count }, () => run(process.execPath, ["--import", "tsx/esm", holder, dir, meeting], { timeoutMs: 45_000 })));
  const arrived = (prefix: string) => readdirSync(meeting).filter((f) => f.startsWith(prefix)).length;
  await until(() => arrived("ready-") === count);
  writeFileSync(join(meeting, "go"), String(Date.now() + 50));
  await until(() => arrived("tried-") === count);
  writeFileSync(join(meeting, "let-go"), "");
  const lines = (await runs).flatMap((r) => r.stdout.split("\n"));
  return {
    got: lines.filter((l) => l === "got").length,
    refused: lines.filter((l) => /^refused another release-kit release \(pid \d+/.test(l)).length,
    warned: lines.filter((l) => l.startsWith("warned")).length,
  };
}

async function until(done: () => boolean): Promise<void> {
  const deadline = Date.now() + 40_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error("the lock holders never all got there");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("the release lock", () => {
  it("goes to exactly one of several runs that ask for it in the same instant", async () => {
    for (let round = 0; round < 3; round++) {
      expect(await race(gitDir(), 5)).toEqual({ got: 1, refused: 4, warned: 0 });
    }
  });

  it("lets exactly one of several runs take over a lock left by a dead process", async () => {
    for (let round = 0; round < 3; round++) {
      const dir = gitDir();
      writeFileSync(join(dir, "release-kit", "lock"), JSON.stringify({ pid: 999_999, command: "release", started: "earlier" }));
      expect(await race(dir, 5)).toEqual({ got: 1, refused: 4, warned: 1 });
    }
  });

  it("never leaves a lock that is empty or half-written for another run to read", () => {
    const dir = gitDir();
    const lock = acquireLock(dir, "release", () => {});
    const held = JSON.parse(readFileSync(join(dir, "release-kit", "lock"), "utf8"));
    expect(held).toMatchObject({ pid: process.pid, command: "release" });
    lock.release();
    expect(existsSync(join(dir, "release-kit", "lock"))).toBe(false);
  });

  it("waits a moment on an unreadable lock, then reports it and takes over", () => {
    const dir = gitDir();
    writeFileSync(join(dir, "release-kit", "lock"), "");
    const warnings: string[] = [];
    const started = Date.now();
    const lock = acquireLock(dir, "release", (text) => warnings.push(text));
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(warnings).toEqual([expect.stringMatching(/pid \?.*stopped without finishing/)]);
    lock.release();
  });

  it("does not remove a lock another run holds when this run lets go", () => {
    const dir = gitDir();
    const lock = acquireLock(dir, "release", () => {});
    const path = join(dir, "release-kit", "lock");
    writeFileSync(path, JSON.stringify({ pid: 424_242, command: "release", started: "later" }));
    lock.release();
    expect(JSON.parse(readFileSync(path, "utf8")).pid).toBe(424_242);
  });
});
