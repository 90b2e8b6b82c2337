// Bad input across all commands: each case gets a clear message, the exit code DESIGN.md gives, and
// changes nothing — not the tree, not the refs, not the remote, not the sandbox.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultScenario } from "../scripts/sandbox/scenario.ts";
import { gitAsync, kitIn, type Sandbox, sandbox, secondaryRateLimit } from "./helpers/sandbox.ts";

interface Case {
  name: string;
  command: string;
  args?: string[];
  /** Breaks the world before the command runs. */
  setup?: (sb: Sandbox) => Promise<void> | void;
  /** Turns the sandbox's knobs (how GitHub answers) before the command runs; all are reset after it. */
  knobs?: (sb: Sandbox) => void;
  env?: (sb: Sandbox) => Record<string, string | undefined>;
  code: 0 | 1 | 2;
  /** Where the message must be: the error (exit 2), a check, or a step, and what it must say. */
  says: { error?: RegExp; check?: [string, RegExp]; step?: [string, RegExp] };
}

const write = (sb: Sandbox, file: string, text: string) => {
  mkdirSync(join(sb.repoPath!, file, ".."), { recursive: true });
  writeFileSync(join(sb.repoPath!, file), text);
};
/** Rewrites a file of the tree from its committed text (not committed). */
const replaceIn = async (sb: Sandbox, file: string, from: string, to: string) =>
  write(sb, file, (await gitAsync(sb.repoPath!, "show", `HEAD:${file}`)).replace(from, to));
const WORKFLOW = ".github/workflows/release.yml";
/** Preflight reads the workflow as committed at HEAD, so a broken workflow is committed. */
const commitWorkflow = async (sb: Sandbox, text: string) => {
  write(sb, WORKFLOW, text);
  await gitAsync(sb.repoPath!, "commit", "-qam", "ci: change the release workflow");
};
const editWorkflow = async (sb: Sandbox, edit: (text: string) => string) =>
  commitWorkflow(sb, edit(await gitAsync(sb.repoPath!, "show", `HEAD:${WORKFLOW}`)));

async function snapshot(sb: Sandbox) {
  const repo = sb.repoPath!;
  return {
    status: await gitAsync(repo, "status", "--porcelain"),
    refs: await gitAsync(repo, "for-each-ref", "--format=%(refname) %(objectname)"),
    stash: await gitAsync(repo, "stash", "list"),
    remote: await gitAsync(sb.remotePath, "for-each-ref", "--format=%(refname) %(objectname)"),
    releases: JSON.stringify(sb.api.state.releases),
    runs: JSON.stringify(sb.api.state.runs.map((r) => [r.id, r.status, r.runAttempt])),
  };
}

