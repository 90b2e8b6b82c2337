// Starts one of the kit's precompiled commands (node_modules/.cache/release-kit/scripts/<command>.cjs,
// made by build.mjs) with V8's code cache beside it. Compiling the bundle was a fifth of a command's
// CPU; with the cache, a run compiles only what earlier runs did not need. The cache is written at
// the exit of the first run that did real work (its functions compiled by then); V8 rejects a cache
// made from other source or by another V8, and that run writes a new one.
"use strict";
const { readFileSync, renameSync, rmSync, writeFileSync } = require("node:fs");
const { dirname } = require("node:path");
const Module = require("node:module");
const { Script } = require("node:vm");

const file = process.argv[2];
const cacheFile = `${file}.v8-cache`;
let cached;
try {
  cached = readFileSync(cacheFile);
} catch {
  cached = undefined;
}
// The bundle has no import() of its own (the build turns each into require): V8 does not keep a
// script's dynamic-import hook in its code cache.
const script = new Script(Module.wrap(readFileSync(file, "utf8")), { filename: file, cachedData: cached });
if (!cached || script.cachedDataRejected) {
  process.once("exit", (code) => {
    // A --help or a refused start compiles little: leave the cache to a run that does the work.
    if (code === 2 || process.argv.includes("--help")) return;
    const temp = `${cacheFile}.${process.pid}`;
    try {
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
