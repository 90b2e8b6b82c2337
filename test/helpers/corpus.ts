// The real-world corpus (test/realworld/) as the suites that read it see it: its extracts, and a
// rebuilt extract made ready to build, as the real repository would be.
import { mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { rebuildRepository } from "../realworld/rebuild.ts";
import { commitAll } from "./sandbox.ts";

export const CORPUS = fileURLToPath(new URL("../realworld", import.meta.url));

/** Every extract's name, sorted: one folder each. */
export const extracts = readdirSync(CORPUS)
  .filter((name) => statSync(join(CORPUS, name)).isDirectory())
  .sort();

/** Writes a stub Dockerfile at each path: the extracts hold no source code, the real repository has its own. */
export function stubDockerfiles(repo: string, files: string[]): void {
  for (const file of files) {
    mkdirSync(dirname(join(repo, file)), { recursive: true });
    writeFileSync(join(repo, file), "FROM scratch\nCOPY . /\n");
  }
}

/** The extract `name` rebuilt at `path`, with its images' stub Dockerfiles committed on top. */
export async function buildableExtract(name: string, path: string, dockerfiles: string[]): Promise<string> {
  const repo = rebuildRepository(join(CORPUS, name), path).path;
  stubDockerfiles(repo, dockerfiles);
  await commitAll(repo, "build: the images' Dockerfiles");
  return repo;
}
