// One version's section of CHANGELOG.md: the heading that names the version, down to the next
// heading of the same or a higher level. It is what git-cliff rendered for that release, so it is
// also the GitHub release's notes.

// ATX headings: "## Title", and "###" alone (an empty heading). "#tag" is not a heading.
const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;

interface Heading {
  line: number;
  level: number;
  title: string;
}

/** The headings of a Markdown text, leaving out `#` lines inside fenced code blocks (shell comments). */
function headingsOf(lines: string[]): Heading[] {
  const headings: Heading[] = [];
  let fence: string | null = null;
  lines.forEach((text, line) => {
    const f = FENCE.exec(text)?.[1];
    if (f && (fence === null || (f[0] === fence[0] && f.length >= fence.length))) {
      fence = fence === null ? f : null;
      return;
    }
    if (fence !== null) return;
    const m = HEADING.exec(text);
    if (m) headings.push({ line, level: m[1]!.length, title: (m[2] ?? "").trim() });
  });
  return headings;
}

function namesVersion(title: string, version: string): boolean {
  const escaped = version.replace(/[.+]/g, "\\$&");
  return new RegExp(`(^|[\\s\\[(v])${escaped}($|[\\s\\]),:])`).test(title);
}

export function findSection(markdown: string, version: string): string | null {
  const lines = markdown.replace(/\r\n?/g, "\n").split("\n");
  const headings = headingsOf(lines);
  // The release heading is the highest-level one naming the version: a "### Migrating from 1.2.0"
  // under 1.3.0 names 1.2.0 too, but is not its section.
  const naming = headings.filter((h) => namesVersion(h.title, version));
  if (!naming.length) return null;
  const top = Math.min(...naming.map((h) => h.level));
  const start = naming.find((h) => h.level === top)!;
  const end = headings.find((h) => h.line > start.line && h.level <= start.level);
  return lines
    .slice(start.line, end?.line ?? lines.length)
    .join("\n")
    .trim();
}

/** Compares notes the way a reader would: line endings, trailing spaces and blank runs ignored. */
export function normalizeNotes(text: string): string {
  return text
    .replace(/\r\n?/g, "\n")
    .split("\n")
    .map((l) => l.trimEnd())
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/** The text outside code: fenced blocks and `code spans` may quote template syntax on purpose. */
function prose(lines: string[]): string[] {
  let fence: string | null = null;
  return lines.map((text) => {
    const f = FENCE.exec(text)?.[1];
    if (f && (fence === null || (f[0] === fence[0] && f.length >= fence.length))) {
      fence = fence === null ? f : null;
      return "";
    }
    return fence !== null ? "" : text.replace(/(`+)[^`]*?\1/g, "");
  });
}

/** Template leftovers and empty headings: signs the notes were not rendered as meant. */
export function notesProblems(body: string): string[] {
  const problems: string[] = [];
  const lines = body.replace(/\r\n?/g, "\n").split("\n");
  const text = prose(lines).join("\n");
  for (const token of ["{{", "}}", "{%", "%}"]) if (text.includes(token)) problems.push(`template leftover "${token}"`);
  const headings = headingsOf(lines);
  headings.forEach((h, i) => {
    if (!h.title) {
      problems.push(`empty heading on line ${h.line + 1}`);
      return;
    }
    // A section heading (not the first line: that is the version's own) with no text before the
    // next heading of its level or higher, or before the end.
    if (h.line === 0) return;
    const next = headings[i + 1];
    const until = next && next.level <= h.level ? next.line : next ? -1 : lines.length;
    if (until === -1) return;
    if (!lines.slice(h.line + 1, until).some((l) => l.trim()))
      problems.push(`heading "${h.title}" has nothing under it`);
  });
  return problems;
}

const VERSION_IN_TITLE = /(?:^|[\s[(v])(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)(?=$|[\s\]),:])/;

/**
 * Every release's section, by version: the headings that name a version, at the level release
 * headings have in this file (the highest level any of them uses).
 */
export function releaseSections(markdown: string): Map<string, string> {
  const lines = markdown.replace(/\r\n?/g, "\n").split("\n");
  const headings = headingsOf(lines);
  const named = headings
    .map((h) => ({ h, version: VERSION_IN_TITLE.exec(h.title)?.[1] ?? null }))
    .filter((x) => x.version);
  const sections = new Map<string, string>();
  if (!named.length) return sections;
  const level = Math.min(...named.map((x) => x.h.level));
  for (const { h, version } of named) {
    if (h.level !== level || sections.has(version!)) continue;
    const end = headings.find((e) => e.line > h.line && e.level <= level);
    sections.set(
      version!,
      lines
        .slice(h.line, end?.line ?? lines.length)
        .join("\n")
        .trim(),
    );
  }
  return sections;
}

/** What a new CHANGELOG.md did to the sections of earlier releases: removed or rewritten ones, by version. */
export function earlierSectionsChanged(
  before: string,
  after: string,
  version: string,
): { removed: string[]; changed: string[] } {
  const old = releaseSections(before);
  const now = releaseSections(after);
  const removed: string[] = [];
  const changed: string[] = [];
  for (const [v, text] of old) {
    if (v === version) continue;
    const current = now.get(v);
    if (current === undefined) removed.push(v);
    else if (normalizeNotes(current) !== normalizeNotes(text)) changed.push(v);
  }
  return { removed, changed };
}
