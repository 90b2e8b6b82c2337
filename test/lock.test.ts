import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { acquireLock, processStart } from "../scripts/lib/lock.ts";
import { KIT, run, tempDir, until } from "./helpers/kit.ts";

const tmp = tempDir();
afterAll(() => tmp.remove());
let n = 0;

function gitDir(): string {
  const dir = join(tmp.path, `git-${++n}`);
  mkdirSync(join(dir, "release-kit"), { recursive: true });
  return dir;
}

// Processes that all reach acquireLock in the same millisecond, and hold what they got until every
// one has tried: what each one printed.
async function race(dir: string, count: number): Promise<string[]> {
  const meeting = join(dir, "meeting");
  mkdirSync(meeting);
  const holder = join(KIT, "test", "helpers", "lock-holder.mts");
  const runs = Promise.all(
    Array.from({ length: count }, () =>
      run(process.execPath, ["--import", "tsx/esm", holder, dir, meeting], { timeoutMs: 180_000 }),
    ),
  );
  const arrived = (prefix: string) => readdirSync(meeting).filter((f) => f.startsWith(prefix)).length;
  await until(() => arrived("ready-") === count, "the lock holders to start");
  writeFileSync(join(meeting, "go"), String(Date.now() + 50));
  await until(() => arrived("tried-") === count, "every lock holder to try");
  writeFileSync(join(meeting, "let-go"), "");
  return (await runs).map((r) => r.stdout);
}

const REFUSED =
  /^refused another release-kit release \(pid \d+ on [^,]+, started [^)]+\) is working on this repository$/m;

describe("the release lock", () => {
  it("goes to exactly one of several runs that ask for it in the same instant", async () => {
    for (let round = 0; round < 3; round++) {
      const said = await race(gitDir(), 5);
      expect(said.filter((out) => out === "got\n")).toHaveLength(1);
      expect(said.filter((out) => REFUSED.test(out) && !out.includes("got"))).toHaveLength(4);
    }
  });

  it("lets exactly one of several runs take over a lock left by a dead process", async () => {
    for (let round = 0; round < 3; round++) {
      const dir = gitDir();
      writeFileSync(
        join(dir, "release-kit", "lock"),
        JSON.stringify({ pid: 999_999, command: "release", started: "earlier" }),
      );
      const said = await race(dir, 5);
      const going = said.filter((out) => /^got$/m.test(out));
      expect(going).toHaveLength(1);
      expect(said.filter((out) => REFUSED.test(out) && !out.includes("got"))).toHaveLength(4);
      // Only the run that goes on reports the dead holder: a refused run never says it took over.
      // (Usually the run that goes on is the one that retired the stale lock; when another slips in
      // between, that one found no lock and has nothing to report.)
      expect(said.filter((out) => out.includes("warned") && !going.includes(out))).toEqual([]);
      if (going[0]!.includes("warned"))
        expect(going[0]).toMatch(
          /^warned a release-kit release \(pid 999999, started earlier\) stopped without finishing/m,
        );
    }
  });

  it("writes who holds the lock, and removes it when let go", () => {
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

  it("takes over a lock whose pid now names another process (pid 1 is always alive), saying which file it was", () => {
    const dir = gitDir();
    const path = join(dir, "release-kit", "lock");
    const init = processStart(1);
    expect(init, "this machine has a /proc to read start times from").not.toBeNull();
    writeFileSync(
      path,
      JSON.stringify({
        pid: 1,
        pidStart: String(Number(init) + 1),
        host: hostname(),
        command: "release",
        started: new Date(Date.now() - 3 * 3600_000).toISOString(),
      }),
    );
    const warnings: string[] = [];
    const lock = acquireLock(dir, "recover", (text) => warnings.push(text));
    expect(warnings).toEqual([
      expect.stringMatching(/pid 1,.*stopped without finishing; taking over its lock \(.*release-kit\/lock\)/),
    ]);
    expect(JSON.parse(readFileSync(path, "utf8"))).toMatchObject({
      pid: process.pid,
      pidStart: processStart(process.pid),
      host: hostname(),
      command: "recover",
    });
    lock.release();
  });

  it("refuses, naming the file to remove, when it cannot tell whether the holder still runs: an old lock without a start time, or another host", () => {
    for (const holder of [
      { pid: 1, command: "release", started: new Date(Date.now() - 90 * 60_000).toISOString() },
      { pid: 1, pidStart: processStart(1), host: "build-box-7", command: "release", started: new Date().toISOString() },
    ]) {
      const dir = gitDir();
      const path = join(dir, "release-kit", "lock");
      writeFileSync(path, JSON.stringify(holder));
      let refused: (Error & { fix?: string }) | null = null;
      try {
        acquireLock(dir, "release", () => {});
      } catch (error) {
        refused = error as Error & { fix?: string };
      }
      expect(refused?.message).toMatch(/cannot tell whether it still runs/);
      expect(refused?.message).toMatch(holder.host ? /on build-box-7.*another host/ : /started 90 min ago/);
      expect(refused?.fix).toMatch(/remove .*release-kit\/lock/);
      expect(JSON.parse(readFileSync(path, "utf8"))).toEqual(holder);
    }
  });

  it("refuses while the holder runs: the same pid and start time", () => {
    const dir = gitDir();
    const path = join(dir, "release-kit", "lock");
    const holder = {
      pid: 1,
      pidStart: processStart(1),
      host: hostname(),
      command: "release",
      started: new Date().toISOString(),
    };
    writeFileSync(path, JSON.stringify(holder));
    expect(() => acquireLock(dir, "release", () => {})).toThrow(/pid 1 on .* is working on this repository/);
    expect(JSON.parse(readFileSync(path, "utf8"))).toEqual(holder);
  });
});
