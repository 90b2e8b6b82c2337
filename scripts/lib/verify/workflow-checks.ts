// "let the tag-triggered GitHub Actions workflow build, attest, and publish images": the push run
// of each workflow the tag starts, for the tag's commit, waited for with conditional requests (--wait), so
// an unchanged poll costs a 304 and no rate limit.

import { basename } from "node:path";
import { type Check, fail, pass, skip, warn } from "../checks.ts";
import { failedJobs, findRun, waitForRun } from "../facts/index.ts";
import { describeApiError } from "../github.ts";
import { kitCommand } from "../hint.ts";
import { describeFilters, describeLooked, type TagWorkflows, type Workflow } from "../workflow/index.ts";
import type { VerifyContext } from "./context.ts";

/** Why there is no run to check: no workflow file, or none this tag starts. */
export function noTagWorkflow(found: TagWorkflows, tag: string): string {
  if (found.chosenBy === "setting" && found.notStarted.every((w) => w.filters === null))
    return `no ${found.looked.join(", ")} at ${tag}: nothing was meant to run`;
  return `no workflow starts on ${tag} (looked at ${describeLooked(found)})`;
}

/** The id of a workflow's run check: `workflow` when one workflow starts, `workflow:<file>` when several do. */
export function workflowCheckId(found: TagWorkflows, path: string): string {
  return found.started.length > 1 ? `workflow:${basename(path)}` : "workflow";
}

/** One check per workflow the tag started: its push run for the tag's commit completed with success. */
export function workflowChecks(found: TagWorkflows): Check<VerifyContext>[] {
  if (!found.started.length) {
    return [
      {
        id: "workflow",
        async run({ tag }) {
          // A workflow the maintainer named, there but not started by this tag: the push published nothing.
          const named = found.chosenBy === "setting" ? found.notStarted.filter((w) => w.filters) : [];
          if (named.length) {
            return fail(
              `${tag} does not match the tag filters of ${named.map((w) => `${w.path} (${describeFilters(w.filters!)})`).join(", ")}: no run was started`,
              "make the workflow's on.push.tags match cog's tags (see preflight's tag-triggers), then release the next version",
            );
          }
          return skip(noTagWorkflow(found, tag));
        },
      },
    ];
  }
  return found.started.map((workflow) => runCheck(workflowCheckId(found, workflow.path), workflow));
}

function runCheck(id: string, workflow: Workflow): Check<VerifyContext> {
  return {
    id,
    async run({ gh, config, tag, commit, waitSeconds, receipt }) {
      try {
        const run =
          waitSeconds === null
            ? await findRun(gh, workflow.path, tag, commit)
            : await waitForRun(gh, workflow.path, tag, commit, waitSeconds, config.pollSeconds);
        if (!run) {
          return fail(
            `no push run of ${workflow.path} for ${tag} at ${commit.slice(0, 7)}${waitSeconds === null ? "" : ` after waiting ${waitSeconds} s`}`,
            `check that the tag was pushed (not created by a GITHUB_TOKEN push) and that Actions is enabled; ${kitCommand("release:recover")} diagnoses it`,
          );
        }
        receipt.runs.push({ workflow: workflow.path, run_id: run.id });
        receipt.run_id ??= run.id;
        if (run.status !== "completed") {
          return fail(
            `run ${run.id} is ${run.status}${waitSeconds === null ? "" : ` after waiting ${waitSeconds} s`}: ${run.url}`,
            waitSeconds === null
              ? `wait for it: ${kitCommand("release:verify", ["--tag", tag, "--wait"])}`
              : `wait longer (${kitCommand("release:verify", ["--tag", tag, "--wait=SECONDS"])}) or look at the run`,
          );
        }
        if (run.conclusion === "success")
          return pass(`run ${run.id} (attempt ${run.attempt}) succeeded: ${run.url}`, run);
        const jobs = await failedJobs(gh, run.id);
        return fail(
          `run ${run.id} (attempt ${run.attempt}) ended ${run.conclusion}: ${jobs.map((j) => `${j.name} ${j.conclusion} ${j.url}`).join(", ") || run.url}`,
          `fix the cause, then re-run the failed jobs for the same tag: ${kitCommand("release:recover", ["--tag", tag, "--apply"])}`,
          run,
        );
      } catch (error) {
        const { message, fix } = describeApiError(error, `reading runs of ${workflow.path}`);
        return fail(message, fix);
      }
    },
  };
}

/** A warn row for each publishing step the reader could not read: never a pass over it. */
export function notVerifiedChecks(found: TagWorkflows): Check<VerifyContext>[] {
  const seen = new Map<string, number>();
  return found.notVerified.map((item) => {
    const base = `not-verified:${basename(item.workflow)}/${item.job}/${item.step}`;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    const id = n > 1 ? `${base}#${n}` : base;
    return {
      id,
      async run() {
        return warn(
          `${item.what} is not verified: ${item.why}`,
          "check it by hand once the run is done, or write the step so release-kit can read it (docs/workflows.md says what it reads)",
          item,
        );
      },
    };
  });
}
