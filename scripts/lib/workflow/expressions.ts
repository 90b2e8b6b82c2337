// `${{ }}` as GitHub evaluates it, with @actions/expressions, for a push of the tag. What the run
// alone knows (secrets, vars, outputs of earlier steps, the matrix, ...) is Unknown, and anything
// computed from an Unknown is Unknown: the reader never guesses a value.
import { data, Evaluator, type Expr, Lexer, Parser } from "@actions/expressions";
import {
  type Binary,
  type ContextAccess,
  type FunctionCall,
  type IndexAccess,
  type Logical,
  Star,
  type Unary,
} from "@actions/expressions/ast";
import { falsy, truthy } from "@actions/expressions/result";
import type { WorkflowContext } from "./types.ts";

/** A value the run decides; `what` names it for messages ("secrets.REGISTRY", "steps.version.outputs.tag"). */
export class Unknown extends data.Null {
  readonly what: string;
  constructor(what: string) {
    super();
    this.what = what;
  }
}

/** A context only partly known: a key it does not hold is Unknown rather than null. */
class Partial extends data.Dictionary {
  readonly label: string;
  constructor(label: string, pairs: Pair[]) {
    super(...pairs);
    this.label = label;
  }
}

const CONTEXTS = [
  "github",
  "env",
  "vars",
  "secrets",
  "steps",
  "needs",
  "matrix",
  "strategy",
  "job",
  "jobs",
  "runner",
  "inputs",
];
const STATUS_FUNCTIONS = [
  { name: "success", minArgs: 0, maxArgs: 0 },
  { name: "always", minArgs: 0, maxArgs: 0 },
  { name: "failure", minArgs: 0, maxArgs: 0 },
  { name: "cancelled", minArgs: 0, maxArgs: 0 },
  { name: "hashFiles", minArgs: 1, maxArgs: 255 },
];

/** What `${{ }}` can see at one place of the workflow. */
export interface ExpressionScope {
  push: WorkflowContext;
  /** env as resolved so far (workflow, job, step); null: its value is decided by the run. */
  env: Map<string, string | null>;
  /** True when no earlier step could have set more env (through $GITHUB_ENV or an action). */
  envComplete: boolean;
  /** Outputs of earlier steps the reader knows (metadata-action's tags), by step id. */
  steps: Map<string, Record<string, string | Unknown>>;
  /** The inputs context: a reusable workflow's or composite action's, as its caller passed them (empty for a push). */
  inputs: Map<string, string | boolean | number | null> | null;
  /** This matrix combination, when the job's matrix is written out; null: none, or decided at run time. */
  matrix?: Record<string, unknown> | null;
}

const str = (value: string) => new data.StringData(value);
type Pair = { key: string; value: data.ExpressionData };
const pair = (key: string, value: data.ExpressionData): Pair => ({ key, value });

/**
 * Who pushes the tag is not known: a person, or an app releasing for them; never a bot that only
 * opens pull requests, nor the Actions token (whose pushes start no workflow). An expression
 * reading github.actor is evaluated for a person, an app, and every name it compares with, and is
 * known only when all agree: `github.actor != 'dependabot[bot]'` is true, `github.actor == 'octocat'`
 * is not known.
 */
const SOME_ACTORS = ["release-kit-maintainer", "release-kit-app[bot]"];
const NEVER_PUSHERS = ["dependabot[bot]", "renovate[bot]", "github-actions[bot]"];

function actorsFor(expression: string): string[] {
  const named = [...expression.matchAll(/'((?:[^']|'')*)'/g)].map((m) => m[1]!.replace(/''/g, "'"));
  return [...new Set([...SOME_ACTORS, ...named.filter((n) => !NEVER_PUSHERS.includes(n.toLowerCase()))])];
}

function githubContext(push: WorkflowContext, actor: string | null): Partial {
  const ref = `refs/tags/${push.tag}`;
  const actors = actor === null ? [] : [pair("actor", str(actor)), pair("triggering_actor", str(actor))];
  return new Partial("github", [
    ...actors,
    pair("event_name", str("push")),
    pair("ref", str(ref)),
    pair("ref_name", str(push.tag)),
    pair("ref_type", str("tag")),
    pair("repository", str(push.repository)),
    pair("repository_owner", str(push.owner)),
    pair("sha", str(push.sha)),
    pair("server_url", str("https://github.com")),
    pair("head_ref", str("")),
    pair("base_ref", str("")),
    pair("event", new Partial("github.event", [pair("ref", str(ref))])),
  ]);
}

