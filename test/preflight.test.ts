// mise run release:preflight, through its real entry point against the GitHub sandbox: every check
// made to pass and made to fail, the hard cases of issue 4, the exit codes, the JSON shape, and
// proof that preflight changes nothing in the repository, on origin or on GitHub.
//
// One sandbox serves the whole file. Tests that turn the sandbox's knobs (CI state, faults,
// latency, permissions, a draft release) run one at a time on the example repository. Tests that
// need a differently shaped local repository use "worlds": a clone of origin with several
// independent problems and one preflight run, shared by the tests that each assert one check on
// it. Worlds run concurrently (a clone's fetch and worktree never touch another's) and never turn
// the knobs.
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { defaultScenario } from "../scripts/sandbox/scenario.ts";
import { standinDir } from "../scripts/sandbox/standins/index.ts";
import { cleanEnv, KIT, type KitRun, MISE, run, tempDir } from "./helpers/kit.ts";
import { gitAsync, kitIn, remoteRefs, type Sandbox, sandbox } from "./helpers/sandbox.ts";

/** The ids, in the runbook's order: the JSON report lists every one of them, always. */
const IDS = [
  "release-branch",
  "clean-tree",
  "up-to-date",
  "merged",
  "ci-green",
  "artifacts-current",
  "conventional-commits",
  "next-version",
  "versions",
  "tag-free",
  "tag-triggers",
  "token-triggers",
  "token",
  "push",
  "tools",
  "config",
];

let sb: Sandbox;
let clones = 0;

beforeAll(async () => {
  sb = await sandbox();
});

afterAll(async () => {
  await sb?.stop();
});

// ---- helpers ---------------------------------------------------------------------------------

async function preflight(
  args: string[] = [],
  opts: { repo?: string; env?: Record<string, string | undefined>; timeoutMs?: number } = {},
): Promise<KitRun> {
  return kitIn(sb, "preflight", ["--json", ...args], opts);
}

function check(res: KitRun, id: string): { id: string; status: string; detail: string; fix: string; ms: number } {
  const found = res.json?.checks?.find((c: { id: string }) => c.id === id);
  if (!found) throw new Error(`no check ${id} in the report (exit ${res.code}):\n${res.stdout}\n${res.stderr}`);
  return found;
}

/** A failed run still prints the whole report: every check, and the verdict. */
function expectFailedReport(res: KitRun): void {
  expect(res.code, res.stderr).toBe(1);
  expect(res.json.command).toBe("preflight");
  expect(res.json.ok).toBe(false);
  expect(res.json.checks.map((c: { id: string }) => c.id)).toEqual(IDS);
}

function expectFail(res: KitRun, id: string, detail: RegExp, fix: RegExp): void {
  const c = check(res, id);
  expect(c.status, `${id}: ${c.detail}`).toBe("fail");
  expect(c.detail).toMatch(detail);
  expect(c.fix).toMatch(fix);
}

function expectPass(res: KitRun, id: string): void {
  const c = check(res, id);
  expect(c.status, `${id}: ${c.detail} / ${c.fix}`).toBe("pass");
}

/**
 * A clone of origin shaped like a maintainer's checkout: origin is the GitHub URL, rewritten to the
 * sandbox's bare remote (as the example repository is), so the kit names acme/gateway from origin.
 * Cloning only reads the remote, but it runs through the async git helper all the same.
 */
async function cloneOrigin(opts: { depth?: number } = {}): Promise<string> {
  const dir = join(sb.dir, "clones", `c${++clones}`);
  mkdirSync(join(sb.dir, "clones"), { recursive: true });
  const source = opts.depth ? `file://${sb.remotePath}` : sb.remotePath;
  await gitAsync(sb.dir, "clone", "-q", ...(opts.depth ? ["--depth", String(opts.depth)] : []), source, dir);
  const github = `https://github.com/${sb.repository}.git`;
  await gitAsync(dir, "remote", "set-url", "origin", github);
  await gitAsync(dir, "config", `url.${source}.insteadOf`, github);
  await gitAsync(dir, "config", "user.name", "Test");
  await gitAsync(dir, "config", "user.email", "test@example.com");
  await gitAsync(dir, "config", "commit.gpgsign", "false");
  return dir;
}

async function commitFile(dir: string, file: string, text: string, message: string): Promise<void> {
  writeFileSync(join(dir, file), text);
  await gitAsync(dir, "add", file);
  await gitAsync(dir, "commit", "-q", "-m", message);
}

/** Commits the release workflow with its `tags: ["v*"]` filter replaced by `filter`. */
async function commitTagFilter(dir: string, filter: string, message: string): Promise<void> {
  const wf = ".github/workflows/release.yml";
  await commitFile(dir, wf, readFileSync(join(dir, wf), "utf8").replace('tags: ["v*"]', filter), message);
}

