// One release at a time per repository: a lock file in .git/release-kit/. A lock left by a killed
// process is reported, never silently broken: the next run says so, then continues from the world.
import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { StartError } from "./cli.ts";

export interface Lock {
  release(): void;
}

interface Holder {
  pid?: number;
  command?: string;
  started?: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readHolder(path: string): Holder | null | "gone" {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Holder;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT" ? "gone" : null;
  }
}

function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

// The lock appears whole or not at all: written aside, then hard-linked into place, so a run
// starting at the same instant never reads a half-written lock and mistakes it for a stale one.
function create(path: string, content: string): boolean {
  const aside = `${path}.${process.pid}`;
  writeFileSync(aside, content);
  try {
    linkSync(aside, path);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return false;
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "ENOSYS") throw error;
    // A filesystem without hard links: exclusive create is the next best thing.
    try {
      writeFileSync(path, content, { flag: "wx" });
      return true;
    } catch (fallback) {
      if ((fallback as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw fallback;
    }
  } finally {
    rmSync(aside, { force: true });
  }
}

// Two runs may find the same dead holder; only the one whose rename moved that holder's lock
// (and not a fresh one just taken by the other) may take over.
function retire(path: string, stale: Holder): boolean {
  const moved = `${path}.stale.${process.pid}`;
  try {
    renameSync(path, moved);
  } catch {
    return false;
  }
  const got = readHolder(moved);
  if (got !== "gone" && got !== null && got.pid !== stale.pid) {
    try {
      linkSync(moved, path);
    } catch {
      // the other run's lock is back in place or a third run holds it; either way not ours
    }
    rmSync(moved, { force: true });
    return false;
  }
  rmSync(moved, { force: true });
  return true;
}

export function acquireLock(gitDir: string, command: string, warn: (text: string) => void): Lock {
  const dir = join(gitDir, "release-kit");
  mkdirSync(dir, { recursive: true });
  const path = join(dir, "lock");
  const mine = JSON.stringify({ pid: process.pid, command, started: new Date().toISOString() });
  let unreadable = 0;
  let tookOver: Holder | null = null;
  for (let attempt = 0; ; attempt++) {
    if (create(path, mine)) break;
    const held = readHolder(path);
    if (held === "gone") continue;
    // A lock from an older release-kit may still be mid-write; give it a moment before calling it stale.
    if (held === null && ++unreadable < 5) {
      pause(100);
      continue;
    }
    const holder = held ?? {};
    if (holder.pid && holder.pid !== process.pid && alive(holder.pid)) {
      throw new StartError(`another release-kit ${holder.command ?? "command"} (pid ${holder.pid}, started ${holder.started}) is working on this repository`, "wait for it to finish; two releases at once would race on the same tag");
    }
    if (attempt > 20) throw new StartError("could not take the release lock in .git/release-kit/lock", "another run keeps taking it; wait for it to finish, then run again");
    if (retire(path, holder)) tookOver = holder;
  }
  // The state of a release comes from the world, not from the process that died, so taking over
  // is safe; saying so is what matters. Said only by the run that goes on.
  if (tookOver) {
    warn(`a release-kit ${tookOver.command ?? "command"} (pid ${tookOver.pid ?? "?"}, started ${tookOver.started ?? "?"}) stopped without finishing; taking over its lock and continuing from what the repository and GitHub show`);
  }
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    const held = readHolder(path);
    if (held !== "gone" && held?.pid === process.pid) rmSync(path, { force: true });
  };
  process.once("exit", release);
  return { release };
}
