// The sandbox lives as long as whoever started it. `npx mise run sandbox &` puts npx, mise and a
// shell between the user and this process; a signal to npx reaches none of them, so the sandbox
// watches the whole chain of its ancestors and stops when any of them is gone (or replaced: a pid
// can be reused, so each is known by its start time too).
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";

interface Ancestor {
  pid: number;
  start: string | null;
}

function stat(pid: number): { ppid: number; start: string } | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 2, the command name, may hold spaces and parentheses: count from the last ")".
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { ppid: Number(fields[1]), start: fields[19]! };
  } catch {
    return null;
  }
}

function alive(a: Ancestor): boolean {
  try {
    process.kill(a.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  return a.start === null || stat(a.pid)?.start === a.start;
}

/** Every ancestor below init, nearest first; just the parent where there is no /proc. */
export function ancestors(): Ancestor[] {
  const chain: Ancestor[] = [];
  let pid = process.ppid;
  while (pid > 1 && chain.length < 64) {
    const s = stat(pid);
    chain.push({ pid, start: s?.start ?? null });
    if (!s) break;
    pid = s.ppid;
  }
  return chain;
}

/** Resolves with the pid of the first ancestor that is gone; `stop()` ends the watch. */
export function watchAncestors(everyMs = 500): { gone: Promise<number>; stop(): void } {
  const chain = ancestors();
  let timer: NodeJS.Timeout | undefined;
  const gone = new Promise<number>((resolve) => {
    timer = setInterval(() => {
      const lost = chain.find((a) => !alive(a));
      if (lost) {
        clearInterval(timer);
        resolve(lost.pid);
      }
    }, everyMs);
    timer.unref();
  });
  return { gone, stop: () => clearInterval(timer) };
}

/**
 * Removes `dir` once this process is gone, however it ends: a normal stop removes the folder itself,
 * but a runner that kills its task hard after forwarding Ctrl-C (or an OOM kill) leaves no chance to.
 * A detached shell in its own session outlives such a kill, waits for this pid, removes the folder
 * and ends.
 */
export function removeWhenGone(dir: string): void {
  const script = 'while kill -0 "$1" 2>/dev/null; do sleep 0.2; done; rm -rf -- "$2"';
  spawn("sh", ["-c", script, "release-kit-sandbox-reaper", String(process.pid), dir], {
    detached: true,
    stdio: "ignore",
  }).unref();
}
