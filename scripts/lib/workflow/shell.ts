// A `run:` script read with mvdan/sh's parser, and the commands it runs with the words a reader can
// be sure of: literals and quoting, the step's environment (workflow, job and step env, GitHub's
// variables for a tag push), variables the script assigns from those, and the expansions
// ${V#p} ${V##p} ${V%p} ${V%%p} ${V:-w} ${V-w} ${V:+w} ${V+w} ${V^^} ${V,,} ${#V}. Anything the run
// alone decides (command substitutions, `read`, $GITHUB_ENV of earlier steps, unknown `${{ }}`) is
// null, never guessed.
import { posix } from "node:path";
import type { ShellSyntax, ShNode } from "./libraries.ts";

/** One command the script runs, with its words after expansion. */
export interface ShellCommand {
  /** null: a word decided at run time. */
  argv: (string | null)[];
  /** True when an unquoted run-time value may have split into any number of words. */
  arityUnknown: boolean;
  /** The working directory relative to the checkout ("" is its root); null: not known. */
  cwd: string | null;
  /** Why the command may not run when the step does (a shell condition); null: it runs. */
  condition: string | null;
  /** The command as written, for messages. */
  text: string;
  /** What was not known in its words: "$(git describe)", "$VERSION", "${{ steps.v.outputs.tag }}". */
  unknowns: string[];
}

/** A variable's value: a string, or null when the run decides it. */
type Vars = Map<string, string | null>;

/** Marks the place of a `${{ }}` the reader could not evaluate, so the words holding it are unknown. */
export const UNKNOWN_MARK = "__release_kit_unknown_";

interface State {
  vars: Vars;
  cwd: string | null;
  condition: string | null;
  /** Why a variable is not known: "$TAG (set from $(cat VERSION))". */
  reasons: Map<string, string>;
}

interface Expanded {
  /** The fields (words) the expansion makes; null: not known. */
  fields: string[] | null;
  /** The value without field splitting (for assignments and patterns); null: not known. */
  value: string | null;
  split: boolean;
  unknowns: string[];
}

const MAX_LOOP_ITEMS = 32;
const MAX_CALL_DEPTH = 8;

