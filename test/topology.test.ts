// How preflight reads a repository it did not make: its release branch (origin's default branch, from
// git, else GitHub, `main` only as the last resort), its tag prefix (cog.toml's, else the history's),
// the topologies the runbook's flow cannot handle (reported once, as "not supported: why"), and
// hooks that act before the review gate. Each story is a real repository pushed to the sandbox's
// bare remote and cloned from its GitHub URL, and preflight runs through the kit's launcher.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { KIT, type KitRun, tempDir } from "./helpers/kit.ts";
import { gitAsync, kitIn, type Sandbox } from "./helpers/sandbox.ts";
import { withSandbox } from "./helpers/world.ts";

const tmp = tempDir("rk-topology-");
afterAll(() => tmp.remove());
let repos = 0;

interface Step {
  message: string;
  files?: Record<string, string>;
  tags?: string[];
}

const CLIFF_HOOK = "git-cliff --tag {{version_tag}} -o CHANGELOG.md";
const COG = `tag_prefix = "v"\ndisable_changelog = true\npre_bump_hooks = [${JSON.stringify(CLIFF_HOOK)}]\n`;
const CLIFF_TOML = '[changelog]\nbody = "x"\n';
const CARGO = (version: string) => `[package]\nname = "demo"\nversion = "${version}"\nedition = "2021"\n`;

/** A repository with this history, on `branch`, in a folder of its own. */
async function buildRepo(branch: string, steps: Step[]): Promise<string> {
  const dir = join(tmp.path, `repo-${++repos}`);
  mkdirSync(dir, { recursive: true });
  await gitAsync(dir, "init", "-q", "-b", branch);
  for (const [key, value] of [
    ["user.name", "Maintainer"],
    ["user.email", "maintainer@example.com"],
    ["commit.gpgsign", "false"],
    ["tag.gpgsign", "false"],
  ])
    await gitAsync(dir, "config", key!, value!);
  for (const step of steps) {
    for (const [file, text] of Object.entries(step.files ?? {})) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), text);
    }
    await gitAsync(dir, "add", "-A");
    await gitAsync(dir, "commit", "-q", "--allow-empty", "-m", step.message);
    for (const tag of step.tags ?? []) await gitAsync(dir, "tag", tag);
  }
  return dir;
}

/** The repository pushed to a sandbox whose default branch is `branch`, and a clone of its GitHub URL. */
async function inSandbox(
  branch: string,
  steps: Step[],
  story: (sb: Sandbox, clone: string) => Promise<void>,
  cloneArgs: string[] = [],
): Promise<void> {
  const source = await buildRepo(branch, steps);
  const seed = async (remote: string) =>
    void (await gitAsync(source, "push", "-q", remote, `refs/heads/${branch}`, "refs/tags/*:refs/tags/*"));
  await withSandbox({ defaultBranch: branch, example: false, seed }, async (sb) => {
    const github = `https://github.com/${sb.repository}.git`;
    const clone = join(tmp.path, `clone-${++repos}`);
    await gitAsync(
      tmp.path,
      "-c",
      `url.${sb.remotePath}.insteadOf=${github}`,
      "clone",
      "-q",
      ...cloneArgs,
      github,
      clone,
    );
    await gitAsync(clone, "config", `url.${sb.remotePath}.insteadOf`, github);
    await story(sb, clone);
  });
}

/** A repository whose first commit holds `files` (cog.toml among them) and is released as v0.1.0, with a feature after it. */
const withFiles = (files: Record<string, string>, story: (sb: Sandbox, clone: string) => Promise<void>) =>
  inSandbox("main", [{ message: "feat: start", files, tags: ["v0.1.0"] }, { message: "feat: more" }], story);

/** Commits `files` on the clone's main and pushes them, as the next change to the setup would land. */
async function land(clone: string, files: Record<string, string>, message: string): Promise<void> {
  for (const [file, text] of Object.entries(files)) writeFileSync(join(clone, file), text);
  await gitAsync(clone, "add", "-A");
  await gitAsync(clone, "commit", "-q", "-m", message);
  await gitAsync(clone, "push", "-q", "origin", "HEAD:refs/heads/main");
}

const preflight = (sb: Sandbox, repo: string, env: Record<string, string | undefined> = {}, args: string[] = []) =>
  kitIn(sb, "preflight", ["--json", ...args], { repo, env, timeoutMs: 120_000 });
