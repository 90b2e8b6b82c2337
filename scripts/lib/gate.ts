// The review gate: one question, asked after everything local is ready and before anything leaves
// the machine. It never hangs: without a terminal and without --yes it refuses.
import { createInterface } from "node:readline/promises";
import { inActions } from "./actions.ts";

export interface GateAnswer {
  ok: boolean;
  /** Why the gate did not open, for the report. */
  reason: string;
}

export async function reviewGate(question: string, yes: boolean): Promise<GateAnswer> {
  if (yes) return { ok: true, reason: "--yes" };
  // A GitHub Actions run has no one to answer, whatever its stdin is.
  if (inActions())
    return {
      ok: false,
      reason: "in GitHub Actions there is no one to answer the review gate, and --yes was not given",
    };
  if (!process.stdin.isTTY) {
    return { ok: false, reason: "no terminal to answer the review gate, and --yes was not given" };
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  // Ctrl-D or Ctrl-C closes the input, and a question whose input closed never gets its answer:
  // that is a no.
  const closed = new Promise<null>((resolve) => rl.once("close", () => resolve(null)));
  try {
    const said = await Promise.race([rl.question(`\n${question} [y/N] `), closed]);
    if (said === null) return { ok: false, reason: "the terminal's input closed before an answer" };
    const answer = said.trim().toLowerCase();
    return answer === "y" || answer === "yes"
      ? { ok: true, reason: "confirmed" }
      : { ok: false, reason: `answered "${answer || "no"}"` };
  } finally {
    rl.close();
  }
}
