// "the GitHub release exists for the pushed tag" and "the release notes look sane".

import { findSection, normalizeNotes, notesProblems } from "../changelog.ts";
import { type Check, fail, pass } from "../checks.ts";
import { showFile } from "../git.ts";
import { describeApiError, type GitHub } from "../github.ts";
import { kitCommand } from "../hint.ts";
import { fileUrl, releaseBody } from "../release/github-release.ts";
import type { VerifyContext } from "./context.ts";

export interface ReleaseFacts {
  id: number;
  draft: boolean;
  immutable: boolean;
  prerelease: boolean;
  body: string;
  url: string;
}

/** The GitHub release for a tag, drafts included (get-by-tag never returns drafts). */
export async function findRelease(gh: GitHub, tag: string): Promise<ReleaseFacts | null> {
  const { octokit, owner, repo } = gh;
  const toFacts = (r: {
    id: number;
    draft: boolean;
    prerelease: boolean;
    body?: string | null;
    html_url: string;
    immutable?: boolean;
  }) => ({
    id: r.id,
    draft: r.draft,
    prerelease: r.prerelease,
    immutable: Boolean(r.immutable),
    body: r.body ?? "",
    url: r.html_url,
  });
  try {
    return toFacts((await octokit.rest.repos.getReleaseByTag({ owner, repo, tag })).data);
  } catch (error) {
    if ((error as { status?: number }).status !== 404) throw error;
  }
  const all = await octokit.paginate(octokit.rest.repos.listReleases, { owner, repo, per_page: 100 });
  const draft = all.find((r) => r.tag_name === tag);
  return draft ? toFacts(draft) : null;
}

/** The commit a tag names on GitHub, peeled through annotated tags; null when GitHub has no such tag. */
export async function tagOnGitHub(gh: GitHub, tag: string): Promise<string | null> {
  const { octokit, owner, repo } = gh;
  try {
    let object = (await octokit.rest.git.getRef({ owner, repo, ref: `tags/${tag}` })).data.object;
    for (let depth = 0; object.type === "tag" && depth < 5; depth++) {
      object = (await octokit.rest.git.getTag({ owner, repo, tag_sha: object.sha })).data.object;
    }
    return object.sha;
  } catch (error) {
    if ((error as { status?: number }).status === 404) return null;
    throw error;
  }
}

export const releaseCheck: Check<VerifyContext> = {
  id: "release",
  async run({ gh, tag, commit, receipt }) {
    try {
      const [release, onGitHub] = await Promise.all([findRelease(gh, tag), tagOnGitHub(gh, tag)]);
      if (release) receipt.release_url = release.url;
      if (!release)
        return fail(
          `no GitHub release for ${tag}`,
          `create it: ${kitCommand("release:recover", ["--tag", tag, "--apply"])}`,
        );
      if (release.draft)
        return fail(
          `the GitHub release for ${tag} is still a draft`,
          `publish it (or ${kitCommand("release:recover", ["--tag", tag, "--apply"])})`,
          release,
        );
      if (!onGitHub)
        return fail(
          `GitHub has a release for ${tag} but no tag ${tag}`,
          `push the tag: ${kitCommand("release:recover", ["--tag", tag])}`,
          release,
        );
      if (onGitHub !== commit)
        return fail(
          `${tag} on GitHub is ${onGitHub.slice(0, 7)}, but the local ${tag} is ${commit.slice(0, 7)}`,
          `${kitCommand("release:recover", ["--tag", tag])} explains; a published tag is never moved`,
          release,
        );
      return pass(`published: ${release.url} (tag at ${commit.slice(0, 7)})`, release);
    } catch (error) {
      const { message, fix } = describeApiError(error, `reading the GitHub release for ${tag}`);
      return fail(message, fix);
    }
  },
};

export const notesCheck: Check<VerifyContext> = {
  id: "notes",
  needs: ["release"],
  async run({ r, gh, tag, version, commit }, deps) {
    const release = deps.release?.data as ReleaseFacts | undefined;
    if (!release)
      return fail("no release to read notes from (see release)", kitCommand("release:recover", ["--tag", tag]));
    const body = normalizeNotes(release.body);
    if (!body)
      return fail(
        `the release notes of ${tag} are empty`,
        `set them to the ${version} section of CHANGELOG.md (gh release edit ${tag} --notes-file ...)`,
      );
    const changelog = await showFile(r, commit, "CHANGELOG.md");
    const section = changelog ? findSection(changelog, version) : null;
    if (!section)
      return fail(
        `CHANGELOG.md at ${tag} has no section for ${version} to compare the notes with`,
        `the release commit lacks its changelog: see ${kitCommand("release:recover")}`,
      );
    const leftovers = notesProblems(body);
    if (leftovers.length)
      return fail(
        `the release notes of ${tag} hold ${leftovers.join(", ")}`,
        "fix the git-cliff template (cliff.toml) and edit the release notes",
      );
    // Notes longer than GitHub keeps are its head and a link to the whole section, as the release made them.
    if (body !== normalizeNotes(releaseBody(section, fileUrl(gh, tag, "CHANGELOG.md")))) {
      return fail(
        `the release notes of ${tag} differ from the ${version} section of CHANGELOG.md`,
        `make them equal: gh release edit ${tag} --notes-file <(the ${version} section)`,
      );
    }
    return pass(`the notes equal the ${version} section of CHANGELOG.md (${section.split("\n").length} lines)`);
  },
};
