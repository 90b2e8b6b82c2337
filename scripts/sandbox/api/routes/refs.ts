// Git refs and tag objects: read, create and delete refs through the API, under the same push rules
// (protected branches, rulesets, burned tag names, immutable releases) a `git push` meets.
import { type ApiContext, judgeChange } from "../context.ts";
import type { RefInfo } from "../git.ts";
import { DOCS, fail, invalid, notFound, type Route } from "../http.ts";
import * as render from "../render.ts";

/** Every ref of the repository; GitHub answers 409 for any git read of an empty one. */
export async function refsOrEmpty(c: ApiContext, docs: string): Promise<RefInfo[]> {
  const refs = await c.git.listRefs();
  if (refs.length === 0) throw fail(409, "Git Repository is empty.", docs);
  return refs;
}

const ruleViolation = (reasons: string[]) =>
  invalid(`Repository rule violations found\n\n${reasons.join("\n")}\n\n`, DOCS.refs);

export const refRoutes: Route[] = [
  {
    method: "GET",
    template: "/repos/{owner}/{repo}/git/ref/{ref}",
    perm: "contents:read",
    async handle(c, r) {
      const ref = (await refsOrEmpty(c, DOCS.refs)).find((x) => x.ref === `refs/${r.params.ref}`);
      if (!ref) throw notFound(DOCS.refs);
      return { status: 200, body: render.gitRef(c.render, ref) };
    },
  },
  {
    method: "GET",
    template: "/repos/{owner}/{repo}/git/matching-refs/{ref}",
    perm: "contents:read",
    async handle(c, r) {
      const refs = await refsOrEmpty(c, DOCS.refs);
      const prefix = `refs/${r.params.ref}`;
      return {
        status: 200,
        body: refs.filter((x) => x.ref.startsWith(prefix)).map((x) => render.gitRef(c.render, x)),
      };
    },
  },
  {
    method: "POST",
    template: "/repos/{owner}/{repo}/git/refs",
    perm: "contents:write",
    async handle(c, r) {
      const { ref, sha } = r.body;
      const missing = [
        ["ref", ref],
        ["sha", sha],
      ]
        .filter(([, v]) => typeof v !== "string")
        .map(([k]) => `"${k}"`);
      if (missing.length || typeof ref !== "string" || typeof sha !== "string") {
        throw invalid(
          `Invalid request.\n\n${missing.join(", ")} ${missing.length > 1 ? "weren't" : "wasn't"} supplied.`,
          DOCS.refs,
        );
      }
      if (ref.split("/").length < 3 || !(await c.git.isValidRefName(ref)))
        throw invalid("Reference name must start with 'refs/' and have at least two slashes.", DOCS.refs);
      const refused = judgeChange(c, { ref, oldSha: null, newSha: sha });
      if (refused) throw ruleViolation(refused.reasons);
      const made = await c.git.createRef(ref, sha);
      if (made === "exists") throw invalid("Reference already exists", DOCS.refs);
      if (made === "bad-object") throw invalid("Object does not exist", DOCS.refs);
      c.opts.onRefUpdate?.({ ref, oldSha: null, newSha: sha, via: "api" });
      const info = await c.git.getRef(ref);
      if (!info) throw new Error(`${ref} vanished after creation`);
      const body = render.gitRef(c.render, info);
      return { status: 201, body, headers: { location: body.url } };
    },
  },
  {
    method: "DELETE",
    template: "/repos/{owner}/{repo}/git/refs/{ref}",
    perm: "contents:write",
    async handle(c, r) {
      const full = `refs/${r.params.ref}`;
      const ref = await c.git.getRef(full);
      if (!ref) throw invalid("Reference does not exist", DOCS.refs);
      if (full === `refs/heads/${c.opts.defaultBranch}`) throw invalid("Cannot delete the default branch", DOCS.refs);
      const tag = full.startsWith("refs/tags/") ? full.slice("refs/tags/".length) : null;
      if (tag !== null && c.state.releases.some((x) => x.immutable && !x.draft && x.tagName === tag)) {
        throw invalid(`Cannot delete tag ${tag}: it belongs to an immutable release`, DOCS.refs);
      }
      const refused = judgeChange(c, { ref: full, oldSha: ref.sha, newSha: null });
      if (refused) throw ruleViolation(refused.reasons);
      if (!(await c.git.deleteRef(full, ref.sha))) throw invalid("Reference does not exist", DOCS.refs);
      c.opts.onRefUpdate?.({ ref: full, oldSha: ref.sha, newSha: null, via: "api" });
      return { status: 204 };
    },
  },
  {
    method: "GET",
    template: "/repos/{owner}/{repo}/git/tags/{tag_sha}",
    perm: "contents:read",
    async handle(c, r) {
      await refsOrEmpty(c, DOCS.tags);
      const tag = await c.git.tagObject(r.params.tag_sha);
      if (!tag) throw notFound(DOCS.tags);
      return { status: 200, body: render.gitTag(c.render, tag) };
    },
  },
];
