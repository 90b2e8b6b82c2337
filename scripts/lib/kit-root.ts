// Where the kit is checked out, found from any module: the sources run in place under tsx, and the
// same modules run precompiled from node_modules/.cache, so paths are taken from the kit's root,
// never from a module's own location.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

function find(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === "release-kit"
    )
      return dir;
    if (dirname(dir) === dir) throw new Error(`cannot find release-kit's package.json above ${from}`);
  }
}

export const KIT_ROOT = find(dirname(fileURLToPath(import.meta.url)));
export const TSX_LOADER = join(KIT_ROOT, "node_modules", "tsx", "dist", "esm", "index.mjs");
