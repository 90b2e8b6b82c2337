// What the recovery and safety stories share: a sandbox per story, the kit's commands as a
// maintainer runs them, the tools in the example repository, and the world before and after.
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, type ExpectStatic, test } from "vitest";
import { KIT, type KitRun } from "./kit.ts";
import { gitAsync, kitIn, remoteRefs, type Sandbox, sandbox, sandboxEnv } from "./sandbox.ts";

export const exec = promisify(execFile);
/** One story's bound, only to catch a hang: as generous as the suite's own (a loaded machine took over 150 s). */
export const STORY_MS = 600_000;

const sandboxes = new Set<Sandbox>();
afterAll(async () => {
  await Promise.all([...sandboxes].map((s) => s.stop()));
});

/** A sandbox for one story, stopped when the story ends (and by afterAll if it throws first). */
export async function withSandbox(
  options: Parameters<typeof sandbox>[0],
  story: (sb: Sandbox) => Promise<void>,
): Promise<void> {
  const sb = await sandbox(options);
  sandboxes.add(sb);
  try {
    await story(sb);
  } finally {
    sandboxes.delete(sb);
    await sb.stop();
  }
}

/** One story as a test: a sandbox of its own (made with `options`), bounded by STORY_MS. Inside a
 *  describe.concurrent the stories run side by side, so each asserts with its own test's expect. */
export function story(
  name: string,
  options: Parameters<typeof sandbox>[0],
  body: (sb: Sandbox, expect: ExpectStatic) => Promise<void>,
): void {
  test(name, { timeout: STORY_MS }, ({ expect }) => withSandbox(options, (sb) => body(sb, expect)));
}

export const recover = (sb: Sandbox, ...args: string[]): Promise<KitRun> =>
  kitIn(sb, "recover", ["--json", ...args], { timeoutMs: 90_000 });
export const release = (sb: Sandbox, ...args: string[]): Promise<KitRun> =>
  kitIn(sb, "release", ["--json", ...args], { timeoutMs: 90_000 });

/** A tool in the example repository, as a maintainer runs it (the stand-ins and git-cliff on PATH). */
export async function tool(sb: Sandbox, file: string, ...args: string[]): Promise<string> {
  const env = sandboxEnv(sb);
  env.PATH = `${env.PATH}${delimiter}${join(KIT, "node_modules", ".bin")}`;
  return (await exec(file, args, { cwd: sb.repoPath!, env })).stdout;
}

/** Writes a file, commits it, and (unless told otherwise) pushes main, as a merged change would land. */
export async function commitFile(
  sb: Sandbox,
  path: string,
  text: string,
  message: string,
  push = true,
): Promise<string> {
  const repo = sb.repoPath!;
  await writeFile(join(repo, path), text);
  await gitAsync(repo, "add", path);
  await gitAsync(repo, "commit", "-q", "-m", message);
  if (push) await gitAsync(repo, "push", "-q", "origin", "HEAD:refs/heads/main");
  return gitAsync(repo, "rev-parse", "HEAD");
}

export const COG_HEAD = `tag_prefix = "v"\nbranch_whitelist = ["main"]\ndisable_changelog = true\n`;
export const CLIFF_HOOK = "git-cliff --tag {{version_tag}} -o CHANGELOG.md";
export const CARGO_HOOK = "cargo release version {{version}} --execute --no-confirm";
export const cogToml = (hooks: string[]) =>
  `${COG_HEAD}pre_bump_hooks = [\n${hooks.map((h) => `  ${JSON.stringify(h)},\n`).join("")}]\n`;

