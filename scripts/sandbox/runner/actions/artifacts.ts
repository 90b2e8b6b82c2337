// actions/upload-artifact and actions/download-artifact (v4): files kept by name for the run, so a
// later job can download what an earlier one built. Paths are globs under the workspace; an
// artifact keeps them relative to their least common folder, as the README describes.
import { cpSync, existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import picomatch from "picomatch";
import { type Action, ActionFailure, type ActionResult, booleanInput, input } from "./types.ts";

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  if (statSync(dir).isFile()) return [dir];
  return readdirSync(dir)
    .sort()
    .flatMap((name) => (name === ".git" ? [] : walk(join(dir, name))));
}

function commonFolder(paths: string[]): string {
  let common = dirname(paths[0]!);
  for (const p of paths) while (!p.startsWith(common + sep) && common !== dirname(common)) common = dirname(common);
  return common;
}

export function artifactActions(): { upload: Action; download: Action } {
  const upload: Action = async (call): Promise<ActionResult> => {
    const store = () => call.rt.artifacts;
    const name = input(call, "name", "artifact");
    // "Supports basic tilde expansion" (the actions' READMEs).
    const lines = (call.inputs.path ?? "")
      .split(/\r?\n/)
      .map((l) => l.trim().replace(/^~(?=\/|$)/, call.rt.home))
      .filter(Boolean);
    const include = lines.filter((l) => !l.startsWith("!"));
    const exclude = lines.filter((l) => l.startsWith("!")).map((l) => resolve(call.rt.workspace, l.slice(1)));
    const files = new Set<string>();
    for (const pattern of include) {
      const full = resolve(call.rt.workspace, pattern);
      if (!call.rt.inside(full)) throw new ActionFailure(`${pattern} is outside the runner's folders`);
      if (!/[*?[]/.test(pattern)) for (const f of walk(full)) files.add(f);
      else {
        const base = full.slice(0, full.search(/[*?[]/)).replace(/[^/]*$/, "");
        const isMatch = picomatch(full, { dot: false });
        for (const f of walk(base)) if (isMatch(f)) files.add(f);
      }
    }
    const excluded = exclude.length ? picomatch(exclude) : () => false;
    const kept = [...files].filter((f) => !excluded(f));
    if (kept.length === 0) {
      const mode = input(call, "if-no-files-found", "warn");
      if (mode === "error")
        throw new ActionFailure(
          `No files were found with the provided path: ${lines.join(", ")}. No artifacts will be uploaded.`,
        );
      call.log(`No files were found with the provided path: ${lines.join(", ")}. No artifacts will be uploaded.`);
      return { outputs: {} };
    }
    const root = kept.length === 1 ? dirname(kept[0]!) : commonFolder(kept);
    const dest = join(store(), name);
    if (existsSync(dest) && !booleanInput(call, "overwrite", false))
      throw new ActionFailure(
        `Failed to CreateArtifact: an artifact with this name already exists on the workflow run`,
      );
    for (const f of kept) {
      const to = join(dest, relative(root, f));
      mkdirSync(dirname(to), { recursive: true });
      cpSync(f, to);
    }
    return {
      outputs: {
        "artifact-id": String(kept.length),
        "artifact-url": `${call.github.server_url}/${call.github.repository}/actions/runs/${call.github.run_id}/artifacts`,
      },
    };
  };
  const download: Action = async (call) => {
    const store = () => call.rt.artifacts;
    const name = input(call, "name");
    const pattern = input(call, "pattern");
    const merge = booleanInput(call, "merge-multiple", false);
    const path = resolve(call.rt.workspace, input(call, "path", ".").replace(/^~(?=\/|$)/, call.rt.home));
    if (!call.rt.inside(path)) throw new ActionFailure(`${path} is outside the runner's folders`);
    const available = existsSync(store()) ? readdirSync(store()).sort() : [];
    if (name) {
      if (!available.includes(name))
        throw new ActionFailure(`Unable to download artifact(s): Artifact not found for name: ${name}`);
      cpSync(join(store(), name), path, { recursive: true });
    } else {
      const isMatch = pattern ? picomatch(pattern) : () => true;
      for (const a of available.filter((n) => isMatch(n)))
        cpSync(join(store(), a), merge ? path : join(path, a), { recursive: true });
    }
    return { outputs: { "download-path": path } };
  };
  return { upload, download };
}
