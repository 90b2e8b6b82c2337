// Builds what scripts/release-kit runs: each command bundled with every module it imports (the kit's
// and its dependencies'), split so what a command loads lazily stays lazy (--help loads no parser).
// One file per command instead of hundreds of modules is most of a command's start-up on a slow
// machine. npm ci runs this (the prepare script); the launcher uses the build only while the
// sources still match what it records.
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
  outExtension: { ".js": ".mjs" },
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // Bundled CommonJS dependencies still call require() for Node's own modules.
  banner: {
    js: 'import { createRequire as kitRequire } from "node:module"; const require = kitRequire(import.meta.url);',
  },
  logLevel: "warning",
});
