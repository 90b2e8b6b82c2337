// Bookkeeping for `mise run release`: each runbook step is announced, timed and recorded for the
// JSON report; a step already done in the world is skipped with a line saying so; after a failure
// the remaining steps are not run.
import { kitCommand } from "../hint.ts";
import { bold, dim, red, say, write, writeProse } from "../output.ts";

export const RELEASE_STEPS = [
  "preflight",
  "version",
  "bump",
  "check-commit",
  "review",
  "push",
  "confirm-tag",
  "github-release",
] as const;
export type StepName = (typeof RELEASE_STEPS)[number];

/** Each step's heading: what it does, and the runbook step it carries out. */
export const STEP_TITLES: Record<StepName, string> = {
  preflight: "preflight: every check at once (runbook: Release Preflight; step 1, update main locally)",
  version: "version: cog's next version, or --version/--bump/--pre (runbook: What mise run release Does, 1)",
  bump: "bump: cog bump --skip-untracked, its pre-bump hooks write CHANGELOG.md and the versions (runbook: What mise run release Does, 1, 2 and 4)",
  "check-commit": "check-commit: the release commit holds the changelog section and the versions",
  review: "review: the gate (runbook: step 3, review the generated version changes and CHANGELOG.md)",
  push: "push: git push --atomic, the release commit and its tag together (runbook: step 5)",
  "confirm-tag": "confirm-tag: GitHub shows the tag at the release commit",
  "github-release": "github-release: the GitHub release for the new tag (runbook: step 4, after the push)",
};

export interface StepRecord {
  name: StepName;
  status: "done" | "skipped" | "failed" | "planned";
  detail: string;
  ms: number;
}

/** A step's way of saying it did not run because the world shows it done already, and how. */
export class Skipped {
  readonly status = "skipped";
  readonly detail: string;
  constructor(detail: string) {
    this.detail = detail;
  }
}

/** A dry run's way of saying what a step would do, without doing it. */
export class Planned {
  readonly status = "planned";
  readonly detail: string;
  constructor(detail: string) {
    this.detail = detail;
  }
}

/** A step that failed: what went wrong, and what to run next. */
export class StepFailed extends Error {
  fix: string;
  constructor(message: string, fix: string) {
    super(message);
    this.fix = fix;
  }
}

export class ReleaseRun {
  steps: StepRecord[] = [];
  failed: StepFailed | null = null;

  private titles: Record<StepName, string>;
  constructor(titles: Record<StepName, string> = STEP_TITLES) {
    this.titles = titles;
  }

  /** Runs one step unless an earlier one failed; returns whether the release may go on. */
  async step(name: StepName, body: () => Promise<string | Skipped | Planned>): Promise<boolean> {
    if (this.failed) {
      this.steps.push({ name, status: "planned", detail: "not run: an earlier step failed", ms: 0 });
      return false;
    }
    say.step(`${RELEASE_STEPS.indexOf(name) + 1}/${RELEASE_STEPS.length} ${this.titles[name]}`);
    const began = performance.now();
    try {
      const outcome = await body();
      const ms = Math.round(performance.now() - began);
      if (outcome instanceof Skipped || outcome instanceof Planned) {
        this.steps.push({ name, status: outcome.status, detail: outcome.detail, ms });
        say.info(dim(`${outcome.status}: ${outcome.detail}`));
      } else {
        this.steps.push({ name, status: "done", detail: outcome, ms });
        say.ok(outcome);
      }
    } catch (error) {
      const failure =
        error instanceof StepFailed
          ? error
          : new StepFailed(
              (error as Error).message ?? String(error),
              `${kitCommand("release:recover")} says what state the release is in and what to do next`,
            );
      this.failed = failure;
      this.steps.push({ name, status: "failed", detail: failure.message, ms: Math.round(performance.now() - began) });
      say.fail(failure.message);
      writeProse(bold("what to do:"), failure.fix);
      return false;
    }
    // A seam for the fault matrix: stop dead right after a step, as a killed process would.
    if (process.env.RELEASE_KIT_KILL_AFTER === name) process.kill(process.pid, "SIGKILL");
    return true;
  }

  get ok(): boolean {
    return !this.failed;
  }

  summary(verdict: string): void {
    write();
    write(this.failed ? `${red("✖")} ${bold(verdict)}` : bold(verdict));
  }
}
