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

export interface StepRecord {
  name: StepName;
  status: "done" | "skipped" | "failed" | "planned";
  detail: string;
  ms: number;
}

/** A step's way of saying it did not run, and why. */
export class Skipped {
  status: "skipped" | "planned";
  detail: string;
  constructor(status: "skipped" | "planned", detail: string) {
    this.status = status;
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
  constructor(titles: Record<StepName, string>) {
    this.titles = titles;
  }

  /** Runs one step unless an earlier one failed; returns whether the release may go on. */
  async step(name: StepName, body: () => Promise<string | Skipped>): Promise<boolean> {
    if (this.failed) {
      this.steps.push({ name, status: "planned", detail: "not run: an earlier step failed", ms: 0 });
      return false;
    }
    say.step(`${RELEASE_STEPS.indexOf(name) + 1}/${RELEASE_STEPS.length} ${this.titles[name]}`);
    const began = performance.now();
    try {
      const outcome = await body();
      const ms = Math.round(performance.now() - began);
      if (outcome instanceof Skipped) {
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
