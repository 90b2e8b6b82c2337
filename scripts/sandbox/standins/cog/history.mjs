// @ts-check
// Tags and commits as cog reads them: semver tags reachable from HEAD (git/tag.rs), the revwalk from
// the latest tag (git/revwalk.rs), and conventional commits (conventional_commit_parser, simplified).

import { git, headSha, parseVersion, vcmp, vstr } from "./core.mjs";

/** @typedef {import("./settings.mjs").Settings} Settings */
/** @typedef {import("./core.mjs").Version} Version */

/** @typedef {{ name: string, version: Version, commit: string, display: string }} Tag */

/** @param {Settings} settings @param {Version} version */
export const tagName = (settings, version) => `${settings.tagPrefix}${vstr(version)}`;

/** @param {string} root @param {Settings} settings @returns {Tag[]} */
export function reachableTags(root, settings) {
  const out = git(
    [
      "for-each-ref",
      "--merged",
      "HEAD",
      "--format=%(refname:strip=2)%09%(objecttype)%09%(objectname)%09%(*objecttype)%09%(*objectname)",
      "refs/tags",
    ],
    { cwd: root },
  ).stdout;
  /** @type {Tag[]} */
  const tags = [];
  for (const line of out.split("\n")) {
    if (!line) continue;
    const [name, type, sha, peeledType, peeled] = line.split("\t");
    const commit = type === "commit" ? sha : peeledType === "commit" ? peeled : "";
    if (!commit) continue;
    // Tag::from_str: strip the prefix when present, else parse the name as it is.
    const raw =
      settings.tagPrefix && name.startsWith(settings.tagPrefix) ? name.slice(settings.tagPrefix.length) : name;
    const version = parseVersion(raw);
    if (version) tags.push({ name, version, commit, display: tagName(settings, version) });
  }
  return tags;
}

/** @param {Tag[]} tags @param {boolean} includePre @returns {Tag | null} */
export function latestTag(tags, includePre) {
  let best = null;
  for (const tag of tags) {
    if (!includePre && tag.version.pre) continue;
    if (!best || vcmp(tag.version, best.version) > 0) best = tag;
  }
  return best;
}

/** @typedef {{ sha: string, parents: string[], author: string, message: string }} GitCommit */
/** @typedef {{ type: string, scope: string | null, breaking: boolean, summary: string }} Conventional */

/**
 * cog's revwalk for `<from>..HEAD`: exclusive of `from`, newest first. With no `from`, every commit
 * reachable from HEAD. When `from` is HEAD itself, the range is that single commit (revwalk.rs).
 * @param {string} root @param {string | null} from
 * @returns {GitCommit[]}
 */
export function commitsSince(root, from) {
  const head = headSha(root);
  const range = from === null || from === head ? [head, ...(from === head ? ["-1"] : [])] : [`${from}..${head}`];
  const out = git(["log", "--format=%H%x1f%P%x1f%an%x1f%B%x1e", ...range, "--"], { cwd: root }).stdout;
  return out
    .split("\x1e")
    .map((chunk) => chunk.replace(/^\n/, ""))
    .filter((chunk) => chunk.length > 0)
    .map((chunk) => {
      const [sha, parents, author, message] = chunk.split("\x1f");
      return { sha, parents: parents ? parents.split(" ") : [], author, message: message ?? "" };
    });
}

const SUMMARY_RE = /^([A-Za-z]+)(?:\(([^\s()]+)\))?(!)?: (.+)$/;
const BREAKING_FOOTER_RE = /^BREAKING[ -]CHANGE: /m;

/** @param {string} message @returns {Conventional | string} the parsed commit, or why it is not conventional */
function parseConventional(message) {
  const text = message.trim();
  const [first, ...rest] = text.split("\n");
  const m = SUMMARY_RE.exec(first);
  if (!m) {
    return / /.test(first.split(":")[0] ?? "") || !first.includes(":")
      ? "Missing commit type separator `:`"
      : "Invalid commit type or scope";
  }
  const body = rest.join("\n");
  return { type: m[1], scope: m[2] ?? null, breaking: m[3] === "!" || BREAKING_FOOTER_RE.test(body), summary: m[4] };
}

/**
 * `Commit::from_git_commit`: conventional, with an allowed type and (when `scopes` is set) scope.
 * @param {GitCommit} commit @param {Settings} settings
 * @returns {{ ok: true, conv: Conventional } | { ok: false, error: string }}
 */
export function checkCommit(commit, settings) {
  const conv = parseConventional(commit.message);
  const summary = commit.message.trim().split("\n")[0];
  const head = `Errored commit: ${commit.sha} <${commit.author}>\n\tCommit message:`;
  if (typeof conv === "string") {
    return { ok: false, error: `${head} '${summary}'\n\tError: ${conv}\n` };
  }
  if (settings.scopes && conv.scope && !settings.scopes.includes(conv.scope)) {
    return { ok: false, error: `${head}'${summary}'\n\tError: Commit scope \`${conv.scope}\` not allowed\n` };
  }
  if (!settings.types.has(conv.type)) {
    return { ok: false, error: `${head}'${summary}'\n\tError:Commit type \`${conv.type}\` not allowed\n` };
  }
  return { ok: true, conv };
}
