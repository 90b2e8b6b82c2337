// The target's mise.toml (or .mise.toml) [env]: where RELEASE_* settings may be committed.
import type { Problem } from "../settings.ts";
import { asTable, readToml } from "./toml.ts";

export function readMiseEnv(root: string, problems: Problem[]): { env: Record<string, unknown>; file: string } {
  for (const file of ["mise.toml", ".mise.toml"]) {
    const { data, problem } = readToml(root, file);
    if (problem) {
      problems.push(problem);
      return { env: {}, file };
    }
    if (data) return { env: asTable(data.env) ?? {}, file };
  }
  return { env: {}, file: "mise.toml" };
}
