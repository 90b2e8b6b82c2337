// Releases: create, publish, edit and delete them, as GitHub validates each (tag names, immutable
// releases, note length), and which one is Latest.
import semver from "semver";
import { type ApiContext, AUTHOR, canPush, judgeChange } from "../context.ts";
import { DOCS, expectTypes, invalid, notFound, paginate, type Reply, type Req, type Route } from "../http.ts";
import * as render from "../render.ts";
import type { ReleaseRecord } from "../state.ts";

// https://docs.github.com/rest/releases/releases#create-a-release: GitHub refuses longer notes with 422.
const MAX_RELEASE_BODY = 125_000;
const MAKE_LATEST = ["true", "false", "legacy"];

const releaseError = (field: string | undefined, code: string, message?: string) =>
  invalid("Validation Failed", DOCS.releases, [
    { resource: "Release", code, ...(field ? { field } : {}), ...(message ? { message } : {}) },
  ]);

// ---- which one is Latest ----
// https://docs.github.com/rest/releases/releases: make_latest defaults to true for newly published
// releases; drafts and prereleases cannot be latest; "legacy" picks by creation date and higher
// semantic version. GET /releases/latest: the most recent non-prerelease, non-draft release.

const latestCandidates = (c: ApiContext) => c.state.releases.filter((x) => !x.draft && !x.prerelease);
const newestFirst = (a: ReleaseRecord, b: ReleaseRecord) => b.createdAt.localeCompare(a.createdAt) || b.id - a.id;
const versionOf = (tag: string) => semver.valid(semver.clean(tag) ?? tag.replace(/^[^\d]*/, ""));

function legacyLatest(c: ApiContext): number | null {
  const ranked = latestCandidates(c)
    .slice()
    .sort((a, b) => {
      const [va, vb] = [versionOf(a.tagName), versionOf(b.tagName)];
      if (va && vb && semver.neq(va, vb)) return semver.rcompare(va, vb);
      return newestFirst(a, b);
    });
  return ranked[0]?.id ?? null;
}

function onPublished(c: ApiContext, rel: ReleaseRecord): void {
  if (rel.draft || rel.prerelease) return;
  if (rel.makeLatest === "true") c.latestId = rel.id;
  else if (rel.makeLatest === "legacy") c.latestId = legacyLatest(c);
}

function currentLatest(c: ApiContext): ReleaseRecord | null {
  const marked = latestCandidates(c).find((x) => x.id === c.latestId);
  return marked ?? latestCandidates(c).slice().sort(newestFirst)[0] ?? null;
}

// ---- validation ----

function checkBody(body: unknown): void {
  if (typeof body === "string" && body.length > MAX_RELEASE_BODY)
    throw releaseError("body", "custom", `body is too long (maximum is ${MAX_RELEASE_BODY} characters)`);
}

function checkMakeLatest(value: string): void {
  if (!MAKE_LATEST.includes(value))
    throw invalid(`Invalid request.\n\nFor 'properties/make_latest', "${value}" is not a valid value.`, DOCS.releases);
}

function checkTagFree(c: ApiContext, tag: string, selfId: number | null): void {
  if (c.state.burnedTags.has(tag))
    throw releaseError("tag_name", "custom", "tag_name was used by an immutable release");
  if (c.state.releases.some((x) => !x.draft && x.tagName === tag && x.id !== selfId))
    throw releaseError("tag_name", "already_exists");
}

async function checkTagName(c: ApiContext, tag: string): Promise<void> {
  if (!(await c.git.isValidRefName(`refs/tags/${tag}`)))
    throw releaseError("tag_name", "custom", "tag_name is not a valid tag");
}

