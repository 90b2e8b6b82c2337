// A repository's tag list, page by page as the distribution spec's Link header says.
import { parseImageRef } from "./names.ts";
import { call, failure, type Session } from "./session.ts";
import { errorOf } from "./transport.ts";
import { RegistryError } from "./types.ts";

const MAX_TAG_PAGES = 100;

export async function listTags(s: Session, ref: string): Promise<string[]> {
  const repo = parseImageRef(ref);
  const what = `tags of ${ref}`;
  const tags: string[] = [];
  const base = `/v2/${repo.name}/`;
  let path = "tags/list";
  for (let page = 0; page < MAX_TAG_PAGES; page++) {
    const answer = await call(s, repo, path, "GET", "application/json", what);
    if (answer.status === 404 && errorOf(answer.body).code === "NAME_UNKNOWN") return tags;
    if (answer.status !== 200) throw failure(s, answer, what, repo.host);
    let doc: { tags?: unknown };
    try {
      doc = JSON.parse(answer.body.toString("utf8")) as { tags?: unknown };
    } catch (error) {
      throw new RegistryError(`${what}: the registry's answer is not valid JSON`, { code: "INVALID", cause: error });
    }
    if (Array.isArray(doc.tags)) tags.push(...doc.tags.filter((t): t is string => typeof t === "string"));
    // Pagination per the distribution spec: Link: </v2/<name>/tags/list?n=…&last=…>; rel="next"
    const next = /<([^>]+)>\s*;\s*rel="?next"?/.exec(answer.headers.get("link") ?? "")?.[1];
    if (!next) return tags;
    const nextUrl = new URL(next, answer.url);
    const at = nextUrl.pathname.indexOf(base);
    if (at < 0) return tags;
    path = nextUrl.pathname.slice(at + base.length) + nextUrl.search;
  }
  return tags;
}
