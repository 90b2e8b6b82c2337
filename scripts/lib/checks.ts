// Runs a list of checks at once. A check that needs another's result waits for that one only, and
// its time (`ms`) counts from when it could start, so the report shows real costs.
import type { CheckResult, CheckStatus } from "./output.ts";

export interface Outcome<D = unknown> {
  status: CheckStatus;
  detail: string;
  fix?: string;
  /** Passed to the checks that need this one. */
  data?: D;
}

export interface Check<C> {
  id: string;
  needs?: string[];
  run(ctx: C, results: Record<string, Outcome>): Promise<Outcome>;
}

export const pass = <D>(detail: string, data?: D): Outcome<D> => ({ status: "pass", detail, data });
export const fail = <D>(detail: string, fix: string, data?: D): Outcome<D> => ({ status: "fail", detail, fix, data });
export const warn = <D>(detail: string, fix: string, data?: D): Outcome<D> => ({ status: "warn", detail, fix, data });
export const skip = <D>(detail: string, data?: D): Outcome<D> => ({ status: "skip", detail, data });

export async function runChecks<C>(
  ctx: C,
  checks: Check<C>[],
): Promise<{ results: CheckResult[]; outcomes: Record<string, Outcome> }> {
  const byId = new Map(checks.map((c) => [c.id, c]));
  const running = new Map<string, Promise<{ outcome: Outcome; ms: number }>>();
  const start = (check: Check<C>): Promise<{ outcome: Outcome; ms: number }> => {
    const existing = running.get(check.id);
    if (existing) return existing;
    const promise = (async () => {
      const deps: Record<string, Outcome> = {};
      for (const id of check.needs ?? []) {
        const dep = byId.get(id);
        if (dep) deps[id] = (await start(dep)).outcome;
      }
      const began = performance.now();
      let outcome: Outcome;
      try {
        outcome = await check.run(ctx, deps);
      } catch (error) {
        outcome = fail(
          `the check itself failed: ${(error as Error).message ?? String(error)}`,
          "this is a release-kit bug or an unexpected answer; run with RELEASE_KIT_DEBUG=1 and report it",
        );
        if (process.env.RELEASE_KIT_DEBUG) console.error(error);
      }
      return { outcome, ms: Math.round(performance.now() - began) };
    })();
    running.set(check.id, promise);
    return promise;
  };
  const settled = await Promise.all(checks.map(start));
  const outcomes: Record<string, Outcome> = {};
  const results = checks.map((check, i) => {
    const { outcome, ms } = settled[i]!;
    outcomes[check.id] = outcome;
    return { id: check.id, status: outcome.status, detail: outcome.detail, fix: outcome.fix ?? "", ms };
  });
  return { results, outcomes };
}
