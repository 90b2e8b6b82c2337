// The part of mvdan-sh (mvdan/sh's Go parser, compiled to JavaScript) the reader uses.
declare module "mvdan-sh" {
  interface Syntax {
    NewParser(...options: unknown[]): { Parse(text: string, name: string): { Stmts: Record<string, any>[] } };
    Variant(lang: unknown): unknown;
    LangBash: unknown;
    NodeType(node: unknown): string;
  }
  const sh: { syntax: Syntax };
  export default sh;
}
