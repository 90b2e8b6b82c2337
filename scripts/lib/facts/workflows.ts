// The tag workflows as the tag's commit holds them: what its runs do and publish.
import { StartError } from "../cli.ts";
import type { Config } from "../config.ts";
import type { Runner } from "../run.ts";
import { readTagWorkflows, type TagWorkflows, WorkflowError } from "../workflow/index.ts";

/** The tag workflows as they are at the tag's commit: the files the runs used. */
export async function tagWorkflowsAt(r: Runner, config: Config, tag: string, commit: string): Promise<TagWorkflows> {
  const { owner, name } = config.repository;
  try {
    return await readTagWorkflows(r, config, commit, { owner, repository: `${owner}/${name}`, tag, sha: commit });
  } catch (error) {
    if (error instanceof WorkflowError) throw new StartError(`${error.message} (at ${tag})`, error.fix);
    throw error;
  }
}

/** No workflow read: what the facts hold when the tag's workflow is invalid. */
export const noWorkflows = (rev: string): TagWorkflows => ({
  rev,
  looked: [],
  chosenBy: "found",
  started: [],
  notStarted: [],
  images: [],
  artifacts: [],
  notVerified: [],
});