const check = (res: KitRun, id: string) => {
  const found = res.json?.checks?.find((c: { id: string }) => c.id === id);
  if (!found) throw new Error(`no ${id} check in: ${res.stderr.slice(-2000)}`);
  return found as { id: string; status: string; detail: string; fix: string };
};
const unsupported = (res: KitRun) => (res.json.config.unsupported as { id: string }[]).map((u) => u.id);

describe("the release branch is origin's default branch", () => {
  const master: Step[] = [
    { message: "feat: start", files: { "cog.toml": COG, "README.md": "demo\n" }, tags: ["v0.1.0"] },
    { message: "fix: a fix" },
  ];

  it("a master repository with no main is checked as master, from what the clone recorded, then from origin, then from GitHub; main is the last resort; RELEASE_BRANCH wins", async () => {
    await inSandbox("master", master, async (sb, clone) => {
      const cloned = await preflight(sb, clone);
      expect(cloned.json.config).toMatchObject({ branch: "master", default_branch: "master" });
      expect(cloned.json.config.sources.RELEASE_BRANCH).toBe("origin's default branch (refs/remotes/origin/HEAD)");
      expect(check(cloned, "release-branch")).toMatchObject({ status: "pass", detail: "on master" });
      expect(check(cloned, "up-to-date")).toMatchObject({ status: "pass", detail: "master equals origin/master" });
      expect(check(cloned, "push").detail).toMatch(/^git push --dry-run --atomic origin master is accepted/);
      // Never main, anywhere in the report.
      // Never main, anywhere in the report (the kit's own folder may be named anything, main included).
      expect(JSON.stringify(cloned.json.checks).replaceAll(KIT, "<kit>/")).not.toMatch(/\bmain\b/);

      // Without refs/remotes/origin/HEAD, origin itself says.
      await gitAsync(clone, "remote", "set-head", "origin", "--delete");
      const asked = await preflight(sb, clone);
      expect(asked.json.config.branch).toBe("master");
      expect(asked.json.config.sources.RELEASE_BRANCH).toBe(
        "origin's default branch (git ls-remote --symref origin HEAD)",
      );
      expect(check(asked, "push").detail).toMatch(/origin master is accepted/);

      // origin's HEAD names no branch: GitHub's default_branch does.
      await gitAsync(sb.remotePath, "symbolic-ref", "HEAD", "refs/heads/gone");
      const fromGitHub = await preflight(sb, clone);
      expect(fromGitHub.json.config.branch).toBe("master");
      expect(fromGitHub.json.config.sources.RELEASE_BRANCH).toMatch(
        /^GitHub's default branch \(GET \/repos\/acme\/gateway\)$/,
      );
      expect(check(fromGitHub, "merged")).toMatchObject({ status: "pass", detail: "HEAD is on origin/master" });

      // Nobody can say: main, and the report says why, and the push check does not pass on a branch origin lacks.
      const unknown = await preflight(sb, clone, { GITHUB_API_URL: "http://127.0.0.1:9" });
      expect(unknown.json.config.branch).toBe("main");
      expect(unknown.json.config.sources.RELEASE_BRANCH).toMatch(
        /^default: main, as origin's default branch is not known \(origin's HEAD names no branch.*\); GitHub did not say either/,
      );
      expect(check(unknown, "release-branch")).toMatchObject({
        status: "fail",
        detail: "on master, not the release branch main",
      });
      expect(check(unknown, "push")).toMatchObject({
        status: "fail",
        detail: expect.stringMatching(/origin has no branch main: the push would create it/),
      });

      // A setting still wins over everything derived.
      const set = await preflight(sb, clone, { RELEASE_BRANCH: "master", GITHUB_API_URL: "http://127.0.0.1:9" });
      expect(set.json.config.branch).toBe("master");
      expect(set.json.config.sources.RELEASE_BRANCH).toBe("environment variable RELEASE_BRANCH");
      expect(check(set, "release-branch").status).toBe("pass");
    });
  });

  it("merged never trusts origin/<branch> when the fetch failed: it says it cannot tell", async () => {
    await inSandbox("master", master, async (sb, clone) => {
      // origin/master is there from the clone, but origin cannot be reached now.
      await gitAsync(clone, "remote", "set-url", "origin", join(tmp.path, "no-such-remote.git"));
      const res = await preflight(sb, clone);
      expect(res.json.config.branch).toBe("master");
      expect(check(res, "up-to-date")).toMatchObject({
        status: "fail",
        detail: expect.stringMatching(/^cannot fetch master from origin/),
      });
      expect(check(res, "merged")).toMatchObject({
        status: "fail",
        detail: expect.stringMatching(
          /^cannot tell: fetching master from origin failed \(see up-to-date\), so origin\/master here may be stale/,
        ),
      });
      expect(res.stderr).not.toMatch(/^fatal: /m);
    });
  });
});

