// One release at a time per repository: a lock file in .git/release-kit/. A lock left by a killed
// process is reported, never silently broken: the next run says so, then continues from the world.
// A pid alone does not name a process for long (pids are reused, pid 1 is always alive), so the
// lock records the holder's start time and host too.
import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join, relative } from "node:path";
import { StartError } from "./cli.ts";

export interface Lock {
  release(): void;
}

interface Holder {
  pid?: number;
  /** The kernel's start time of that pid (/proc/<pid>/stat, field 22), where there is a /proc. */
  pidStart?: string | null;
  host?: string;
  command?: string;
  started?: string;
}

/** When the process with this pid started, in clock ticks since boot; null where it cannot be read. */
export function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: count from the last ")".
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** "dead": the holder is gone (or its pid now names another process); "alive"; "unknown": another host, or an old lock. */
function holderState(holder: Holder): "dead" | "alive" | "unknown" {
  if (holder.host && holder.host !== hostname()) return "unknown";
  if (!holder.pid || !pidAlive(holder.pid)) return "dead";
  if (holder.pid === process.pid) return "dead";
  if (holder.pidStart === undefined) return "unknown";
  const now = processStart(holder.pid);
  if (now === null || holder.pidStart === null) return "unknown";
  return now === holder.pidStart ? "alive" : "dead";
}

function age(started: string | undefined): string {
  const ms = started ? Date.now() - Date.parse(started) : NaN;
  if (!Number.isFinite(ms)) return "at an unknown time";
  const minutes = Math.round(ms / 60_000);
  return minutes < 1
    ? "less than a minute ago"
    : minutes < 120
      ? `${minutes} min ago`
      : `${Math.round(minutes / 60)} h ago`;
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
  const mine = JSON.stringify({
    pid: process.pid,
    pidStart: processStart(process.pid),
    host: hostname(),
    command,
    started: new Date().toISOString(),
  });
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
    const state = holderState(holder);
    const who = `another release-kit ${holder.command ?? "command"} (pid ${holder.pid ?? "?"}${holder.host ? ` on ${holder.host}` : ""}, started ${age(holder.started)})`;
    const shown = relative(process.cwd(), path).startsWith("..") ? path : relative(process.cwd(), path);
    if (state === "alive") {
      throw new StartError(
        `${who} is working on this repository`,
        `wait for it to finish (two releases at once would race on the same tag); if you are sure it is gone, remove ${shown}`,
      );
    }
    if (state === "unknown") {
      throw new StartError(
        `${who} holds the release lock, and release-kit cannot tell whether it still runs${holder.host && holder.host !== hostname() ? " (another host)" : ""}`,
        `if no release-kit runs there any more, remove ${shown} and run again`,
      );
    }
    if (attempt > 20)
      throw new StartError(
        "could not take the release lock in .git/release-kit/lock",
        "another run keeps taking it; wait for it to finish, then run again",
      );
    if (retire(path, holder)) tookOver = holder;
  }
  // The state of a release comes from the world, not from the process that died, so taking over
  // is safe; saying so is what matters. Said only by the run that goes on.
  if (tookOver) {
    warn(
      `a release-kit ${tookOver.command ?? "command"} (pid ${tookOver.pid ?? "?"}, started ${tookOver.started ?? "?"}) stopped without finishing; taking over its lock (${path}) and continuing from what the repository and GitHub show`,
    );
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
