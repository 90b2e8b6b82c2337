// The bare repository's hooks and the private endpoints they call: pre-receive asks whether GitHub
// would take a push (and prints GitHub's refusal), post-receive reports the refs a push changed.
import { mkdir, writeFile } from "node:fs/promises";
import type http from "node:http";
import path from "node:path";
import { BASH } from "../bash.ts";
import { type ApiContext, judgeChange } from "./context.ts";
import { readBody } from "./http.ts";
import { refusalText } from "./rules.ts";

export const REFS_ENDPOINT = "/_sandbox/refs";
export const PRE_RECEIVE_ENDPOINT = "/_sandbox/pre-receive";

const ZERO_SHA = /^0+$/;
const shaOrNull = (sha: string) => (ZERO_SHA.test(sha) ? null : sha);

/** git's "<old> <new> <ref> [forced]" lines, one per updated ref. */
function refLines(raw: string): { oldSha: string | null; newSha: string | null; ref: string; forced: boolean }[] {
  return raw
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter(([, , ref]) => ref)
    .map(([oldSha, newSha, ref, forced]) => ({
      oldSha: shaOrNull(oldSha!),
      newSha: shaOrNull(newSha!),
      ref: ref!,
      forced: forced === "1",
    }));
}

/** post-receive: every ref the push changed reaches onRefUpdate before the hook (and `git push`) returns. */
export async function answerRefsHook(
  c: ApiContext,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<number> {
  const raw = await readBody(req);
  let status = 204;
  try {
    for (const { ref, oldSha, newSha } of refLines(raw)) c.opts.onRefUpdate?.({ ref, oldSha, newSha, via: "push" });
  } catch (e) {
    console.error("sandbox: onRefUpdate failed:", e);
    status = 500;
  }
  res.writeHead(status);
  res.end();
  return status;
}

/** pre-receive: whether GitHub would take the push; a refusal is GitHub's text. */
export async function answerPreReceive(
  c: ApiContext,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<number> {
  const raw = await readBody(req);
  const texts: string[] = [];
  for (const change of refLines(raw)) {
    const refused = judgeChange(c, change);
    if (refused) texts.push(refusalText(refused, `${c.render.htmlUrl}/${c.opts.owner}/${c.opts.repo}`));
  }
  const status = texts.length ? 403 : 204;
  res.writeHead(status, texts.length ? { "content-type": "text/plain; charset=utf-8" } : {});
  res.end(texts.join(""));
  return status;
}

export async function installPushHooks(remotePath: string, apiUrl: string): Promise<void> {
  const hooks = path.join(remotePath, "hooks");
  await mkdir(hooks, { recursive: true });
  const { hostname, port } = new URL(apiUrl);
  const server = { host: hostname, port: Number(port) };
  await writeFile(path.join(hooks, "pre-receive"), preReceiveScript(server), { mode: 0o755 });
  await writeFile(path.join(hooks, "post-receive"), postReceiveScript(server), { mode: 0o755 });
}

/** Single-quotes a word for the shell. */
function shQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

// Each push runs both hooks: they are bash, not node (a node process per hook was a tenth of the
// test suite's CPU). Bash's /dev/tcp speaks to the loopback server: one HTTP/1.0 request, after which
// the server closes the connection, so the whole answer is what arrives before end-of-file.

/** The hook's prelude: `post PATH BODY` sets `status` and `reply`, or fails when the server cannot be reached. */
function prelude(server: { host: string; port: number }, what: string): string {
  const host = shQuote(server.host);
  return [
    `#!${BASH}`,
    `# release-kit sandbox: ${what}`,
    "post() {",
    "  local LC_ALL=C head",
    `  exec 3<>"/dev/tcp/"${host}"/${server.port}" || return 1`,
    `  printf 'POST %s HTTP/1.0\\r\\nHost: %s:%s\\r\\nContent-Type: text/plain\\r\\nContent-Length: %d\\r\\n\\r\\n%s' "$1" ${host} ${server.port} "\${#2}" "$2" >&3`,
    "  IFS=' ' read -r -t 15 _ status _ <&3 || { exec 3<&-; return 1; }",
    "  while IFS= read -r -t 15 head <&3; do [ -z \"${head%$'\\r'}\" ] && break; done",
    "  IFS= read -r -t 15 -d '' reply <&3",
    "  exec 3<&-",
    "}",
  ].join("\n");
}

// Asks the server about every ref; a refusal is printed (git shows it after "remote: ") and fails the
// push, as GitHub's own pre-receive does. An unreachable server lets the push through, loudly.
function preReceiveScript(server: { host: string; port: number }): string {
  // The new objects are quarantined until the hook succeeds: only the hook itself can ask git
  // whether an update is a fast-forward, so it adds that to each line.
  return [
    prelude(server, "GitHub's push rules (protected branches, rulesets, burned tag names)."),
    "zero=0000000000000000000000000000000000000000",
    "lines=''",
    "while read -r old new ref; do",
    "  forced=0",
    '  if [ "$old" != "$zero" ] && [ "$new" != "$zero" ] && ! git merge-base --is-ancestor "$old" "$new" 2>/dev/null; then forced=1; fi',
    "  lines+=\"$old $new $ref $forced\"$'\\n'",
    "done",
    `if ! post ${PRE_RECEIVE_ENDPOINT} "$lines"; then echo "sandbox: push rules not checked: the sandbox did not answer" >&2; exit 0; fi`,
    'if [ "$status" = 403 ]; then printf \'%s\' "$reply" >&2; exit 1; fi',
    "",
  ].join("\n");
}

// The hook only relays git's "<old> <new> <ref>" lines; the server calls onRefUpdate before answering,
// and git waits for the hook, so the callback has run by the time `git push` returns.
function postReceiveScript(server: { host: string; port: number }): string {
  return [
    prelude(server, "tell the API server which refs this push changed."),
    "lines=$(cat)",
    `if ! post ${REFS_ENDPOINT} "$lines"$'\\n'; then echo "sandbox: ref notification failed: the sandbox did not answer" >&2`,
    `elif [ "\${status:-}" != 204 ]; then echo "sandbox: ref notification answered $status" >&2; fi`,
    "",
  ].join("\n");
}