// Cases on a fresh, releasable example (one sandbox each).
const FRESH: Case[] = [
  {
    name: "cog.toml that does not parse (release)",
    command: "release",
    args: ["--yes"],
    setup: (sb) => write(sb, "cog.toml", 'tag_prefix = "v\n'),
    code: 2,
    says: { error: /cog.toml is not valid TOML \(line 1/ },
  },
  {
    name: "cog.toml that does not parse (preflight reports it as a check)",
    command: "preflight",
    setup: (sb) => write(sb, "cog.toml", "tag_prefix = [\n"),
    code: 1,
    says: { check: ["config", /cog.toml is not valid TOML/] },
  },
  {
    name: "cog.toml hooks that are not a list",
    command: "verify",
    setup: (sb) => write(sb, "cog.toml", 'tag_prefix = "v"\npre_bump_hooks = "git-cliff"\n'),
    code: 2,
    says: { error: /pre_bump_hooks in cog.toml must be a list of strings/ },
  },
  {
    name: "cliff.toml that does not parse",
    command: "recover",
    setup: (sb) => write(sb, "cliff.toml", "[changelog\n"),
    code: 2,
    says: { error: /cliff.toml is not valid TOML/ },
  },
  {
    name: "cliff.toml with [changelog] output",
    command: "preflight",
    setup: (sb) => replaceIn(sb, "cliff.toml", "\n[changelog]\n", '\n[changelog]\noutput = "CHANGELOG.md"\n'),
    code: 1,
    says: { check: ["config", /every git-cliff run without -o/] },
  },
  {
    name: "a git-cliff hook without -o",
    command: "preflight",
    setup: (sb) => replaceIn(sb, "cog.toml", " -o CHANGELOG.md", ""),
    code: 1,
    says: { check: ["config", /has no -o\/--output or --prepend: it prints the changelog to stdout/] },
  },
  {
    name: "a cargo-release hook without --no-confirm",
    command: "preflight",
    setup: (sb) => replaceIn(sb, "cog.toml", " --no-confirm", ""),
    code: 1,
    says: { check: ["config", /lacks --no-confirm/] },
  },
  {
    name: "release.yml that is not YAML (preflight)",
    command: "preflight",
    setup: (sb) => commitWorkflow(sb, "on: [push\njobs: {"),
    code: 1,
    says: { check: ["config", /release.yml is not valid YAML/] },
  },
  {
    name: "release.yml without jobs",
    command: "preflight",
    setup: (sb) => commitWorkflow(sb, "on:\n  push:\n    tags: ['v*']\n"),
    code: 1,
    says: { check: ["config", /is not a valid workflow: line 1, column 1: Required property is missing: jobs/] },
  },
  {
    name: "platforms written as a YAML list",
    command: "preflight",
    setup: (sb) => editWorkflow(sb, (t) => t.replace("platforms: linux/amd64", "platforms: [linux/amd64]")),
    code: 1,
    says: { check: ["config", /is not a valid workflow: line \d+, column \d+: A sequence was not expected/] },
  },
  {
    name: "a bad RELEASE_POLL_SECONDS in mise.toml",
    command: "verify",
    setup: (sb) => replaceIn(sb, "mise.toml", "[env]", '[env]\nRELEASE_POLL_SECONDS = "soon"'),
    code: 2,
    says: { error: /RELEASE_POLL_SECONDS="soon" from mise.toml \[env\] RELEASE_POLL_SECONDS is not valid/ },
  },
  {
    name: "a bad RELEASE_BRANCH in the environment",
    command: "release",
    args: ["--yes"],
    env: () => ({ RELEASE_BRANCH: "bad..branch" }),
    code: 2,
    says: {
      error:
        /RELEASE_BRANCH="bad..branch" from environment variable RELEASE_BRANCH is not valid: expected a branch name/,
    },
  },
  {
    name: "a bad RELEASE_API_TIMEOUT in the environment",
    command: "preflight",
    env: () => ({ RELEASE_API_TIMEOUT: "0" }),
    code: 2,
    says: { error: /RELEASE_API_TIMEOUT="0" is not a number of seconds/ },
  },
  {
    name: "a RELEASE_API_TIMEOUT longer than any timer (verify)",
    command: "verify",
    env: () => ({ RELEASE_API_TIMEOUT: "1e10" }),
    code: 2,
    says: { error: /RELEASE_API_TIMEOUT="1e10" is not a number of seconds up to 3600/ },
  },
  {
    name: "an endless RELEASE_API_TIMEOUT (recover)",
    command: "recover",
    env: () => ({ RELEASE_API_TIMEOUT: "Infinity" }),
    code: 2,
    says: { error: /RELEASE_API_TIMEOUT="Infinity" is not a number of seconds/ },
  },
  {
    name: "a bad RELEASE_REGISTRY_URL",
    command: "verify",
    env: () => ({ RELEASE_REGISTRY_URL: "ftp://registry" }),
    code: 2,
    says: { error: /RELEASE_REGISTRY_URL="ftp:\/\/registry" .* expected an http\(s\) URL/ },
  },
  {
    name: "mise.toml that does not parse",
    command: "release",
    args: ["--yes"],
    setup: (sb) => write(sb, "mise.toml", "[env\n"),
    code: 2,
    says: { error: /mise.toml is not valid TOML/ },
  },
  {
    name: "a non-conventional commit since the last tag",
    command: "preflight",
    setup: async (sb) => void (await gitAsync(sb.repoPath!, "commit", "-q", "--allow-empty", "-m", "Update stuff")),
    code: 1,
    says: { check: ["conventional-commits", /non compliant|non-conventional/i] },
  },
  {
    name: "only merge commits since the last tag",
    command: "preflight",
    setup: async (sb) => {
      const repo = sb.repoPath!;
      await gitAsync(repo, "reset", "-q", "--hard", "v0.2.0");
      await gitAsync(repo, "checkout", "-q", "-b", "topic");
      await gitAsync(repo, "commit", "-q", "--allow-empty", "-m", "Topic work");
      await gitAsync(repo, "checkout", "-q", "main");
      await gitAsync(repo, "merge", "-q", "--no-ff", "-m", "Merge branch 'topic'", "topic");
    },
    code: 1,
    says: { check: ["next-version", /cog/] },
  },
  {
    name: "a shallow clone",
    command: "preflight",
    setup: async (sb) => {
      const shallow = join(sb.dir, "shallow");
      await gitAsync(sb.dir, "clone", "-q", "--depth", "1", `file://${sb.remotePath}`, shallow);
      await gitAsync(shallow, "config", "user.email", "x@example.com");
      (sb as { repoPath: string }).repoPath = shallow;
    },
    code: 1,
    says: { check: ["next-version", /shallow clone/] },
  },
  {
    name: "a tag that is not semver",
    command: "verify",
    args: ["--tag", "v1.x"],
    setup: async (sb) => void (await gitAsync(sb.repoPath!, "tag", "v1.x")),
    code: 2,
    says: { error: /v1.x is not a release tag/ },
  },
  {
    name: "an unknown tag",
    command: "verify",
    args: ["--tag", "v7.7.7"],
    code: 2,
    says: { error: /there is no tag v7.7.7/ },
  },
  {
    name: "a higher tag on another branch (cog ignores it)",
    command: "preflight",
    setup: async (sb) => {
      const repo = sb.repoPath!;
      await gitAsync(repo, "checkout", "-q", "-b", "old", "v0.1.0");
      await gitAsync(repo, "commit", "-q", "--allow-empty", "-m", "fix: backport");
      await gitAsync(repo, "tag", "v9.0.0");
      await gitAsync(repo, "checkout", "-q", "main");
      // cog still computes from the tags main reaches; the config check names the tag off the branch.
    },
    code: 1,
    says: { check: ["next-version", /v0\.3\.0/] },
  },
  {
    name: "no token at all",
    command: "preflight",
    env: () => ({ GITHUB_TOKEN: undefined }),
    code: 1,
    says: { check: ["token", /GH_TOKEN and GITHUB_TOKEN are unset/] },
  },
  {
    name: "a malformed token",
    command: "preflight",
    env: () => ({ GITHUB_TOKEN: "not a token" }),
    code: 1,
    says: { check: ["token", /rejected the token \(401/] },
  },
  {
    name: "a revoked token (release stops at preflight)",
    command: "release",
    args: ["--yes"],
    env: () => ({ GITHUB_TOKEN: "ghp_revokedrevokedrevokedrevokedrevoked0" }),
    code: 1,
    says: { step: ["preflight", /token \(.*rejected the token/] },
  },
  {
    name: "a token of an account that may only read",
    command: "preflight",
    knobs: (sb) => void (sb.scenario.role = "read"),
    code: 1,
    says: { check: ["token", /cannot push to acme\/gateway/] },
  },
  {
    name: "a token without Actions: read",
    command: "preflight",
    knobs: (sb) => void (sb.scenario.missingPermissions = ["actions:read"]),
    code: 1,
    says: { check: ["token", /read workflow runs .*actions=read/] },
  },
  {
    name: "a token without Checks: read",
    command: "preflight",
    knobs: (sb) => void (sb.scenario.missingPermissions = ["checks:read"]),
    code: 1,
    says: { check: ["ci-green", /not allowed to .*checks=read/] },
  },
  {
    name: "the API answering 5xx for everything",
    command: "preflight",
    knobs: (sb) => void (sb.scenario.faults = [{ kind: "status", status: 503, times: Infinity }]),
    code: 1,
    says: { check: ["ci-green", /did not answer \(503/] },
  },
  {
    name: "a 429 with Retry-After, twice (retried, then fine)",
    command: "preflight",
    knobs: (sb) => void (sb.scenario.faults = [secondaryRateLimit(429, 2, { method: "GET" })]),
    code: 0,
    says: { check: ["ci-green", /CI is green/] },
  },
  {
    name: "the primary rate limit exhausted",
    command: "preflight",
    knobs: (sb) =>
      void (sb.scenario.faults = [
        { kind: "status", status: 403, body: { message: "API rate limit exceeded for user" }, times: Infinity },
      ]),
    code: 1,
    says: { check: ["ci-green", /rate limit was reached/] },
  },
  {
    name: "a 404 for the repository",
    command: "preflight",
    env: () => ({ GITHUB_REPOSITORY: "acme/missing" }),
    code: 1,
    says: { check: ["token", /not found \(404\)/] },
  },
  {
    name: "a 422 from the API",
    command: "preflight",
    knobs: (sb) =>
      void (sb.scenario.faults = [
        {
          method: "GET",
          route: "/repos/{owner}/{repo}/releases",
          kind: "status",
          status: 422,
          body: { message: "Validation Failed", errors: [{ resource: "Release", code: "invalid", field: "per_page" }] },
          times: Infinity,
        },
      ]),
    code: 1,
    says: { check: ["tag-free", /422 Validation Failed/] },
  },
  {
    name: "no origin and no GITHUB_REPOSITORY",
    command: "preflight",
    setup: async (sb) => void (await gitAsync(sb.repoPath!, "remote", "remove", "origin")),
    env: () => ({ GITHUB_REPOSITORY: undefined }),
    code: 2,
    says: { error: /no origin remote and GITHUB_REPOSITORY is not set/ },
  },
  {
    name: "an origin that is not GitHub-shaped",
    command: "verify",
    setup: async (sb) => void (await gitAsync(sb.repoPath!, "remote", "set-url", "origin", "/srv/git/gateway.git")),
    env: () => ({ GITHUB_REPOSITORY: undefined }),
    code: 2,
    says: { error: /is not a GitHub repository URL/ },
  },
];

/** Cases of one command, named after it ("verify: 401 from the API"). */
const casesOf = (command: string, cases: Record<string, Omit<Case, "name" | "command">>): Case[] =>
  Object.entries(cases).map(([name, c]) => ({ name: `${command}: ${name}`, command, ...c }));

// Cases on a world where v0.3.0 was released and published (verify and recover only read), by command.
const RELEASED: Case[] = [
  ...casesOf("verify", {
    "truncated JSON from the API": {
      knobs: (sb) =>
        void (sb.scenario.faults = [
          {
            method: "GET",
            route: "/repos/{owner}/{repo}/releases/tags/{tag}",
            kind: "status",
            status: 200,
            body: '{"tag_name": "v0.3',
            times: Infinity,
          },
        ]),
      code: 1,
      says: { check: ["release", /./] },
    },
    "401 from the API": {
      env: () => ({ GITHUB_TOKEN: "wrong-token-value" }),
      code: 1,
      says: { check: ["release", /rejected the token \(401/] },
    },
    "403 from the API": {
      knobs: (sb) => void (sb.scenario.missingPermissions = ["contents:read"]),
      code: 1,
      says: { check: ["release", /not allowed to/] },
    },
    "the registry answering 401": {
      setup: (sb) => void Object.assign(sb.registry.knobs, { failStatus: 401, failCount: 1000 }),
      code: 1,
      says: { check: ["image:ghcr.io/acme/gateway", /401[\s\S]*give the token read access to the package/] },
    },
    "the registry answering 500": {
      setup: (sb) => void Object.assign(sb.registry.knobs, { failStatus: 500, failCount: 1000 }),
      code: 1,
      says: { check: ["image:ghcr.io/acme/admin-ui", /500[\s\S]*the registry is failing or busy/] },
    },
    "a malformed manifest": {
      setup: (sb) => void Object.assign(sb.registry.knobs, { malformed: true }),
      code: 1,
      says: { check: ["image:ghcr.io/acme/gateway", /the registry holds a broken image/] },
    },
    "the registry unreachable": {
      env: () => ({ RELEASE_REGISTRY_URL: "http://127.0.0.1:1" }),
      code: 1,
      says: { check: ["image:ghcr.io/acme/gateway", /check that the registry is reachable/] },
    },
  }),
  ...casesOf("recover", {
    "--delete-release without --apply": {
      args: ["--delete-release", "v0.3.0"],
      code: 2,
      says: { error: /--delete-release only matters with --apply/ },
    },
    "a tag that exists nowhere": {
      args: ["--tag", "v5.0.0"],
      code: 2,
      says: { error: /exists neither locally, nor on origin, nor as a GitHub release/ },
    },
  }),
  ...casesOf("preflight", {
    "an unknown flag (any command)": {
      args: ["--versoin", "1.0.0"],
      code: 2,
      says: { error: /unknown flag --versoin/ },
    },
  }),
  ...casesOf("release", {
    "--version and --bump together": {
      args: ["--version", "1.0.0", "--bump", "major"],
      code: 2,
      says: { error: /give one/ },
    },
    "--version given as a tag": {
      args: ["--version", "v1.0.0"],
      code: 2,
      says: { error: /takes the bare version/ },
    },
  }),
];

async function check(sb: Sandbox, c: Case) {
  await c.setup?.(sb);
  c.knobs?.(sb);
  const before = await snapshot(sb);
  const res = await kitIn(sb, c.command, [...(c.args ?? []), "--json"], { env: c.env?.(sb) });
  expect(res.code, res.stderr.slice(-1500)).toBe(c.code);
  expect(res.stderr).not.toMatch(/\n\s+at [\w./<]+.*:\d+:\d+\)?\n/); // never a stack trace
  expect(res.stderr).not.toMatch(/unexpected error|the check itself failed/);
  if (c.says.error) {
    expect(res.json.error.message).toMatch(c.says.error);
    expect(res.json.error.fix).toMatch(/\S/);
  }
  if (c.says.check) {
    const found = res.json.checks.find((x: any) => x.id === c.says.check![0]);
    expect(found, `check ${c.says.check[0]}`).toBeDefined();
    expect(`${found.detail} ${found.fix}`).toMatch(c.says.check[1]);
    if (found.status === "fail") expect(found.fix).toMatch(/\S/);
  }
  if (c.says.step) {
    const step = res.json.steps.find((x: any) => x.name === c.says.step![0]);
    expect(step.status).toBe("failed");
    expect(step.detail).toMatch(c.says.step[1]);
  }
  Object.assign(sb.scenario, defaultScenario());
  expect(await snapshot(sb), "nothing changed").toEqual(before);
}

describe("bad input", () => {
  expect(FRESH.length + RELEASED.length).toBeGreaterThanOrEqual(30);

  // A case that breaks the repository gets a releasable one of its own; the others change nothing
  // (check() proves it), so they take turns on one, its knobs reset after each.
  describe.concurrent("on a releasable repository of its own", () => {
    it.for(FRESH.filter((c) => c.setup))("$name", { timeout: 600_000 }, async (c, { onTestFinished }) => {
      const sb = await sandbox({ history: true });
      onTestFinished(() => sb.stop());
      await check(sb, c);
    });
  });

  describe("on a shared releasable repository", () => {
    let sb: Sandbox;
    beforeAll(async () => {
      sb = await sandbox({ history: true });
    });
    afterAll(() => sb.stop());
    it.for(FRESH.filter((c) => !c.setup))("$name", { timeout: 600_000 }, async (c) => {
      try {
        await check(sb, c);
      } finally {
        Object.assign(sb.scenario, defaultScenario());
      }
    });
  });

  describe("on a released repository", () => {
    let sb: Sandbox;
    beforeAll(async () => {
      sb = await sandbox({ history: true });
      const released = await kitIn(sb, "release", ["--yes"]);
      if (released.code !== 0) throw new Error(released.stderr);
      await sb.settle();
    });
    afterAll(() => sb.stop());
    it.for(RELEASED)("$name", { timeout: 600_000 }, async (c) => {
      try {
        await check(sb, c);
      } finally {
        Object.assign(sb.registry.knobs, { failStatus: undefined, failCount: 0, malformed: false });
      }
    });
  });
});
