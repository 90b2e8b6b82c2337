// CHANGELOG.md sections and release-notes hygiene: what release writes as the notes and what
// verify compares them with.
import { describe, expect, it } from "vitest";
import { findSection, normalizeNotes, notesProblems } from "../scripts/lib/changelog.ts";

const CLIFF = `# Changelog

All notable changes to this project are documented in this file.

## [1.3.0] - 2026-03-02

### Features

- **gateway:** retry idempotent upstream calls

### Migrating from 1.2.0

- rename \`upstream_timeout\` to \`upstream.timeout\`

## [1.2.0] - 2026-02-01

### Bug Fixes

- **admin-ui:** keep the session on reload

## [1.1.0] - 2026-01-05

### Features

- first release
`;

describe("findSection", () => {
  it("finds a git-cliff bracketed heading, down to the next release heading, nested headings included", () => {
    expect(findSection(CLIFF, "1.2.0")).toBe(
      "## [1.2.0] - 2026-02-01\n\n### Bug Fixes\n\n- **admin-ui:** keep the session on reload",
    );
    const newest = findSection(CLIFF, "1.3.0")!;
    expect(newest.split("\n")[0]).toBe("## [1.3.0] - 2026-03-02");
    expect(newest).toContain("### Features");
    expect(newest).toContain("### Migrating from 1.2.0");
    expect(newest).not.toContain("[1.2.0]");
  });

  it("prefers the release heading over a sub-heading of a later release that names the same version", () => {
    expect(findSection(CLIFF, "1.2.0")!.startsWith("## [1.2.0]")).toBe(true);
  });

  it("takes the last section to the end of the file", () => {
    expect(findSection(CLIFF, "1.1.0")).toBe("## [1.1.0] - 2026-01-05\n\n### Features\n\n- first release");
  });

  it("finds bare and v-prefixed headings, and linked ones", () => {
    expect(findSection("# Changes\n\n## 2.0.0\n\n- a\n\n## 1.0.0\n\n- b\n", "2.0.0")).toBe("## 2.0.0\n\n- a");
    expect(findSection("## v2.0.0 (2026-01-01)\n\n- a\n\n## v1.0.0\n\n- b\n", "2.0.0")).toBe(
      "## v2.0.0 (2026-01-01)\n\n- a",
    );
    expect(findSection("## [v2.0.0](https://example.com/compare/v1.0.0...v2.0.0)\n- a\n## v1.0.0\n- b", "2.0.0")).toBe(
      "## [v2.0.0](https://example.com/compare/v1.0.0...v2.0.0)\n- a",
    );
  });

  it("does not mistake a longer or pre-release version for the one asked", () => {
    const text = "## [11.2.0]\n- a\n## [1.2.0-rc.1]\n- b\n## [1.2.0]\n- c\n";
    expect(findSection(text, "1.2.0")).toBe("## [1.2.0]\n- c");
    expect(findSection(text, "1.2.0-rc.1")).toBe("## [1.2.0-rc.1]\n- b");
    expect(findSection(text, "2.0.0")).toBeNull();
  });

  it("keeps # lines inside fenced code blocks (shell comments) in the section", () => {
    const text =
      "## [1.0.0]\n\n- new install script:\n\n```sh\n# run as root\n./install.sh\n```\n\n## [0.9.0]\n- old\n";
    expect(findSection(text, "1.0.0")).toBe(
      "## [1.0.0]\n\n- new install script:\n\n```sh\n# run as root\n./install.sh\n```",
    );
  });

  it("reads CRLF files", () => {
    expect(findSection("## [1.0.0]\r\n- a\r\n## [0.9.0]\r\n- b\r\n", "1.0.0")).toBe("## [1.0.0]\n- a");
  });
});

describe("normalizeNotes", () => {
  it("ignores line endings, trailing spaces, runs of blank lines and surrounding blank lines", () => {
    expect(normalizeNotes("\r\n## [1.0.0]  \r\n\r\n\r\n\r\n### Features\t\r\n- a   \r\n\r\n")).toBe(
      "## [1.0.0]\n\n### Features\n- a",
    );
  });

  it("keeps what a reader would see differ: words, indentation, single blank lines", () => {
    expect(normalizeNotes("- a\n  - b")).toBe("- a\n  - b");
    expect(normalizeNotes("- a\n\n- b")).not.toBe(normalizeNotes("- a\n- b"));
  });
});

describe("notesProblems", () => {
  it("passes rendered notes", () => {
    expect(notesProblems(findSection(CLIFF, "1.3.0")!)).toEqual([]);
  });

  it("names template leftovers", () => {
    expect(notesProblems("## [{{ version }}]\n\n{% for group in commits %}\n- a\n{% endfor %}")).toEqual([
      'template leftover "{{"',
      'template leftover "}}"',
      'template leftover "{%"',
      'template leftover "%}"',
    ]);
  });

  it("leaves template syntax quoted as code alone (a Helm chart's changelog may mention {{ .Values }})", () => {
    expect(
      notesProblems(
        "## [1.0.0]\n\n- **chart:** quote `{{ .Values.image }}`\n\n```yaml\nimage: {{ .Values.image }}\n```",
      ),
    ).toEqual([]);
  });

  it("names empty headings and headings with nothing under them", () => {
    expect(notesProblems("## [1.0.0]\n\n### \n\n- a")).toEqual(["empty heading on line 3"]);
    expect(notesProblems("## [1.0.0]\n\n###\n\n- a")).toEqual(["empty heading on line 3"]);
    expect(notesProblems("## [1.0.0]\n\n### Features\n\n### Bug Fixes\n\n- a")).toEqual([
      'heading "Features" has nothing under it',
    ]);
    expect(notesProblems("## [1.0.0]\n\n### Features\n- a\n\n### Bug Fixes\n")).toEqual([
      'heading "Bug Fixes" has nothing under it',
    ]);
  });

  it("accepts a heading whose content is a deeper heading", () => {
    expect(notesProblems("## [1.0.0]\n\n### Features\n\n#### gateway\n\n- a")).toEqual([]);
  });

  it("does not take #hashtags or # lines in code for headings", () => {
    expect(notesProblems("## [1.0.0]\n\n- tagged #release\n\n```sh\n#\n```")).toEqual([]);
  });
});
