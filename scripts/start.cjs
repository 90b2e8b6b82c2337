// Starts one of the kit's precompiled commands (node_modules/.cache/release-kit/scripts/<command>.cjs,
// made by build.mjs) with V8's code cache beside it. Compiling the bundle was a sixth of a
// preflight's CPU; with the cache, a run compiles only what the run that wrote it did not need.
"use strict";
const { accessSync, constants, readFileSync, renameSync, rmSync, statSync, writeFileSync } = require("node:fs");
const { dirname } = require("node:path");
const Module = require("node:module");
const { Script } = require("node:vm");

const file = process.argv[2];
// V8 checks a cache against its source's length only: the name carries the bundle's identity, so a
// cache never meets another build of the same length (a build replaces the folder and its caches).
const identity = (info) => `${info.size}-${info.mtimeMs}-${info.ino}`;
const built = identity(statSync(file));
const cacheFile = `${file}.${built}.v8-cache`;
let cached;
try {
  cached = readFileSync(cacheFile);
} catch {
  cached = undefined;
}
const script = new Script(Module.wrap(readFileSync(file, "utf8")), { filename: file, cachedData: cached });
if ((!cached || script.cachedDataRejected) && worthWriting()) {
  process.once("exit", (code) => {
    // Written at exit, when what the run needed is compiled: only by a run whose work began and
    // was not refused at its start (--help, bad flags, no repository compile little), and only for
    // the bundle it ran.
    if (code === 2 || !globalThis[Symbol.for("release-kit.work-began")]) return;
    const temp = `${cacheFile}.${process.pid}`;
    try {
      if (identity(statSync(file)) !== built) return;
      writeFileSync(temp, script.createCachedData());
      renameSync(temp, cacheFile);
    } catch {
      rmSync(temp, { force: true });
    }
  });
}
const main = new Module(file, null);
main.filename = file;
main.paths = Module._nodeModulePaths(dirname(file));
// The command sees itself as argv[1] and its flags from argv[2], as when node runs it directly.
process.argv.splice(1, 1);
script.runInThisContext().call(main.exports, main.exports, Module.createRequire(file), main, file, dirname(file));

/** Making a cache costs about a third of a second: not where it cannot be kept, nor in an Actions
 *  job, whose install lives for that job alone. */
function worthWriting() {
  if (process.env.GITHUB_ACTIONS === "true") return false;
  try {
    accessSync(dirname(file), constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
