// "the GitHub release exists for the pushed tag" and "the release notes look sane".

import { findSection, normalizeNotes, notesProblems } from "../changelog.ts";
import { type Check, fail, pass } from "../checks.ts";
import { findRelease, type ReleaseFacts, tagOnGitHub } from "../facts/index.ts";
import { showFile } from "../git.ts";
import { describeApiError } from "../github.ts";
import { kitCommand } from "../hint.ts";
import { fileUrl, releaseBody } from "../release/github-release.ts";
import type { VerifyContext } from "./context.ts";

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