/** Everything preflight must leave as it was: the tree, the index, refs (but origin's remote-tracking
 *  refs, which its one fetch updates), stashes, worktrees, config, and the bare remote. */
async function snapshot(repo: string): Promise<Record<string, string>> {
  const worktrees = join(repo, ".git", "worktrees");
  return {
    status: await gitAsync(repo, "status", "--porcelain=v1", "--untracked-files=all", "--ignored"),
    head: await gitAsync(repo, "symbolic-ref", "HEAD"),
    refs: (await gitAsync(repo, "for-each-ref", "--format=%(refname) %(objectname)"))
      .split("\n")
      .filter((l) => !l.startsWith("refs/remotes/"))
      .join("\n"),
    stash: await gitAsync(repo, "stash", "list"),
    worktrees: existsSync(worktrees) ? readdirSync(worktrees).join(",") : "(none)",
    worktreeList: await gitAsync(repo, "worktree", "list", "--porcelain"),
    config: readFileSync(join(repo, ".git", "config"), "utf8"),
    remote: await remoteRefs(sb),
  };
}

function apiWrites(): string[] {
  return [...sb.api.requests.keys()].filter((k) => !/^(GET|HEAD) /.test(k));
}

// ---- on the example repository, one at a time (these turn the sandbox's knobs) ------------------