/** The runbook's own request: `gh release create vX` before the tag is pushed. */
export async function createReleaseThroughApi(sb: Sandbox, tag: string): Promise<{ id: number }> {
  const res = await fetch(`${sb.apiUrl}/repos/${sb.repository}/releases`, {
    method: "POST",
    headers: { authorization: `token ${sb.token}`, "content-type": "application/json" },
    body: JSON.stringify({ tag_name: tag, name: tag, draft: false, generate_release_notes: true }),
  });
  if (res.status !== 201) throw new Error(`POST releases: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: number };
}

export const remoteTag = async (sb: Sandbox, tag: string) =>
  (await gitAsync(sb.remotePath, "for-each-ref", "--format=%(objectname)", `refs/tags/${tag}`)) || null;
export const localTag = async (sb: Sandbox, tag: string) =>
  (await gitAsync(sb.repoPath!, "for-each-ref", "--format=%(objectname)", `refs/tags/${tag}`)) || null;
export const head = (sb: Sandbox) => gitAsync(sb.repoPath!, "rev-parse", "HEAD");
export const writes = (sb: Sandbox) =>
  [...sb.api.requests]
    .filter(([k]) => /^(POST|PATCH|PUT|DELETE) /.test(k))
    .sort()
    .map(([k, n]) => `${k} ×${n}`);
export const runOf = (sb: Sandbox, sha: string) => sb.api.state.runs.filter((r) => r.headSha === sha);

/** Everything recover could change: the clone (refs, HEAD, tree, stash), the remote, GitHub, the registry. */
export async function worldOf(sb: Sandbox) {
  const repo = sb.repoPath!;
  return {
    refs: await gitAsync(repo, "for-each-ref", "--format=%(refname) %(objectname)"),
    head: await head(sb),
    status: await gitAsync(repo, "status", "--porcelain", "--untracked-files=all"),
    stash: await gitAsync(repo, "stash", "list"),
    remote: await remoteRefs(sb),
    releases: JSON.stringify(sb.api.state.releases),
    runs: JSON.stringify(sb.api.state.runs.map((r) => [r.id, r.runAttempt, r.headSha, r.createdAt])),
    registry: JSON.stringify([...sb.registry.store.repos].map(([name, r]) => [name, [...r.tags]])),
    writes: writes(sb),
  };
}

/** What must survive every story unless it asked otherwise: published releases and pushed tags. */
export async function published(sb: Sandbox) {
  return {
    releases: sb.api.state.releases.filter((r) => !r.draft).map((r) => r.id),
    tags: (await gitAsync(sb.remotePath, "for-each-ref", "--format=%(refname) %(objectname)", "refs/tags"))
      .split("\n")
      .filter(Boolean),
  };
}

export async function expectKept(
  expect: ExpectStatic,
  sb: Sandbox,
  before: Awaited<ReturnType<typeof published>>,
  allowed: { deletedRelease?: number; movedTag?: string } = {},
) {
  const now = await published(sb);
  const ids = sb.api.state.releases.map((r) => r.id);
  for (const id of before.releases)
    if (id !== allowed.deletedRelease) expect(ids, `published release ${id} was deleted`).toContain(id);
  for (const line of before.tags)
    if (!line.startsWith(`refs/tags/${allowed.movedTag} `))
      expect(now.tags, `pushed tag moved: ${line}`).toContain(line);
}

/** A diagnosis without --apply: exactly one state, its evidence, the next action as commands, and no change. */
export async function diagnosed(
  expect: ExpectStatic,
  sb: Sandbox,
  state: string,
  opts: { runInProgress?: boolean } = {},
) {
  // While a run is in progress the simulated workflow itself publishes images: only recover's part is compared.
  const world = async (s: Sandbox) => ({
    ...(await worldOf(s)),
    ...(opts.runInProgress ? { registry: "(publishing)" } : {}),
  });
  const before = await world(sb);
  const res = await recover(sb);
  expect(res.json, res.stderr).toMatchObject({ command: "recover", state });
  expect(res.code).toBe(state === "complete" ? 0 : 1);
  expect(res.json.ok).toBe(state === "complete");
  expect(Object.keys(res.json).sort()).toEqual(["command", "evidence", "next", "ok", "state", "tag"]);
  // The human report shows evidence as short labelled lines; the JSON evidence stays in --json.
  const shown = /Failure Recovery:[\s\S]*?\n {2}next:/.exec(res.stderr)?.[0] ?? "";
  expect(shown).toMatch(/^ {4}local tag +\S/m);
  expect(shown).not.toMatch(/[{[]"\w+"/);
  if (state === "complete") expect(res.json.next).toEqual([]);
  else {
    expect(res.json.next).toHaveLength(1);
    expect(res.json.next[0].action).toEqual(expect.any(String));
    expect(res.json.next[0].commands.length).toBeGreaterThan(0);
  }
  expect(await world(sb), "recover without --apply changed the world").toEqual(before);
  return res.json;
}
