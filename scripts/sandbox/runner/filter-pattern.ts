// GitHub's filter pattern syntax for branches and tags ("Filter pattern cheat sheet" in GitHub's
// workflow syntax docs), written for the sandbox from that page alone: `*` stays within a path
// segment, `**` crosses them, `?` and `+` quantify the character before them, `[...]` is a class of
// alphanumerics and ranges, `\` escapes, and a leading `!` excludes what earlier patterns matched.
// The kit has its own reading of these; the sandbox never shares it.

function toRegExp(pattern: string): RegExp {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*") {
      if (pattern[i + 1] === "*") {
        source += ".*";
        i++;
      } else source += "[^/]*";
    } else if (c === "?" || c === "+") {
      source += c;
    } else if (c === "[") {
      const end = pattern.indexOf("]", i + 1);
      if (end === -1) source += "\\[";
      else {
        source += `[${pattern.slice(i + 1, end).replace(/[\\^\]]/g, "\\$&")}]`;
        i = end;
      }
    } else if (c === "\\" && i + 1 < pattern.length) {
      source += `\\${pattern[++i]}`;
    } else {
      source += c.replace(/[.^$|(){}\]]/g, "\\$&");
    }
  }
  return new RegExp(`^(?:${source})$`);
}

/** Whether `name` is matched by the list, later patterns overriding earlier ones. */
export function matchesPatterns(patterns: string[], name: string): boolean {
  let matched = false;
  for (const raw of patterns) {
    const negated = raw.startsWith("!");
    const pattern = negated ? raw.slice(1) : raw;
    let re: RegExp;
    try {
      re = toRegExp(pattern);
    } catch {
      continue; // a pattern GitHub would reject (e.g. a leading `?`) matches nothing
    }
    if (re.test(name)) matched = !negated;
  }
  return matched;
}

/** A filter list as written: one string or a list of them. null when absent or not a list. */
export function patternList(value: unknown): string[] | null {
  if (value === undefined || value === null) return null;
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.map((v) => String(v));
  return null;
}
