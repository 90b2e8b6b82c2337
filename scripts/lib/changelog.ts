// One version's section of CHANGELOG.md: the heading that names the version, down to the next
// heading of the same or a higher level. It is what git-cliff rendered for that release, so it is
// also the GitHub release's notes.

const HEADING = /^(#{1,6})\s+(.*)$/;

function namesVersion(title: string, version: string): boolean {
  const escaped = version.replace(/[.+]/g, "\\$&");
  return new RegExp(`(^|[\\s\\[(v])${escaped}($|[\\s\\]),:])`).test(title);
}

export function findSection(markdown: string, version: string): string | null {
  const lines = markdown.split("\n");
  let start = -1;
  let level = 0;
  for (let i = 0; i < lines.length; i++) {
    const m = HEADING.exec(lines[i]!);
    if (!m) continue;
    if (start === -1) {
      if (namesVersion(m[2]!, version)) {
        start = i;
        level = m[1]!.length;
      }
    } else if (m[1]!.length <= level) {
      return lines.slice(start, i).join("\n").trim();
    }
  }
  return start === -1 ? null : lines.slice(start).join("\n").trim();
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

/** Template leftovers and empty headings: signs the notes were not rendered as meant. */
export function notesProblems(body: string): string[] {
  const problems: string[] = [];
  for (const token of ["{{", "}}", "{%", "%}"]) if (body.includes(token)) problems.push(`template leftover "${token}"`);
  const lines = body.split("\n");
  lines.forEach((line, i) => {
    const m = HEADING.exec(line);
    if (!m) return;
    if (!m[2]!.trim()) problems.push(`empty heading on line ${i + 1}`);
    const next = lines.slice(i + 1).find((l) => l.trim());
    const nextHeading = next ? HEADING.exec(next) : null;
    if (i > 0 && (!next || (nextHeading && nextHeading[1]!.length <= m[1]!.length))) problems.push(`heading "${m[2]!.trim()}" has nothing under it`);
  });
  return problems;
}
