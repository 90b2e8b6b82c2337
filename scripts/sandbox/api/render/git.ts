// Releases, refs, commits, comparisons and tag objects as GitHub renders them.
import { createHash } from "node:crypto";
import type { CommitInfo, Comparison, RefInfo, TagObject } from "../git.ts";
import type { ReleaseRecord } from "../state.ts";
import { isoSeconds, nodeId, type RenderContext, repoApi, repoHtml, type Schemas, user } from "./base.ts";

export function release(c: RenderContext, r: ReleaseRecord, author: Schemas["simple-user"]): Schemas["release"] {
  const api = `${repoApi(c)}/releases/${r.id}`;
  // A draft has no tag yet, so GitHub names its page after a placeholder.
  const page = r.draft
    ? `untagged-${createHash("sha1").update(String(r.id)).digest("hex").slice(0, 20)}`
    : encodeURIComponent(r.tagName);
  return {
    url: api,
    html_url: `${repoHtml(c)}/releases/tag/${page}`,
    assets_url: `${api}/assets`,
    upload_url: `${c.apiUrl}/repos/${c.owner}/${c.repo}/releases/${r.id}/assets{?name,label}`,
    tarball_url: r.draft ? null : `${repoApi(c)}/tarball/${encodeURIComponent(r.tagName)}`,
    zipball_url: r.draft ? null : `${repoApi(c)}/zipball/${encodeURIComponent(r.tagName)}`,
    id: r.id,
    node_id: nodeId("Release", r.id),
    tag_name: r.tagName,
    target_commitish: r.targetCommitish,
    name: r.name,
    body: r.body,
    draft: r.draft,
    prerelease: r.prerelease,
    immutable: r.immutable,
    created_at: r.createdAt,
    published_at: r.publishedAt,
    updated_at: r.publishedAt ?? r.createdAt,
    author,
    assets: [],
  };
}

export function gitRef(c: RenderContext, ref: RefInfo): Schemas["git-ref"] {
  const kind = ref.type === "tag" ? "tags" : ref.type === "commit" ? "commits" : `${ref.type}s`;
  return {
    ref: ref.ref,
    node_id: nodeId("Ref", ref.ref),
    url: `${repoApi(c)}/git/${ref.ref}`,
    object: { type: ref.type, sha: ref.sha, url: `${repoApi(c)}/git/${kind}/${ref.sha}` },
  };
}

export function commit(c: RenderContext, g: CommitInfo): Schemas["commit"] {
  const api = repoApi(c);
  const account = (email: string) => {
    const a = c.accountOf?.(email);
    return a ? user(c, a.login, a.id) : null;
  };
  return {
    url: `${api}/commits/${g.sha}`,
    sha: g.sha,
    node_id: nodeId("Commit", g.sha),
    html_url: `${repoHtml(c)}/commit/${g.sha}`,
    comments_url: `${api}/commits/${g.sha}/comments`,
    commit: {
      url: `${api}/git/commits/${g.sha}`,
      author: { name: g.authorName, email: g.authorEmail, date: isoSeconds(g.authorDate) },
      committer: { name: g.committerName, email: g.committerEmail, date: isoSeconds(g.committerDate) },
      message: g.message,
      comment_count: 0,
      tree: { sha: g.tree, url: `${api}/git/trees/${g.tree}` },
      verification: { verified: false, reason: "unsigned", payload: null, signature: null, verified_at: null },
    },
    // GitHub links a commit's author and committer to the accounts whose verified e-mails they used.
    author: account(g.authorEmail),
    committer: account(g.committerEmail),
    parents: g.parents.map((p) => ({ sha: p, url: `${api}/commits/${p}`, html_url: `${repoHtml(c)}/commit/${p}` })),
  };
}

export function comparison(
  c: RenderContext,
  basehead: string,
  cmp: Comparison,
  base: CommitInfo,
  mergeBase: CommitInfo,
): Schemas["commit-comparison"] {
  const status =
    cmp.aheadBy === 0 && cmp.behindBy === 0
      ? "identical"
      : cmp.behindBy === 0
        ? "ahead"
        : cmp.aheadBy === 0
          ? "behind"
          : "diverged";
  const html = `${repoHtml(c)}/compare/${basehead}`;
  return {
    url: `${repoApi(c)}/compare/${basehead}`,
    html_url: html,
    permalink_url: `${repoHtml(c)}/compare/${c.owner}:${base.sha.slice(0, 7)}...${c.owner}:${cmp.commits.at(-1)?.sha.slice(0, 7) ?? base.sha.slice(0, 7)}`,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    base_commit: commit(c, base),
    merge_base_commit: commit(c, mergeBase),
    status,
    ahead_by: cmp.aheadBy,
    behind_by: cmp.behindBy,
    total_commits: cmp.aheadBy,
    commits: cmp.commits.map((g) => commit(c, g)),
    files: [],
  };
}

export function gitTag(c: RenderContext, t: TagObject): Schemas["git-tag"] {
  const api = repoApi(c);
  const kind = t.objectType === "tag" ? "tags" : t.objectType === "commit" ? "commits" : `${t.objectType}s`;
  return {
    node_id: nodeId("Tag", t.sha),
    tag: t.tag,
    sha: t.sha,
    url: `${api}/git/tags/${t.sha}`,
    message: t.message,
    tagger: { date: isoSeconds(t.taggerDate), email: t.taggerEmail, name: t.taggerName },
    object: { sha: t.objectSha, type: t.objectType, url: `${api}/git/${kind}/${t.objectSha}` },
    verification: { verified: false, reason: "unsigned", payload: null, signature: null, verified_at: null },
  };
}
