// The review gate: one question, asked after everything local is ready and before anything leaves
// the machine. It never hangs: without a terminal and without --yes it refuses.
import { createInterface } from "node:readline/promises";

export interface GateAnswer {
  ok: boolean;
  /** Why the gate did not open, for the report. */
  reason: string;
}

export async function reviewGate(question: string, yes: boolean): Promise<GateAnswer> {
  if (yes) return { ok: true, reason: "--yes" };
  if (!process.stdin.isTTY) {
    return { ok: false, reason: "no terminal to answer the review gate, and --yes was not given" };
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = (await rl.question(`\n${question} [y/N] `)).trim().toLowerCase();
    return answer === "y" || answer === "yes" ? { ok: true, reason: "confirmed" } : { ok: false, reason: `answered "${answer || "no"}"` };
  } finally {
    rl.close();
  }
}
