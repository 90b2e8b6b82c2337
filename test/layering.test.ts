// The layers hold by test, not by convention: the kit's library (scripts/lib) and the four commands
// that ship never load the sandbox (the test world), the library never loads a command, and no
// module reaches itself through its imports. Imports are read with TypeScript's own parser; an
// `import type` is erased at build time and loads nothing, so it is not an edge.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { KIT } from "./helpers/kit.ts";

const SCRIPTS = join(KIT, "scripts");
const COMMANDS = ["preflight", "release", "verify", "recover"].map((c) => `scripts/${c}.mts`);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return /\.(ts|mts|mjs)$/.test(e.name) && !e.name.endsWith(".d.ts") ? [path] : [];
  });
}

/** The modules a file loads at run time: static imports and re-exports (not type-only), and import(). */
function runtimeImports(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && !node.importClause?.isTypeOnly && ts.isStringLiteral(node.moduleSpecifier)) {
      const named = node.importClause?.namedBindings;
      const allTypes =
        named &&
        ts.isNamedImports(named) &&
        !node.importClause?.name &&
        named.elements.length > 0 &&
        named.elements.every((e) => e.isTypeOnly);
      if (!allTypes) found.push(node.moduleSpecifier.text);
    } else if (
      ts.isExportDeclaration(node) &&
      !node.isTypeOnly &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      found.push(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      found.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The kit's module graph: repository-relative path → the kit modules it loads. */
function graph(): Map<string, string[]> {
  const edges = new Map<string, string[]>();
  for (const file of sources(SCRIPTS)) {
    const from = relative(KIT, file);
    const to = runtimeImports(file, readFileSync(file, "utf8"))
      .filter((spec) => spec.startsWith("."))
      .map((spec) => relative(KIT, resolve(dirname(file), spec)));
    edges.set(from, to);
  }
  return edges;
}

function reachable(edges: Map<string, string[]>, start: string[]): Map<string, string> {
  const via = new Map<string, string>(start.map((s) => [s, s]));
  const queue = [...start];
  while (queue.length) {
    const at = queue.shift()!;
    for (const next of edges.get(at) ?? []) {
      if (via.has(next)) continue;
      via.set(next, `${via.get(at)} → ${next}`);
      queue.push(next);
    }
  }
  return via;
}

function cycles(edges: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const walk = (node: string) => {
    state.set(node, "open");
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      if (state.get(next) === "open") found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) walk(next);
    }
    stack.pop();
    state.set(node, "done");
  };
  for (const node of [...edges.keys()].sort()) if (!state.has(node)) walk(node);
  return found;
}

describe("layering", () => {
  const edges = graph();

  it("reads the graph it checks: the commands reach the library, the sandbox reaches its runner", () => {
    expect(edges.size).toBeGreaterThan(100);
    for (const command of COMMANDS)
      expect([...reachable(edges, [command]).keys()].some((m) => m.startsWith("scripts/lib/"))).toBe(true);
    expect(
      runtimeImports(
        "x.ts",
        'import type { A } from "./a.ts";\nimport { type B } from "./b.ts";\nimport { c } from "./c.ts";\nexport * from "./d.ts";\nawait import("./e.ts");',
      ),
    ).toEqual(["./c.ts", "./d.ts", "./e.ts"]);
  });

  it("the library and the four commands never load the sandbox", () => {
    const library = [...edges.keys()].filter((m) => m.startsWith("scripts/lib/"));
    const loaded = reachable(edges, [...library, ...COMMANDS]);
    const sandbox = [...loaded.entries()].filter(([m]) => m.startsWith("scripts/sandbox/")).map(([, path]) => path);
    expect(sandbox).toEqual([]);
  });

  it("the test world never reads a workflow with the kit's reader", () => {
    // The sandbox runs the YAML with its own code (runner/), so a misreading in lib/workflow cannot
    // be mirrored by the world the kit is tested against.
    const world = [...edges.keys()].filter((m) => m.startsWith("scripts/sandbox/"));
    expect(world.some((m) => m.startsWith("scripts/sandbox/runner/"))).toBe(true);
    const loaded = reachable(edges, world);
    expect(
      [...loaded.entries()].filter(([m]) => m.startsWith("scripts/lib/workflow/")).map(([, path]) => path),
    ).toEqual([]);
  });

  it("the library never loads a command", () => {
    const entry = /^scripts\/[^/]+\.mts$/;
    const offending = [...edges.entries()]
      .filter(([m]) => m.startsWith("scripts/lib/"))
      .flatMap(([m, to]) => to.filter((t) => entry.test(t)).map((t) => `${m} → ${t}`));
    expect(offending).toEqual([]);
  });

  it("facts are read in one layer: it decides nothing, and only verify loads verify's checks", () => {
    const deciders = /^scripts\/lib\/(verify|preflight|release|recover)\/|^scripts\/lib\/diagnose\.ts$/;
    const facts = [...edges.keys()].filter((m) => m.startsWith("scripts/lib/facts/"));
    expect(facts.length).toBeGreaterThan(3);
    const decides = [...reachable(edges, facts).entries()].filter(([m]) => deciders.test(m)).map(([, path]) => path);
    expect(decides).toEqual([]);
    const intoVerify = [...edges.entries()]
      .filter(([m]) => !m.startsWith("scripts/lib/verify/") && m !== "scripts/verify.mts")
      .flatMap(([m, to]) => to.filter((t) => t.startsWith("scripts/lib/verify/")).map((t) => `${m} → ${t}`));
    expect(intoVerify).toEqual([]);
  });

  it("no module reaches itself through its imports", () => {
    expect(cycles(edges).map((c) => c.join(" → "))).toEqual([]);
  });
});
