// The real-world corpus (test/realworld/) is well-formed: every extract's files parse, stays under
// 1 MB, says where it came from, holds an expectation file of the agreed shape, and rebuilds into
// a git repository with the same branch, tags, messages and dates. This checks the corpus, not the
// kit: the suite that runs the kit against it reads the same extracts.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { parse as parseToml } from "smol-toml";
import { afterAll, describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import { CORPUS, extracts } from "./helpers/corpus.ts";
import { tempDir } from "./helpers/kit.ts";
import { MARKER, readHistory, readTags, rebuildRepository } from "./realworld/rebuild.ts";

const work = tempDir("rk-corpus-");
afterAll(() => work.remove());
const scratch = work.path;

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : [full];
  });
}

function git(cwd: string, args: string[]): string {
  return execFileSync("git", args, {
    cwd,
    encoding: "utf8",
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" },
  });
}

const SEMVER = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;
const SHA = /^[0-9a-f]{40}$/;

/** Parses a copied file by its kind; throws on a syntax error. Text files (Markdown, templates) pass. */
function parseFile(path: string, text: string): void {
  const name = path.split("/").pop() ?? "";
  if (name.endsWith(".toml") || name === "Cargo.lock") parseToml(text);
  else if (name.endsWith(".json")) JSON.parse(text);
  else if (name.endsWith(".yml") || name.endsWith(".yaml")) {
    const doc = parseDocument(text);
    if (doc.errors.length > 0) throw new Error(doc.errors.map((e) => e.message).join("; "));
  }
}

it("holds at least 12 extracts, including the three issue 15 names", () => {
  expect(extracts.length).toBeGreaterThanOrEqual(12);
  expect(extracts).toEqual(
    expect.arrayContaining(["orhun__git-cliff", "cocogitto__cocogitto", "juspay__hyperswitch-card-vault"]),
  );
});

