// What GitHub says of a tag's release, and of the tag itself.
import type { GitHub } from "../github.ts";

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
