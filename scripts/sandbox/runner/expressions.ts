// `${{ }}` expressions, evaluated by GitHub's own evaluator (@actions/expressions) with the contexts
// a job has at that point, plus the functions the runner adds: the status functions and hashFiles.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { data, Evaluator, Lexer, Parser } from "@actions/expressions";
import type { FunctionDefinition } from "@actions/expressions/funcs/info";
import { truthy } from "@actions/expressions/result";
import picomatch from "picomatch";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface StatusFunctions {
  success(): boolean;
  failure(): boolean;
  cancelled(): boolean;
}

export interface Scope {
  /** The contexts available where the expression is written; any other name is an error, as on GitHub. */
  contexts: Record<string, Json>;
  status?: StatusFunctions;
  /** For hashFiles(); absent where GitHub has no workspace yet. */
  workspace?: string;
}

export class ExpressionFailure extends Error {}

const toData = (value: Json): data.ExpressionData =>
  JSON.parse(JSON.stringify(value ?? null), data.reviver) as data.ExpressionData;
const fromData = (value: data.ExpressionData): Json =>
  JSON.parse(JSON.stringify(value, data.replacer) ?? "null") as Json;

function statusFunctions(scope: Scope): FunctionDefinition[] {
  const status = scope.status;
  const fns: FunctionDefinition[] = [];
  if (status) {
    const flag = (name: string, value: () => boolean): FunctionDefinition => ({
      name,
      minArgs: 0,
      maxArgs: 0,
      call: () => new data.BooleanData(value()),
    });
    fns.push(
      flag("success", () => status.success()),
      flag("failure", () => status.failure()),
      flag("cancelled", () => status.cancelled()),
      flag("always", () => true),
    );
  }
  if (scope.workspace) {
    const workspace = scope.workspace;
    fns.push({
      name: "hashFiles",
      minArgs: 1,
      maxArgs: 255,
      call: (...args) =>
        new data.StringData(
          hashFiles(
            workspace,
            args.map((a) => a.coerceString()),
          ),
        ),
    });
  }
  return fns;
}

/** Evaluates one expression (the text between `${{` and `}}`). */
export function evaluate(expression: string, scope: Scope): Json {
  const functions = statusFunctions(scope);
  try {
    const tokens = new Lexer(expression).lex().tokens;
    const tree = new Parser(tokens, Object.keys(scope.contexts), functions).parse();
    const context = new data.Dictionary(
      ...Object.entries(scope.contexts).map(([key, value]) => ({ key, value: toData(value) })),
    );
    const result = new Evaluator(tree, context, new Map(functions.map((f) => [f.name.toLowerCase(), f]))).evaluate();
    return result === undefined ? null : fromData(result);
  } catch (error) {
    if (error instanceof ExpressionFailure) throw error;
    throw new ExpressionFailure(`The expression "${expression.trim()}" is not valid: ${(error as Error).message}`);
  }
}

/** How a value reads when interpolated into a string (`${{ }}` inside text). */
export function asString(value: Json): string {
  if (value === null) return "";
  if (typeof value === "string") return value;
  if (typeof value === "boolean" || typeof value === "number") return toData(value).coerceString();
  return Array.isArray(value) ? "Array" : "Object";
}

interface Piece {
  text?: string;
  expression?: string;
}

/** Splits `a ${{ b }} c` into text and expressions; quotes inside an expression may hold `}}`. */
function split(value: string): Piece[] {
  const pieces: Piece[] = [];
  let at = 0;
  for (;;) {
    const open = value.indexOf("${{", at);
    if (open === -1) break;
    let i = open + 3;
    let close = -1;
    while (i < value.length) {
      if (value[i] === "'") {
        // A string literal; '' is an escaped quote.
        i++;
        while (i < value.length && !(value[i] === "'" && value[i + 1] !== "'")) i += value[i] === "'" ? 2 : 1;
        i++;
      } else if (value.startsWith("}}", i)) {
        close = i;
        break;
      } else i++;
    }
    if (close === -1) throw new ExpressionFailure(`An expression was not closed: ${value.slice(open, open + 60)}`);
    if (open > at) pieces.push({ text: value.slice(at, open) });
    pieces.push({ expression: value.slice(open + 3, close) });
    at = close + 2;
  }
  if (at < value.length) pieces.push({ text: value.slice(at) });
  return pieces;
}

