// Builds what scripts/release-kit runs: each command bundled into one CommonJS file with every module
// it imports (the kit's and its dependencies'). One file instead of hundreds of modules is most of a
// command's start-up on a slow machine, and a CommonJS script is what V8's code cache can keep
// (scripts/start.cjs). What a command imports dynamically is still evaluated only when it is
// imported (--help evaluates no parser). npm ci runs this (the prepare script); the launcher uses
// the build only while the sources still match what it records.
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const kit = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(kit, "node_modules/.cache/release-kit");
const commands = ["preflight", "release", "verify", "recover", "rehearse", "sandbox"];

rmSync(join(out, "scripts"), { recursive: true, force: true });
await build({
  entryPoints: commands.map((command) => join(kit, "scripts", `${command}.mts`)),
  outdir: join(out, "scripts"),
  outExtension: { ".js": ".cjs" },
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  // import() becomes require(): a script run from V8's code cache loses its dynamic-import hook.
  supported: { "dynamic-import": false },
  // The one import.meta the kit reads (kit-root.ts) is the bundle's own location, as it was the chunk's.
  define: { "import.meta.url": "__kitModuleUrl" },
  // Strict, as the ES modules were: the banner comes before esbuild's own "use strict".
  banner: { js: '"use strict";\nconst __kitModuleUrl = require("node:url").pathToFileURL(__filename).href;' },
  logLevel: "warning",
});
