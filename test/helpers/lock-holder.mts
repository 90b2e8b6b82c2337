// A process that asks for the release lock at an agreed instant and says what happened: several of
// these together are the closest a test gets to two maintainers pressing Enter at once. Files in
// the shared folder are the handshake, so a slow machine changes the timing, not the outcome.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { acquireLock } from "../../scripts/lib/lock.ts";

const [gitDir, meeting] = process.argv.slice(2);
const nap = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
const waitFor = (name: string) => {
  while (!existsSync(join(meeting, name))) nap(2);
};

writeFileSync(join(meeting, `ready-${process.pid}`), "");
waitFor("go");
const startAt = Number(readFileSync(join(meeting, "go"), "utf8"));
while (Date.now() < startAt) {
  // spin for the last moment: a timer would wake each process at a different time
}
try {
  const lock = acquireLock(gitDir, "release", (text) => console.log(`warned ${text}`));
  console.log("got");
  writeFileSync(join(meeting, `tried-${process.pid}`), "");
  waitFor("let-go");
  lock.release();
} catch (error) {
  console.log(`refused ${(error as Error).message}`);
  writeFileSync(join(meeting, `tried-${process.pid}`), "");
}
