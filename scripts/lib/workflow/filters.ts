// GitHub's filter patterns for on.push.tags and tags-ignore, and whether a tag push starts a workflow.
import type { TagFilters } from "./types.ts";

/**
 * GitHub's filter patterns: `*` stays within a path segment, `**` crosses, `?`, `+`, `[..]`.
 * Not picomatch (glob.ts): there `?` is any one character where GitHub makes the one before it
 * optional, `+` is literal, `**` crosses segments only as a whole segment (`releases/**-alpha`
 * must match releases/beta/3-alpha) and `feature/**` also matches `feature`.
 */
export function filterPatternToRegExp(pattern: string): RegExp {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*" && pattern[i + 1] === "*") {
      re += ".*";
      i++;
    } else if (c === "*") re += "[^/]*";
    else if (c === "?" || c === "+")
      re += c; // quantifiers on the previous character, as GitHub documents
    else if (c === "[") {
      const end = pattern.indexOf("]", i);
      if (end === -1) re += "\\[";
      else {
        re += pattern.slice(i, end + 1);
        i = end;
      }
    } else if (c === "\\" && i + 1 < pattern.length) re += `\\${pattern[++i]}`;
    else re += c.replace(/[.^$|(){}]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

function matchesFilters(patterns: string[], value: string): boolean {
  let matched = false;
  for (const p of patterns) {
    if (p.startsWith("!")) {
      if (matched && filterPatternToRegExp(p.slice(1)).test(value)) matched = false;
    } else if (filterPatternToRegExp(p).test(value)) matched = true;
  }
  return matched;
}

/** Would pushing `tag` start a workflow with these filters? */
export function tagTriggers(filters: TagFilters, tag: string): boolean {
  if (!filters.onTagPush) return false;
  if (filters.tags && !matchesFilters(filters.tags, tag)) return false;
  if (filters.tagsIgnore && matchesFilters(filters.tagsIgnore, tag)) return false;
  return true;
}

export function describeFilters(filters: TagFilters): string {
  if (!filters.onTagPush) return "no tag push starts it";
  const parts: string[] = [];
  if (filters.tags) parts.push(`tags: ${filters.tags.join(", ")}`);
  if (filters.tagsIgnore) parts.push(`tags-ignore: ${filters.tagsIgnore.join(", ")}`);
  return parts.length ? parts.join("; ") : "any tag";
}

/** The push filters GitHub's parser read from `on:`, as they apply to tags. */
export function tagFiltersOf(
  push:
    | { tags?: string[]; "tags-ignore"?: string[]; branches?: string[]; "branches-ignore"?: string[] }
    | undefined
    | null,
  hasPush: boolean,
): TagFilters {
  if (!hasPush) return { onTagPush: false, tags: null, tagsIgnore: null };
  const tags = push?.tags ?? null;
  const tagsIgnore = push?.["tags-ignore"] ?? null;
  // With only branch filters, GitHub runs the workflow for branch pushes and never for tags.
  if (!tags && !tagsIgnore && (push?.branches || push?.["branches-ignore"]))
    return { onTagPush: false, tags: null, tagsIgnore: null };
  return { onTagPush: true, tags, tagsIgnore };
}
