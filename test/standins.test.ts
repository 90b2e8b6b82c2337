// The cocogitto, cargo-release and cargo stand-ins, pinned to the behaviour of the real tools' sources
// (each test cites the file; test names in comments are cocogitto's own) and tools.md §1, §3 and §6.
// Every scenario runs in a real git repository in a temp folder, through whatever `cog`,
// `cargo-release` and `cargo` PATH resolves: the real binaries when they are installed, the stand-ins
// only when they are absent, so the same assertions hold the real tools and the stand-ins to the same
// behaviour. What only a stand-in has (its log, its refusals) is tested by calling the stand-in by its
// path, never skipped. cargo's dispatch runs against both the real cargo (when present) and the stand-in.

import { spawn } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseToml } from "smol-toml";
import { afterAll, beforeAll, describe, test } from "vitest";
import { cargoLock } from "../scripts/sandbox/example-files.ts";
import {
  isExecutable,
  STANDIN_BIN_DIR,
  STANDIN_TOOLS,
  type StandinTool,
  standinDir,
  standinsNeeded,
} from "../scripts/sandbox/standins/index.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
// The real git-cliff, as the kit's hooks run it.
const BASE_PATH = [join(ROOT, "node_modules", ".bin"), process.env.PATH ?? ""].join(delimiter);
const NEEDED = standinsNeeded({ ...process.env, PATH: BASE_PATH });
const PATH = NEEDED.tools.length ? [NEEDED.dir, BASE_PATH].join(delimiter) : BASE_PATH;

const which = (tool: string, path = PATH) =>
  path
    .split(delimiter)
    .filter(Boolean)
    .map((d) => join(d, tool))
    .find(isExecutable) ?? null;
/** A stand-in called by its path, whether or not the real tool is installed. */
const standin = (tool: StandinTool) => join(standinDir(tool), tool);
/** The real cargo, when this machine has one (its dispatch is then checked against the stand-in's). */
const REAL_CARGO = NEEDED.tools.includes("cargo") ? null : which("cargo");

const ENV: NodeJS.ProcessEnv = {
  ...process.env,
  PATH,
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_TERMINAL_PROMPT: "0",
  GIT_CLIFF_OFFLINE: "true", // git-cliff rejects "1"
  NO_COLOR: "1",
};

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], cwd: string, input = "", env = ENV): Promise<Result> {
  return new Promise((done, reject) => {
    const child = spawn(cmd, args, { cwd, env, timeout: 120_000 });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => done({ code, stdout, stderr }));
    child.stdin.on("error", () => {}); // EPIPE: the child exited without reading its input
    child.stdin.end(input); // EOF, as in a mise task
  });
}

let TMP = "";
beforeAll(() => {
  TMP = mkdtempSync(join(tmpdir(), "standins-test-"));
});
afterAll(() => {
  if (TMP) rmSync(TMP, { recursive: true, force: true });
});

/** A throw-away repository: `git init -b main`, local identity, no signing. */
class Repo {
  dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  static async create(files: Record<string, string> = {}): Promise<Repo> {
    const repo = new Repo(mkdtempSync(join(TMP, "repo-")));
    await repo.git("init", "-q", "-b", "main");
    await repo.git("config", "user.name", "Release Tester");
    await repo.git("config", "user.email", "tester@example.invalid");
    await repo.git("config", "commit.gpgsign", "false");
    await repo.git("config", "tag.gpgsign", "false");
    repo.write(files);
    return repo;
  }

  async git(...args: string[]): Promise<string> {
    const r = await run("git", args, this.dir);
    if (r.code !== 0) throw new Error(`git ${args.join(" ")} failed: ${r.stderr}`);
    return r.stdout.trim();
  }

  write(files: Record<string, string>): void {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(this.dir, path)), { recursive: true });
      writeFileSync(join(this.dir, path), text);
    }
  }

  read(path: string): string {
    return readFileSync(join(this.dir, path), "utf8");
  }

  exists(path: string): boolean {
    return existsSync(join(this.dir, path));
  }

  /** Commits everything (or nothing: empty commits) with `message`. */
  async commit(message: string, files: Record<string, string> = {}): Promise<string> {
    this.write(files);
    await this.git("add", "-A");
    await this.git("commit", "-q", "--allow-empty", "-m", message);
    return this.git("rev-parse", "HEAD");
  }

  /** Commits each message in turn, then tags the last commit when `tag` is given. */
  async history(messages: string[], tag?: string): Promise<void> {
    for (const m of messages) await this.commit(m);
    if (tag) await this.git("tag", tag);
  }

  cog(args: string[], input = "", env = ENV): Promise<Result> {
    return run("cog", args, this.dir, input, env);
  }

  /** `cargo release version ...`, as the hooks run it: cargo (real or stand-in) dispatches to cargo-release. */
  cargoRelease(args: string[], input = "", cwd = this.dir): Promise<Result> {
    return run("cargo", ["release", "version", ...args], cwd, input);
  }

  async tags(): Promise<string[]> {
    return (await this.git("tag", "--list")).split("\n").filter(Boolean).sort();
  }

  /** `git status --porcelain`, each line as git prints it (`XY path`). */
  async status(): Promise<string> {
    const r = await run("git", ["status", "--porcelain"], this.dir);
    if (r.code !== 0) throw new Error(`git status failed: ${r.stderr}`);
    return r.stdout.trimEnd();
  }

  subject(rev = "HEAD"): Promise<string> {
    return this.git("log", "-1", "--format=%s", rev);
  }
}

// The runbook's project: a Cargo workspace (gateway inherits the workspace version, admin-ui has
// its own and depends on gateway by path + version) with a lock file as cargo writes it.
const WORKSPACE: Record<string, string> = {
  "Cargo.toml": `[workspace]
resolver = "2"
members = ["crates/gateway", "crates/admin-ui"]

[workspace.package]
version = "0.1.0"
edition = "2021"

[workspace.dependencies]
gateway = { path = "crates/gateway", version = "0.1.0" }
`,
  "crates/gateway/Cargo.toml": `[package]
name = "gateway"
version.workspace = true
edition.workspace = true
`,
  "crates/gateway/src/lib.rs": "pub fn route() {}\n",
  "crates/admin-ui/Cargo.toml": `[package]
name = "admin-ui"
version = "0.1.0" # stamped by cargo-release
edition = "2021"

[dependencies]
gateway = { path = "../gateway", version = "0.1.0" }
`,
  "crates/admin-ui/src/main.rs": "fn main() {}\n",
  "Cargo.lock": cargoLock("0.1.0"),
  ".gitignore": "/target\n",
  "cliff.toml": `[changelog]
header = "# Changelog\\n\\n"
body = """
{% if version %}## {{ version | trim_start_matches(pat="v") }}{% else %}## Unreleased{% endif %}
{% for commit in commits %}
- {{ commit.message | split(pat="\\n") | first }}{% endfor %}

"""
trim = false

[git]
conventional_commits = true
filter_unconventional = true
commit_parsers = [{ message = "^chore\\\\(version\\\\)", skip = true }]
tag_pattern = "^v[0-9]+\\\\.[0-9]+\\\\.[0-9]+$"
`,
};

const CARGO_HOOK = "cargo release version {{version}} --execute --no-confirm";

/** cog.toml as the runbook's projects write it (DESIGN.md, release step 3). */
function cogToml(preHooks: string[], extra = ""): string {
  return `tag_prefix = "v"\ndisable_changelog = true\npre_bump_hooks = ${JSON.stringify(preHooks)}\n${extra}`;
}