function scalar(value: string | boolean | number | null, what: string): data.ExpressionData {
  if (value === null) return new Unknown(what);
  if (typeof value === "boolean") return new data.BooleanData(value);
  if (typeof value === "number") return new data.NumberData(value);
  return str(value);
}

/** A plain value (from YAML) as expression data. */
function toData(value: unknown): data.ExpressionData {
  if (value === null || value === undefined) return new data.Null();
  if (typeof value === "boolean") return new data.BooleanData(value);
  if (typeof value === "number") return new data.NumberData(value);
  if (typeof value === "string") return str(value);
  if (Array.isArray(value)) return new data.Array(...value.map(toData));
  return new data.Dictionary(...Object.entries(value as Record<string, unknown>).map(([k, v]) => pair(k, toData(v))));
}

function contextOf(scope: ExpressionScope, actor: string | null): data.Dictionary {
  const env = [...scope.env].map(([k, v]) => pair(k, scalar(v, `env.${k}`)));
  const steps = [...scope.steps].map(([id, outputs]) =>
    pair(
      id,
      new Partial(`steps.${id}`, [
        pair(
          "outputs",
          new Partial(
            `steps.${id}.outputs`,
            Object.entries(outputs).map(([k, v]) => pair(k, v instanceof Unknown ? v : str(v))),
          ),
        ),
      ]),
    ),
  );
  const inputs = scope.inputs ? [...scope.inputs].map(([k, v]) => pair(k, scalar(v, `inputs.${k}`))) : [];
  return new data.Dictionary(
    pair("github", githubContext(scope.push, actor)),
    pair("env", scope.envComplete ? new data.Dictionary(...env) : new Partial("env", env)),
    pair("steps", new Partial("steps", steps)),
    ...(scope.inputs ? [pair("inputs", new data.Dictionary(...inputs))] : []),
    ...(scope.matrix ? [pair("matrix", toData(scope.matrix))] : []),
  );
}

class TagPushEvaluator extends Evaluator {
  private readonly contexts: data.Dictionary;
  constructor(n: Expr, contexts: data.Dictionary) {
    super(n, contexts);
    this.contexts = contexts;
  }

  override visitContextAccess(access: ContextAccess): data.ExpressionData {
    return this.contexts.get(access.name.lexeme) ?? new Unknown(access.name.lexeme);
  }

  override visitIndexAccess(ia: IndexAccess): data.ExpressionData {
    const object = this.eval(ia.expr);
    if (object instanceof Unknown) return object;
    if (ia.index instanceof Star)
      return object instanceof Partial ? new Unknown(`${object.label}.*`) : super.visitIndexAccess(ia);
    const index = this.eval(ia.index);
    if (index instanceof Unknown) return index;
    if (object instanceof Partial && object.get(index.coerceString()) === undefined) {
      const name = `${object.label}.${index.coerceString()}`;
      return new Unknown(
        object.label === "env" ? `${name}, not set in the workflow: an earlier step may set it at run time` : name,
      );
    }
    return super.visitIndexAccess(ia);
  }

  override visitUnary(unary: Unary): data.ExpressionData {
    const operand = this.eval(unary.expr);
    return operand instanceof Unknown ? operand : super.visitUnary(unary);
  }

  override visitBinary(binary: Binary): data.ExpressionData {
    for (const side of [binary.left, binary.right]) {
      const value = this.eval(side);
      if (value instanceof Unknown) return value;
    }
    return super.visitBinary(binary);
  }

  override visitLogical(logical: Logical): data.ExpressionData {
    const and = logical.operator.lexeme === "&&";
    let result: data.ExpressionData = new data.Null();
    for (const arg of logical.args) {
      result = this.eval(arg);
      // An Unknown before the operator decides leaves the whole unknown.
      if (result instanceof Unknown) return result;
      if (and ? falsy(result) : truthy(result)) break;
    }
    return result;
  }

  override visitFunctionCall(call: FunctionCall): data.ExpressionData {
    const name = call.functionName.lexeme.toLowerCase();
    // The reader describes a run that succeeds: that is the run verify checks.
    if (name === "success" || name === "always") return new data.BooleanData(true);
    if (name === "failure" || name === "cancelled") return new data.BooleanData(false);
    if (name === "hashfiles") return new Unknown("hashFiles()");
    for (const arg of call.args) {
      const value = this.eval(arg);
      if (value instanceof Unknown) return value;
    }
    return super.visitFunctionCall(call);
  }
}