describe("the tag prefix is the one the history uses", () => {
  // 128 release tags v1.0.0 ... v1.0.126 and v1.1.0, and the crate at 1.1.0.
  const history = (files: Record<string, string>): Step[] => [
    {
      message: "feat: start",
      files: { ...files, "Cargo.toml": CARGO("1.0.126"), "Cargo.lock": "version = 4\n" },
      tags: Array.from({ length: 127 }, (_, i) => `v1.0.${i}`),
    },
    { message: "feat: more", files: { "Cargo.toml": CARGO("1.1.0") }, tags: ["v1.1.0"] },
    { message: "fix: a fix", files: { "src.txt": "fixed\n" } },
  ];

  it('no cog.toml and 128 v* tags: the prefix is inferred and said so, cog is asked with it, and the flow is reported as not supported with tag_prefix = "v" advised', async () => {
    await inSandbox("main", history({}), async (sb, clone) => {
      const res = await preflight(sb, clone);
      expect(res.json.config.tag_prefix).toBe("v");
      expect(res.json.config.sources.tag_prefix).toBe(
        "inferred from the history: 128 release tags v<version> reachable from HEAD, v1.1.0 the highest (there is no cog.toml)",
      );
      expect(res.json).toMatchObject({ version: "1.1.1", tag: "v1.1.1" });
      expect(check(res, "next-version").detail).toMatch(
        /^v1\.1\.1 \(after v1\.1\.0, from the commits; with tag_prefix = "v", inferred from the history's tags/,
      );
      expect(check(res, "versions")).toMatchObject({
        status: "pass",
        detail: "Cargo.toml at 1.1.0, the version of v1.1.0",
      });
      expect(unsupported(res)).toEqual(["no-cog"]);
      expect(check(res, "config")).toMatchObject({
        status: "fail",
        detail: expect.stringMatching(/^not supported: the cocogitto release flow: there is no cog\.toml/),
        fix: expect.stringContaining('add cog.toml with tag_prefix = "v"'),
      });
      expect(JSON.stringify(res.json.checks)).not.toMatch(/0\.1\.0|or lower/);
    });
  });

  it('cog.toml without tag_prefix: the config check advises tag_prefix = "v", since cog would start again from 0.1.0', async () => {
    await inSandbox(
      "main",
      history({ "cog.toml": "disable_changelog = true\npre_bump_hooks = []\n" }),
      async (sb, clone) => {
        const res = await preflight(sb, clone);
        expect(res.json.config.tag_prefix).toBe("v");
        expect(res.json.config.sources.tag_prefix).toMatch(
          /^inferred from the history: 128 release tags .*\(cog\.toml sets no tag_prefix\)$/,
        );
        expect(res.json.version).toBe("1.1.1");
        const config = check(res, "config");
        expect(config.status).toBe("fail");
        expect(config.detail).toContain(
          "cog.toml sets no tag_prefix, but the history's release tags are v<version> (128, v1.1.0 the highest): cog would see none of them and start again from 0.1.0",
        );
        expect(config.fix).toContain('set tag_prefix = "v" in cog.toml');
        expect(unsupported(res)).toEqual([]);
      },
    );
  });

  it("versions above what cog sees: never 'set them lower'; the likely cause (tags not fetched, another prefix) and --version with what the manifests say", async () => {
    // A clone without tags: cog sees no release and would make 0.1.0 the first one.
    await inSandbox(
      "main",
      history({ "cog.toml": COG }),
      async (sb, clone) => {
        const res = await preflight(sb, clone);
        expect(res.json.version).toBe("0.1.0");
        const versions = check(res, "versions");
        expect(versions.status).toBe("fail");
        expect(versions.detail).toMatch(
          /^Cargo\.toml says 1\.1\.0, but cog sees no release tag v<version> and would make 0\.1\.0 the first release: the version hook would refuse to go down to 0\.1\.0; origin has 128 release tags this clone has not fetched/,
        );
        expect(versions.fix).toMatch(
          /^git fetch --tags origin; if 1\.1\.0 is the version you mean to release, choose it: .*--version 1\.1\.0/,
        );
        expect(versions.fix).not.toMatch(/lower|back to/);
        // Choosing it, as advised, passes.
        const chosen = await preflight(sb, clone, {}, ["--version", "1.1.0"]);
        expect(check(chosen, "versions")).toMatchObject({
          status: "pass",
          detail: "Cargo.toml at 1.1.0, the version asked for (--version 1.1.0)",
        });
      },
      ["--no-tags"],
    );

    // cog.toml says there is no prefix, but the tags have one.
    await inSandbox(
      "main",
      history({ "cog.toml": `tag_prefix = ""\n${COG.split("\n").slice(1).join("\n")}` }),
      async (sb, clone) => {
        const res = await preflight(sb, clone);
        expect(res.json.config.sources.tag_prefix).toBe("cog.toml tag_prefix");
        const versions = check(res, "versions");
        expect(versions.detail).toMatch(
          /the tag v1\.1\.0 holds that version, but cog reads tags as \(no prefix\)<version>/,
        );
        expect(versions.fix).toMatch(
          /^set tag_prefix = "v" in cog\.toml; if 1\.1\.0 is the version you mean to release/,
        );
      },
    );
  });
});

describe("topologies the runbook's flow cannot handle are reported once, as not supported, under config", () => {
  it("a cog monorepo ([monorepo.packages]): per-package tags; the checks that would give wrong advice skip", async () => {
    const cog = `${COG}[monorepo.packages.api]\npath = "api"\n[monorepo.packages.web]\npath = "web"\n`;
    await inSandbox(
      "main",
      [
        {
          message: "feat: start",
          files: {
            "cog.toml": cog,
            "api/Cargo.toml": CARGO("0.3.0"),
            "Cargo.toml": '[workspace]\nmembers = ["api"]\n',
          },
          tags: ["api-v0.3.0", "v0.1.0"],
        },
        { message: "feat(api): more" },
      ],
      async (sb, clone) => {
        const res = await preflight(sb, clone);
        expect(unsupported(res)).toEqual(["cog-monorepo"]);
        expect(res.json.config.tag_scheme).toBe("per-package");
        expect(check(res, "config").detail).toMatch(
          /^not supported: per-package tags \(cog monorepo\): cog\.toml's \[monorepo\.packages\] lists 2 packages \(api, web\)/,
        );
        for (const id of ["next-version", "conventional-commits", "versions"])
          expect(check(res, id)).toMatchObject({
            status: "skip",
            detail: "not supported: per-package tags (cog monorepo) (see config)",
          });
      },
    );
  });

  it("cog 6's [packages]: cog 7 rejects it, said once under config; cog is not asked", async () => {
    const cog = `${COG}[packages]\napi = { path = "api" }\n`;
    await withFiles({ "cog.toml": cog }, async (sb, clone) => {
      const res = await preflight(sb, clone);
      expect(unsupported(res)).toEqual(["cog-monorepo"]);
      expect(check(res, "config").detail).toContain(
        "cog.toml has [packages], cog 6.x's way to list a monorepo's packages: cog 7 rejects it as an unknown key",
      );
      expect(check(res, "next-version")).toMatchObject({
        status: "skip",
        detail: "cog cannot read cog.toml (see config)",
      });
    });
  });

  it("crates that never carry the release version (no version hook, the crate behind the tags): not supported; versions does not say 'set them back'", async () => {
    await inSandbox(
      "main",
      [
        {
          message: "feat: start",
          files: {
            "cog.toml": 'tag_prefix = "v"\n',
            "Cargo.toml": CARGO("0.1.3"),
            "CHANGELOG.md": "# Changelog\n- - -\n",
          },
          tags: ["v0.8.0"],
        },
        { message: "feat: more" },
      ],
      async (sb, clone) => {
        const res = await preflight(sb, clone);
        expect(unsupported(res)).toEqual(["unversioned-packages"]);
        const config = check(res, "config");
        expect(config.detail).toMatch(
          /^not supported: the crates never carry the release version: Cargo\.toml says 0\.1\.3 while the release tags reach v0\.8\.0, and no pre_bump_hook sets the versions/,
        );
        expect(config.fix).toMatch(
          /set them to 0\.8\.0 in a commit of their own, then add "cargo release version \{\{version\}\} --execute --no-confirm" to pre_bump_hooks/,
        );
        expect(check(res, "versions")).toMatchObject({
          status: "skip",
          detail: "not supported: the crates never carry the release version (see config)",
        });
        // cog writes CHANGELOG.md here (no disable_changelog), which is supported: nothing said about it.
        expect(res.json.config.changelog).toBe("cog");
        expect(config.detail).not.toMatch(/disable_changelog|git-cliff/);
        expect(res.json.version).toBe("0.9.0");
      },
    );
  });

  it("release-plz instead of cog: the flow is not supported, naming the tool; its crate-prefixed tags are per-package", async () => {
    const files = {
      "release-plz.toml": "[workspace]\n",
      "Cargo.toml": '[workspace]\nmembers = ["cli", "lib"]\n',
      "cli/Cargo.toml": CARGO("0.4.0").replace('"demo"', '"tool"'),
      "lib/Cargo.toml": CARGO("0.4.0").replace('"demo"', '"tool-lib"'),
    };
    await inSandbox(
      "main",
      [{ message: "feat: start", files, tags: ["tool-v0.4.0", "tool-lib-v0.4.0", "nightly"] }, { message: "fix: one" }],
      async (sb, clone) => {
        const res = await preflight(sb, clone);
        expect(res.json.config.tag_prefix).toBe("tool-v");
        expect(res.json.config.tag_scheme).toBe("per-package");
        expect(unsupported(res).sort()).toEqual(["no-cog", "per-package-tags"]);
        expect(check(res, "config").detail).toMatch(
          /not supported: the cocogitto release flow: there is no cog\.toml; release-plz \(release-plz\.toml\): release-plz makes the versions/,
        );
        expect(check(res, "config").detail).toMatch(
          /not supported: per-package tags: the release tags are tool-v<version>, the tags of the package tool alone/,
        );
        expect(res.json.version).toBe("0.4.1");
      },
    );
  });

  it("release tags off the branch: higher release tags the default branch cannot reach", async () => {
    const steps: Step[] = [
      { message: "feat: start", files: { "cog.toml": COG }, tags: ["v0.1.0"] },
      { message: "feat: more" },
    ];
    await inSandbox("main", steps, async (sb, clone) => {
      // A release commit amended after tagging: its tag points off main.
      await gitAsync(clone, "checkout", "-q", "--detach");
      await gitAsync(clone, "commit", "-q", "--allow-empty", "-m", "chore(version): v0.2.0");
      await gitAsync(clone, "tag", "v0.2.0");
      await gitAsync(clone, "push", "-q", "origin", "v0.2.0");
      await gitAsync(clone, "checkout", "-q", "main");
      const res = await preflight(sb, clone);
      expect(unsupported(res)).toEqual(["tags-off-branch"]);
      expect(check(res, "config").detail).toMatch(
        /^not supported: release tags off the branch: 1 release tag above v0\.1\.0 \(up to v0\.2\.0\) is not on main/,
      );
    });
  });
});

describe("cog writing CHANGELOG.md itself is supported: it only has to be able to", () => {
  it("a cog-written CHANGELOG.md without cog's `- - -` line, or a git-cliff hook writing it too, fails config", async () => {
    const cogWrites = 'tag_prefix = "v"\npre_bump_hooks = []\n';
    const both = `tag_prefix = "v"\npre_bump_hooks = [${JSON.stringify(CLIFF_HOOK)}]\n`;
    await withFiles(
      { "cog.toml": cogWrites, "CHANGELOG.md": "# Changelog\n\n## 0.1.0\n- start\n" },
      async (sb, clone) => {
        const config = check(await preflight(sb, clone), "config");
        expect(config.detail).toContain(
          "cog writes CHANGELOG.md itself (disable_changelog is not set), but CHANGELOG.md has no `- - -` line",
        );
        // The same repository once a git-cliff hook writes CHANGELOG.md as well.
        await land(clone, { "cog.toml": both }, "chore: a git-cliff hook");
        expect(check(await preflight(sb, clone), "config").detail).toMatch(
          /cog\.toml does not set disable_changelog = true, and the git-cliff hook in pre_bump_hooks \(git-cliff --tag \{\{version_tag\}\} -o CHANGELOG\.md\) writes CHANGELOG\.md too/,
        );
      },
    );
  });
});

describe("hooks that act before the review gate", () => {
  it("fail the config check, each named with what it does; hooks are read as shell commands, not searched for words", async () => {
    const cog = [
      'tag_prefix = "v"',
      "disable_changelog = true",
      `pre_bump_hooks = [${JSON.stringify(CLIFF_HOOK)}, "npm publish --access public", "echo 'git push would be wrong here'"]`,
      `post_bump_hooks = ["git -C . push origin {{version_tag}}", "cargo package", "CARGO_REGISTRY_TOKEN=$T cargo publish", "sh -c 'gh release create {{version_tag}} --notes x'", "docker buildx build --push -t ghcr.io/acme/app:{{version}} .", "twine upload dist/*", "cargo release --execute --no-confirm", "git push --dry-run", "echo 'unterminated"]`,
      "",
    ].join("\n");
    await withFiles({ "cog.toml": cog, "cliff.toml": CLIFF_TOML }, async (sb, clone) => {
      const config = check(await preflight(sb, clone), "config");
      expect(config.status).toBe("fail");
      const said = config.detail.split("; ");
      const acting = said.filter((s) => /before release-kit's review gate$/.test(s));
      expect(acting).toEqual([
        'the hook "npm publish --access public" in pre_bump_hooks publishes to the npm registry inside cog bump, before cog even commits: that is before release-kit\'s review gate',
        'the hook "git -C . push origin {{version_tag}}" in post_bump_hooks pushes to a remote inside cog bump, right after cog tags: that is before release-kit\'s review gate',
        'the hook "CARGO_REGISTRY_TOKEN=$T cargo publish" in post_bump_hooks publishes to crates.io inside cog bump, right after cog tags: that is before release-kit\'s review gate',
        "the hook \"sh -c 'gh release create {{version_tag}} --notes x'\" in post_bump_hooks creates a GitHub release (gh release create {{version_tag}} --notes x) inside cog bump, right after cog tags: that is before release-kit's review gate",
        'the hook "docker buildx build --push -t ghcr.io/acme/app:{{version}} ." in post_bump_hooks pushes to a registry inside cog bump, right after cog tags: that is before release-kit\'s review gate',
        'the hook "twine upload dist/*" in post_bump_hooks uploads to PyPI inside cog bump, right after cog tags: that is before release-kit\'s review gate',
        'the hook "cargo release --execute --no-confirm" in post_bump_hooks runs a whole cargo-release release: it publishes the crates, tags and pushes inside cog bump, right after cog tags: that is before release-kit\'s review gate',
      ]);
      // Words in an echo, `cargo package` and a dry-run push act on nothing.
      expect(config.detail).not.toMatch(/"echo 'git push|"cargo package"|"git push --dry-run"/);
      // A hook that is not valid shell is said to be so.
      expect(config.detail).toMatch(
        /the post_bump_hooks hook "echo 'unterminated" is not valid shell \(.*\): cog runs it with sh -c, which refuses it/,
      );
      expect(config.fix).toContain(
        "remove it from cog.toml: release-kit pushes (git push --atomic) and creates the GitHub release itself, after the review gate",
      );
    });
  });

  it("the git-cliff hook: 'needs --tag' only when it has neither --tag nor --bump, however --tag is written", async () => {
    const cogWith = (hook: string) =>
      `tag_prefix = "v"\ndisable_changelog = true\npre_bump_hooks = [${JSON.stringify(hook)}]\n`;
    // One repository, its hook changed from one case to the next, as a maintainer would fix it.
    await withFiles({ "cog.toml": cogWith(CLIFF_HOOK), "cliff.toml": CLIFF_TOML }, async (sb, clone) => {
      for (const [hook, needsTag] of [
        ["git-cliff -t{{version_tag}} -o CHANGELOG.md", false],
        ["git-cliff --tag={{version_tag}} --output=CHANGELOG.md", false],
        ["git-cliff --bump -o CHANGELOG.md", false],
        ["git-cliff -o CHANGELOG.md", true],
      ] as const) {
        await land(clone, { "cog.toml": cogWith(hook) }, `chore: the hook ${hook}`);
        const config = check(await preflight(sb, clone), "config");
        expect(/has neither --tag nor --bump/.test(config.detail), `${hook}: ${config.detail}`).toBe(needsTag);
        expect(config.detail, hook).not.toMatch(/has no -o\/--output/);
      }
    });
  });
});
