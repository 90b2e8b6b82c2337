// The suite never writes into the kit's own tree: a probe file under scripts/ would make the
// launcher think its precompiled build is stale, and which code path a test exercises would then
// depend on the order the files ran in. Checked once around the whole run.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const KIT = fileURLToPath(new URL("..", import.meta.url));

function filesUnder(dir: string): Set<string> {
  const out = new Set<string>();
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else out.add(relative(KIT, path));
    }
  };
  walk(dir);
  return out;
}

/** Rebuilds the bundle the launcher runs when the sources changed since it was built (as after an
 * edit), so every test runs the commands as a user does after npm ci, never tsx's slower path. */
function buildIfStale(): void {
  const launcher = join(KIT, "scripts", "release-kit");
  const recorded = join(KIT, "node_modules", ".cache", "release-kit", "sources");
  let built = "";
  try {
    built = readFileSync(recorded, "utf8");
  } catch {}
  if (execFileSync(launcher, ["--sources"], { encoding: "utf8" }) === built) return;
  execFileSync("npm", ["run", "-s", "build"], { cwd: KIT, stdio: "inherit" });
}

export default function setup(): () => void {
  buildIfStale();
  const before = filesUnder(join(KIT, "scripts"));
  return () => {
    const added = [...filesUnder(join(KIT, "scripts"))].filter((f) => !before.has(f));
    if (added.length) throw new Error(`tests left files in the kit's tree: ${added.join(", ")}`);
  };
}