/** GitHub's tag auto-creation: a missing tag is made lightweight at the target (branch or SHA). */
async function ensureTag(c: ApiContext, tag: string, target: string): Promise<void> {
  const ref = `refs/tags/${tag}`;
  if (await c.git.getRef(ref)) return;
  const sha = await c.git.resolveCommit(target);
  if (!sha) throw releaseError("target_commitish", "invalid");
  const refused = judgeChange(c, { ref, oldSha: null, newSha: sha });
  if (refused) {
    // As GitHub answers when a ruleset stops the tag a release would create (observed, e.g.
    // googleapis/release-please-action#1194).
    throw invalid("Validation Failed", DOCS.releases, [
      {
        resource: "Release",
        code: "custom",
        field: "pre_receive",
        message: `pre_receive Repository rule violations found\n\n${refused.reasons.join("\n")}\n\n`,
      },
      { resource: "Release", code: "custom", message: "Published releases must have a valid tag" },
    ]);
  }
  if ((await c.git.createRef(ref, sha)) !== "created") throw releaseError("target_commitish", "invalid");
  c.opts.onRefUpdate?.({ ref, oldSha: null, newSha: sha, via: "api" });
}

// ---- records ----

function findRelease(c: ApiContext, r: Req): ReleaseRecord {
  const id = Number(r.params.release_id);
  const rel = c.state.releases.find((x) => x.id === id);
  if (!rel || (rel.draft && !canPush(c, r.caller))) throw notFound(DOCS.releases);
  return rel;
}

function renderRelease(c: ApiContext, rel: ReleaseRecord) {
  const id = rel.authorLogin === AUTHOR.login ? AUTHOR.id : render.derivedId("user", rel.authorLogin) % 10_000_000;
  return render.release(c.render, rel, render.user(c.render, rel.authorLogin, id));
}

async function createRelease(c: ApiContext, r: Req): Promise<Reply> {
  const b = r.body;
  const tag = b.tag_name;
  if (typeof tag !== "string" || tag === "")
    throw invalid(`Invalid request.\n\n"tag_name" wasn't supplied.`, DOCS.releases);
  expectTypes(b, {
    target_commitish: "string",
    name: "string?",
    body: "string?",
    draft: "boolean",
    prerelease: "boolean",
    generate_release_notes: "boolean",
    make_latest: "string",
  });
  const makeLatest = typeof b.make_latest === "string" ? b.make_latest : "true";
  checkMakeLatest(makeLatest);
  checkBody(b.body);
  await checkTagName(c, tag);
  checkTagFree(c, tag, null);
  const draft = b.draft === true;
  const target =
    typeof b.target_commitish === "string" && b.target_commitish ? b.target_commitish : c.opts.defaultBranch;
  if (!draft) await ensureTag(c, tag, target);
  let notes = typeof b.body === "string" ? b.body : null;
  if (b.generate_release_notes === true)
    notes = `${notes ? `${notes}\n\n` : ""}**Full Changelog**: ${c.render.htmlUrl}/${c.opts.owner}/${c.opts.repo}/commits/${tag}`;
  const at = render.isoSeconds(c.now());
  const rel: ReleaseRecord = {
    id: c.state.nextId(),
    tagName: tag,
    targetCommitish: target,
    name: typeof b.name === "string" ? b.name : null,
    body: notes,
    draft,
    prerelease: b.prerelease === true,
    immutable: !draft && c.scenario.immutableReleases,
    makeLatest,
    createdAt: at,
    publishedAt: draft ? null : at,
    authorLogin: AUTHOR.login,
  };
  c.state.releases.push(rel);
  onPublished(c, rel);
  const out = renderRelease(c, rel);
  return { status: 201, body: out, headers: { location: out.url } };
}

/** Only the title and notes of a published immutable release may change. */
function checkImmutable(rel: ReleaseRecord, b: Record<string, unknown>): void {
  if (!rel.immutable || rel.draft) return;
  const current: Record<string, unknown> = {
    tag_name: rel.tagName,
    target_commitish: rel.targetCommitish,
    draft: rel.draft,
    prerelease: rel.prerelease,
    make_latest: rel.makeLatest,
  };
  const locked = Object.keys(current).filter((k) => k in b && b[k] !== current[k]);
  if (locked.length) {
    throw invalid(
      "Validation Failed",
      DOCS.releases,
      locked.map((field) => ({
        resource: "Release",
        code: "custom",
        field,
        message: `${field} cannot be changed on an immutable release`,
      })),
    );
  }
}

