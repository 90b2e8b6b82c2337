// A module loader hook, registered by libraries.ts just before GitHub's workflow parser is loaded.
// @actions/workflow-parser imports its JSON schemas without `with { type: "json" }`, which plain
// Node 20 refuses (ERR_IMPORT_ASSERTION_TYPE_MISSING); tsx lets it pass, the precompiled launcher
// path does not. This gives exactly that package's own JSON files the attribute they lack.
const PACKAGE = "/node_modules/@actions/workflow-parser/";

/**
 * @param {string} specifier
 * @param {{ importAttributes?: Record<string, string>, importAssertions?: Record<string, string> }} context
 * @param {(specifier: string, context: unknown) => Promise<{ url: string }>} nextResolve
 */
export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  const attributes = context.importAttributes ?? context.importAssertions ?? {};
  if (resolved.url.startsWith("file:") && resolved.url.endsWith(".json") && resolved.url.includes(PACKAGE) && !attributes.type) {
    return { ...resolved, importAttributes: { ...attributes, type: "json" } };
  }
  return resolved;
}
