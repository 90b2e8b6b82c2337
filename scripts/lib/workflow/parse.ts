// Parsing a workflow file as GitHub does: YAML first, then GitHub's own workflow parser, which
// says whether GitHub would run it and which events start it.
import { parseDocument } from "yaml";
import { tagFiltersOf } from "./filters.ts";
import { workflowParsers } from "./libraries.ts";
import { type TagFilters, WorkflowError } from "./types.ts";

type Table = Record<string, unknown>;
const asTable = (v: unknown): Table | null => (v && typeof v === "object" && !Array.isArray(v) ? (v as Table) : null);

/** A file checked by YAML and by GitHub's parser: its data and the tag filters it declares. */
export interface CheckedWorkflow {
  path: string;
  root: Table;
  filters: TagFilters;
}

/** GitHub's filters from a document its parser refused: enough to tell whether the tag concerns it. */
function rawFilters(on: unknown): TagFilters | null {
  if (on === "push" || (Array.isArray(on) && on.includes("push")))
    return { onTagPush: true, tags: null, tagsIgnore: null };
  const events = asTable(on);
  if (!events) return on === undefined ? null : { onTagPush: false, tags: null, tagsIgnore: null };
  if (!("push" in events)) return { onTagPush: false, tags: null, tagsIgnore: null };
  const push = asTable(events.push);
  const list = (v: unknown) => (typeof v === "string" ? [v] : Array.isArray(v) ? v.map(String) : undefined);
  return tagFiltersOf(
    {
      tags: list(push?.tags),
      "tags-ignore": list(push?.["tags-ignore"]),
      branches: list(push?.branches),
      "branches-ignore": list(push?.["branches-ignore"]),
    },
    true,
  );
}

/** What parsing a file found: its data, GitHub's refusal if any, and the tag filters it declares. */
interface Parsed {
  root: Table;
  /** Set when GitHub would refuse the file; `filters` are then what can still be read of `on:`. */
  refusal: WorkflowError | null;
  filters: TagFilters | null;
}

// Each file is parsed once per process, however many tags and commands read it: by path and text,
// as messages name the path.
const parses = new Map<string, Promise<Parsed>>();

/**
 * Parses a workflow file. Throws WorkflowError for what GitHub would refuse, unless `concerns`
 * says, from what can still be read of `on:`, that the file does not concern this push anyway.
 */
export async function checkWorkflow(
  text: string,
  path: string,
  concerns?: (filters: TagFilters) => boolean,
): Promise<CheckedWorkflow> {
  const key = `${path}\0${text}`;
  let found = parses.get(key);
  if (!found) {
    found = parse(text, path);
    parses.set(key, found);
  }
  const { root, refusal, filters } = await found;
  if (!refusal) return { path, root, filters: filters! };
  if (filters && concerns && !concerns(filters)) return { path, root, filters };
  throw refusal;
}

async function parse(text: string, path: string): Promise<Parsed> {
  const doc = parseDocument(text, { uniqueKeys: false });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0]?.line;
    throw new WorkflowError(
      `${path} is not valid YAML${line ? ` (line ${line})` : ""}: ${e.message.split("\n")[0]}`,
      `fix the YAML syntax of ${path}${line ? ` at line ${line}` : ""}`,
    );
  }
  let root: Table | null;
  try {
    // yaml refuses aliases that expand exponentially (a "billion laughs" document), before GitHub's parser sees them.
    root = asTable(doc.toJS({ maxAliasCount: 100 }));
  } catch (error) {
    throw new WorkflowError(
      `${path} cannot be read: ${(error as Error).message} (YAML aliases that expand to a huge document)`,
      `write ${path} without nested YAML aliases (&anchor / *alias) that multiply each other`,
    );
  }
  if (!root)
    throw new WorkflowError(
      `${path} is not a workflow: its top level is not a mapping`,
      `check that ${path} is a GitHub Actions workflow`,
    );
  const { parser } = await workflowParsers();
  const result = parser.parseWorkflow({ name: path, content: text }, new parser.NoOperationTraceWriter());
  const errors = result.context.errors.getErrors();
  const template =
    !errors.length && result.value ? await parser.convertWorkflowTemplate(result.context, result.value) : null;
  const problems = [...errors.map((e) => e.message), ...(template?.errors ?? []).map((e) => e.Message)];
  if (problems.length) {
    const first = problems[0]!.replace(`${path} `, "");
    const line = /\(Line: (\d+)/.exec(first)?.[1];
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : "";
    const refusal = new WorkflowError(
      `${path} is not a valid workflow: ${first.replace(/^\(Line: (\d+), Col: (\d+)\): /, "line $1, column $2: ")}${more}`,
      `fix ${path}${line ? ` at line ${line}` : ""}: GitHub would refuse to run it`,
    );
    return { root, refusal, filters: rawFilters(root.on) };
  }
  const events = (template?.events ?? {}) as Record<string, unknown>;
  const push = events.push as Parameters<typeof tagFiltersOf>[0];
  return { root, refusal: null, filters: tagFiltersOf(push, "push" in events) };
}
