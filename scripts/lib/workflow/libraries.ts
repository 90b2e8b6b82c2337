// GitHub's workflow parser and expression engine, and mvdan/sh's shell parser: loaded when the
// configuration is read (loadConfig starts them while git answers) or on the first workflow read,
// never by --help.

type WorkflowParser = typeof import("@actions/workflow-parser");
type Expressions = typeof import("@actions/expressions");

/** A node of mvdan/sh's syntax tree (syntax.File and below), read by its Go field names. */
export type ShNode = Record<string, any>;

/** The operator codes of this build of mvdan/sh, read from the parser itself rather than hard-coded. */
export interface ShOperators {
  and: number;
  or: number;
  removeShortestPrefix: number;
  removeLongestPrefix: number;
  removeShortestSuffix: number;
  removeLongestSuffix: number;
  defaultIfUnsetOrEmpty: number;
  defaultIfUnset: number;
  alternateIfSetAndNotEmpty: number;
  alternateIfSet: number;
  upperAll: number;
  lowerAll: number;
}

export interface ShellSyntax {
  /** Parses a bash script; throws a message naming the line on a syntax error. */
  parse(text: string): { Stmts: ShNode[] };
  nodeType(node: ShNode): string;
  ops: ShOperators;
}

let parsers: Promise<{ parser: WorkflowParser; expressions: Expressions }> | null = null;
let shell: Promise<ShellSyntax> | null = null;

export function workflowParsers(): Promise<{ parser: WorkflowParser; expressions: Expressions }> {
  parsers ??= (async () => {
    const [parser, expressions] = await Promise.all([
      import("@actions/workflow-parser"),
      import("@actions/expressions"),
    ]);
    return { parser, expressions };
  })();
  return parsers;
}

export function shellSyntax(): Promise<ShellSyntax> {
  shell ??= (async () => {
    const { syntax } = (await import("mvdan-sh")).default;
    // Each script is parsed once per process (the tree is only read), however many tags read it.
    const trees = new Map<string, { Stmts: ShNode[] } | Error>();
    const parseOnce = (text: string) => {
      try {
        return syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(text, "run");
      } catch (error) {
        // A Go panic wrapped by GopherJS: its message is mvdan/sh's "run:LINE:COL: what".
        const e = error as { Error?: () => string; message?: string };
        return new Error(typeof e.Error === "function" ? e.Error() : String(e.message ?? error).split("\n")[0]);
      }
    };
    const parse = (text: string) => {
      let tree = trees.get(text);
      if (!tree) {
        tree = parseOnce(text);
        trees.set(text, tree);
      }
      if (tree instanceof Error) throw tree;
      return tree;
    };
    const binary = (text: string) => parse(text).Stmts[0]!.Cmd.Op as number;
    const expansion = (text: string) => parse(`: ${text}`).Stmts[0]!.Cmd.Args[1].Parts[0].Exp.Op as number;
    const ops: ShOperators = {
      and: binary("a && b"),
      or: binary("a || b"),
      removeShortestPrefix: expansion("${X#p}"),
      removeLongestPrefix: expansion("${X##p}"),
      removeShortestSuffix: expansion("${X%p}"),
      removeLongestSuffix: expansion("${X%%p}"),
      defaultIfUnsetOrEmpty: expansion("${X:-p}"),
      defaultIfUnset: expansion("${X-p}"),
      alternateIfSetAndNotEmpty: expansion("${X:+p}"),
      alternateIfSet: expansion("${X+p}"),
      upperAll: expansion("${X^^}"),
      lowerAll: expansion("${X,,}"),
    };
    return { parse, nodeType: (node: ShNode) => syntax.NodeType(node), ops };
  })();
  return shell;
}