/** Evaluates one expression (the text between `${{` and `}}`, or a bare `if:`). */
export function evaluate(expression: string, scope: ExpressionScope): data.ExpressionData {
  let tree: Expr;
  try {
    tree = new Parser(new Lexer(expression).lex().tokens, CONTEXTS, STATUS_FUNCTIONS).parse();
  } catch {
    return new Unknown(expression.trim());
  }
  if (!tree) return new data.Null();
  if (!/\b(triggering_)?actor\b/.test(expression)) return new TagPushEvaluator(tree, contextOf(scope, null)).evaluate();
  const results = actorsFor(expression).map((actor) => new TagPushEvaluator(tree, contextOf(scope, actor)).evaluate());
  const unknown = results.find((r) => r instanceof Unknown);
  if (unknown) return unknown;
  const [first] = results;
  const same = results.every((r) => r.kind === first!.kind && r.coerceString() === first!.coerceString());
  return same ? first! : new Unknown("github.actor, whoever pushes the tag");
}

/** The `${{ }}` in a string value, split out; `}}` inside a quoted string does not close one. */
export function splitExpressions(value: string): ({ text: string } | { expression: string; source: string })[] {
  const parts: ({ text: string } | { expression: string; source: string })[] = [];
  let i = 0;
  while (i < value.length) {
    const start = value.indexOf("${{", i);
    if (start === -1) break;
    let end = -1;
    let quoted = false;
    for (let j = start + 3; j < value.length; j++) {
      if (value[j] === "'") quoted = !quoted;
      else if (!quoted && value[j] === "}" && value[j + 1] === "}") {
        end = j;
        break;
      }
    }
    if (end === -1) break;
    if (start > i) parts.push({ text: value.slice(i, start) });
    parts.push({ expression: value.slice(start + 3, end), source: value.slice(start, end + 2) });
    i = end + 2;
  }
  if (i < value.length) parts.push({ text: value.slice(i) });
  return parts;
}

/**
 * `value` with each `${{ }}` replaced by its value as a string, or, where the value is not known,
 * by what `unknown` returns for it (given the expression as written, white space folded).
 */
export function replaceExpressions(
  value: string,
  scope: ExpressionScope,
  unknown: (source: string, result: Unknown) => string,
): string {
  let out = "";
  for (const part of splitExpressions(value)) {
    if ("text" in part) {
      out += part.text;
      continue;
    }
    const result = evaluate(part.expression, scope);
    out += result instanceof Unknown ? unknown(shown(part.source), result) : result.coerceString();
  }
  return out;
}

const shown = (source: string) => source.replace(/\s+/g, " ");

/** A string value with its `${{ }}` replaced; an Unknown (the first) when any of them is not known. */
export function interpolate(value: string, scope: ExpressionScope): string | Unknown {
  let missing: Unknown | null = null;
  const out = replaceExpressions(value, scope, (source, result) => {
    missing ??= new Unknown(`${source} (${result.what})`);
    return "";
  });
  return missing ?? out;
}

/** A YAML value (string, boolean, number) as the run sees it: strings interpolated. */
export function valueOf(value: unknown, scope: ExpressionScope): string | boolean | number | Unknown | null {
  if (value === undefined || value === null) return null;
  if (typeof value === "boolean" || typeof value === "number") return value;
  if (typeof value !== "string") return new Unknown("a value that is not a string");
  const parts = splitExpressions(value);
  // A value that is one expression keeps its type (`push: ${{ true }}` is a boolean).
  if (parts.length === 1 && "expression" in parts[0]!) {
    const result = evaluate(parts[0].expression, scope);
    if (result instanceof Unknown) return new Unknown(`${shown(parts[0].source)} (${result.what})`);
    if (result.kind === data.Kind.Boolean) return (result as data.BooleanData).value;
    if (result.kind === data.Kind.Number) return (result as data.NumberData).value;
    return result.coerceString();
  }
  return interpolate(value, scope);
}

/** An `if:` condition: true, false, or Unknown. Written with or without `${{ }}`. */
export function condition(value: unknown, scope: ExpressionScope): boolean | Unknown {
  if (value === undefined || value === null) return true;
  if (typeof value === "boolean") return value;
  if (typeof value === "number") return value !== 0;
  const text = String(value).trim();
  const parts = splitExpressions(text);
  const expression =
    parts.length === 1 && "expression" in parts[0]!
      ? parts[0].expression
      : parts.some((p) => "expression" in p)
        ? null
        : text;
  if (expression === null) {
    // Text around an expression makes a string, which is always true.
    return true;
  }
  const result = evaluate(expression, scope);
  if (result instanceof Unknown) return new Unknown(`if: ${text} (${result.what})`);
  return truthy(result);
}
