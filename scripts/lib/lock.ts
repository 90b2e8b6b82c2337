// One release at a time per repository: a lock file in .git/release-kit/. A lock left by a killed
// process is reported, never silently broken: the next run says so, then continues from the world.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { StartError } from "./cli.ts";

export interface Lock {
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export function acquireLock(gitDir: string, command: string, warn: (text: string) => void): Lock {
  const dir = join(gitDir, "release-kit");
  mkdirSync(dir, { recursive: true });
  const path = join(dir, "lock");
  const mine = JSON.stringify({ pid: process.pid, command, started: new Date().toISOString() });
  try {
    writeFileSync(path, mine, { flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    let held: { pid?: number; command?: string; started?: string } = {};
    try {
      held = JSON.parse(readFileSync(path, "utf8"));
    } catch {
      // an unreadable lock is treated as stale below
    }
    if (held.pid && held.pid !== process.pid && alive(held.pid)) {
      throw new StartError(`another release-kit ${held.command ?? "command"} (pid ${held.pid}, started ${held.started}) is working on this repository`, "wait for it to finish; two releases at once would race on the same tag");
    }
    // The state of a release comes from the world, not from the process that died, so taking over
    // is safe; saying so is what matters.
    warn(`a release-kit ${held.command ?? "command"} (pid ${held.pid ?? "?"}, started ${held.started ?? "?"}) stopped without finishing; taking over its lock and continuing from what the repository and GitHub show`);
    writeFileSync(path, mine);
  }
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    try {
      const held = JSON.parse(readFileSync(path, "utf8")) as { pid?: number };
      if (held.pid === process.pid) rmSync(path, { force: true });
    } catch {
      // already gone
    }
  };
  process.once("exit", release);
  return { release };
}
