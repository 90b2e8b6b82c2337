// Folders that take many processes to build and depend only on their inputs (the example
// repository): built once per distinct input, kept in the OS temp folder and shared by every process
// on the machine, so each test file copies one instead of building it again. An entry is published
// by an atomic rename, so a reader sees a whole entry or none; the key hashes every input (the
// generator's own sources included), so a changed generator never reads an old entry. Entries
// unused for a week are removed.
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

const UNUSED_MS = 7 * 24 * 3600 * 1000;
const ABANDONED_MS = 3600 * 1000;

export interface Built<T> {
  /** The built folder: copy it, never change it. */
  dir: string;
  /** What the build returned. */
  meta: T;
}

let swept = false;

function cacheRoot(name: string): string {
  const who = process.getuid?.() ?? "user";
  return path.join(tmpdir(), `release-kit-${name}-cache-${who}`);
}

/** Removes entries nobody used for a week and half-built ones a crashed process left. */
async function sweep(root: string): Promise<void> {
  if (swept) return;
  swept = true;
  const now = Date.now();
  for (const entry of await readdir(root).catch(() => [])) {
    const at = path.join(root, entry);
    const info = await stat(at).catch(() => null);
    // A scratch folder's name has a dot (entry.pid.random); a published entry's has none.
    const limit = entry.includes(".") ? ABANDONED_MS : UNUSED_MS;
    if (info && now - info.mtimeMs > limit) await rm(at, { recursive: true, force: true });
  }
}

async function readEntry<T>(entry: string): Promise<Built<T> | null> {
  try {
    const meta = JSON.parse(await readFile(path.join(entry, "meta.json"), "utf8")) as T;
    const now = new Date();
    await utimes(entry, now, now); // used: not swept
    return { dir: path.join(entry, "content"), meta };
  } catch {
    return null;
  }
}

/**
 * The folder `build` makes for `inputs` (anything JSON-serializable, and every file whose contents
 * the result depends on), built here unless another process already did.
 */
export async function sharedBuild<T>(
  name: string,
  inputs: { key: unknown; files: string[] },
  build: (dir: string) => Promise<T>,
): Promise<Built<T>> {
  const hash = createHash("sha256").update(JSON.stringify(inputs.key));
  for (const file of inputs.files) hash.update(existsSync(file) ? await readFile(file) : `missing ${file}`);
  const root = cacheRoot(name);
  await mkdir(root, { recursive: true });
  await sweep(root);
  const entry = path.join(root, hash.digest("hex").slice(0, 32));
  const found = await readEntry<T>(entry);
  if (found) return found;
  const scratch = `${entry}.${process.pid}.${randomBytes(4).toString("hex")}`;
  try {
    const meta = await build(path.join(scratch, "content"));
    await writeFile(path.join(scratch, "meta.json"), JSON.stringify(meta));
    await rename(scratch, entry).catch(async (error: NodeJS.ErrnoException) => {
      // Another process published the same entry first: same inputs, same folder.
      if (error.code !== "ENOTEMPTY" && error.code !== "EEXIST") throw error;
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  const built = await readEntry<T>(entry);
  if (!built) throw new Error(`sandbox: the build cache entry ${entry} vanished as it was made`);
  return built;
}