/** A YAML string with `${{ }}` in it: a lone expression keeps its type, text around one makes a string. */
export function interpolate(value: string, scope: Scope): Json {
  if (!value.includes("${{")) return value;
  const pieces = split(value);
  if (pieces.length === 1 && pieces[0]!.expression !== undefined) return evaluate(pieces[0]!.expression, scope);
  return pieces.map((p) => (p.expression !== undefined ? asString(evaluate(p.expression, scope)) : p.text!)).join("");
}

/** Every string inside a YAML value (a map, a list) interpolated. */
export function interpolateDeep(value: unknown, scope: Scope): Json {
  if (typeof value === "string") return interpolate(value, scope);
  if (Array.isArray(value)) return value.map((v) => interpolateDeep(v, scope));
  if (value && typeof value === "object") {
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(value)) out[String(interpolate(k, scope))] = interpolateDeep(v, scope);
    return out;
  }
  return (value ?? null) as Json;
}

/** A scalar input or variable as the runner hands it on: always a string. */
export function interpolateString(value: unknown, scope: Scope): string {
  if (value === undefined || value === null) return "";
  if (typeof value !== "string") return asString(value as Json);
  const result = interpolate(value, scope);
  return typeof result === "object" && result !== null ? JSON.stringify(result) : asString(result);
}

const STATUS_CALL = /\b(success|failure|always|cancelled)\s*\(/i;

/**
 * An `if:` condition. The `${{ }}` around it is optional; without a status function the condition
 * means `success() && (...)`, as GitHub documents.
 */
export function condition(raw: unknown, scope: Scope): boolean {
  if (raw === undefined || raw === null || raw === "") return evaluate("success()", scope) === true;
  if (typeof raw === "boolean" || typeof raw === "number") return Boolean(raw) && evaluate("success()", scope) === true;
  let text = String(raw).trim();
  const pieces = text.includes("${{") ? split(text) : null;
  if (pieces && pieces.length === 1 && pieces[0]!.expression !== undefined) text = pieces[0]!.expression.trim();
  else if (pieces) {
    // Text around an expression is a string, and a non-empty string is true.
    return interpolateString(text, scope) !== "" && evaluate("success()", scope) === true;
  }
  const full = STATUS_CALL.test(stripStrings(text)) ? text : `success() && (${text})`;
  return truthy(toData(evaluate(full, scope)));
}

function stripStrings(text: string): string {
  return text.replace(/'(?:[^']|'')*'/g, "''");
}

/** hashFiles(): the SHA-256 of the matched files' SHA-256 digests, in path order; "" when none match. */
export function hashFiles(workspace: string, patterns: string[]): string {
  const include = patterns.filter((p) => !p.startsWith("!"));
  const exclude = patterns.filter((p) => p.startsWith("!")).map((p) => p.slice(1));
  const isIncluded = picomatch(include, { dot: true });
  const isExcluded = exclude.length ? picomatch(exclude, { dot: true }) : () => false;
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      if (name === ".git") continue;
      const full = join(dir, name);
      const stat = statSync(full, { throwIfNoEntry: false });
      if (!stat) continue;
      if (stat.isDirectory()) walk(full);
      else if (stat.isFile()) {
        const rel = relative(workspace, full);
        if (isIncluded(rel) && !isExcluded(rel)) files.push(full);
      }
    }
  };
  walk(workspace);
  if (files.length === 0) return "";
  const outer = createHash("sha256");
  for (const file of files) outer.update(createHash("sha256").update(readFileSync(file)).digest());
  return outer.digest("hex");
}