/** The runbook repository at v0.1.0 with a feature and a fix since. */
async function runbookRepo(preHooks = [`git-cliff --tag {{version_tag}} -o CHANGELOG.md`, CARGO_HOOK], extra = "") {
  const repo = await Repo.create({ ...WORKSPACE, "cog.toml": cogToml(preHooks, extra) });
  await repo.commit("chore: init");
  await repo.git("tag", "v0.1.0");
  await repo.commit("feat(gateway): add route", {
    "crates/gateway/src/lib.rs": "pub fn route() {}\npub fn more() {}\n",
  });
  await repo.commit("fix(admin-ui): typo");
  return repo;
}

const NO_BUMP =
  "No conventional commits for your repository that required a bump. Changelogs will be updated on the next bump.";
const HOOKS_SKIPPED = "Pre-Hooks and Post-Hooks have been skipped.";

describe.concurrent("cog bump: version cases (tools.md §1.9)", () => {
  test("auto_bump_from_start_ok: chore, feat, fix and no tag give 0.1.0 and create CHANGELOG.md", async ({
    expect,
  }) => {
    const repo = await Repo.create();
    await repo.history(["chore: init", "feat(taef): feature", "fix: bug fix"]);
    const r = await repo.cog(["bump", "--auto"]);
    expect(r.code).toBe(0);
    expect(await repo.tags()).toEqual(["0.1.0"]);
    expect(await repo.subject()).toBe("chore(version): 0.1.0");
    const changelog = repo.read("CHANGELOG.md");
    expect(changelog).toContain("- - -");
    expect(changelog).toContain("0.1.0");
    expect(changelog).toContain("Changelog generated by [cocogitto]");
    expect(await repo.status()).toBe(""); // the changelog went into the release commit
    expect(r.stderr).toContain("Bumped version: ... -> 0.1.0");
  });

  test("auto_bump_minor_from_latest_tag: tag 1.0.0 then three feats give 1.1.0", async ({ expect }) => {
    const repo = await Repo.create();
    await repo.history(["chore: init", "feat(taef): feature", "fix: bug fix"], "1.0.0");
    await repo.history(["feat(taef): feature", "feat: feature 1", "feat: feature 2"]);
    const r = await repo.cog(["bump", "--auto"]);
    expect(r.code).toBe(0);
    expect(await repo.tags()).toEqual(["1.0.0", "1.1.0"]);
    expect(await repo.git("rev-parse", "1.1.0^{commit}")).toBe(await repo.git("rev-parse", "HEAD"));
  });

  test("auto_bump_dry_run_from_latest_tag: stdout is the version and nothing is written", async ({ expect }) => {
    const repo = await Repo.create();
    await repo.history(["chore: init", "feat(taef): feature", "fix: bug fix"], "1.0.0");
    await repo.history(["feat(taef): feature", "feat: feature 1"]);
    const head = await repo.git("rev-parse", "HEAD");
    const r = await repo.cog(["bump", "--auto", "--dry-run"]);
    expect(r).toMatchObject({ code: 0, stdout: "1.1.0\n" });
    expect(await repo.git("rev-parse", "HEAD")).toBe(head);
    expect(await repo.tags()).toEqual(["1.0.0"]);
    expect(repo.exists("CHANGELOG.md")).toBe(false);
    expect(await repo.status()).toBe("");
  });

  test("auto_bump_major_from_latest_tag: feat! on 1.x gives 2.0.0", async ({ expect }) => {
    const repo = await Repo.create();
    await repo.history(["chore: init"], "1.0.0");
    await repo.history(["feat!: break one", "feat!: break two", "feat: more"]);
    expect(await repo.cog(["bump", "--auto", "--dry-run"])).toMatchObject({ code: 0, stdout: "2.0.0\n" });
  });

  test("auto_bump_with_prefix: a BREAKING CHANGE footer after v1.0.0 tags v2.0.0", async ({ expect }) => {
    const repo = await Repo.create({ "cog.toml": `tag_prefix = "v"\n` });
    await repo.history(["chore: init"], "v1.0.0");
    await repo.history(["feat: new api\n\nBREAKING CHANGE: the old one is gone", "feat(x): more"]);
    const r = await repo.cog(["bump", "--auto"]);
    expect(r.code).toBe(0);
    expect(await repo.tags()).toEqual(["v1.0.0", "v2.0.0"]);
    expect(await repo.subject()).toBe("chore(version): v2.0.0");
  });

  test("auto_bump_respect_semver_sorting: 0.10.0 is above 0.9.1", async ({ expect }) => {
    const repo = await Repo.create();
    await repo.history(["chore: init"], "0.9.1");
    await repo.history(["feat: feature"], "0.10.0");
    await repo.history(["fix: one", "fix: two"]);
    expect(await repo.cog(["bump", "--auto", "--dry-run"])).toMatchObject({ code: 0, stdout: "0.10.1\n" });
  });

  test("bump_bug_fix: on a branch from 1.0.0, a fix gives 1.0.1 although 2.0.0 exists", async ({ expect }) => {
    const repo = await Repo.create();
    await repo.history(["feat: first commit"], "1.0.0");
    await repo.history(["feat: amazing stuff", "feat!: break everything"], "2.0.0");
    await repo.git("switch", "-q", "-c", "bugfix", "1.0.0");
    await repo.commit("fix: important bug fix");
    expect((await repo.cog(["bump", "--auto"])).code).toBe(0);
    expect(await repo.tags()).toEqual(["1.0.0", "1.0.1", "2.0.0"]);
    expect(await repo.git("branch", "--show-current")).toBe("bugfix");
  });

  test("bump_from_latest_pre_release: a higher pre-release tag raises the result", async ({ expect }) => {
    const repo = await Repo.create();
    await repo.history(["chore: init", "feat: feature 1"], "1.0.0-alpha.0");
    await repo.commit("feat: feature 2");
    expect(await repo.cog(["bump", "--auto", "--dry-run"])).toMatchObject({ code: 0, stdout: "1.0.0\n" });
  });

  test("breaking changes on 0.x never reach 1.0.0: feat! is minor, fix! patch, chore! and refactor! no bump", async ({
    expect,
  }) => {
    // conventional/bump.rs `version_increment_from_commit_history`: major only when the major is not 0,
    // so a breaking commit bumps through its type alone: `refactor!` or `chore!` bump nothing.
    const cases: [string, string][] = [
      ["feat!: api", "0.2.0\n"],
      ["fix!: api", "0.1.1\n"],
      ["chore!: api", `${NO_BUMP}\n${HOOKS_SKIPPED}\n\n`],
      ["refactor!: drop the old api", `${NO_BUMP}\n${HOOKS_SKIPPED}\n\n`],
    ];
    for (const [message, stdout] of cases) {
      const repo = await Repo.create();
      await repo.history(["chore: init"], "0.1.0");
      await repo.commit(message);
      expect(await repo.cog(["bump", "--auto", "--dry-run"]), message).toMatchObject({ code: 0, stdout });
    }
  });

  test("--pre appends a label; a bare --pre uses the default `alpha.*` pattern", async ({ expect }) => {
    const repo = await Repo.create();
    await repo.history(["chore: init"], "1.0.0");
    await repo.commit("feat: feature");
    expect(await repo.cog(["bump", "--auto", "--pre", "beta.1", "--dry-run"])).toMatchObject({
      code: 0,
      stdout: "1.1.0-beta.1\n",
    });
    expect(await repo.cog(["bump", "--auto", "--pre", "--dry-run"])).toMatchObject({
      code: 0,
      stdout: "1.1.0-alpha.1\n",
    });
  });

  test("--major, --minor, --patch and --version; a lower --version fails, the same one is no bump", async ({
    expect,
  }) => {
    const repo = await Repo.create();
    await repo.history(["chore: init"], "1.0.0");
    await repo.commit("docs: readme");
    expect((await repo.cog(["bump", "--major", "--dry-run"])).stdout).toBe("2.0.0\n");
    expect((await repo.cog(["bump", "--minor", "--dry-run"])).stdout).toBe("1.1.0\n");
    expect((await repo.cog(["bump", "--patch", "--dry-run"])).stdout).toBe("1.0.1\n");
    expect((await repo.cog(["bump", "--version", "3.0.0", "--dry-run"])).stdout).toBe("3.0.0\n");
    const lower = await repo.cog(["bump", "--version", "0.9.0", "--dry-run"]);
    expect(lower.code).toBe(1);
    expect(lower.stderr).toContain("MUST be greater than current one");
    expect(await repo.cog(["bump", "--version", "1.0.0", "--dry-run"])).toMatchObject({
      code: 0,
      stdout: expect.stringContaining(NO_BUMP),
    });
  });
});

