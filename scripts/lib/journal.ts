// What the world cannot tell about a release in progress: the version chosen, the commit it
// started from, ids and URLs. Kept in .git/release-kit/<tag>.json, never committed.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { redactDeep } from "./redact.ts";
import type { Runner } from "./run.ts";

export interface Journal {
  tag: string;
  version: string;
  /** The commit HEAD was on before cog's release commit. */
  base: string;
  started: string;
  releaseId?: number;
  releaseUrl?: string;
}

const dirOf = (gitDir: string) => join(gitDir, "release-kit");
const fileOf = (gitDir: string, tag: string) => join(dirOf(gitDir), `${encodeURIComponent(tag)}.json`);

export function readJournal(gitDir: string, tag: string): Journal | null {
  const path = fileOf(gitDir, tag);
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Journal;
  } catch {
    return null;
  }
}

/** Written through the runner's gate: a dry run keeps no journal. */
export async function writeJournal(r: Runner, gitDir: string, journal: Journal): Promise<void> {
  await r.writeFile(fileOf(gitDir, journal.tag), `${JSON.stringify(redactDeep(journal), null, 2)}\n`);
}

export function journaledTags(gitDir: string): string[] {
  if (!existsSync(dirOf(gitDir))) return [];
  return readdirSync(dirOf(gitDir))
    .filter((f) => f.endsWith(".json"))
    .map((f) => decodeURIComponent(f.slice(0, -5)));
}

/** Forgets a release: its journal goes once the release is complete or abandoned. */
export async function removeJournal(r: Runner, gitDir: string, tag: string): Promise<void> {
  await r.removeFile(fileOf(gitDir, tag));
}