describe("preflight on the releasable example", () => {
  afterEach(() => {
    Object.assign(sb.scenario, defaultScenario());
  });

  it("passes every check, exits 0, prints the documented JSON, and changes nothing anywhere", async () => {
    const repo = sb.repoPath!;
    const before = await snapshot(repo);
    const writesBefore = apiWrites();
    const res = await preflight();
    expect(res.code, res.stderr).toBe(0);
    // Exactly { command, ok, version, tag, checks: [{ id, status, detail, fix, ms }], config }.
    expect(Object.keys(res.json).sort()).toEqual(["checks", "command", "config", "ok", "tag", "version"]);
    // What preflight derived, and from where: origin's default branch, cog.toml's prefix, nothing unsupported.
    expect(res.json.config).toMatchObject({
      branch: "main",
      default_branch: "main",
      tag_prefix: "v",
      tag_scheme: "single",
      changelog: "git-cliff",
      unsupported: [],
    });
    expect(res.json.config.sources).toMatchObject({
      RELEASE_BRANCH: expect.stringMatching(/^origin's default branch/),
      tag_prefix: "cog.toml tag_prefix",
    });
    expect(res.json).toMatchObject({ command: "preflight", ok: true, version: "0.3.0", tag: "v0.3.0" });
    expect(res.json.checks.map((c: { id: string }) => c.id)).toEqual(IDS);
    for (const c of res.json.checks) {
      expect(Object.keys(c).sort()).toEqual(["detail", "fix", "id", "ms", "status"]);
      // Outside GitHub Actions there is no Actions token to check: token-triggers says so (skip).
      expect(c.status, `${c.id}: ${c.detail} / ${c.fix}`).toBe(c.id === "token-triggers" ? "skip" : "pass");
      expect(typeof c.detail).toBe("string");
      expect(c.detail.length).toBeGreaterThan(0);
      expect(c.fix).toBe("");
      expect(Number.isInteger(c.ms) && c.ms >= 0).toBe(true);
    }
    // Each pass says what it found.
    expect(check(res, "ci-green").detail).toMatch(/build, test/);
    expect(check(res, "next-version").detail).toMatch(/v0\.3\.0.*after v0\.2\.0/);
    expect(check(res, "versions").detail).toMatch(/0\.2\.0/);
    expect(check(res, "tag-triggers").detail).toMatch(/v0\.3\.0 starts \.github\/workflows\/release\.yml/);
    // Each tool with its version and where it came from; cargo-release asked as `cargo release --version`.
    expect(check(res, "tools").detail).toMatch(
      /^cog \d+\.\d+\.\d+.* at \/\S+; git-cliff \d+\.\d+\.\d+ at \/\S+; cargo \d+\.\d+\.\d+.* at \/\S+; cargo-release 1\.1\.5.* at \/\S+$/,
    );

    expect(await snapshot(repo)).toEqual(before);
    expect(apiWrites()).toEqual(writesBefore);
  });

  it("runs the checks concurrently: with 100 ms added to every API answer, the checks' requests are in flight together", async () => {
    sb.scenario.latencyMs = 100;
    sb.scenario.ciKind = "statuses"; // and green legacy statuses pass as check runs do
    sb.api.inFlight.peak = 0;
    const res = await preflight();
    expect(res.code, res.stderr).toBe(0);
    expect(check(res, "ci-green").detail).toMatch(/ci\/build, ci\/test/);
    // Counted by the server, not timed: one check at a time would never have two requests open.
    // The wall-clock ratio is npm run bench's to measure.
    console.log(`preflight: at most ${sb.api.inFlight.peak} API requests in flight at once`);
    expect(sb.api.inFlight.peak).toBeGreaterThanOrEqual(4);
  });

  describe("ci-green reads GitHub's verdict for HEAD: failing, pending and no CI are told apart and name the checks", () => {
    const cases = [
      {
        kind: "checks",
        state: "failure",
        detail: /CI failed for [0-9a-f]{7}: test \(failure\)/,
        fix: /fix the failing checks/,
      },
      {
        kind: "checks",
        state: "pending",
        detail: /CI is still running for [0-9a-f]{7}: test/,
        fix: /wait for CI to finish, then run preflight again/,
      },
      { kind: "checks", state: "none", detail: /no CI at all for [0-9a-f]{7}/, fix: /CI runs on the release branch/ },
      {
        kind: "statuses",
        state: "failure",
        detail: /CI failed for [0-9a-f]{7}: ci\/test \(failure\)/,
        fix: /fix the failing checks/,
      },
      {
        kind: "statuses",
        state: "pending",
        detail: /CI is still running for [0-9a-f]{7}: ci\/test/,
        fix: /wait for CI to finish/,
      },
    ] as const;
    for (const c of cases) {
      it(`${c.state} ${c.kind === "checks" ? "check runs" : "legacy commit statuses"}`, async () => {
        Object.assign(sb.scenario, { ciKind: c.kind, ciDefault: c.state });
        const res = await preflight();
        expectFailedReport(res);
        expectFail(res, "ci-green", c.detail, c.fix);
        // Only CI is wrong: nothing else fails with it.
        expect(
          res.json.checks.filter((x: { status: string }) => x.status === "fail").map((x: { id: string }) => x.id),
        ).toEqual(["ci-green"]);
      });
    }
  });

  it("token: an account that may only read the repository says the release step would fail", async () => {
    sb.scenario.role = "read";
    const res = await preflight();
    expectFailedReport(res);
    expectFail(
      res,
      "token",
      /cannot push to acme\/gateway \(its role reads only\): creating the release would fail/,
      /write access/,
    );
  });

  it("token: a fine-grained token is not called able to write: the check says what it could not confirm", async () => {
    // GET /repos reports the account's role, not the token's grants, and fine-grained tokens list
    // no scopes: nothing tells whether this one may write, so the check warns instead of passing.
    sb.scenario.missingPermissions = ["contents:write"];
    const res = await preflight();
    expect(check(res, "token")).toMatchObject({
      status: "warn",
      detail: expect.stringMatching(
        /cannot confirm the token may create releases: fine-grained tokens do not list their permissions/,
      ),
    });
    expect(check(res, "token").detail).not.toMatch(/may push to/);
    expect(check(res, "token").fix).toMatch(/Contents: write/);
  });

  it("token: a classic token without the repo scope fails, naming its scopes", async () => {
    sb.scenario.tokenScopes = ["read:packages"];
    const res = await preflight();
    expectFail(res, "token", /classic token without the repo scope \(it has: read:packages\)/, /repo scope/);
  });

  it("API down (5xx for every request): the GitHub checks fail after retries and say what to do, no crash", async () => {
    sb.scenario.faults = [{ kind: "status", status: 502, times: Infinity }];
    const res = await preflight();
    expectFailedReport(res);
    for (const id of ["ci-green", "token", "tag-free"])
      expectFail(res, id, /GitHub did not answer \(502 .*after retries/, /githubstatus\.com.*run the command again/);
    expectPass(res, "release-branch");
    // git's dry run passes; GitHub's push rules could not be read, which the check says.
    expect(check(res, "push")).toMatchObject({
      status: "warn",
      detail: expect.stringMatching(/accepted, but GitHub's rules .* could not be read/),
    });
  });

  it("rate limited (429, x-ratelimit-remaining 0): the detail says when the limit resets", async () => {
    sb.scenario.faults = [{ kind: "status", status: 429, times: Infinity }];
    const res = await preflight();
    expectFailedReport(res);
    for (const id of ["ci-green", "token", "tag-free"]) {
      expectFail(
        res,
        id,
        /rate limit.*resets at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/,
        /wait until the limit resets \(\d{4}-/,
      );
    }
  });

  it("rate limited until an hour from now (403): preflight reports it at once instead of waiting for the reset", async () => {
    const reset = Math.floor(Date.now() / 1000) + 3600;
    sb.scenario.faults = [
      {
        kind: "status",
        status: 403,
        times: Infinity,
        headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(reset) },
      },
    ];
    const res = await preflight([], { timeoutMs: 120_000 });
    expectFailedReport(res);
    const when = new Date(reset * 1000).toISOString().replace(/\.\d+Z$/, "");
    expectFail(res, "token", new RegExp(`rate limit.*resets at ${when}`), /wait until the limit resets/);
  });

  it("tag-free: a draft release already uses the next tag; token: it may not read workflow runs, naming what will fail", async () => {
    sb.scenario.missingPermissions = ["actions:read"];
    const res0 = await fetch(`${sb.apiUrl}/repos/${sb.repository}/releases`, {
      method: "POST",
      headers: { authorization: `Bearer ${sb.token}`, "content-type": "application/json" },
      body: JSON.stringify({ tag_name: "v0.3.0", name: "v0.3.0", draft: true }),
    });
    expect(res0.status).toBe(201);
    const { id } = (await res0.json()) as { id: number };
    try {
      const res = await preflight();
      expectFailedReport(res);
      expectFail(
        res,
        "tag-free",
        /v0\.3\.0 is already used by a draft GitHub release/,
        /scripts\/release-kit recover --tag v0\.3\.0 --repo /,
      );
      expectFail(res, "token", /read workflow runs \(release:verify\).*403/, /actions=read/);
    } finally {
      await fetch(`${sb.apiUrl}/repos/${sb.repository}/releases/${id}`, {
        method: "DELETE",
        headers: { authorization: `Bearer ${sb.token}` },
      });
    }
  });
});

// ---- local worlds, each in its own clone, at once ----------------------------------------------
// Each world is one repository with several independent problems and ONE preflight run, as a
// maintainer would meet them: the report must show every problem at once. Its tests share the run.

const worlds: (() => Promise<unknown>)[] = [];

/** Builds a world once, however many tests ask for it. */
function world<T>(build: () => Promise<T>): () => Promise<T> {
  let built: Promise<T> | null = null;
  const get = () => (built ??= build());
  worlds.push(get);
  return get;
}

const actionsHeader = (token: string) =>
  `AUTHORIZATION: basic ${Buffer.from(`x-access-token:${token}`).toString("base64")}`;

describe.concurrent("preflight on repositories that are not ready: every problem in one report", () => {
  // Start every world at once: the tests that share one would otherwise fill vitest's concurrency
  // slots waiting for it. A failure surfaces in the tests that await the world.
  beforeAll(() => {
    for (const start of worlds) start().catch(() => undefined);
  });

  // On a feature branch, with an uncommitted edit and an untracked file, a push URL git cannot
  // reach, and a generator that fails.
  const wrongPlace = world(async () => {
    const repo = await cloneOrigin();
    await gitAsync(repo, "switch", "-q", "-c", "feature/audit");
    writeFileSync(join(repo, "README.md"), "edited\n");
    writeFileSync(join(repo, "notes.txt"), "scratch\n");
    await gitAsync(repo, "config", "remote.origin.pushurl", "https://127.0.0.1:1/acme/gateway.git");
    return preflight([], { repo, env: { RELEASE_GENERATE: "echo 'protoc: not found' >&2; exit 3" } });
  });

  it("exits 1 with the whole report", async () => expectFailedReport(await wrongPlace()));

  it("release-branch: on another branch", async () => {
    expectFail(
      await wrongPlace(),
      "release-branch",
      /on feature\/audit, not the release branch main/,
      /git switch main/,
    );
  });

  it("clean-tree: a modified and an untracked file, named", async () => {
    expectFail(
      await wrongPlace(),
      "clean-tree",
      /2 uncommitted or untracked files \(.*README\.md.*notes\.txt/,
      /commit them, stash them \(git stash --include-untracked\)/,
    );
  });

  it("next-version: cog's branch_whitelist refuses the branch, and the fix is to switch, not to add commits", async () => {
    expectFail(await wrongPlace(), "next-version", /bump is not allowed/, /git switch main/);
  });

  it("push: git cannot reach origin's push URL; the fix is about git's credentials", async () => {
    const res = await wrongPlace();
    expectFail(res, "push", /git cannot push to origin/, /git's credentials for origin/);
    expectPass(res, "up-to-date"); // fetching still works: only the push is broken
  });

  it("artifacts-current: a generator that fails in a clean checkout says so", async () => {
    expectFail(
      await wrongPlace(),
      "artifacts-current",
      /failed \(exit 3\).*protoc: not found/,
      /make `.*` work from a fresh checkout, or fix RELEASE_GENERATE/,
    );
  });

  // An old checkout: main reset one commit back, then HEAD detached there.
  const oldDetached = world(async () => {
    const repo = await cloneOrigin();
    await gitAsync(repo, "reset", "-q", "--hard", "HEAD~1");
    await gitAsync(repo, "switch", "-q", "--detach", "HEAD");
    return preflight([], { repo });
  });

  it("release-branch: detached HEAD", async () => {
    const res = await oldDetached();
    expectFailedReport(res);
    expectFail(res, "release-branch", /HEAD is detached, not on main/, /git switch main/);
  });

  it("up-to-date: origin has a commit this clone lacks → git pull --ff-only", async () => {
    const res = await oldDetached();
    expectFail(res, "up-to-date", /origin\/main has 1 commit you do not have/, /git pull --ff-only/);
    expectPass(res, "merged"); // an older commit of main is merged; it is just not the newest
  });

  it("push: a push that would not fast-forward is rejected", async () => {
    expectFail(await oldDetached(), "push", /a push to main would be rejected/, /git pull --ff-only/);
  });

  // Local work nobody merged: a non-conventional commit, a route added without regenerating the
  // contract, and a workflow whose tag filter no longer matches cog's tags.
  const tmpForArtifacts = () => join(sb.dir, "tmp-artifacts");
  const generatorRanIn = () => join(sb.dir, "generator-ran-in");
  const unmerged = world(async () => {
    const repo = await cloneOrigin();
    await commitFile(repo, "NOTES.md", "wip\n", "did some stuff");
    const routes = "crates/admin-ui/src/routes.txt";
    await commitFile(
      repo,
      routes,
      `${readFileSync(join(repo, routes), "utf8")}GET /admin/tokens\n`,
      "feat(admin-ui): list tokens",
    );
    await commitTagFilter(repo, 'tags: ["release-*"]', "ci: rename release tags");
    mkdirSync(tmpForArtifacts());
    const before = await snapshot(repo);
    const res = await preflight([], {
      repo,
      env: { TMPDIR: tmpForArtifacts(), RELEASE_GENERATE: `sh scripts/gen-contract.sh && pwd > ${generatorRanIn()}` },
    });
    return { res, before, after: await snapshot(repo) };
  });

  it("up-to-date: local commits origin does not have", async () => {
    const { res } = await unmerged();
    expectFailedReport(res);
    expectFail(
      res,
      "up-to-date",
      /main has 3 commits that origin\/main does not/,
      /merge them through the normal review/,
    );
  });

  it("merged: the state to release is not on origin's branch", async () => {
    expectFail(
      (await unmerged()).res,
      "merged",
      /HEAD has 3 commits that origin\/main does not: the state to release is not merged/,
      /merge the change into main.*git pull --ff-only/,
    );
  });

  it("conventional-commits: names the commit cog rejects, and how to reword it", async () => {
    expectFail(
      (await unmerged()).res,
      "conventional-commits",
      /non compliant.*did some stuff/i,
      /git rebase -i origin\/main.*reword/,
    );
  });

  it("ci-green: a commit GitHub never received has no CI, and the fix is to merge it", async () => {
    expectFail(
      (await unmerged()).res,
      "ci-green",
      /GitHub does not have [0-9a-f]{7}: it was never pushed, so CI never ran on it/,
      /merge the change into main/,
    );
  });

  it("artifacts-current: stale, found in a throwaway worktree that is removed, the user's tree untouched", async () => {
    const { res, before, after } = await unmerged();
    expectFail(
      res,
      "artifacts-current",
      /the committed artifacts are stale: .* changes contracts\/admin-api\.json/,
      /run `sh scripts\/gen-contract\.sh.*` and commit the result/,
    );
    const ranIn = readFileSync(generatorRanIn(), "utf8").trim();
    expect(ranIn.startsWith(tmpForArtifacts())).toBe(true); // not the user's repository
    expect(existsSync(ranIn)).toBe(false); // and gone
    expect(readdirSync(tmpForArtifacts()).filter((f) => f.startsWith("release-kit-"))).toEqual([]);
    expect(after.status).toBe(""); // the generator's change did not land in the user's tree
    expect(after).toEqual(before);
  });

  it("tag-triggers: a workflow whose tag filter cog's tags do not match, naming both", async () => {
    expectFail(
      (await unmerged()).res,
      "tag-triggers",
      /v0\.3\.0 would not start \.github\/workflows\/release\.yml \(tags: release-\*\)/,
      /tag_prefix in cog\.toml \(now "v"\).*'v\*' to on\.push\.tags/,
    );
  });

  // Half-done release work in GitHub Actions: a local tag left by an abandoned attempt, a workflow
  // that now ignores 0.x tags, a member version moved by hand, hooks that would write nothing, and
  // git pushing with the workflow's own GITHUB_TOKEN.
  const halfDone = world(async () => {
    const repo = await cloneOrigin();
    await commitFile(repo, "CHANGELOG.md", "## v0.3.0\n", "chore(version): v0.3.0");
    await gitAsync(repo, "tag", "v0.3.0");
    await gitAsync(repo, "reset", "-q", "--hard", "origin/main");
    await commitTagFilter(repo, 'tags-ignore: ["v0.*"]', "ci: publish no 0.x releases");
    const manifest = join(repo, "crates/gateway/Cargo.toml");
    writeFileSync(manifest, readFileSync(manifest, "utf8").replace('version = "0.2.0"', 'version = "0.3.0"'));
    const cog = join(repo, "cog.toml");
    writeFileSync(
      cog,
      readFileSync(cog, "utf8")
        .replace(" -o CHANGELOG.md", "")
        .replace(" --no-confirm", "")
        .replace("{{version}} --execute", "{{ version }} --execute"),
    );
    // A mise.toml pinning another cog than the one installed.
    appendFileSync(join(repo, "mise.toml"), '\n[tools]\ncocogitto = "7.1.0"\ngit-cliff = "2"\n');
    const cliff = join(repo, "cliff.toml");
    writeFileSync(
      cliff,
      readFileSync(cliff, "utf8").replace(/^\[changelog\]$/m, '[changelog]\noutput = "CHANGELOG.md"'),
    );
    await gitAsync(repo, "config", "http.https://github.com/.extraheader", actionsHeader(sb.token));
    return preflight([], { repo, env: { GITHUB_ACTIONS: "true" } });
  });

  it("tag-free: a local tag left by an abandoned release attempt", async () => {
    const res = await halfDone();
    expectFailedReport(res);
    expectFail(
      res,
      "tag-free",
      /v0\.3\.0 is already used as a local tag/,
      /run mise run release:recover -- --tag v0\.3\.0 to see/,
    );
  });

  it("tag-triggers: the next tag excluded by tags-ignore, naming the filter", async () => {
    expectFail(
      await halfDone(),
      "tag-triggers",
      /v0\.3\.0 would not start \.github\/workflows\/release\.yml: tags-ignore \(v0\.\*\) excludes it/,
      /remove the pattern that matches v0\.3\.0 from on\.push\.tags-ignore/,
    );
  });

  it("versions: a member whose version moved outside a release commit warns, and never advises lowering it", async () => {
    const c = check(await halfDone(), "versions");
    expect(c.status).toBe("warn");
    expect(c.detail).toMatch(
      /crates\/gateway\/Cargo\.toml says 0\.3\.0, but the latest release v0\.2\.0 is 0\.2\.0: a commit raised it outside a release commit; releasing 0\.3\.0 stamps every manifest with 0\.3\.0/,
    );
    expect(c.fix).not.toMatch(/back|lower|0\.2\.0/);
  });

  it("config: hooks that would write nothing (git-cliff without -o, cargo-release without --no-confirm), and cliff.toml's output", async () => {
    const c = check(await halfDone(), "config");
    expect(c.status).toBe("fail");
    expect(c.detail).toMatch(
      /git-cliff hook .* has no -o\/--output or --prepend: it prints the changelog to stdout and changes nothing/,
    );
    expect(c.detail).toMatch(/cargo-release hook .* lacks --no-confirm/);
    expect(c.detail).toMatch(/cliff\.toml sets \[changelog\] output/);
    expect(c.fix).toMatch(/add -o CHANGELOG\.md \(or --unreleased --prepend CHANGELOG\.md\) to the git-cliff hook/);
    expect(c.fix).toMatch(/add --no-confirm to the cargo-release hook/);
  });

  it("token-triggers: in GitHub Actions, pushing with the workflow's own GITHUB_TOKEN starts no workflow", async () => {
    expectFail(
      await halfDone(),
      "token-triggers",
      /GITHUB_TOKEN as git's push credential: a tag pushed with it starts no workflow/,
      /GitHub App installation token or a PAT/,
    );
  });

  // No cog, no cargo-release, no token.
  const bareMachine = world(async () => {
    const repo = await cloneOrigin();
    return preflight([], {
      repo,
      env: { PATH: "/usr/local/bin:/usr/bin:/bin", GITHUB_TOKEN: undefined, GH_TOKEN: undefined },
    });
  });

  it("tools: cog and cargo-release missing from PATH; the checks that need cog skip instead of crashing", async () => {
    const res = await bareMachine();
    expectFailedReport(res);
    expectFail(res, "tools", /cog.*cargo-release.* not found on PATH/, /mise install/);
    expect(check(res, "conventional-commits").status).toBe("skip");
    expect(check(res, "next-version").status).toBe("skip");
  });

  it("token: none found names GH_TOKEN and GITHUB_TOKEN", async () => {
    expectFail(
      await bareMachine(),
      "token",
      /no GitHub token: GH_TOKEN and GITHUB_TOKEN are unset/,
      /set GH_TOKEN \(or GITHUB_TOKEN\)/,
    );
  });

  // cargo-release there, cargo not working: the real cargo-release needs cargo (`cargo metadata`,
  // and the hook's `cargo release`), and answers only `cargo-release release --version`.
  const noCargo = world(async () => {
    const repo = await cloneOrigin();
    const broken = join(sb.dir, "no-cargo");
    mkdirSync(broken);
    writeFileSync(join(broken, "cargo"), "#!/bin/sh\necho 'cargo: not installed' >&2\nexit 127\n", { mode: 0o755 });
    return preflight([], {
      repo,
      env: { PATH: [standinDir("cog"), standinDir("cargo-release"), broken, "/usr/local/bin:/usr/bin:/bin"].join(":") },
    });
  });

  it("tools: without a working cargo, cargo-release is still found (asked as `cargo-release release --version`) and cargo is named", async () => {
    const res = await noCargo();
    expectFail(
      res,
      "tools",
      /^cargo not found on PATH \(found: cog 7\.0\.0.* at \/\S+; git-cliff .*; cargo-release 1\.1\.5.* at \/\S+\)$/,
      /install Rust's cargo/,
    );
  });

  it("config: a hook with spaces inside {{ }} fails (cog's grammar has none), naming the hook and the spelling cog reads", async () => {
    const res = await halfDone();
    expectFail(
      res,
      "config",
      /the pre_bump_hooks hook "cargo release version \{\{ version \}\} --execute" has \{\{ version \}\}, which cog cannot parse/,
      /write it without spaces in cog\.toml: "cargo release version \{\{version\}\} --execute"/,
    );
    // The git-cliff hook's valid {{version_tag}} is not reported.
    expect(check(res, "config").detail).not.toMatch(/hook "git-cliff[^"]*" has/);
  });

  it('tools: a version other than mise.toml\'s pin warns naming both; a prefix pin (git-cliff = "2") is kept', async () => {
    const c = check(await halfDone(), "tools");
    expect(c.status, c.detail).toBe("warn");
    expect(c.detail).toMatch(/^cog 7\.0\.0 is installed, but mise\.toml pins cocogitto 7\.1\.0 \(found: cog 7\.0\.0/);
    expect(c.detail).not.toMatch(/git-cliff \S+ is installed/);
    expect(c.fix).toMatch(/mise install/);
  });

  // A cog.toml that does not parse, a token GitHub rejects, and a version that is not one.
  const broken = world(async () => {
    const repo = await cloneOrigin();
    writeFileSync(join(repo, "cog.toml"), 'tag_prefix = "v\npre_bump_hooks = [\n');
    return preflight(["--version", "v1.0"], { repo, env: { GITHUB_TOKEN: "ghp_wrongwrongwrong" } });
  });

  it("config: a cog.toml that does not parse fails config with exit 1 and the full report (not exit 2)", async () => {
    const res = await broken();
    expectFailedReport(res);
    expectFail(res, "config", /cog\.toml is not valid TOML \(line 1/, /fix the syntax of cog\.toml/);
    expect(check(res, "config").detail).not.toMatch(/there is no cog\.toml/);
    // What depends on cog.toml waits for it to be fixed rather than guessing.
    for (const id of ["conventional-commits", "tag-triggers"])
      expect(check(res, id)).toMatchObject({ status: "skip", detail: expect.stringMatching(/cog\.toml/) });
  });

  it("token: a token GitHub rejects (401), never printed", async () => {
    const res = await broken();
    expectFail(res, "token", /GitHub rejected the token \(401/, /set a valid GH_TOKEN or GITHUB_TOKEN/);
    expect(res.stdout + res.stderr).not.toContain("ghp_wrongwrongwrong");
  });

  it("next-version: an invalid --version fails it and says what a version looks like", async () => {
    const res = await broken();
    expectFail(res, "next-version", /--version v1\.0 is not a semantic version such as 1\.4\.0/, /--help/);
    expect(check(res, "tag-free").status).toBe("skip");
  });

  // A shallow clone (as CI checkouts are by default) with no cog.toml at all.
  const shallow = world(async () => {
    const repo = await cloneOrigin({ depth: 1 });
    rmSync(join(repo, "cog.toml"));
    return preflight([], { repo });
  });

  it("conventional-commits and next-version: a shallow clone says git fetch --unshallow --tags", async () => {
    const res = await shallow();
    expectFailedReport(res);
    expectFail(res, "conventional-commits", /shallow clone/, /git fetch --unshallow --tags/);
    expectFail(
      res,
      "next-version",
      /shallow clone: cog would compute the next version from 0\.0\.0/,
      /git fetch --unshallow --tags/,
    );
  });

  it("config: a missing cog.toml", async () => {
    expectFail(await shallow(), "config", /there is no cog\.toml/, /add cog\.toml with tag_prefix = "v"/);
  });

  it("next-version: only chore commits since the last release fail with cog's sentence", async () => {
    const repo = await cloneOrigin();
    await gitAsync(repo, "reset", "-q", "--hard", "v0.2.0");
    await commitFile(repo, "NOTES.md", "tidy\n", "chore: tidy up");
    const res = await preflight([], { repo });
    expectFailedReport(res);
    expectFail(res, "next-version", /^cog: .+/, /nothing to release; to release anyway.*--bump patch/);
    expect(res.json.version).toBeNull();
    expect(res.json.tag).toBeNull();
  });

  it("next-version: on 0.x a lone breaking refactor! is nothing to release; the hint lists what was found and why", async () => {
    // cocogitto conventional/bump.rs: major only off 0.x, so `refactor!` bumps through its type: nothing.
    const repo = await cloneOrigin();
    await gitAsync(repo, "reset", "-q", "--hard", "v0.2.0");
    await commitFile(repo, "NOTES.md", "drop\n", "refactor!: drop the old route table");
    await commitFile(repo, "TODO.md", "tidy\n", "chore: tidy up");
    const res = await preflight([], { repo });
    expectFail(
      res,
      "next-version",
      /^cog: No conventional commits/,
      /nothing to release; to release anyway, choose it: --bump patch$/,
    );
    const { fix } = check(res, "next-version");
    expect(fix).toMatch(/^since v0\.2\.0 there are only /);
    expect(fix).toMatch(/refactor! \(1\)/);
    expect(fix).toMatch(/chore \(1\)/);
    expect(fix).toMatch(
      /only feat, fix commits bump a version; on 0\.x a breaking change \(!\) bumps only through its type, so a breaking refactor bumps nothing/,
    );
    expect(fix).not.toMatch(/only chore, docs, ci/);
  });

  it("--version chooses the next version; in GitHub Actions, pushing with a release token, everything passes", async () => {
    const repo = await cloneOrigin();
    await gitAsync(repo, "config", "http.https://github.com/.extraheader", actionsHeader("github_pat_release_bot"));
    const res = await preflight(["--version", "1.0.0"], { repo, env: { GITHUB_ACTIONS: "true" } });
    expect(res.code, res.stderr).toBe(0);
    expect(res.json).toMatchObject({ ok: true, version: "1.0.0", tag: "v1.0.0" });
    expect(check(res, "next-version").detail).toMatch(/v1\.0\.0 .*as asked/);
    expect(check(res, "tag-free").detail).toMatch(/v1\.0\.0 is not used/);
    expect(check(res, "token-triggers").detail).toMatch(/token other than the workflow's GITHUB_TOKEN/);
  });

  it("--bump and --pre change the next version (0.2.1-rc.1 instead of 0.3.0)", async () => {
    const repo = await cloneOrigin();
    const res = await preflight(["--bump", "patch", "--pre", "rc.1"], { repo });
    expect(res.code, res.stderr).toBe(0);
    expect(res.json).toMatchObject({ ok: true, version: "0.2.1-rc.1", tag: "v0.2.1-rc.1" });
  });
});

// ---- the command cannot start: exit 2 ------------------------------------------------------------

describe.concurrent("exit 2 only when preflight cannot start", () => {
  it("not a git repository", async () => {
    const dir = tempDir();
    try {
      const res = await preflight([], { repo: dir.path });
      expect(res.code).toBe(2);
      expect(res.json).toEqual({
        command: "preflight",
        ok: false,
        error: { message: expect.stringMatching(/is not a git repository/), fix: expect.stringMatching(/--repo PATH/) },
      });
    } finally {
      dir.remove();
    }
  });

  it("a bad flag", async () => {
    const res = await preflight(["--bumpp", "patch"]);
    expect(res.code).toBe(2);
    expect(res.json).toMatchObject({
      command: "preflight",
      ok: false,
      error: { message: "unknown flag --bumpp", fix: expect.stringMatching(/--help/) },
    });
  });

  it("no GitHub repository to name (origin is not GitHub, GITHUB_REPOSITORY unset)", async () => {
    const repo = await cloneOrigin();
    await gitAsync(repo, "remote", "set-url", "origin", sb.remotePath);
    const res = await preflight([], { repo, env: { GITHUB_REPOSITORY: undefined } });
    expect(res.code).toBe(2);
    expect(res.json.error.message).toMatch(/is not a GitHub repository URL/);
    expect(res.json.error.fix).toMatch(/GITHUB_REPOSITORY=OWNER\/NAME/);
  });

  it("mise run release:preflight -- --help documents every check id and flag", async () => {
    const res = await run(MISE, ["run", "release:preflight", "--", "--help"], { cwd: KIT, env: cleanEnv({ CI: "1" }) });
    expect(res.code, res.stderr).toBe(0);
    for (const id of IDS) expect(res.stdout).toMatch(new RegExp(`^\\s+${id}\\s+\\S`, "m"));
    for (const flag of [
      "--version X.Y.Z",
      "--bump major|minor|patch",
      "--pre LABEL",
      "--repo PATH",
      "--json",
      "--help",
    ])
      expect(res.stdout).toContain(flag);
    expect(res.stdout).toMatch(/config/);
  });
});