export function readScript(
  sh: ShellSyntax,
  text: string,
  env: Vars,
  cwd: string | null,
  marks: Map<string, string>,
): ShellCommand[] {
  const file = sh.parse(text);
  const commands: ShellCommand[] = [];
  const functions = new Map<string, ShNode>();
  let depth = 0;
  const source = (node: ShNode) => {
    let out = "";
    try {
      out = text.slice(node.Pos().Offset(), node.End().Offset());
    } catch {
      return "";
    }
    // Show a `${{ }}` as written, not the mark that stands for it.
    for (const [mark, written] of marks) out = out.split(mark).join(written);
    return out.replace(/;\s*$/, "");
  };
  const type = (node: ShNode) => sh.nodeType(node);
  const lookup = (state: State, name: string): string | null => {
    if (state.vars.has(name)) return state.vars.get(name)!;
    return null;
  };
  const unknownWhat = (value: string) => {
    const mark = [...marks.keys()].find((m) => value.includes(m));
    return mark ? marks.get(mark)! : null;
  };

  /** A shell pattern (the `p` of ${V#p}) as a regular expression; null when not known. */
  function pattern(word: ShNode | null, state: State): string | null {
    if (!word) return "";
    let re = "";
    for (const part of word.Parts as ShNode[]) {
      const t = type(part);
      if (t === "Lit") re += globToRegExp(part.Value);
      else if (t === "SglQuoted") re += escapeRegExp(part.Value);
      else {
        const e = expandPart(part, state, true);
        if (e.value === null) return null;
        re += t === "DblQuoted" ? escapeRegExp(e.value) : globToRegExp(e.value);
      }
    }
    return re;
  }

  function paramExp(part: ShNode, state: State): Expanded {
    const name: string = part.Param?.Value ?? "";
    const unknown = (what: string): Expanded => ({ fields: null, value: null, split: true, unknowns: [what] });
    if (part.Excl || part.Index || part.Slice || part.Repl || part.Names || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
      return unknown(source(part) || `$${name}`);
    const value = lookup(state, name);
    const known = (v: string): Expanded => ({ fields: [v], value: v, split: true, unknowns: [] });
    const why = state.reasons.get(name) ?? `$${name}`;
    if (part.Length) return value === null ? unknown(why) : known(String([...value].length));
    const exp = part.Exp as ShNode | null;
    if (!exp) return value === null ? unknown(why) : known(value);
    const { ops } = sh;
    const op = exp.Op as number;
    if (
      op === ops.defaultIfUnsetOrEmpty ||
      op === ops.defaultIfUnset ||
      op === ops.alternateIfSetAndNotEmpty ||
      op === ops.alternateIfSet
    ) {
      if (value === null) return unknown(why);
      const useWord =
        op === ops.defaultIfUnsetOrEmpty
          ? value === ""
          : op === ops.alternateIfSetAndNotEmpty
            ? value !== ""
            : op === ops.alternateIfSet;
      if (!useWord) return known(op === ops.alternateIfSetAndNotEmpty || op === ops.alternateIfSet ? "" : value);
      const word = expandWord(exp.Word, state);
      return {
        fields: word.value === null ? null : [word.value],
        value: word.value,
        split: true,
        unknowns: word.unknowns,
      };
    }
    if (value === null) return unknown(why);
    if (op === ops.upperAll) return known(value.toUpperCase());
    if (op === ops.lowerAll) return known(value.toLowerCase());
    const removals = [
      ops.removeShortestPrefix,
      ops.removeLongestPrefix,
      ops.removeShortestSuffix,
      ops.removeLongestSuffix,
    ];
    if (!removals.includes(op)) return unknown(source(part));
    const re = pattern(exp.Word, state);
    if (re === null) return unknown(source(part));
    const matches = (s: string) => new RegExp(`^(?:${re})$`, "s").test(s);
    const n = value.length;
    if (op === ops.removeShortestPrefix)
      for (let i = 0; i <= n; i++) {
        if (matches(value.slice(0, i))) return known(value.slice(i));
      }
    if (op === ops.removeLongestPrefix)
      for (let i = n; i >= 0; i--) {
        if (matches(value.slice(0, i))) return known(value.slice(i));
      }
    if (op === ops.removeShortestSuffix)
      for (let i = n; i >= 0; i--) {
        if (matches(value.slice(i))) return known(value.slice(0, i));
      }
    if (op === ops.removeLongestSuffix)
      for (let i = 0; i <= n; i++) {
        if (matches(value.slice(i))) return known(value.slice(0, i));
      }
    return known(value);
  }

  function expandPart(part: ShNode, state: State, quoted: boolean): Expanded {
    switch (type(part)) {
      case "Lit": {
        const value: string = part.Value;
        const what = unknownWhat(value);
        if (what) return { fields: null, value: null, split: false, unknowns: [what] };
        // Unquoted globs and brace lists expand to names only the run's file system knows.
        if (!quoted && /[*?]|\[[^\]]*\]|\{[^}]*(,|\.\.)[^}]*\}/.test(value))
          return { fields: null, value: null, split: true, unknowns: [value] };
        return { fields: [value], value, split: false, unknowns: [] };
      }
      case "SglQuoted": {
        const value: string = part.Value;
        if (part.Dollar && value.includes("\\"))
          return { fields: null, value: null, split: false, unknowns: [source(part)] };
        const what = unknownWhat(value);
        if (what) return { fields: null, value: null, split: false, unknowns: [what] };
        return { fields: [value], value, split: false, unknowns: [] };
      }
      case "DblQuoted": {
        let value: string | null = "";
        const unknowns: string[] = [];
        for (const inner of part.Parts as ShNode[]) {
          const e = expandPart(inner, state, true);
          unknowns.push(...e.unknowns);
          value = value === null || e.value === null ? null : value + e.value;
        }
        return { fields: value === null ? null : [value], value, split: false, unknowns };
      }
      case "ParamExp": {
        const e = paramExp(part, state);
        const what = e.value === null ? null : unknownWhat(e.value);
        if (what) return { fields: null, value: null, split: !quoted, unknowns: [what] };
        if (quoted || e.value === null) return { ...e, split: !quoted && e.split };
        // Unquoted: split on blanks, as bash does with the default IFS.
        return { fields: e.value.split(/[ \t\n]+/), value: e.value, split: true, unknowns: e.unknowns };
      }
      case "CmdSubst":
        return { fields: null, value: null, split: !quoted, unknowns: [source(part)] };
      default:
        return { fields: null, value: null, split: !quoted, unknowns: [source(part)] };
    }
  }

  function expandWord(word: ShNode | null, state: State): Expanded {
    if (!word) return { fields: [""], value: "", split: false, unknowns: [] };
    const fields: string[] = [];
    let current = "";
    let started = false;
    let value: string | null = "";
    let split = false;
    let unknownField = false;
    const unknowns: string[] = [];
    for (const part of word.Parts as ShNode[]) {
      const e = expandPart(part, state, false);
      unknowns.push(...e.unknowns);
      value = value === null || e.value === null ? null : value + e.value;
      if (e.fields === null) {
        unknownField = true;
        split ||= e.split;
        continue;
      }
      const pieces = e.fields;
      const unquotedExpansion = type(part) === "ParamExp";
      pieces.forEach((piece, i) => {
        if (i > 0 && (started || current)) {
          fields.push(current);
          current = "";
          started = false;
        }
        current += piece;
        if (piece || !unquotedExpansion) started = true;
      });
    }
    if (started || current) fields.push(current);
    return { fields: unknownField ? null : fields, value, split, unknowns };
  }

  function assign(assignment: ShNode, state: State, local: Vars): void {
    const name: string | undefined = assignment.Name?.Value;
    if (!name) return;
    if (assignment.Naked) {
      if (!local.has(name)) local.set(name, lookup(state, name));
      return;
    }
    if (assignment.Array || assignment.Index || assignment.Append) {
      local.set(name, null);
      return;
    }
    const e = expandWord(assignment.Value, state);
    // An assignment in a branch that may not run leaves the variable in doubt.
    local.set(name, state.condition ? null : e.value);
    if (state.condition) state.reasons.set(name, `$${name} (set ${state.condition})`);
    else if (e.value === null)
      state.reasons.set(name, `$${name} (set from ${e.unknowns.join(", ") || "a run-time value"})`);
  }

  function runStmts(stmts: ShNode[], state: State): void {
    for (const stmt of stmts) runStmt(stmt, state);
  }

  function conditional(state: State, why: string): State {
    return { ...state, condition: state.condition ?? why };
  }

  function runStmt(stmt: ShNode, state: State): void {
    const cmd = stmt.Cmd as ShNode | null;
    if (!cmd) return;
    switch (type(cmd)) {
      case "CallExpr":
        return call(cmd, state);
      case "DeclClause": {
        const variant: string = cmd.Variant?.Value ?? "";
        for (const a of cmd.Args as ShNode[]) {
          if (
            variant === "local" ||
            variant === "declare" ||
            variant === "typeset" ||
            variant === "export" ||
            variant === "readonly"
          )
            assign(a, state, state.vars);
        }
        return;
      }
      case "BinaryCmd": {
        const op = cmd.Op as number;
        const known = op === sh.ops.and || op === sh.ops.or ? knownTest(cmd.X, state) : null;
        if (known === null) runStmt(cmd.X, state);
        if (known !== null) return known === (op === sh.ops.and) ? runStmt(cmd.Y, state) : undefined;
        if (op === sh.ops.or) return runStmt(cmd.Y, conditional(state, `only if \`${source(cmd.X)}\` fails`));
        if (op === sh.ops.and && isTest(cmd.X))
          return runStmt(cmd.Y, conditional(state, `only if \`${source(cmd.X)}\` holds`));
        return runStmt(cmd.Y, state);
      }
      case "IfClause": {
        // A plain `else` (reached when the conditions before it were decided) runs as its parent would.
        if (!(cmd.Cond as ShNode[]).length) return runStmts(cmd.Then, state);
        // A test of known values decides the branch here, as it will in the run.
        const known = (cmd.Cond as ShNode[]).length === 1 ? knownTest(cmd.Cond[0], state) : null;
        if (known === true) return runStmts(cmd.Then, state);
        if (known === false) return cmd.Else ? runStmt({ Cmd: cmd.Else }, state) : undefined;
        runStmts(cmd.Cond, state);
        const why = `only if \`${(cmd.Cond as ShNode[]).map(source).join("; ")}\` holds`;
        const branch = conditional(state, why);
        runStmts(cmd.Then, branch);
        if (cmd.Else)
          runStmt(
            { Cmd: cmd.Else },
            conditional(state, `only if \`${(cmd.Cond as ShNode[]).map(source).join("; ")}\` does not hold`),
          );
        forgetAssigned([...cmd.Then, ...(cmd.Else ? [{ Cmd: cmd.Else }] : [])], state);
        return;
      }
      case "ForClause": {
        const loop = cmd.Loop as ShNode;
        if (type(loop) === "WordIter" && !state.condition) {
          const items: string[] = [];
          let known = true;
          for (const w of loop.Items as ShNode[]) {
            const e = expandWord(w, state);
            if (!e.fields) known = false;
            else items.push(...e.fields);
          }
          if (known && items.length <= MAX_LOOP_ITEMS) {
            for (const item of items) {
              state.vars.set(loop.Name.Value, item);
              runStmts(cmd.Do, state);
            }
            return;
          }
          state.vars.set(loop.Name.Value, null);
        }
        runStmts(cmd.Do, conditional(state, `in a loop over \`${source(loop)}\``));
        forgetAssigned(cmd.Do, state);
        return;
      }
      case "WhileClause":
        runStmts(cmd.Cond, conditional(state, `in a loop while \`${(cmd.Cond as ShNode[]).map(source).join("; ")}\``));
        runStmts(cmd.Do, conditional(state, `in a loop while \`${(cmd.Cond as ShNode[]).map(source).join("; ")}\``));
        forgetAssigned([...cmd.Cond, ...cmd.Do], state);
        return;
      case "CaseClause":
        for (const item of cmd.Items as ShNode[])
          runStmts(item.Stmts, conditional(state, `only in one case of \`${source(cmd.Word)}\``));
        forgetAssigned(
          (cmd.Items as ShNode[]).flatMap((i) => i.Stmts),
          state,
        );
        return;
      case "Block":
        return runStmts(cmd.Stmts, state);
      case "Subshell":
        return runStmts(cmd.Stmts, { ...state, vars: new Map(state.vars) });
      case "FuncDecl":
        functions.set(cmd.Name.Value, cmd.Body);
        return;
      case "TimeClause":
        if (cmd.Stmt) runStmt(cmd.Stmt, state);
        return;
      default:
        return;
    }
  }

  /** Variables assigned in statements that may not run: after them, their value is in doubt. */
  function forgetAssigned(stmts: ShNode[], state: State): void {
    const walk = (node: unknown): void => {
      if (!node || typeof node !== "object") return;
      const n = node as ShNode;
      if (Array.isArray(n)) return n.forEach(walk);
      let t = "";
      try {
        t = type(n);
      } catch {
        t = "";
      }
      if (t === "Assign" && n.Name?.Value) state.vars.set(n.Name.Value, null);
      for (const key of ["Cmd", "Assigns", "Args", "X", "Y", "Cond", "Then", "Else", "Do", "Stmts", "Items", "Body"]) {
        if (key in n && n[key]) walk(n[key]);
      }
      if (t === "CallExpr" && (n.Args as ShNode[]).length) {
        const name = (n.Args[0] as ShNode).Lit?.();
        if (name === "read" || name === "mapfile" || name === "readarray")
          for (const w of (n.Args as ShNode[]).slice(1))
            if (/^[A-Za-z_]\w*$/.test(w.Lit?.() ?? "")) state.vars.set(w.Lit(), null);
      }
    };
    walk(stmts);
  }

  /** `[ ... ]` or `test ...` over known words: its result; null when it cannot be known here. */
  function knownTest(stmt: ShNode, state: State): boolean | null {
    const cmd = stmt.Cmd as ShNode | null;
    if (!cmd || type(cmd) !== "CallExpr" || (cmd.Assigns as ShNode[]).length) return null;
    const words: string[] = [];
    for (const w of cmd.Args as ShNode[]) {
      const e = expandWord(w, state);
      if (!e.fields) return null;
      words.push(...e.fields);
    }
    let args = words;
    if (args[0] === "[" && args.at(-1) === "]") args = args.slice(1, -1);
    else if (args[0] === "test") args = args.slice(1);
    else return null;
    let negate = stmt.Negated === true;
    if (args[0] === "!") {
      negate = !negate;
      args = args.slice(1);
    }
    let result: boolean | null = null;
    if (args.length === 1) result = args[0] !== "";
    else if (args.length === 2 && args[0] === "-n") result = args[1] !== "";
    else if (args.length === 2 && args[0] === "-z") result = args[1] === "";
    else if (args.length === 3 && (args[1] === "=" || args[1] === "==")) result = args[0] === args[2];
    else if (args.length === 3 && args[1] === "!=") result = args[0] !== args[2];
    return result === null ? null : result !== negate;
  }

  function isTest(stmt: ShNode): boolean {
    const cmd = stmt.Cmd as ShNode | null;
    if (!cmd) return false;
    const t = type(cmd);
    if (t === "TestClause" || t === "ArithmCmd") return true;
    if (t !== "CallExpr" || !(cmd.Args as ShNode[]).length) return false;
    const name = (cmd.Args[0] as ShNode).Lit?.();
    return name === "[" || name === "test" || name === "grep" || stmt.Negated === true;
  }

  function call(cmd: ShNode, state: State): void {
    const args = cmd.Args as ShNode[];
    if (!args.length) {
      for (const a of cmd.Assigns as ShNode[]) assign(a, state, state.vars);
      return;
    }
    // VAR=value cmd: the value is that command's alone.
    const scoped: State = { ...state, vars: new Map(state.vars) };
    for (const a of cmd.Assigns as ShNode[]) assign(a, state, scoped.vars);
    const argv: (string | null)[] = [];
    const unknowns: string[] = [];
    let arityUnknown = false;
    for (const w of args) {
      const e = expandWord(w, scoped);
      unknowns.push(...e.unknowns);
      if (e.fields) argv.push(...e.fields);
      else {
        argv.push(null);
        arityUnknown ||= e.split;
      }
    }
    const name = argv[0];
    if (name === "cd" && !state.condition) {
      const dir = argv[1];
      state.cwd =
        dir === null ||
        dir === undefined ||
        state.cwd === null ||
        dir.startsWith("/") ||
        dir.startsWith("~") ||
        dir === "-"
          ? null
          : posix.normalize(posix.join(state.cwd, dir)).replace(/^\.$/, "");
      return;
    }
    if (name === "source" || name === "." || name === "eval") {
      // What it runs and sets cannot be read here: from now on, nothing the script set is sure.
      for (const key of state.vars.keys()) {
        state.vars.set(key, null);
        state.reasons.set(key, `$${key} (after \`${name}\`)`);
      }
      return;
    }
    if (name === "unset") {
      for (const v of argv.slice(1)) if (v && !v.startsWith("-")) state.vars.set(v, "");
      return;
    }
    if (name === "read" || name === "mapfile" || name === "readarray") {
      for (const v of argv.slice(1)) if (v && /^[A-Za-z_]\w*$/.test(v)) state.vars.set(v, null);
      return;
    }
    if (name && functions.has(name) && depth < MAX_CALL_DEPTH) {
      depth++;
      runStmt(functions.get(name)!, state);
      depth--;
      return;
    }
    commands.push({
      argv,
      arityUnknown,
      cwd: state.cwd,
      condition: state.condition,
      text: source(cmd)
        .replace(/\s*\\\n\s*/g, " ")
        .trim(),
      unknowns: [...new Set(unknowns)],
    });
  }

  runStmts(file.Stmts, { vars: new Map(env), cwd, condition: null, reasons: new Map() });
  return commands;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

function globToRegExp(glob: string): string {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*") re += ".*";
    else if (c === "?") re += ".";
    else if (c === "[") {
      const end = glob.indexOf("]", i + 2);
      if (end === -1) re += "\\[";
      else {
        re += `[${glob
          .slice(i + 1, end)
          .replace(/^!/, "^")
          .replace(/\\/g, "\\\\")}]`;
        i = end;
      }
    } else if (c === "\\" && i + 1 < glob.length) re += escapeRegExp(glob[++i]!);
    else re += escapeRegExp(c);
  }
  return re;
}
