// cliff.toml: where git-cliff writes, and which tags it counts as releases.
import type { Problem } from "../settings.ts";
import { asTable, readToml } from "./toml.ts";

export interface CliffSettings {
  /** `[changelog] output`: set, every git-cliff run without -o overwrites that file. */
  output: string | null;
  /** `[git] tag_pattern`: which tags git-cliff counts as releases. */
  tagPattern: string | null;
}

export function readCliff(root: string, problems: Problem[]): CliffSettings | null {
  const { data, problem } = readToml(root, "cliff.toml");
  if (problem) problems.push(problem);
  if (!data) return null;
  const output = asTable(data.changelog)?.output;
  const pattern = asTable(data.git)?.tag_pattern;
  return {
    output: typeof output === "string" ? output : null,
    tagPattern: typeof pattern === "string" ? pattern : null,
  };
}
