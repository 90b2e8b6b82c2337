// The tag workflows of a repository: every workflow under .github/workflows (or those
// RELEASE_WORKFLOW names) that a push of the tag starts, read at one commit, and what each publishes
// (see docs/workflows.md). Light to import: the parsers load on the first read.
import type { Config } from "../config.ts";
import { showFile } from "../git.ts";
import type { Runner } from "../run.ts";
import { tagTriggers } from "./filters.ts";
import { type TagWorkflows, type Workflow, type WorkflowContext, WorkflowError } from "./types.ts";

export { describeFilters, filterPatternToRegExp, tagTriggers } from "./filters.ts";
export * from "./types.ts";

export const WORKFLOWS_DIR = ".github/workflows";

/** Workflow files at a revision, as GitHub finds them: .yml and .yaml files directly in .github/workflows. */
export async function workflowFiles(r: Runner, rev: string): Promise<string[]> {
  const out = await r.probe`git ls-tree --name-only --end-of-options ${rev} ${`${WORKFLOWS_DIR}/`}`;
  if (out.exitCode !== 0) return [];
  return out.stdout
    .split("\n")
    .map((l) => l.trim())
    .filter((p) => /\.ya?ml$/.test(p))
    .sort();
}

/** Reads one workflow file's text: what it publishes for this push. Throws WorkflowError when GitHub would refuse it. */
export async function parseWorkflow(
  text: string,
  path: string,
  ctx: WorkflowContext,
  readFile: (path: string) => Promise<string | null> = async () => null,
): Promise<Workflow> {
  const [{ checkWorkflow }, { readWorkflow }] = await Promise.all([import("./parse.ts"), import("./read.ts")]);
  return readWorkflow(await checkWorkflow(text, path), ctx, readFile);
}

/**
 * Every workflow a push of `ctx.tag` starts, read at `rev`. A file that GitHub would refuse is a
 * WorkflowError, unless what can be read of its `on:` shows the tag does not start it.
 */
export async function readTagWorkflows(
  r: Runner,
  config: Pick<Config, "workflowPaths">,
  rev: string,
  ctx: WorkflowContext,
): Promise<TagWorkflows> {
  const chosenBy = config.workflowPaths ? "setting" : "found";
  const looked = config.workflowPaths ?? (await workflowFiles(r, rev));
  const result: TagWorkflows = {
    rev,
    looked,
    chosenBy,
    started: [],
    notStarted: [],
    images: [],
    artifacts: [],
    notVerified: [],
  };
  if (!looked.length) return result;
  const [{ checkWorkflow }, { readWorkflow, withIds }] = await Promise.all([import("./parse.ts"), import("./read.ts")]);
  const readFile = (path: string) => showFile(r, rev, path);
  for (const path of looked) {
    const text = await readFile(path);
    if (text === null) {
      result.notStarted.push({ path, filters: null });
      continue;
    }
    const checked = await checkWorkflow(text, path, (filters) => tagTriggers(filters, ctx.tag));
    if (!tagTriggers(checked.filters, ctx.tag)) {
      result.notStarted.push({ path, filters: checked.filters });
      continue;
    }
    result.started.push(await readWorkflow(checked, ctx, readFile));
  }
  result.images = withIds(result.started.flatMap((w) => w.images));
  result.artifacts = result.started.flatMap((w) => w.artifacts);
  result.notVerified = result.started.flatMap((w) => w.notVerified);
  return result;
}

/** The files looked at, for messages: "release.yml, ci.yml" (or "no file under .github/workflows"). */
export function describeLooked(found: Pick<TagWorkflows, "looked" | "chosenBy">): string {
  if (!found.looked.length) return `no workflow file under ${WORKFLOWS_DIR}`;
  const names = found.looked.join(", ");
  return found.chosenBy === "setting" ? `${names} (RELEASE_WORKFLOW)` : names;
}

/** One not-verified item as a sentence. */
export function describeNotVerified(item: {
  workflow: string;
  job: string;
  step: string;
  what: string;
  why: string;
}): string {
  return `${item.workflow}, job ${item.job}, step "${item.step}": ${item.what} is not verified: ${item.why}`;
}

export { WorkflowError };
