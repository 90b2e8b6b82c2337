// The bare repository's hooks and the private endpoints they call: pre-receive asks whether GitHub
// would take a push (and prints GitHub's refusal), post-receive reports the refs a push changed.
import { mkdir, writeFile } from "node:fs/promises";
import type http from "node:http";
import path from "node:path";
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
  await writeFile(path.join(hooks, "pre-receive"), preReceiveScript(`${apiUrl}${PRE_RECEIVE_ENDPOINT}`), {
    mode: 0o755,
  });
  await writeFile(path.join(hooks, "post-receive"), pushHookScript(`${apiUrl}${REFS_ENDPOINT}`), { mode: 0o755 });
}

/** Single-quotes a word for /bin/sh. */
function shQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** A node program that posts its stdin to the URL in argv[1] and handles the answer with `then`. */
const relayJs = (then: string, failure: string) =>
  [
    "let input = '';",
    "process.stdin.setEncoding('utf8');",
    "process.stdin.on('data', (d) => { input += d; });",
    "process.stdin.on('end', () => {",
    "  fetch(process.argv[1], { method: 'POST', body: input, signal: AbortSignal.timeout(15000) })",
    `    .then(${then})`,
    `    .catch((e) => console.error('${failure}: ' + e.message));`,
    "});",
  ].join("\n");

// The hook only relays git's "<old> <new> <ref>" lines; the server calls onRefUpdate before answering,
// and git waits for the hook, so the callback has run by the time `git push` returns.
const HOOK_JS = relayJs(
  "(r) => { if (!r.ok) console.error('sandbox: ref notification answered ' + r.status); }",
  "sandbox: ref notification failed",
);

// Asks the server about every ref; a refusal is printed (git shows it after "remote: ") and fails the
// push, as GitHub's own pre-receive does. An unreachable server lets the push through, loudly.
const PRE_RECEIVE_JS = relayJs(
  "async (r) => { const t = await r.text(); if (r.status === 403) { process.stderr.write(t); process.exitCode = 1; } }",
  "sandbox: push rules not checked",
);

function preReceiveScript(endpoint: string): string {
  // The new objects are quarantined until the hook succeeds: only the hook itself can ask git
  // whether an update is a fast-forward, so it adds that to each line.
  return [
    "#!/bin/sh",
    "# release-kit sandbox: GitHub's push rules (protected branches, rulesets, burned tag names).",
    "unset NODE_OPTIONS",
    "zero=0000000000000000000000000000000000000000",
    "lines=''",
    "while read -r old new ref; do",
    "  forced=0",
    '  if [ "$old" != "$zero" ] && [ "$new" != "$zero" ] && ! git merge-base --is-ancestor "$old" "$new" 2>/dev/null; then forced=1; fi',
    '  lines="$lines$old $new $ref $forced',
    '"',
    "done",
    `printf '%s' "$lines" | exec ${shQuote(process.execPath)} -e ${shQuote(PRE_RECEIVE_JS)} ${shQuote(endpoint)}`,
    "",
  ].join("\n");
}

function pushHookScript(endpoint: string): string {
  return [
    "#!/bin/sh",
    "# release-kit sandbox: tell the API server which refs this push changed.",
    "unset NODE_OPTIONS",
    `exec ${shQuote(process.execPath)} -e ${shQuote(HOOK_JS)} ${shQuote(endpoint)}`,
    "",
  ].join("\n");
}