describe.each(extracts)("%s", (name) => {
  const dir = join(CORPUS, name);
  const source = JSON.parse(readFileSync(join(dir, "source.json"), "utf8"));
  const expectation = JSON.parse(readFileSync(join(dir, "expect.json"), "utf8"));
  const history = readHistory(dir);
  const tags = readTags(dir);
  const filesDir = join(dir, "files");

  it("says where it comes from", () => {
    expect(`${source.repository.replace("/", "__")}`).toBe(name);
    expect(source.url).toBe(`https://github.com/${source.repository}`);
    expect(source.commit).toMatch(SHA);
    expect(Number.isNaN(Date.parse(source.commit_date))).toBe(false);
    expect(source.fetched_on).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(source.default_branch).toMatch(/^[\w./-]+$/);
    expect(source.license.length).toBeGreaterThan(0);
    expect(source.notes.length).toBeGreaterThan(40);
    expect(source.extract.files.length).toBeGreaterThan(0);
  });

  it("stays under 1 MB and its files parse", () => {
    const all = walk(dir);
    const bytes = all.reduce((sum, f) => sum + statSync(f).size, 0);
    expect(bytes).toBeLessThan(1024 * 1024);
    const copied = walk(filesDir);
    expect(copied.some((f) => f.includes("/.github/workflows/"))).toBe(true);
    for (const file of copied) {
      const rel = relative(filesDir, file);
      expect(() => parseFile(rel, readFileSync(file, "utf8")), rel).not.toThrow();
    }
  });

  it("has a history of real commits, oldest first, and tags on them", () => {
    expect(history.length).toBeGreaterThan(100);
    const seen = new Set<string>();
    for (const entry of history) {
      expect(entry.sha).toMatch(SHA);
      for (const parent of entry.parents) expect(seen.has(parent), `${entry.sha} parent ${parent}`).toBe(true);
      expect(Number.isNaN(Date.parse(entry.date))).toBe(false);
      expect(entry.message.length).toBeGreaterThan(0);
      seen.add(entry.sha);
    }
    expect(seen.has(source.commit)).toBe(true);
    expect(new Set(tags.map((t) => t.name)).size).toBe(tags.length);
    for (const tag of tags) expect(seen.has(tag.sha), tag.name).toBe(true);
  });

  it("has an expectation file of the agreed shape", () => {
    const e = expectation;
    expect(e.repository).toBe(source.repository);
    expect(e.release_branch).toBe(source.default_branch);
    expect(typeof e.tag_prefix).toBe("string");
    expect(["single", "per-package"]).toContain(e.tag_scheme);
    expect(tags.map((t) => t.name)).toContain(e.latest_tag);
    if (e.next_version === null) expect(e.next_tag).toBeNull();
    else {
      expect(e.next_version).toMatch(SEMVER);
      expect(e.next_tag).toBe(`${e.tag_prefix}${e.next_version}`);
      expect(tags.map((t) => t.name)).not.toContain(e.next_tag);
    }
    expect(e.next_version_reasoning.notes.length).toBeGreaterThan(0);
    const workflows = readdirSync(join(filesDir, ".github", "workflows")).map((f) => `.github/workflows/${f}`);
    // Every workflow file is accounted for: triggered by the tag, or looked at and set aside.
    const named = [...e.tag_workflows, ...e.other_workflows].map((w: { file: string }) => w.file).sort();
    expect(named).toEqual([...workflows].sort());
    for (const image of e.images) {
      expect(image.ref).toBe(image.ref.toLowerCase());
      expect(image.ref).toMatch(/^[a-z0-9.-]+\.[a-z]+(:\d+)?\/[a-z0-9._/-]+$/);
      expect(image.ref.split("/").pop()).not.toContain(":");
      expect(image.tags.length).toBeGreaterThan(0);
      expect(image.platforms.every((p: string) => /^linux\/[a-z0-9]+(\/v\d)?$/.test(p))).toBe(true);
      expect(typeof image.attested).toBe("boolean");
      expect(typeof image.verifiable).toBe("boolean");
      expect(workflows).toContain(image.workflow);
      // An image a reader cannot resolve is a step the kit must name as not verified.
      if (!image.verifiable) {
        const named = e.not_verified.some(
          (s: { workflow: string; job: string; step: string }) =>
            s.workflow === image.workflow && s.job === image.job && s.step === image.step,
        );
        expect(named, `${image.ref} (${image.step}) is not in not_verified`).toBe(true);
      }
    }
    for (const artifact of e.artifacts) {
      expect(artifact.kind).toMatch(/^[a-z.-]+$/);
      expect(artifact.name ?? artifact.ref).toBeTruthy();
      if (artifact.workflow !== null) expect(workflows).toContain(artifact.workflow);
    }
    for (const step of e.not_verified) {
      expect(workflows).toContain(step.workflow);
      expect(step.job && step.step && step.why).toBeTruthy();
    }
    for (const item of [...e.unsupported, ...e.config_findings]) expect(item.what && item.why).toBeTruthy();
    expect(typeof e.rehearsable).toBe("boolean");
  });

  it("rebuilds into a git repository with its branch, tags and messages, the same every time", () => {
    const first = rebuildRepository(dir, join(scratch, `${name}-1`));
    const second = rebuildRepository(dir, join(scratch, `${name}-2`));
    expect(second.head).toBe(first.head);
    expect(second.tags).toEqual(first.tags);

    const repo = first.path;
    expect(git(repo, ["symbolic-ref", "--short", "HEAD"]).trim()).toBe(source.default_branch);
    expect(git(repo, ["status", "--porcelain"])).toBe("");
    const original = new Map(history.map((h) => [h.sha, h]));
    const headEntry = original.get(source.commit);
    expect(git(repo, ["log", "-1", "--format=%B", "HEAD"]).trimEnd()).toBe(headEntry?.message.trimEnd());
    expect(git(repo, ["log", "-1", "--format=%aI %an <%ae>", "HEAD"]).trim()).toBe(
      `${headEntry?.date} ${headEntry?.author_name} <${headEntry?.author_email}>`,
    );

    expect(Object.keys(first.tags).sort()).toEqual(tags.map((t) => t.name).sort());
    for (const tag of tags) {
      const body = git(repo, ["log", "-1", "--format=%B", first.tags[tag.name]]).trimEnd();
      expect(body, tag.name).toBe(original.get(tag.sha)?.message.trimEnd());
      expect(git(repo, ["cat-file", "-t", tag.name]).trim()).toBe(tag.annotated ? "tag" : "commit");
    }
    const onBranch = history.filter((h) => !("off_branch" in h && h.off_branch)).length;
    expect(Number(git(repo, ["rev-list", "--count", "HEAD"]).trim())).toBe(onBranch);

    // The tree at HEAD is files/ plus the synthetic history markers, byte for byte.
    const tracked = git(repo, ["ls-files"]).split("\n").filter(Boolean);
    const copied = walk(filesDir).map((f) => relative(filesDir, f));
    expect(tracked.filter((f) => !f.endsWith(MARKER)).sort()).toEqual(copied.sort());
    for (const file of copied)
      expect(readFileSync(join(repo, file), "utf8"), file).toBe(readFileSync(join(filesDir, file), "utf8"));
  });
});
