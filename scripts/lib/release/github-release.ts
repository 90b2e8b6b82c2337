// The GitHub release of a tag, made one way wherever it is made (the release's last step, and
// recover): its notes are the version's CHANGELOG.md section, cut to GitHub's limit with a link
// to the whole section when they are longer; it is published, not a draft; and it is marked
// latest only when no higher version was released before it (a backport must not become Latest).
import semver from "semver";
import { findSection } from "../changelog.ts";
import { localTags, remoteTags, showFile } from "../git.ts";
import type { GitHub } from "../github.ts";
import type { ApiRequest, Runner } from "../run.ts";
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

export interface ReleaseWrite {
  /** The request as it will be sent: what --dry-run prints. */
  request: ApiRequest;
  /** Sends it; resolves to the release's web address. */
  send(): Promise<string>;
}

/** Creates the release for a pushed tag, or publishes its draft: one request either way. */
export function releaseWrite(
  gh: GitHub,
  input: { tag: string; version: string; body: string; makeLatest: "true" | "false"; draftId?: number },
): ReleaseWrite {
  const { octokit, owner, repo } = gh;
  const prerelease = Boolean(semver.prerelease(input.version));
  const base = `${gh.baseUrl}/repos/${owner}/${repo}/releases`;
  if (input.draftId !== undefined) {
    const body = { draft: false, name: input.tag, body: input.body, prerelease, make_latest: input.makeLatest };
    return {
      request: { method: "PATCH", url: `${base}/${input.draftId}`, body },
      send: async () =>
        (await octokit.rest.repos.updateRelease({ owner, repo, release_id: input.draftId!, ...body })).data.html_url,
    };
  }
  const body = {
    tag_name: input.tag,
    name: input.tag,
    body: input.body,
    draft: false,
    prerelease,
    make_latest: input.makeLatest,
  };
  return {
    request: { method: "POST", url: base, body },
    send: async () => (await octokit.rest.repos.createRelease({ owner, repo, ...body })).data.html_url,
  };
}