/** The release as the PATCH body asks it to be (not yet validated against the others). */
function edited(rel: ReleaseRecord, b: Record<string, unknown>): ReleaseRecord {
  const next = { ...rel };
  if (typeof b.tag_name === "string") next.tagName = b.tag_name;
  if (typeof b.target_commitish === "string") next.targetCommitish = b.target_commitish;
  if ("name" in b) next.name = typeof b.name === "string" ? b.name : null;
  if ("body" in b) next.body = typeof b.body === "string" ? b.body : null;
  if (typeof b.prerelease === "boolean") next.prerelease = b.prerelease;
  if (typeof b.make_latest === "string") {
    checkMakeLatest(b.make_latest);
    next.makeLatest = b.make_latest;
  }
  if (typeof b.draft === "boolean") next.draft = b.draft;
  return next;
}

async function updateRelease(c: ApiContext, r: Req): Promise<Reply> {
  const rel = findRelease(c, r);
  const b = r.body;
  expectTypes(b, {
    tag_name: "string",
    target_commitish: "string",
    name: "string?",
    body: "string?",
    draft: "boolean",
    prerelease: "boolean",
    make_latest: "string",
  });
  checkBody(b.body);
  checkImmutable(rel, b);
  const next = edited(rel, b);
  if (next.tagName !== rel.tagName) await checkTagName(c, next.tagName);
  if (!next.draft) {
    checkTagFree(c, next.tagName, rel.id);
    await ensureTag(c, next.tagName, next.targetCommitish);
    if (rel.draft) {
      next.publishedAt = render.isoSeconds(c.now());
      next.immutable = c.scenario.immutableReleases;
    }
  } else {
    next.publishedAt = null;
  }
  const published = rel.draft && !next.draft;
  Object.assign(rel, next);
  if (published || typeof b.make_latest === "string") onPublished(c, rel);
  return { status: 200, body: renderRelease(c, rel) };
}

export const releaseRoutes: Route[] = [
  {
    method: "GET",
    template: "/repos/{owner}/{repo}/releases",
    perm: "contents:read",
    async handle(c, r) {
      const visible = c.state.releases.filter((x) => !x.draft || canPush(c, r.caller)).sort(newestFirst);
      const { page, headers } = paginate(c.render.apiUrl, r, visible);
      return { status: 200, body: page.map((rel) => renderRelease(c, rel)), headers };
    },
  },
  { method: "POST", template: "/repos/{owner}/{repo}/releases", perm: "contents:write", handle: createRelease },
  {
    method: "GET",
    template: "/repos/{owner}/{repo}/releases/tags/{tag}",
    perm: "contents:read",
    async handle(c, r) {
      // Drafts are never found by tag, whoever asks.
      const rel = c.state.releases.find((x) => !x.draft && x.tagName === r.params.tag);
      if (!rel) throw notFound(DOCS.releases);
      return { status: 200, body: renderRelease(c, rel) };
    },
  },
  {
    method: "GET",
    template: "/repos/{owner}/{repo}/releases/latest",
    perm: "contents:read",
    async handle(c) {
      const rel = currentLatest(c);
      if (!rel) throw notFound(DOCS.releases);
      return { status: 200, body: renderRelease(c, rel) };
    },
  },
  {
    method: "GET",
    template: "/repos/{owner}/{repo}/releases/{release_id}",
    perm: "contents:read",
    async handle(c, r) {
      return { status: 200, body: renderRelease(c, findRelease(c, r)) };
    },
  },
  {
    method: "PATCH",
    template: "/repos/{owner}/{repo}/releases/{release_id}",
    perm: "contents:write",
    handle: updateRelease,
  },
  {
    method: "DELETE",
    template: "/repos/{owner}/{repo}/releases/{release_id}",
    perm: "contents:write",
    async handle(c, r) {
      const rel = findRelease(c, r);
      c.state.releases.splice(c.state.releases.indexOf(rel), 1);
      // The tag stays; an immutable release's name can never be used again.
      if (rel.immutable && !rel.draft) c.state.burnedTags.add(rel.tagName);
      return { status: 204 };
    },
  },
];
