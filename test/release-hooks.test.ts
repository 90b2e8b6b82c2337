// What a real repository's hooks do to a release, through the kit's entry points: cog writing
// CHANGELOG.md itself (supported), a failing hook's own error shown, a hook that empties the
// changelog caught before anything is pushed, the release commit's problems told by what the hook
// lacks; and the noise a real repository brings: long lists summarised, no git stderr leaked, no
// scratch folder left by a rehearsal that could not start.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { findSection } from "../scripts/lib/changelog.ts";
import { cleanEnv, kit, tempDir } from "./helpers/kit.ts";
import { gitAsync, kitIn, remoteRefs } from "./helpers/sandbox.ts";
import {
  CARGO_HOOK,
  CLIFF_HOOK,
  cogToml,
  commitFile,
  localTag,
  recover,
  release,
  STORY_MS,
  story,
  tool,
} from "./helpers/world.ts";

const tmp = tempDir("rk-release-hooks-");
afterAll(() => tmp.remove());

const failedStep = (res: { json: any }) =>
  res.json.steps.find((s: { status: string }) => s.status === "failed") as {
    name: string;
    detail: string;
    fix: string;
  };

describe("cog writes CHANGELOG.md itself (no disable_changelog, no git-cliff hook)", () => {
  story(
    "is supported: preflight passes, check-commit finds cog's section, and it becomes the GitHub release's notes",
    {},
    async (sb, expect) => {
      const cog = `tag_prefix = "v"\nbranch_whitelist = ["main"]\npre_bump_hooks = [${JSON.stringify(CARGO_HOOK)}]\n`;
      const changelog =
        "# Changelog\nAll notable changes to this project will be documented in this file.\n\n- - -\n## v0.2.0 - 2026-01-07\n#### Features\n- an earlier feature\n\n- - -\n\n## v0.1.0 - 2026-01-06\n#### Features\n- the first one\n\n- - -\n";
      writeFileSync(join(sb.repoPath!, "CHANGELOG.md"), changelog);
      await gitAsync(sb.repoPath!, "add", "CHANGELOG.md");
      await commitFile(sb, "cog.toml", cog, "chore: let cog write the changelog");
      const preflight = await kitIn(sb, "preflight", ["--json"]);
      expect(preflight.json.config.changelog).toBe("cog");
      expect(preflight.json.checks.find((c: { id: string }) => c.id === "config").status, preflight.stderr).not.toBe(
        "fail",
      );

      const res = await release(sb, "--yes");
      expect(res.code, res.stderr).toBe(0);
      expect(res.json.steps.find((s: { name: string }) => s.name === "check-commit").detail).toMatch(
        /CHANGELOG\.md has 0\.3\.0/,
      );
      const written = await gitAsync(sb.remotePath, "show", "v0.3.0:CHANGELOG.md");
      const section = findSection(written, "0.3.0");
      expect(section).toMatch(/^## v0\.3\.0 - \d{4}-\d{2}-\d{2}\n#### Features/);
      // Earlier releases as they were.
      expect(findSection(written, "0.2.0")).toBe(findSection(changelog, "0.2.0"));
      const published = sb.api.state.releases.find((r) => r.tagName === "v0.3.0");
      expect(published?.body?.trim()).toBe(section);
    },
  );
});

describe("a failing hook", () => {
  story(
    "shows the hook's own error (git-cliff's \"Could not get github metadata\"), not only cog's last lines",
    {},
    async (sb, expect) => {
      // git-cliff asks GitHub for usernames ([remote.github]); this hook points it at an API that is not there.
      const cliff = `GITHUB_API_URL=http://127.0.0.1:9 ${CLIFF_HOOK}`;
      await commitFile(
        sb,
        "cliff.toml",
        `[remote.github]\nowner = "acme"\nrepo = "gateway"\n\n[changelog]\nbody = "## {{ version }}"\n`,
        "chore: usernames in the changelog",
      );
      await commitFile(sb, "cog.toml", cogToml([CARGO_HOOK, cliff]), "chore: changelog after the versions");
      const res = await release(sb, "--yes");
      expect(res.code).toBe(1);
      const failed = failedStep(res);
      expect(failed.name).toBe("bump");
      expect(failed.detail).toMatch(/a pre_bump_hook failed and cog stashed its changes/);
      expect(failed.detail).toMatch(
        /the hook `GITHUB_API_URL=http:\/\/127\.0\.0\.1:9 git-cliff --tag v0\.3\.0 -o CHANGELOG\.md` said: thread 'main' .*panicked at .* \/ Could not get github metadata/,
      );
      // The hook's words, not the backtrace after them.
      expect(failed.detail).not.toMatch(/backtrace|__libc_start/);
    },
  );

  story(
    "that fails before writing anything: the hook's own error without the Node wrapper's stack trace",
    { example: { brokenHook: true } },
    async (sb, expect) => {
      const res = await release(sb, "--yes");
      const failed = failedStep(res);
      expect(failed.name).toBe("bump");
      expect(failed.detail).toMatch(/the first pre_bump_hook failed before writing anything/);
      expect(failed.detail).toMatch(
        /the hook `git-cliff --tag v0\.3\.0 -o CHANGELOG\.md --repository missing` said: Error: IoError\(Os \{ code: 2, kind: NotFound/,
      );
      expect(failed.detail).not.toMatch(/ExecaError|Node\.js v|node_modules/);
    },
  );
});

describe("the release commit, checked before anything is pushed", () => {
  story(
    "a hook that empties CHANGELOG.md to its header: check-commit says CHANGELOG.md was emptied, and nothing is pushed",
    {},
    async (sb, expect) => {
      await commitFile(
        sb,
        "cog.toml",
        cogToml([CLIFF_HOOK, CARGO_HOOK, "printf '# Changelog\\n' > CHANGELOG.md"]),
        "chore: a hook that truncates the changelog",
      );
      const remoteBefore = await remoteRefs(sb);
      const res = await release(sb, "--yes");
      expect(res.code).toBe(1);
      const failed = failedStep(res);
      expect(failed.name).toBe("check-commit");
      expect(failed.detail).toMatch(
        /CHANGELOG\.md was emptied: the release commit leaves only its header \(2 earlier releases' sections and no 0\.3\.0 section\)/,
      );
      expect(await remoteRefs(sb)).toBe(remoteBefore);
      expect(sb.api.state.releases).toHaveLength(0);
    },
  );

  story(
    "a git-cliff hook without -o: the release commit's problem names -o, not --tag it already has",
    {},
    async (sb, expect) => {
      // As a maintainer would without the kit: cog bump, with a hook that prints the changelog to stdout.
      await commitFile(
        sb,
        "cog.toml",
        cogToml(["git-cliff --tag {{version_tag}}", CARGO_HOOK]),
        "chore: changelog hook",
        false,
      );
      await tool(sb, "cog", "bump", "--auto", "--skip-untracked");
      expect(await localTag(sb, "v0.3.0")).not.toBeNull();
      const res = await recover(sb);
      const problems = (res.json.evidence.release_commit_problems as string[]).join(" ");
      expect(problems).toMatch(
        /CHANGELOG\.md in the release commit has no section for 0\.3\.0: the git-cliff hook \(git-cliff --tag \{\{version_tag\}\}\) writes no file: it needs -o CHANGELOG\.md/,
      );
      expect(problems).not.toMatch(/needs --tag/);
    },
  );
});

describe("noise", () => {
  story(
    "long lists are summarised: 100 untracked files in clean-tree, 100 changed docs in verify",
    {},
    async (sb, expect) => {
      const repo = sb.repoPath!;
      mkdirSync(join(repo, "docs", "guide"), { recursive: true });
      for (let i = 0; i < 100; i++)
        writeFileSync(join(repo, "docs", "guide", `page-${String(i).padStart(3, "0")}.md`), `# Page ${i}\n`);
      const dirty = await kitIn(sb, "preflight", ["--json"]);
      const clean = dirty.json.checks.find((c: { id: string }) => c.id === "clean-tree");
      expect(clean.detail).toMatch(
        /^100 uncommitted or untracked files \(\?\? docs\/guide\/page-000\.md, .*, \?\? docs\/guide\/page-004\.md and 95 more\)/,
      );

      await gitAsync(repo, "add", "docs");
      await gitAsync(repo, "commit", "-q", "-m", "feat(docs): a guide of a hundred pages");
      await gitAsync(repo, "push", "-q", "origin", "HEAD:refs/heads/main");
      expect((await release(sb, "--yes")).code).toBe(0);
      await sb.settle();
      const verify = await kitIn(sb, "verify", ["--json", "--wait=60"], { timeoutMs: 120_000 });
      const docs = verify.json.checks.find((c: { id: string }) => c.id === "docs-changed");
      expect(docs.detail).toMatch(/docs\/guide\/page-004\.md and 95 more changed$/);
      expect(docs.detail.length).toBeLessThan(400);
    },
  );

  it(
    "a rehearsal of a repository whose tags lack CHANGELOG.md prints no git error; one whose scratch clone cannot be seeded exits 2 and leaves no scratch folder",
    async () => {
      const repo = join(tmp.path, "plain");
      mkdirSync(join(repo, ".github", "workflows"), { recursive: true });
      const g = (...args: string[]) => gitAsync(repo, ...args);
      await g("init", "-q", "-b", "main");
      await g("config", "user.name", "Maintainer");
      await g("config", "user.email", "maintainer@example.com");
      writeFileSync(
        join(repo, ".github", "workflows", "release.yml"),
        "on:\n  push:\n    tags: ['v*']\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo built\n",
      );
      for (const [i, message] of ["feat: one", "feat: two", "fix: three"].entries()) {
        writeFileSync(join(repo, "notes.txt"), `${message}\n`);
        await g("add", "-A");
        await g("commit", "-q", "-m", message);
        await g("tag", `v0.${i + 1}.0`);
      }
      await g("remote", "add", "origin", "https://github.com/acme/plain.git");
      const scratch = join(tmp.path, "tmp-1");
      mkdirSync(scratch);
      const rehearsed = await kit("rehearse", ["--repo", repo, "--json"], {
        cwd: repo,
        env: cleanEnv({ TMPDIR: scratch }),
        timeoutMs: 150_000,
      });
      expect(rehearsed.json?.command, rehearsed.stderr.slice(-2000)).toBe("rehearse");
      expect(rehearsed.stderr).not.toMatch(/fatal: |^error: /m);
      expect(readdirSync(scratch).filter((f) => f.startsWith("release-kit-rehearsal-"))).toEqual([]);

      // No commit at all: the scratch clone cannot be seeded.
      const empty = join(tmp.path, "empty");
      mkdirSync(empty);
      await gitAsync(empty, "init", "-q", "-b", "main");
      const emptyScratch = join(tmp.path, "tmp-2");
      mkdirSync(emptyScratch);
      const failed = await kit("rehearse", ["--repo", empty, "--json", "--keep"], {
        cwd: empty,
        env: cleanEnv({ TMPDIR: emptyScratch }),
        timeoutMs: 300_000,
      });
      expect(failed.code, failed.stderr).toBe(2);
      expect(failed.json.error.message).toMatch(/^cannot make the rehearsal's scratch clone of .*empty/);
      expect(readdirSync(emptyScratch).filter((f) => f.startsWith("release-kit-rehearsal-"))).toEqual([]);
      expect(existsSync(emptyScratch)).toBe(true);
    },
    STORY_MS,
  );
});
