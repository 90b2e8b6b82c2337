// The GitHub release of a tag, made one way wherever it is made (the release's last step, and
// recover): its notes are the version's CHANGELOG.md section, cut to GitHub's limit with a link
// to the whole section when they are longer; it is published, not a draft; and it is marked
// latest only when no higher version was released before it (a backport must not become Latest).
import semver from "semver";
import { findSection } from "../changelog.ts";
import { localTags, remoteTags, showFile } from "../git.ts";
import { type ApiWrite, apiWrite, type GitHub } from "../github.ts";
import type { Runner } from "../run.ts";
import { versionOf } from "../tags.ts";

/** GitHub refuses release bodies longer than this (422 "body is too long (maximum is 125000 characters)"). */
export const NOTES_LIMIT = 125_000;

/** The web address of a file at a tag, from the API's address (github.com, GitHub Enterprise, the sandbox). */
export function fileUrl(gh: GitHub, tag: string, path: string): string {
  const web = gh.baseUrl === "https://api.github.com" ? "https://github.com" : gh.baseUrl.replace(/\/api\/v3$/, "");
  return `${web}/${gh.owner}/${gh.repo}/blob/${encodeURIComponent(tag)}/${path}`;
}

/** The release body for a CHANGELOG.md section: the section itself, or its head and a link when GitHub would refuse it. */
export function releaseBody(section: string, wholeAt: string): string {
  if (section.length <= NOTES_LIMIT) return section;
  const footer = `\n\n---\nThese notes are cut to GitHub's limit of ${NOTES_LIMIT.toLocaleString("en-US")} characters; the whole section is in CHANGELOG.md: ${wholeAt}`;
  const head = section.slice(0, NOTES_LIMIT - footer.length);
  return head.slice(0, Math.max(head.lastIndexOf("\n"), 0) || head.length).trimEnd() + footer;
}

/** The notes of `version` as the release carries them, from CHANGELOG.md at `rev` ("" when there is no section). */
export async function notesAt(
  r: Runner,
  gh: GitHub,
  rev: string,
  tag: string,
  version: string,
): Promise<{ body: string; section: string | null }> {
  const changelog = await showFile(r, rev, "CHANGELOG.md");
  const section = changelog ? findSection(changelog, version) : null;
  return { body: section === null ? "" : releaseBody(section, fileUrl(gh, tag, "CHANGELOG.md")), section };
}

/** "true" only when no higher release version exists locally or on origin. */
export async function makeLatest(r: Runner, prefix: string, version: string): Promise<"true" | "false"> {
  if (semver.prerelease(version)) return "false";
  const [local, remote] = await Promise.all([
    localTags(r, prefix),
    remoteTags(r.with({ timeout: "60s" })).then((m) => [...m.keys()]),
  ]);
  const higher = [...local, ...remote]
    .map((t) => versionOf(t, prefix))
    .some((v) => v && !semver.prerelease(v) && semver.gt(v, version));
  return higher ? "false" : "true";
}

/** Creates the release for a pushed tag, or publishes its draft: one request either way. Sent, it
 *  answers the release's web address (null in a dry run). */
export function releaseWrite(
  gh: GitHub,
  input: { tag: string; version: string; body: string; makeLatest: "true" | "false"; draftId?: number },
): ApiWrite & { url(): Promise<string | null> } {
  const prerelease = Boolean(semver.prerelease(input.version));
  const fields = { name: input.tag, body: input.body, draft: false, prerelease, make_latest: input.makeLatest };
  const write =
    input.draftId !== undefined
      ? apiWrite(gh, "PATCH /repos/{owner}/{repo}/releases/{release_id}", { release_id: input.draftId, ...fields })
      : apiWrite(gh, "POST /repos/{owner}/{repo}/releases", { tag_name: input.tag, ...fields });
  return { ...write, url: async () => (await write.send<{ html_url: string }>())?.html_url ?? null };
}