describe.concurrent("cog bump: outcomes (tools.md §1.1–§1.6)", () => {
  test("NoBump: only chore/docs/ci since the tag prints the sentence on stdout and exits 0", async ({ expect }) => {
    const repo = await Repo.create();
    await repo.history(["chore: init"], "1.0.0");
    await repo.history(["docs: readme", "chore: tidy", "ci: pipeline"]);
    const head = await repo.git("rev-parse", "HEAD");
    for (const args of [
      ["bump", "--auto"],
      ["bump", "--auto", "--dry-run"],
    ]) {
      const r = await repo.cog(args);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(NO_BUMP);
      expect(r.stdout).toContain(HOOKS_SKIPPED);
    }
    expect(await repo.tags()).toEqual(["1.0.0"]);
    expect(await repo.git("rev-parse", "HEAD")).toBe(head);
  });

  test("NoCommitFound: nothing conventional since the tag exits 1", async ({ expect }) => {
    const repo = await Repo.create();
    await repo.history(["chore: init"], "1.0.0");
    await repo.history(["update stuff", "Merge branch 'topic'"]);
    const r = await repo.cog(["bump", "--auto"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Error: failed to bump version");
    expect(r.stderr).toContain("No conventional commit found to bump current version");
    expect(await repo.tags()).toEqual(["1.0.0"]);
  });

  test("a dirty tree fails the bump, dry run included; --skip-untracked sweeps it into the release commit", async ({
    expect,
  }) => {
    const repo = await Repo.create({ "cog.toml": "disable_changelog = true\n", "tracked.txt": "one\n" });
    await repo.commit("chore: init");
    await repo.commit("feat: feature");
    repo.write({ "stray.txt": "left over\n", "tracked.txt": "two\n" });
    const dry = await repo.cog(["bump", "--auto", "--dry-run"]);
    expect(dry.code).toBe(1);
    expect(dry.stderr).toContain("Untracked files");
    expect(await repo.tags()).toEqual([]);
    const r = await repo.cog(["bump", "--auto", "--skip-untracked"]);
    expect(r.code).toBe(0);
    expect(await repo.tags()).toEqual(["0.1.0"]);
    const files = (await repo.git("show", "--name-only", "--format=", "HEAD")).split("\n");
    expect(files).toEqual(expect.arrayContaining(["stray.txt", "tracked.txt"]));
    expect(await repo.status()).toBe("");
  });

  test("branch_whitelist refuses other branches, and a detached HEAD is named HEAD", async ({ expect }) => {
    const repo = await Repo.create({ "cog.toml": `branch_whitelist = ["main"]\n` });
    await repo.commit("chore: init");
    await repo.commit("feat: feature");
    expect(await repo.cog(["bump", "--auto", "--dry-run"])).toMatchObject({ code: 0, stdout: "0.1.0\n" });
    await repo.git("switch", "-q", "-c", "feature");
    const r = await repo.cog(["bump", "--auto", "--dry-run"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`No patterns matched in ["main"] for branch 'feature', bump is not allowed`);
    await repo.git("switch", "-q", "--detach");
    expect((await repo.cog(["bump", "--auto", "--dry-run"])).stderr).toContain("for branch 'HEAD'");
  });

  test("tags are lightweight unless -A; --skip-ci appends [skip ci] to the commit", async ({ expect }) => {
    const repo = await Repo.create({ "cog.toml": "disable_changelog = true\n" });
    await repo.commit("chore: init");
    await repo.commit("feat: feature");
    expect((await repo.cog(["bump", "--auto"])).code).toBe(0);
    expect(await repo.git("cat-file", "-t", "0.1.0")).toBe("commit");
    await repo.commit("feat: another");
    expect((await repo.cog(["bump", "--auto", "-A", "Release {{version}} after {{latest}}", "--skip-ci"])).code).toBe(
      0,
    );
    expect(await repo.git("cat-file", "-t", "0.2.0")).toBe("tag");
    expect(await repo.git("tag", "-l", "--format=%(contents:subject)", "0.2.0")).toBe("Release 0.2.0 after 0.1.0");
    expect(await repo.subject()).toBe("chore(version): 0.2.0 [skip ci]");
  });

  test("cog.toml: 7.0 keys are accepted (custom types bump), 6.x `[packages]` is an unknown field", async ({
    expect,
  }) => {
    const repo = await Repo.create({
      "cog.toml": `from_latest_tag = false
ignore_merge_commits = false
ignore_fixup_commits = true
generate_mono_repository_global_tag = true
generate_mono_repository_package_tags = true
monorepo_version_separator = "-"
branch_whitelist = ["main"]
tag_prefix = "v"
skip_ci = "[ci skip]"
skip_untracked = false
pre_bump_hooks = []
post_bump_hooks = []
pre_package_bump_hooks = []
post_package_bump_hooks = []
disable_changelog = true
disable_bump_commit = false
pre = "beta.*"

[commit_types]
hotfix = { changelog_title = "Hotfixes", bump_patch = true }

[changelog]
path = "CHANGELOG.md"

[bump_profiles.hotfix]
pre_bump_hooks = []
`,
    });
    await repo.history(["chore: init"], "v1.0.0");
    await repo.commit("hotfix: urgent");
    expect(await repo.cog(["bump", "--auto", "--dry-run"])).toMatchObject({ code: 0, stdout: "v1.0.1\n" });
    expect((await repo.cog(["check"])).code).toBe(0);
    repo.write({ "cog.toml": `tag_prefix = "v"\n\n[packages.gateway]\npath = "crates/gateway"\n` });
    await repo.commit("chore: old config");
    const r = await repo.cog(["bump", "--auto", "--dry-run"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("unknown field `packages`");
  });

  test("an existing CHANGELOG.md without `- - -` fails the bump before any hook, commit or tag", async ({ expect }) => {
    const repo = await Repo.create({
      "CHANGELOG.md": "# Changelog\n\n## 0.1.0\n",
      "cog.toml": `pre_bump_hooks = ["touch hook-ran"]\n`,
    });
    await repo.commit("chore: init");
    await repo.commit("feat: feature");
    const head = await repo.git("rev-parse", "HEAD");
    const r = await repo.cog(["bump", "--auto"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("cannot find default separator '- - -' in CHANGELOG.md");
    expect(repo.exists("hook-ran")).toBe(false);
    expect(await repo.tags()).toEqual([]);
    expect(await repo.git("rev-parse", "HEAD")).toBe(head);
  });

  test("bump_with_hook_and_prefix: placeholders expand and hook output is committed", async ({ expect }) => {
    const repo = await Repo.create({
      "cog.toml": cogToml([
        "touch {{version}}",
        "touch {{version_tag}}",
        "echo {{latest}} {{latest_tag}} {{version+1minor}} > latest.txt",
      ]),
    });
    await repo.history(["chore: init"], "v1.0.0");
    await repo.commit("feat: feature");
    const r = await repo.cog(["bump", "--major"]);
    expect(r.code).toBe(0);
    expect(await repo.tags()).toEqual(["v1.0.0", "v2.0.0"]);
    expect(repo.read("latest.txt")).toBe("1.0.0 v1.0.0 2.1.0\n");
    const files = (await repo.git("show", "--name-only", "--format=", "v2.0.0", "--")).split("\n").sort();
    expect(files).toEqual(["2.0.0", "latest.txt", "v2.0.0"]);
  });

  test("{{latest}} before the first tag fails the hook; {{latest|0.0.0}} does not", async ({ expect }) => {
    const failing = await Repo.create({ "cog.toml": cogToml(["touch marker", "echo {{latest}} > latest.txt"]) });
    await failing.commit("chore: init");
    await failing.commit("feat: feature");
    const r = await failing.cog(["bump", "--auto"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("No previous tag found to replace {{latest}} version");
    expect(await failing.git("stash", "list")).toContain("cog_bump_v0.0.0");
    expect(failing.exists("marker")).toBe(false); // stashed with the rest
    expect(await failing.tags()).toEqual([]);

    const fallback = await Repo.create({ "cog.toml": cogToml(["echo {{latest|0.0.0}} > latest.txt"]) });
    await fallback.commit("chore: init");
    await fallback.commit("feat: feature");
    expect((await fallback.cog(["bump", "--auto"])).code).toBe(0);
    expect(fallback.read("latest.txt")).toBe("0.0.0\n");
  });

  test("each hook's placeholders are parsed when it is reached: `{{ version }}` fails after the hooks before it ran, their files stashed", async ({
    expect,
  }) => {
    // command/bump/mod.rs `run_hooks`: only `Hook::from_str` (non-empty) runs first; then each hook's
    // `insert_versions` parses it (hook/parser.rs, version_dsl.pest: no whitespace rule) just before
    // it runs. The `HookParseError` (hook/error.rs) goes through `unwrap_or_stash_and_exit` (stash,
    // `BumpError`, exit 1); pest 2.8.6 reports the furthest position and the rules it expected there.
    const repo = await Repo.create({
      "cog.toml": cogToml(["echo first > first.txt", "cargo release version {{ version }} --execute --no-confirm"]),
    });
    await repo.history(["chore: init"], "v0.1.0");
    await repo.commit("feat: feature");
    const head = await repo.git("rev-parse", "HEAD");
    const r = await repo.cog(["bump", "--auto"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "Error: prehook run `failed to parse bump hook\n\n\tcause:  --> 1:25\n  |\n" +
        "1 | cargo release version {{ version }} --execute --no-confirm\n" +
        "  |                         ^---\n  |\n" +
        "  = expected current_version, latest_version, current_tag, latest_tag, or package\n` failed\n" +
        "\tAll changes made during hook runs have been stashed on `cog_bump_v0.0.0`\n",
    );
    expect(await repo.git("stash", "list")).toMatch(/^stash@\{0\}: On main: cog_bump_v0\.0\.0$/);
    expect(await repo.git("stash", "show", "--include-untracked", "--name-only", "stash@{0}")).toContain("first.txt");
    expect(await repo.git("rev-parse", "HEAD")).toBe(head);
    expect(await repo.tags()).toEqual(["v0.1.0"]);
  });

  test("`{{version }}` is refused too, naming what may follow the token; with nothing written yet, cog panics on the empty stash (101)", async ({
    expect,
  }) => {
    // Same sources; `Repository::stash_failed_version(..).expect("stash")` panics when nothing changed.
    const repo = await Repo.create({ "cog.toml": cogToml(["touch {{version }}"]) });
    await repo.history(["chore: init"], "v0.1.0");
    await repo.commit("feat: feature");
    const r = await repo.cog(["bump", "--auto"]);
    expect(r.code).toBe(101);
    expect(r.stderr).toContain("nothing to stash");
    expect(await repo.tags()).toEqual(["v0.1.0"]);
    expect(repo.exists("0.2.0")).toBe(false);
    // The same hook after a writing one: the parse report, exit 1.
    repo.write({ "cog.toml": cogToml(["touch written", "touch {{version }}"]) });
    await repo.commit("chore: hooks");
    const later = await repo.cog(["bump", "--auto"]);
    expect(later.code).toBe(1);
    expect(later.stderr).toContain(`cause:  --> 1:16\n  |\n1 | touch {{version }}\n  | ${" ".repeat(15)}^---\n`);
    expect(later.stderr).toContain(
      "= expected add, version_access_major, version_access_minor, version_access_patch, pre_release, build_metadata, or default_version",
    );
  });

  test("every placeholder form of the grammar expands", async ({ expect }) => {
    // version_dsl.pest and hook/mod.rs `build_version_str`: tokens, `|default`, `+Nunit`, `-pre`, `+build`, `.part`.
    const repo = await Repo.create({
      "cog.toml": cogToml([
        "echo {{version}} {{version_tag}} {{latest}} {{latest_tag}} {{latest|0.0.0}} {{version+1minor}} {{version+2patch}} {{version.major}} {{latest.minor}} {{version-rc.1}} {{version+build.5}} {{version+major-alpha.1}} > out.txt",
      ]),
    });
    await repo.history(["chore: init"], "v1.4.2");
    await repo.commit("fix: bug");
    expect((await repo.cog(["bump", "--auto"])).code).toBe(0);
    expect(repo.read("out.txt")).toBe(
      "1.4.3 v1.4.3 1.4.2 v1.4.2 1.4.2 1.5.0 1.4.5 1 4 1.4.3-rc.1 1.4.3+build.5 2.0.0-alpha.1\n",
    );
  });

  test("a failing pre-bump hook stashes the changes as cog_bump_v0.0.0, exits 1, and commits nothing", async ({
    expect,
  }) => {
    // The stash is named after `Tag::default()` (0.0.0 with the prefix), not the current v0.1.0.
    const repo = await runbookRepo([`git-cliff --tag {{version_tag}} -o CHANGELOG.md`, "exit 7"]);
    const head = await repo.git("rev-parse", "HEAD");
    const r = await repo.cog(["bump", "--auto", "--skip-untracked"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("prehook run `exit 7` failed");
    expect(r.stderr).toContain("cog_bump_v0.0.0");
    expect(await repo.git("stash", "list")).toMatch(/^stash@\{0\}: On main: cog_bump_v0\.0\.0$/);
    expect(await repo.git("stash", "show", "--include-untracked", "--name-only", "stash@{0}")).toContain(
      "CHANGELOG.md",
    );
    expect(await repo.git("rev-parse", "HEAD")).toBe(head);
    expect(await repo.tags()).toEqual(["v0.1.0"]);
    expect(await repo.status()).toBe("");
  });

  test("a failing pre-bump hook that changed nothing: cog panics on the empty stash (exit 101)", async ({ expect }) => {
    const repo = await Repo.create({ "cog.toml": cogToml(["exit 4"]) });
    await repo.commit("chore: init");
    await repo.commit("feat: feature");
    const r = await repo.cog(["bump", "--auto"]);
    expect(r.code).toBe(101);
    expect(r.stderr).toContain("nothing to stash");
    expect(await repo.tags()).toEqual([]);
    expect(await repo.subject()).toBe("feat: feature");
  });

  test("a failing post-bump hook exits 1 and keeps the commit and the tag", async ({ expect }) => {
    const repo = await Repo.create({ "cog.toml": `disable_changelog = true\npost_bump_hooks = ["exit 3"]\n` });
    await repo.commit("chore: init");
    await repo.commit("feat: feature");
    const r = await repo.cog(["bump", "--auto"]);
    expect(r.code).toBe(1);
    expect(await repo.tags()).toEqual(["0.1.0"]);
    expect(await repo.subject()).toBe("chore(version): 0.1.0");
    expect(r.stderr).not.toContain("Bumped version");
  });

  test("the runbook's release: git-cliff and cargo-release in pre_bump_hooks land in the tagged commit", async ({
    expect,
  }) => {
    const repo = await runbookRepo();
    repo.write({ "notes.txt": "swept in by --skip-untracked\n" });
    const dry = await repo.cog(["bump", "--auto", "--dry-run", "--skip-untracked"]);
    expect(dry).toMatchObject({ code: 0, stdout: "v0.2.0\n" });
    const r = await repo.cog(["bump", "--auto", "--skip-untracked"]);
    expect(r.code, r.stderr).toBe(0);
    expect(await repo.tags()).toEqual(["v0.1.0", "v0.2.0"]);
    expect(await repo.git("cat-file", "-t", "v0.2.0")).toBe("commit");
    expect(await repo.git("rev-parse", "v0.2.0")).toBe(await repo.git("rev-parse", "HEAD"));
    expect(await repo.subject()).toBe("chore(version): v0.2.0");
    expect(await repo.status()).toBe("");
    const files = (await repo.git("show", "--name-only", "--format=", "HEAD")).split("\n").sort();
    expect(files).toEqual(["CHANGELOG.md", "Cargo.lock", "Cargo.toml", "crates/admin-ui/Cargo.toml", "notes.txt"]);
    const changelog = await repo.git("show", "v0.2.0:CHANGELOG.md");
    expect(changelog).toMatch(/## 0\.2\.0\n\n- add route\n- typo\n/);
    const root = parseToml(await repo.git("show", "v0.2.0:Cargo.toml")) as any;
    expect(root.workspace.package.version).toBe("0.2.0");
    const adminUi = parseToml(await repo.git("show", "v0.2.0:crates/admin-ui/Cargo.toml")) as any;
    expect(adminUi.package.version).toBe("0.2.0");
    expect(adminUi.dependencies.gateway.version).toBe("0.2.0");
    const lock = parseToml(await repo.git("show", "v0.2.0:Cargo.lock")) as any;
    expect(lock.package.map((p: any) => `${p.name} ${p.version}`)).toEqual(["admin-ui 0.2.0", "gateway 0.2.0"]);
    expect(await repo.cog(["get-version"])).toMatchObject({ code: 0, stdout: "0.2.0\n" });
    expect(await repo.cog(["get-version", "--tag"])).toMatchObject({ code: 0, stdout: "v0.2.0\n" });
    // A second bump on the release commit finds only `chore(version)`: no bump, exit 0.
    expect(await repo.cog(["bump", "--auto", "--dry-run"])).toMatchObject({
      code: 0,
      stdout: expect.stringContaining(NO_BUMP),
    });
  });
});

describe.concurrent("cog get-version and cog check (tools.md §1.7, §1.8)", () => {
  test("get-version: no tag is an error unless --fallback; the prefix is stripped unless --tag", async ({ expect }) => {
    const repo = await Repo.create({ "cog.toml": `tag_prefix = "v"\n` });
    await repo.history(["chore: init", "feat(taef): feature"]);
    const none = await repo.cog(["get-version"]);
    expect(none.code).toBe(1);
    expect(none.stderr.startsWith("Error: No version yet\n")).toBe(true);
    expect(await repo.cog(["get-version", "--fallback", "0.0.0"])).toMatchObject({ code: 0, stdout: "0.0.0\n" });
    await repo.git("tag", "v1.2.0");
    await repo.commit("feat: next");
    await repo.git("tag", "v1.3.0-rc.1");
    expect(await repo.cog(["get-version"])).toMatchObject({ code: 0, stdout: "1.2.0\n", stderr: "Current version:\n" });
    expect(await repo.cog(["get-version", "--tag"])).toMatchObject({ code: 0, stdout: "v1.2.0\n" });
    expect(await repo.cog(["get-version", "--include-prereleases"])).toMatchObject({ code: 0, stdout: "1.3.0-rc.1\n" });
  });

  test("check: every commit must be conventional with a known type", async ({ expect }) => {
    const repo = await Repo.create();
    await repo.history(["chore: init", "feat: feature", "fix: bug fix"]);
    const ok = await repo.cog(["check"]);
    expect(ok.code).toBe(0);
    expect(ok.stderr).toContain("No errored commits");
    await repo.commit("toto: feature");
    const bad = await repo.cog(["check"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("Found 1 non compliant commits in");
  });

  test("check -l: fails before the first tag, then checks only commits after the latest tag", async ({ expect }) => {
    const repo = await Repo.create();
    await repo.history(["chore: init", "toto: errored commit", "feat: feature"]);
    const noTag = await repo.cog(["check", "-l"]);
    expect(noTag.code).toBe(1);
    expect(noTag.stderr).toContain("unable to get any tag");
    await repo.git("tag", "1.0.0");
    await repo.commit("fix: bug fix");
    expect((await repo.cog(["check", "--from-latest-tag"])).code).toBe(0);
    await repo.commit("toto: africa");
    const bad = await repo.cog(["check", "-l"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("Found 1 non compliant commits");
  });

  test("check: a merge commit's message is not conventional unless merge commits are ignored", async ({ expect }) => {
    const repo = await Repo.create();
    await repo.commit("chore: init");
    await repo.git("switch", "-q", "-c", "topic");
    await repo.commit("feat: on topic");
    await repo.git("switch", "-q", "main");
    await repo.commit("fix: on main");
    await repo.git("merge", "-q", "--no-ff", "--no-edit", "topic");
    expect(await repo.subject()).toBe("Merge branch 'topic'");
    const r = await repo.cog(["check"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Found 1 non compliant commits");
    expect((await repo.cog(["check", "--ignore-merge-commits"])).code).toBe(0);
  });
});

describe.concurrent("cog command line", () => {
  test("unknown subcommands and flags are usage errors (exit 2); --version answers", async ({ expect }) => {
    const repo = await Repo.create();
    await repo.commit("chore: init");
    expect((await repo.cog(["frobnicate"])).code).toBe(2);
    expect((await repo.cog(["bump", "--auto", "--frobnicate"])).code).toBe(2);
    expect((await repo.cog(["bump"])).code).toBe(2);
    expect((await repo.cog(["bump", "--auto", "--major"])).code).toBe(2);
    const version = await repo.cog(["--version"]);
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^cog \d+\.\d+\.\d+/);
  });

  test("the stand-in (called by its path) names itself and logs each call to COG_STANDIN_LOG", async ({ expect }) => {
    const repo = await Repo.create();
    await repo.commit("feat: one");
    expect(await run(standin("cog"), ["--version"], repo.dir)).toMatchObject({
      code: 0,
      stdout: "cog 7.0.0 (release-kit stand-in)\n",
    });
    const logFile = join(repo.dir, "..", `${repo.dir.split("/").pop()}.log`);
    await run(standin("cog"), ["bump", "--auto", "--dry-run"], repo.dir, "", { ...ENV, COG_STANDIN_LOG: logFile });
    await run(standin("cog"), ["get-version"], repo.dir, "", { ...ENV, COG_STANDIN_LOG: logFile });
    const lines = readFileSync(logFile, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toEqual([
      { argv: ["bump", "--auto", "--dry-run"], cwd: repo.dir },
      { argv: ["get-version"], cwd: repo.dir },
    ]);
  });
});

describe.concurrent("cargo release version (tools.md §3)", () => {
  async function workspaceRepo(extra: Record<string, string> = {}) {
    const repo = await Repo.create({ ...WORKSPACE, ...extra });
    await repo.commit("chore: init");
    return repo;
  }
  const snapshot = (repo: Repo) => Object.fromEntries(Object.keys(WORKSPACE).map((f) => [f, repo.read(f)]));

  test("a dry run is the default: it reports the changes, writes nothing, and exits 0", async ({ expect }) => {
    const repo = await workspaceRepo();
    const before = snapshot(repo);
    const r = await repo.cargoRelease(["0.2.0"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("aborting release due to dry run; re-run with");
    expect(r.stderr).toContain("--execute");
    expect(snapshot(repo)).toEqual(before);
  });

  test("--execute without --no-confirm asks, and EOF or `n` change nothing with exit 0; `y` proceeds", async ({
    expect,
  }) => {
    const repo = await workspaceRepo();
    const before = snapshot(repo);
    for (const input of ["", "n\n"]) {
      const r = await repo.cargoRelease(["0.2.0", "--execute"], input);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("Bump");
      expect(r.stdout).toContain("[y/N]");
      expect(snapshot(repo)).toEqual(before);
    }
    expect((await repo.cargoRelease(["0.2.0", "--execute"], "y\n")).code).toBe(0);
    expect((parseToml(repo.read("Cargo.toml")) as any).workspace.package.version).toBe("0.2.0");
  });

  test("--execute --no-confirm stamps members, [workspace.package], path dependencies and Cargo.lock", async ({
    expect,
  }) => {
    // src/steps/version.rs `update_versions`, src/ops/cargo.rs `set_workspace_version`,
    // `set_package_version`, `upgrade_dependency_req`, `update_lock` (cargo metadata).
    const repo = await workspaceRepo();
    const head = await repo.git("rev-parse", "HEAD");
    const r = await repo.cargoRelease(["minor", "--execute", "--no-confirm"]);
    expect(r.code, r.stderr).toBe(0);
    const root = parseToml(repo.read("Cargo.toml")) as any;
    expect(root.workspace.package.version).toBe("0.2.0");
    expect(root.workspace.dependencies.gateway.version).toBe("0.2.0");
    expect(repo.read("crates/admin-ui/Cargo.toml")).toContain(`version = "0.2.0" # stamped by cargo-release`);
    expect((parseToml(repo.read("crates/admin-ui/Cargo.toml")) as any).dependencies.gateway.version).toBe("0.2.0");
    expect(repo.read("crates/gateway/Cargo.toml")).toBe(WORKSPACE["crates/gateway/Cargo.toml"]);
    const lock = parseToml(repo.read("Cargo.lock")) as any;
    expect(lock.package.map((p: any) => `${p.name} ${p.version}`)).toEqual(["admin-ui 0.2.0", "gateway 0.2.0"]);
    // It never commits or tags.
    expect(await repo.git("rev-parse", "HEAD")).toBe(head);
    expect(await repo.tags()).toEqual([]);
    expect(
      (await repo.status())
        .split("\n")
        .map((l) => l.slice(3))
        .sort(),
    ).toEqual(["Cargo.lock", "Cargo.toml", "crates/admin-ui/Cargo.toml"]);
    if (REAL_CARGO) await expectCargoKeepsLock(repo.dir);
  });

  test("a `v` prefix is rejected, a downgrade exits 101, the current version is a no-op", async ({ expect }) => {
    const repo = await workspaceRepo();
    const before = snapshot(repo);
    const prefixed = await repo.cargoRelease(["v0.2.0", "--execute", "--no-confirm"]);
    expect(prefixed.code).toBe(2);
    expect(prefixed.stderr).toContain("v0.2.0");
    const down = await repo.cargoRelease(["0.0.1", "--execute", "--no-confirm"]);
    expect(down.code).toBe(101);
    expect(down.stderr).toContain("cannot downgrade");
    expect(await repo.cargoRelease(["0.1.0", "--execute", "--no-confirm"])).toMatchObject({ code: 0 });
    expect(snapshot(repo)).toEqual(before);
  });

  test("`release = false` skips a package but still updates its dependency on a bumped one", async ({ expect }) => {
    const adminUi = `${WORKSPACE["crates/admin-ui/Cargo.toml"]}\n[package.metadata.release]\nrelease = false\n`;
    const repo = await workspaceRepo({ "crates/admin-ui/Cargo.toml": adminUi });
    expect((await repo.cargoRelease(["0.2.0", "--execute", "--no-confirm"])).code).toBe(0);
    const manifest = parseToml(repo.read("crates/admin-ui/Cargo.toml")) as any;
    expect(manifest.package.version).toBe("0.1.0");
    expect(manifest.dependencies.gateway.version).toBe("0.2.0");
    expect((parseToml(repo.read("Cargo.toml")) as any).workspace.package.version).toBe("0.2.0");
  });

  test("-p selects one package; a dirty tree only warns", async ({ expect }) => {
    const repo = await workspaceRepo();
    repo.write({ "stray.txt": "x\n" });
    const r = await repo.cargoRelease(["-p", "admin-ui", "0.3.0", "--execute", "--no-confirm"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("uncommitted changes detected");
    expect((parseToml(repo.read("crates/admin-ui/Cargo.toml")) as any).package.version).toBe("0.3.0");
    expect((parseToml(repo.read("Cargo.toml")) as any).workspace.package.version).toBe("0.1.0");
  });

  test("the command line is clap's: `cargo` > `release` > steps, so `cargo-release --version` is a usage error", async ({
    expect,
  }) => {
    // src/bin/cargo-release.rs: `#[command(name = "cargo")] enum Command { Release(ReleaseOpt) }`, with
    // `version` on the `release` subcommand only; src/steps/version.rs `VersionStep` for the step's flags.
    const repo = await workspaceRepo();
    const before = snapshot(repo);
    const top = await run("cargo-release", ["--version"], repo.dir);
    expect(top).toMatchObject({ code: 2, stdout: "" });
    expect(top.stderr).toContain("error: unexpected argument '--version' found");
    expect(top.stderr).toContain("Usage: cargo <COMMAND>");
    for (const [cmd, ...args] of [
      ["cargo-release", "release", "--version"],
      ["cargo", "release", "--version"],
      ["cargo-release", "release", "-V"],
    ]) {
      const r = await run(cmd!, args, repo.dir);
      expect(r.code, `${cmd} ${args.join(" ")}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(/^cargo-release 1\.1\.5\b/);
    }
    const noRelease = await run("cargo-release", ["version", "0.2.0", "--execute", "--no-confirm"], repo.dir);
    expect(noRelease.code).toBe(2);
    expect(noRelease.stderr).toContain("unrecognized subcommand 'version'");
    const stepVersion = await run("cargo", ["release", "version", "--version"], repo.dir);
    expect(stepVersion.code).toBe(2);
    expect(stepVersion.stderr).toContain("unexpected argument '--version' found");
    const missing = await repo.cargoRelease([]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("<LEVEL|VERSION>");
    const both = await repo.cargoRelease(["0.2.0", "--execute", "--dry-run"]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("cannot be used with");
    expect(snapshot(repo)).toEqual(before);
    // Called directly as cargo calls it, with -q (global) after the step.
    expect(
      (await run("cargo-release", ["release", "version", "0.2.0", "-x", "--no-confirm", "-q"], repo.dir)).code,
    ).toBe(0);
    expect((parseToml(repo.read("Cargo.toml")) as any).workspace.package.version).toBe("0.2.0");
  });

  test("package selection is clap-cargo's: default members, -p, --workspace, --exclude; an unknown -p selects nothing", async ({
    expect,
  }) => {
    // clap-cargo src/workspace.rs `partition_packages` / `Packages::from_flags` (no error for unknown
    // names), src/steps/version.rs ("no packages selected", exit 2); run from a member, cargo's default
    // member is that member (cargo's `find_members`, checked with `cargo metadata` 1.95.0).
    const repo = await workspaceRepo();
    const upgraded = (r: Result) => [...r.stderr.matchAll(/Upgrading (\S+) from/g)].map((m) => m[1]).sort();
    expect(upgraded(await repo.cargoRelease(["patch"]))).toEqual(["admin-ui", "gateway"]);
    expect(upgraded(await repo.cargoRelease(["patch", "--exclude", "admin-ui"]))).toEqual(["gateway"]);
    expect(upgraded(await repo.cargoRelease(["patch", "--workspace", "-p", "admin-ui"]))).toEqual([
      "admin-ui",
      "gateway",
    ]);
    expect(upgraded(await repo.cargoRelease(["patch", "-p", "admin-ui", "--exclude", "gateway"]))).toEqual([
      "admin-ui",
    ]);
    expect(upgraded(await repo.cargoRelease(["patch"], "", join(repo.dir, "crates", "admin-ui")))).toEqual([
      "admin-ui",
    ]);
    const unknown = await repo.cargoRelease(["patch", "-p", "no-such-crate"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("no packages selected");
  });

  test("without Cargo.lock, cargo metadata writes one for path packages, in a dry run too, exactly as cargo does", async ({
    expect,
  }) => {
    // src/steps/version.rs runs `cargo metadata` (no --no-deps, --offline or --locked) before
    // anything else and again after writing (src/ops/cargo.rs `update_lock`); cargo resolves and
    // writes the lock each time. A path dependency outside the members is locked too.
    const adminUi = `${WORKSPACE["crates/admin-ui/Cargo.toml"]}\n[dev-dependencies]\nzeta = { path = "../../vendor/zeta" }\n`;
    const repo = await Repo.create({
      ...WORKSPACE,
      "crates/admin-ui/Cargo.toml": adminUi,
      "vendor/zeta/Cargo.toml": `[package]\nname = "zeta"\nversion = "2.0.0"\nedition = "2021"\n`,
      "vendor/zeta/src/lib.rs": "",
    });
    rmSync(join(repo.dir, "Cargo.lock"));
    await repo.commit("chore: init");
    const dry = await repo.cargoRelease(["minor"]);
    expect(dry.code, dry.stderr).toBe(0);
    expect((parseToml(repo.read("Cargo.toml")) as any).workspace.package.version).toBe("0.1.0");
    const lockOf = (a: string, g: string) =>
      `# This file is automatically @generated by Cargo.\n# It is not intended for manual editing.\nversion = 4\n\n` +
      `[[package]]\nname = "admin-ui"\nversion = "${a}"\ndependencies = [\n "gateway",\n "zeta",\n]\n\n` +
      `[[package]]\nname = "gateway"\nversion = "${g}"\n\n[[package]]\nname = "zeta"\nversion = "2.0.0"\n`;
    expect(repo.read("Cargo.lock")).toBe(lockOf("0.1.0", "0.1.0"));
    if (REAL_CARGO) await expectCargoKeepsLock(repo.dir);
    expect((await repo.cargoRelease(["minor", "--execute", "--no-confirm"])).code).toBe(0);
    expect(repo.read("Cargo.lock")).toBe(lockOf("0.2.0", "0.2.0"));
    if (REAL_CARGO) await expectCargoKeepsLock(repo.dir);
  });

  test("without Cargo.lock, a registry dependency needs the network: offline, cargo metadata fails (101) before anything is written", async ({
    expect,
  }) => {
    // src/steps/version.rs: `cargo metadata` runs first; cargo_metadata's error is "`cargo metadata`
    // exited with an error: <cargo's stderr>", reported with exit 101 (src/error.rs). cargo 1.95.0
    // offline says "failed to get `serde` as a dependency of package ...". For a real cargo the
    // network is cut here: an empty CARGO_HOME and a proxy that refuses connections.
    const adminUi = `${WORKSPACE["crates/admin-ui/Cargo.toml"]}serde = "1"\n`;
    const repo = await Repo.create({ ...WORKSPACE, "crates/admin-ui/Cargo.toml": adminUi });
    rmSync(join(repo.dir, "Cargo.lock"));
    await repo.commit("chore: init");
    const offline = {
      ...ENV,
      CARGO_HOME: mkdtempSync(join(TMP, "cargo-home-")),
      CARGO_HTTP_PROXY: "http://127.0.0.1:9",
      CARGO_NET_RETRY: "0",
    };
    const r = await run("cargo", ["release", "version", "minor", "--execute", "--no-confirm"], repo.dir, "", offline);
    expect(r.code).toBe(101);
    expect(r.stderr).toContain("`cargo metadata` exited with an error");
    expect(r.stderr).toContain(`failed to get \`serde\` as a dependency of package \`admin-ui v0.1.0`);
    expect(repo.exists("Cargo.lock")).toBe(false);
    expect(await repo.status()).toBe("");
  });

  test("without cargo, cargo-release cannot run `cargo metadata`: exit 101, nothing written", async ({ expect }) => {
    // cargo_metadata's `MetadataCommand` runs $CARGO or `cargo` from PATH; failing to spawn it is
    // "failed to start `cargo metadata`: ..." (cargo_metadata src/errors.rs `Error::Io`), exit 101.
    // The `release --version` probe needs no cargo, so tools can still show cargo-release's version.
    const repo = await workspaceRepo();
    const before = snapshot(repo);
    const bin = mkdtempSync(join(TMP, "no-cargo-"));
    for (const tool of ["git", "node", "dirname"]) symlinkSync(which(tool)!, join(bin, tool));
    const env: NodeJS.ProcessEnv = { ...ENV, PATH: [dirname(which("cargo-release")!), bin].join(delimiter) };
    delete env.CARGO;
    expect((await run("cargo-release", ["release", "--version"], repo.dir, "", env)).code).toBe(0);
    const r = await run(
      "cargo-release",
      ["release", "version", "minor", "--execute", "--no-confirm"],
      repo.dir,
      "",
      env,
    );
    expect(r.code).toBe(101);
    expect(r.stderr).toContain("failed to start `cargo metadata`");
    expect(snapshot(repo)).toEqual(before);
  });

  test("called by its path, it names itself and refuses steps it does not implement", async ({ expect }) => {
    const repo = await workspaceRepo();
    expect(await run(standin("cargo-release"), ["release", "--version"], repo.dir)).toMatchObject({
      code: 0,
      stdout: "cargo-release 1.1.5 (release-kit stand-in)\n",
    });
    for (const args of [
      ["release", "tag", "--execute"],
      ["release", "--execute"],
    ]) {
      const r = await run(standin("cargo-release"), args, repo.dir);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("not supported by the release-kit cargo-release stand-in");
    }
  });
});

/** `cargo metadata --locked` fails when cargo would write a different Cargo.lock: passing, it is byte for byte cargo's. */
async function expectCargoKeepsLock(dir: string): Promise<void> {
  const meta = await run(REAL_CARGO!, ["metadata", "--offline", "--locked", "--format-version", "1"], dir);
  if (meta.code !== 0) throw new Error(`cargo would rewrite Cargo.lock in ${dir}: ${meta.stderr}`);
}

// cargo's external subcommands, against the stand-in and (when installed) the real cargo: the same
// assertions for both. src/bin/cargo/main.rs `execute_external_subcommand`, `search_directories`,
// `execute_subcommand`; src/bin/cargo/cli.rs passes `<name> <args...>` on.
const CARGOS: [string, string][] = [
  ["the cargo stand-in", standin("cargo")],
  ...(REAL_CARGO ? [["the real cargo", REAL_CARGO] as [string, string]] : []),
];

describe.concurrent.each(CARGOS)("cargo's dispatch: %s", (_name, cargo) => {
  function binWith(script: string): string {
    const dir = mkdtempSync(join(TMP, "bin-"));
    writeFileSync(join(dir, "cargo-probe"), `#!/bin/sh\nprintf '%s\\n' "${script}" "$*" "$CARGO"\nexit 7\n`, {
      mode: 0o755,
    });
    return dir;
  }
  const envWith = (dirs: string[], cargoHome = mkdtempSync(join(TMP, "cargo-home-"))) => ({
    ...ENV,
    CARGO_HOME: cargoHome,
    PATH: [...dirs, ENV.PATH ?? ""].join(delimiter),
  });

  test("`cargo <name> args` runs cargo-<name> from PATH as `<name> args`, without cargo's own options, with CARGO set, and passes its exit code", async ({
    expect,
  }) => {
    const r = await run(
      cargo,
      ["-q", "--color", "never", "probe", "-p", "x", "--execute"],
      TMP,
      "",
      envWith([binWith("path")]),
    );
    expect(r.code).toBe(7);
    const [who, argv, cargoEnv] = r.stdout.split("\n");
    expect([who, argv]).toEqual(["path", "probe -p x --execute"]);
    expect(isExecutable(cargoEnv!)).toBe(true);
  });

  test("$CARGO_HOME/bin is searched before PATH", async ({ expect }) => {
    const home = mkdtempSync(join(TMP, "cargo-home-"));
    mkdirSync(join(home, "bin"));
    writeFileSync(join(home, "bin", "cargo-probe"), `#!/bin/sh\necho home\n`, { mode: 0o755 });
    const r = await run(cargo, ["probe"], TMP, "", envWith([binWith("path")], home));
    expect(r).toMatchObject({ code: 0, stdout: "home\n" });
  });

  test("an unknown command: `no such command`, exit 101", async ({ expect }) => {
    const r = await run(cargo, ["no-such-thing"], TMP, "", envWith([]));
    expect(r.code).toBe(101);
    expect(r.stderr).toContain("error: no such command: `no-such-thing`");
    expect(r.stderr).toContain("cargo search cargo-no-such-thing");
  });

  test("`cargo release --version` reaches cargo-release on PATH", async ({ expect }) => {
    const dir = dirname(which("cargo-release")!);
    const r = await run(cargo, ["release", "--version"], TMP, "", envWith([dir]));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^cargo-release 1\.1\.5\b/);
  });
});

describe("standinsNeeded", () => {
  function fakeBin(tools: string[], dir = mkdtempSync(join(TMP, "bin-"))): string {
    for (const tool of tools) writeFileSync(join(dir, tool), "#!/bin/sh\necho real\n", { mode: 0o755 });
    return dir;
  }
  const noHome = () => mkdtempSync(join(TMP, "cargo-home-"));

  test("every stand-in when no tool is on PATH: one committed folder each, its own folders not counting", async ({
    expect,
  }) => {
    const path = [standinDir("cog"), standinDir("cargo"), fakeBin([])].join(delimiter);
    const needed = standinsNeeded({ PATH: path, CARGO_HOME: noHome() });
    expect(needed.tools).toEqual(["cog", "cargo-release", "cargo"]);
    expect(needed.dir.split(delimiter)).toEqual([standinDir("cog"), standinDir("cargo-release"), standinDir("cargo")]);
    for (const tool of needed.tools as StandinTool[]) {
      expect(readdirSync(standinDir(tool))).toEqual([tool]);
      expect(isExecutable(standin(tool))).toBe(true);
    }
    // The wrappers are files of this checkout, never written at run time, so two checkouts (or runs)
    // cannot rewrite each other's.
    const tracked = (await run("git", ["ls-files", relative(ROOT, STANDIN_BIN_DIR)], ROOT)).stdout
      .split("\n")
      .filter(Boolean)
      .sort();
    expect(tracked.map((f) => relative(relative(ROOT, STANDIN_BIN_DIR), f))).toEqual([
      "cargo-release/cargo-release",
      "cargo/cargo",
      "cog/cog",
    ]);
  });

  test("none when the real tools are on PATH", ({ expect }) => {
    expect(standinsNeeded({ PATH: fakeBin(["cog", "cargo-release", "cargo"]), CARGO_HOME: noHome() })).toEqual({
      dir: "",
      tools: [],
    });
  });

  test("only the missing ones, so a real tool is never shadowed", async ({ expect }) => {
    const real = fakeBin(["cog", "cargo"]);
    const { dir, tools } = standinsNeeded({ PATH: real, CARGO_HOME: noHome() });
    expect(tools).toEqual(["cargo-release"]);
    const path = [dir, real, process.env.PATH ?? ""].join(delimiter);
    expect(which("cog", path)).toBe(join(real, "cog"));
    expect(which("cargo", path)).toBe(join(real, "cargo"));
    const r = await run("cargo-release", ["release", "--version"], TMP, "", { ...ENV, PATH: path });
    expect(r).toMatchObject({ code: 0, stdout: expect.stringContaining("cargo-release 1.1.5") });
    // Asked again with those folders on PATH, the answer does not change.
    expect(standinsNeeded({ PATH: path, CARGO_HOME: noHome() }).tools).toEqual(["cargo-release"]);
  });

  test("cargo-release in $CARGO_HOME/bin counts when cargo is real (cargo looks there first), not without cargo", ({
    expect,
  }) => {
    const home = noHome();
    fakeBin(["cargo-release"], (mkdirSync(join(home, "bin")), join(home, "bin")));
    expect(standinsNeeded({ PATH: fakeBin(["cog", "cargo"]), CARGO_HOME: home }).tools).toEqual([]);
    expect(standinsNeeded({ PATH: fakeBin(["cog"]), CARGO_HOME: home }).tools).toEqual(["cargo-release", "cargo"]);
  });

  test("another checkout's stand-in on PATH is not a real tool", ({ expect }) => {
    const other = mkdtempSync(join(TMP, "other-checkout-"));
    for (const tool of STANDIN_TOOLS) copyFileSync(standin(tool), join(other, tool));
    expect(standinsNeeded({ PATH: other, CARGO_HOME: noHome() }).tools).toEqual(["cog", "cargo-release", "cargo"]);
  });
});
