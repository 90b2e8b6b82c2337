// strategy.matrix as GitHub expands it: the product of the vectors in key order (the first key
// varies slowest), `exclude` removing combinations it matches, then each `include` entry merged
// into every combination whose original values it does not change, or added as its own
// combination when it fits none. The job's name shows a combination's values in parentheses.
import { asString, type Json } from "./expressions.ts";

export type Combination = Record<string, Json>;

export class MatrixError extends Error {}

const isObject = (v: Json): v is Record<string, Json> => typeof v === "object" && v !== null && !Array.isArray(v);
const same = (a: Json, b: Json) => JSON.stringify(a) === JSON.stringify(b);

/** The combinations of an evaluated matrix; [] means a job without a matrix (one run, empty `matrix`). */
export function expandMatrix(matrix: Json): Combination[] {
  if (matrix === null || matrix === undefined) return [];
  if (!isObject(matrix)) throw new MatrixError("Unexpected value for strategy.matrix: it must be a mapping");
  const keys = Object.keys(matrix).filter((k) => k !== "include" && k !== "exclude");
  let combos: Combination[] = [{}];
  for (const key of keys) {
    const vector = matrix[key];
    if (!Array.isArray(vector)) throw new MatrixError(`Matrix vector '${key}' must be a list`);
    if (vector.length === 0) throw new MatrixError(`Matrix vector '${key}' does not contain any values`);
    combos = combos.flatMap((c) => vector.map((v) => ({ ...c, [key]: v })));
  }
  if (keys.length === 0) combos = [];
  const exclude = matrix.exclude ?? [];
  if (!Array.isArray(exclude)) throw new MatrixError("strategy.matrix.exclude must be a list");
  combos = combos.filter(
    (c) => !exclude.some((e) => isObject(e) && Object.entries(e).every(([k, v]) => k in c && same(c[k]!, v))),
  );
  const include = matrix.include ?? [];
  if (!Array.isArray(include)) throw new MatrixError("strategy.matrix.include must be a list");
  const original = combos.length;
  for (const entry of include) {
    if (!isObject(entry)) throw new MatrixError("each strategy.matrix.include entry must be a mapping");
    let fitted = false;
    for (let i = 0; i < original; i++) {
      const c = combos[i]!;
      if (Object.entries(entry).every(([k, v]) => !keys.includes(k) || same(c[k]!, v))) {
        for (const [k, v] of Object.entries(entry)) if (!keys.includes(k)) c[k] = v;
        fitted = true;
      }
    }
    if (!fitted) combos.push({ ...entry });
  }
  if (combos.length === 0) throw new MatrixError("Matrix must define at least one vector");
  if (combos.length > 256) throw new MatrixError(`Strategy produced more than 256 jobs (${combos.length})`);
  return combos;
}

/** How GitHub shows a combination after the job's name: "(linux/amd64, 1.2)". */
export function combinationLabel(combo: Combination): string {
  const parts = Object.values(combo)
    .filter((v) => v !== null && v !== "")
    .map((v) => (typeof v === "object" ? JSON.stringify(v) : asString(v)));
  return parts.length ? `(${parts.join(", ")})` : "";
}
