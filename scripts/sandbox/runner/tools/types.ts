import type { JobRuntime } from "../runtime.ts";

/** One invocation of a stand-in CLI from a job's shell step. */
export interface ToolCall {
  rt: JobRuntime;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  stdin: string;
  out(line: string): void;
  err(line: string): void;
}

export type Tool = (call: ToolCall) => Promise<number>;
