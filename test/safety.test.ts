// A release tool's first promise: it never makes things worse. Each story builds a world where the
// kit once destroyed, published or leaked what it should not, runs the real entry points in it,
// and checks the world afterwards: someone else's release, unreviewed edits, hand-written history,
// long notes, credentials in URLs, control sequences in commit subjects, and bad settings.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { appendFile, readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { describe, test } from "vitest";
import { findSection } from "../scripts/lib/changelog.ts";
import { cleanEnv, kit, tempDir } from "./helpers/kit.ts";
import { cloneAs, gitAsync, kitIn, landCommit, remoteRefs, type Sandbox } from "./helpers/sandbox.ts";
import {
  CARGO_HOOK,
  cogToml,
  commitFile,
  exec,
  head,
  localTag,
  recover,
  release,
  remoteTag,
  STORY_MS,
  story,
  tool,
  worldOf,
  writes,
} from "./helpers/world.ts";

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, "close");
  return port;
}

/** A second maintainer's clone of the sandbox's origin, with its own identity. */
const secondClone = (sb: Sandbox): Promise<string> =>
  cloneAs(sb.remotePath, join(sb.dir, "maintainer-b"), { name: "Maintainer B", email: "b@example.com" });

const NEW_DEPENDENCY = '\n[dependencies.serde]\nversion = "1"\n';

describe.concurrent("never destroy what someone else published", () => {
  story(
    "a release made meanwhile in another clone is released-elsewhere: never deleted, even with --delete-release, and the local duplicate is dropped",
    { scenario: { pushesStartNoRuns: true } },
    async (sb, expect) => {
      // Tag pushes start no workflow here (as with the Actions GITHUB_TOKEN): "no run yet" proves nothing.
      const base = await head(sb);
      expect((await release(sb)).code).toBe(1); // A: the gate refuses without a terminal
      const ours = await localTag(sb, "v0.3.0");
      const b = await secondClone(sb);
      const theirs = await kitIn(sb, "release", ["--json", "--yes"], { repo: b });
      expect(theirs.code, theirs.stderr).toBe(0);
      const published = await remoteTag(sb, "v0.3.0");
      expect(published).not.toBe(ours);
      const releases = JSON.stringify(sb.api.state.releases);

      const d = await recover(sb);
      expect(d.json.state).toBe("released-elsewhere");
      expect(d.json.evidence).toMatchObject({
        local_tag_commit: ours,
        remote_tag_commit: published,
        remote_tag_is_a_release: true,
      });
      expect(d.json.next[0].commands).not.toContain(expect.stringMatching(/^DELETE/));
      const again = await release(sb, "--yes");
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/released-elsewhere/);

      // Told it may delete the release: nothing is deleted; our duplicate goes, origin's tag is taken.
      const applied = await recover(sb, "--apply", "--yes", "--delete-release", "v0.3.0");
      expect(writes(sb).filter((w) => w.startsWith("DELETE"))).toEqual([]);
      expect(JSON.stringify(sb.api.state.releases)).toBe(releases);
      expect(await remoteTag(sb, "v0.3.0")).toBe(published);
      expect(await localTag(sb, "v0.3.0")).toBe(published);
      expect(await head(sb)).toBe(base);
      // No run will come in this world: recover says so after a bounded wait, having deleted nothing.
      expect(applied.json.state).toBe("workflow-running");
      expect(applied.json.next[0].action).toMatch(/no run .* started/);
    },
  );

  story("GitHub's own tag is deleted only when the push that replaces it will be accepted", {}, async (sb, expect) => {
    // origin's main builds nightly tags only, so the tag GitHub makes there starts no run; the
    // release commit (local only) builds release tags again.
    const workflowPath = join(sb.repoPath!, ".github/workflows/release.yml");
    const workflow = await readFile(workflowPath, "utf8");
    await commitFile(
      sb,
      ".github/workflows/release.yml",
      workflow.replace('tags: ["v*"]', 'tags: ["nightly-*"]'),
      "ci: build nightly tags only",
    );
    await commitFile(sb, ".github/workflows/release.yml", workflow, "ci: build release tags again", false);
    await tool(sb, "cog", "bump", "--auto", "--skip-untracked");
    // The runbook's `gh release create` before the push: GitHub tags origin's main head ...
    const res = await fetch(`${sb.apiUrl}/repos/${sb.repository}/releases`, {
      method: "POST",
      headers: { authorization: `token ${sb.token}` },
      body: JSON.stringify({ tag_name: "v0.3.0", name: "v0.3.0" }),
    });
    expect(res.status).toBe(201);
    await sb.settle();
    // ... and someone lands a commit on main meanwhile: our push would not be a fast-forward.
    const b = await secondClone(sb);
    await writeFile(join(b, "NOTES.md"), "fix: meanwhile\n");
    await gitAsync(b, "add", "NOTES.md");
    await gitAsync(b, "commit", "-q", "-m", "fix: a change that landed meanwhile");
    await gitAsync(b, "push", "-q", "origin", "HEAD:refs/heads/main");
    expect((await recover(sb)).json.state).toBe("release-without-tag");
    const before = await worldOf(sb);
    const applied = await recover(sb, "--apply", "--yes", "--delete-release", "v0.3.0");
    expect(applied.code).toBe(1);
    expect(applied.json.state).toBe("release-without-tag");
    expect(applied.json.next[0].action).toMatch(/nothing was deleted: origin's main .* is not contained/);
    expect(await worldOf(sb)).toEqual(before);
  });
});

describe.concurrent("never publish or discard work nobody reviewed", () => {
  story(
    "an uncommitted edit next to a refused gate stays in the tree: recover pushes the reviewed commit only",
    {},
    async (sb, expect) => {
      expect((await release(sb)).code).toBe(1);
      const manifest = join(sb.repoPath!, "crates/gateway/Cargo.toml");
      await appendFile(manifest, NEW_DEPENDENCY);
      const d = await recover(sb);
      expect(d.json.state).toBe("authored-not-pushed");
      expect(d.json.evidence.other_edits).toEqual(["crates/gateway/Cargo.toml"]);
      const applied = await recover(sb, "--apply", "--yes");
      expect(applied.code, applied.stderr).toBe(0);
      expect(await gitAsync(sb.remotePath, "show", "v0.3.0:crates/gateway/Cargo.toml")).not.toContain("serde");
      expect(await readFile(manifest, "utf8")).toContain(NEW_DEPENDENCY);
    },
  );

  story(
    "the runbook's literal order plus an edit no hook made: finish refuses it, --abandon stashes it (never restores it away)",
    {},
    async (sb, expect) => {
      const base = await commitFile(
        sb,
        "cog.toml",
        cogToml([]),
        "chore: run git-cliff and cargo-release after cog, as the runbook lists them",
      );
      await tool(sb, "cog", "bump", "--auto", "--skip-untracked");
      await tool(sb, "git-cliff", "-o", "CHANGELOG.md");
      await tool(sb, "cargo", "release", "version", "0.3.0", "--execute", "--no-confirm");
      await appendFile(join(sb.repoPath!, "crates/gateway/Cargo.toml"), NEW_DEPENDENCY);
      await appendFile(join(sb.repoPath!, "README.md"), "\nWork in progress nobody committed.\n");

      const d = await recover(sb);
      expect(d.json.state).toBe("local-changes-failed");
      // Running the hooks again tells their output from the edits.
      expect(d.json.evidence.hook_output).toEqual(
        expect.arrayContaining(["CHANGELOG.md", "Cargo.lock", "crates/admin-ui/Cargo.toml"]),
      );
      expect(d.json.evidence.other_edits).toEqual(["README.md", "crates/gateway/Cargo.toml"]);

      const before = await worldOf(sb);
      const refused = await recover(sb, "--apply", "--yes");
      expect(refused.code).toBe(1);
      expect(refused.json.next[0].action).toMatch(/README\.md, crates\/gateway\/Cargo\.toml.*will not commit them/);
      expect(await worldOf(sb)).toEqual(before);

      const abandoned = await recover(sb, "--abandon", "--apply", "--yes");
      expect(abandoned.code, abandoned.stderr).toBe(0);
      expect(await localTag(sb, "v0.3.0")).toBeNull();
      expect(await head(sb)).toBe(base);
      expect(await gitAsync(sb.repoPath!, "status", "--porcelain")).toBe("");
      expect(await gitAsync(sb.repoPath!, "stash", "list")).toMatch(/release-kit: abandon v0\.3\.0/);
      const saved = await gitAsync(sb.repoPath!, "stash", "show", "-p", "stash@{0}");
      expect(saved).toContain("Work in progress nobody committed.");
      expect(saved).toContain("serde");
    },
  );

  story(
    "a hook that rewrites CHANGELOG.md's earlier sections stops before the push; --prepend keeps them and releases",
    {},
    async (sb, expect) => {
      const changelog = await readFile(join(sb.repoPath!, "CHANGELOG.md"), "utf8");
      const handWritten = "## [0.0.1] - 2019-05-01\n\nThe first cut, written by hand before git-cliff was used.\n";
      await commitFile(sb, "CHANGELOG.md", `${changelog.trimEnd()}\n\n${handWritten}`, "docs: keep the notes of 0.0.1");
      const remoteBefore = await remoteRefs(sb);
      const stopped = await release(sb, "--yes");
      expect(stopped.code).toBe(1);
      const step = stopped.json.steps.find((s: any) => s.name === "check-commit");
      expect(step).toMatchObject({
        status: "failed",
        detail: expect.stringMatching(/earlier releases \(removed: 0\.0\.1\)/),
      });
      expect(stopped.stderr).toMatch(/--prepend CHANGELOG\.md/);
      expect(await remoteRefs(sb)).toBe(remoteBefore);

      expect((await recover(sb, "--abandon", "--apply", "--yes")).code).toBe(0);
      await commitFile(
        sb,
        "cog.toml",
        cogToml(["git-cliff --unreleased --tag {{version_tag}} --prepend CHANGELOG.md", CARGO_HOOK]),
        "chore: prepend new changelog sections",
      );
      const pre = await kitIn(sb, "preflight", ["--json"]);
      expect(pre.json.checks.find((c: any) => c.id === "config")).toMatchObject({ status: "pass" });
      const released = await release(sb, "--yes");
      expect(released.code, released.stderr).toBe(0);
      const at = await gitAsync(sb.remotePath, "show", "v0.3.0:CHANGELOG.md");
      expect(findSection(at, "0.3.0")).toBeTruthy();
      expect(at).toContain(handWritten.trim());
    },
  );

  // A release commit without Cargo.lock, or whose Cargo.lock misses a member.
  for (const [hook, says] of [
    ["rm -f Cargo.lock", /has no Cargo\.lock/],
    ["sed -i '/^name = \"gateway\"$/{N;d}' Cargo.lock", /Cargo\.lock has no entry for gateway/],
  ] as const)
    story(
      `a hook that breaks Cargo.lock (${hook}): the release commit stops before the push`,
      {},
      async (sb, expect) => {
        await commitFile(
          sb,
          "cog.toml",
          cogToml(["git-cliff --tag {{version_tag}} -o CHANGELOG.md", CARGO_HOOK, hook]),
          "chore: a hook that breaks Cargo.lock",
        );
        const remoteBefore = await remoteRefs(sb);
        const res = await release(sb, "--yes");
        expect(res.code).toBe(1);
        expect(res.json.steps.find((s: any) => s.name === "check-commit")).toMatchObject({
          status: "failed",
          detail: expect.stringMatching(says),
        });
        expect(await remoteRefs(sb)).toBe(remoteBefore);
      },
    );

  story(
    "notes longer than GitHub keeps are cut with a link to the whole section, and verify accepts them",
    {},
    async (sb, expect) => {
      // 1,600 features since v0.2.0: a section far above 125,000 characters.
      const repo = sb.repoPath!;
      const tip = await head(sb);
      const subject = (i: number) =>
        `feat(gateway): route number ${i} learns to retry idle upstream connections with jittered backoff`;
      // Dated after the tags: git's reachability walks trust commit dates to grow with history.
      const now = Math.floor(Date.now() / 1000);
      const stream = Array.from(
        { length: 1600 },
        (_, i) =>
          `commit refs/heads/main\ncommitter Test <test@example.com> ${now + i} +0000\ndata ${Buffer.byteLength(subject(i))}\n${subject(i)}\n${i === 0 ? `from ${tip}\n` : ""}\n`,
      ).join("");
      await new Promise<void>((resolve, reject) => {
        const child = spawn("git", ["fast-import", "--quiet", "--force"], {
          cwd: repo,
          stdio: ["pipe", "ignore", "inherit"],
        });
        child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`fast-import exited ${code}`))));
        child.stdin.end(stream);
      });
      await gitAsync(repo, "reset", "-q", "--hard", "refs/heads/main");
      await gitAsync(repo, "push", "-q", "origin", "HEAD:refs/heads/main");

      const res = await release(sb, "--yes");
      expect(res.code, res.stderr.slice(-2000)).toBe(0);
      expect(res.json.steps.find((s: any) => s.name === "check-commit").detail).toMatch(/more than GitHub's 125,000/);
      const body = sb.api.state.releases.find((r) => r.tagName === "v0.3.0")!.body ?? "";
      expect(body.length).toBeLessThanOrEqual(125_000);
      expect(body).toMatch(/cut to GitHub's limit .* CHANGELOG\.md: \S+\/blob\/v0\.3\.0\/CHANGELOG\.md$/);
      await sb.settle();
      const verified = await kitIn(sb, "verify", ["--json", "--tag", "v0.3.0"]);
      expect(verified.json.checks.find((c: any) => c.id === "notes")).toMatchObject({ status: "pass" });
    },
  );

  story("a backport released after a higher version never becomes GitHub's Latest release", {}, async (sb, expect) => {
    const repo = sb.repoPath!;
    // main moved on and released 1.0.0 ...
    await landCommit(sb, "feat!: the 1.0 line");
    expect((await release(sb, "--yes", "--version", "1.0.0")).code).toBe(0);
    await sb.settle();
    // ... while a maintenance branch from v0.2.0 gets a fix, released from there as 0.2.1.
    await gitAsync(repo, "switch", "-q", "-c", "release/0.2", "v0.2.0");
    const cog = (await readFile(join(repo, "cog.toml"), "utf8")).replace(
      'branch_whitelist = ["main"]',
      'branch_whitelist = ["main", "release/0.2"]',
    );
    await commitFile(sb, "cog.toml", cog, "chore: release 0.2.x from its maintenance branch", false);
    await commitFile(sb, "NOTES.md", "fix: a backported fix\n", "fix(gateway): a backported fix", false);
    await gitAsync(repo, "push", "-q", "origin", "HEAD:refs/heads/release/0.2");
    const res = await kitIn(sb, "release", ["--json", "--yes"], {
      env: { RELEASE_BRANCH: "release/0.2" },
      timeoutMs: 90_000,
    });
    expect(res.code, res.stderr.slice(-2000)).toBe(0);
    expect(res.json.tag).toBe("v0.2.1");
    expect(sb.api.state.releases.find((r) => r.tagName === "v0.2.1")!.makeLatest).toBe("false");
    const latest = (await (
      await fetch(`${sb.apiUrl}/repos/${sb.repository}/releases/latest`, {
        headers: { authorization: `token ${sb.token}` },
      })
    ).json()) as { tag_name: string };
    expect(latest.tag_name).toBe("v1.0.0");
  });

  const refusal = {
    message: "Validation Failed",
    errors: [
      {
        resource: "Release",
        code: "custom",
        field: "body",
        message: "body is too long (maximum is 125000 characters)",
      },
    ],
    documentation_url: "https://docs.github.com/rest",
    status: "422",
  };
  story(
    "GitHub's own reason for a 422 is shown, not a pointer elsewhere",
    {
      scenario: {
        faults: [
          {
            method: "POST",
            route: "/repos/{owner}/{repo}/releases",
            kind: "status",
            status: 422,
            body: refusal,
            times: 1,
          },
        ],
      },
    },
    async (sb, expect) => {
      const res = await release(sb, "--yes");
      expect(res.code).toBe(1);
      expect(res.json.steps.find((s: any) => s.name === "github-release").detail).toMatch(
        /body is too long \(maximum is 125000 characters\)/,
      );
      expect(res.stderr).not.toMatch(/see the message above/);
    },
  );
});

describe.concurrent("every state has an end", () => {
  story(
    "killed between cog's commit and its tag: commit-not-tagged; nothing advises pushing it alone; recover tags and finishes it",
    {},
    async (sb, expect) => {
      await kitIn(sb, "release", ["--yes"], { env: { RELEASE_KIT_KILL_AFTER: "bump" } });
      await gitAsync(sb.repoPath!, "tag", "-d", "v0.3.0"); // the tag cog never got to make
      const commit = await head(sb);

      const pre = await kitIn(sb, "preflight", ["--json"]);
      const fixes = pre.json.checks.map((c: any) => c.fix).join(" ");
      expect(fixes).not.toMatch(/git push/);
      expect(pre.json.checks.find((c: any) => c.id === "up-to-date")).toMatchObject({
        status: "fail",
        detail: expect.stringMatching(/release commit without its tag/),
        fix: expect.stringMatching(/release-kit recover/),
      });
      const again = await release(sb, "--yes");
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/commit-not-tagged/);

      const d = await recover(sb);
      expect(d.json).toMatchObject({
        tag: "v0.3.0",
        state: "commit-not-tagged",
        evidence: { untagged_release_commit: commit },
      });
      const applied = await recover(sb, "--apply", "--yes");
      expect(applied.code, applied.stderr).toBe(0);
      expect(applied.json.state).toBe("complete");
      expect(await remoteTag(sb, "v0.3.0")).toBe(commit);
    },
  );

  story(
    "stopped inside cog bump after the hooks wrote: recover sets the tree back (the hooks are fine), and the release goes again",
    {},
    async (sb, expect) => {
      // The release chose v0.3.0 and recorded it, then died while cog's hooks ran: their output is in the tree.
      await kitIn(sb, "release", ["--yes"], { env: { RELEASE_KIT_KILL_AFTER: "version" } });
      await tool(sb, "git-cliff", "--tag", "v0.3.0", "-o", "CHANGELOG.md");
      await tool(sb, "cargo", "release", "version", "0.3.0", "--execute", "--no-confirm");
      const base = await head(sb);

      const d = await recover(sb);
      expect(d.json.state).toBe("local-changes-failed");
      expect(d.json.evidence.hook_output).toEqual(
        expect.arrayContaining(["CHANGELOG.md", "Cargo.lock", "crates/gateway/Cargo.toml"]),
      );
      expect(d.json.next[0].action).toMatch(/stopped inside cog bump/);
      expect(d.json.next[0].action).not.toMatch(/fix the .*hooks/);
      const applied = await recover(sb, "--apply", "--yes");
      expect(applied.code, applied.stderr).toBe(0);
      expect(await gitAsync(sb.repoPath!, "status", "--porcelain")).toBe("");
      expect(await head(sb)).toBe(base);
      const again = await release(sb, "--yes");
      expect(again.code, again.stderr.slice(-2000)).toBe(0);
      expect(again.json.tag).toBe("v0.3.0");
    },
  );

  story(
    "a pushed tag whose workflow GitHub cannot run: recover names it and leads to the next version, never exit 2 or a re-run",
    {},
    async (sb, expect) => {
      const repo = sb.repoPath!;
      const workflow = await readFile(join(repo, ".github/workflows/release.yml"), "utf8");
      const broken = workflow.replace(
        /^jobs:\n/m,
        "jobs:\n  notify:\n    needs: [no-such-job]\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo done\n",
      );
      expect(broken).not.toBe(workflow);
      await commitFile(sb, ".github/workflows/release.yml", broken, "ci: notify after the release");
      await tool(sb, "cog", "bump", "--auto", "--skip-untracked");
      await gitAsync(repo, "push", "-q", "--atomic", "origin", "HEAD:refs/heads/main", "refs/tags/v0.3.0");
      await sb.settle();
      const created = await fetch(`${sb.apiUrl}/repos/${sb.repository}/releases`, {
        method: "POST",
        headers: { authorization: `token ${sb.token}` },
        body: JSON.stringify({ tag_name: "v0.3.0", name: "v0.3.0" }),
      });
      expect(created.status).toBe(201);

      const d = await recover(sb);
      expect(d.code, d.stderr).toBe(1);
      expect(d.json).toMatchObject({
        state: "workflow-failed",
        evidence: { workflow_invalid: expect.stringMatching(/no-such-job/) },
      });
      const applied = await recover(sb, "--apply", "--yes");
      expect(applied.code).toBe(1);
      expect(applied.json.next[0].action).toMatch(/release the next version/);
      expect(writes(sb).filter((w) => /rerun/.test(w))).toEqual([]);
    },
  );

  story("a complete release stays complete whatever the tree holds later", {}, async (sb, expect) => {
    expect((await release(sb, "--yes")).code).toBe(0);
    await sb.settle();
    await appendFile(join(sb.repoPath!, "CHANGELOG.md"), "\nA note for the next release.\n");
    await appendFile(join(sb.repoPath!, "crates/gateway/Cargo.toml"), NEW_DEPENDENCY);
    const d = await recover(sb);
    expect(d.code, d.stderr).toBe(0);
    expect(d.json.state).toBe("complete");
    const again = await release(sb, "--yes");
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/already released/);
  });
});

describe.concurrent("never leak a credential, never print a lie", () => {
  test("a password in origin's URL is never printed, in errors or in --json", { timeout: STORY_MS }, async ({
    expect,
  }) => {
    const tmp = tempDir();
    try {
      const repo = tmp.path;
      await gitAsync(repo, "init", "-q", "-b", "main");
      for (const url of [
        "https://maint:s3cretpw@gitlab.example.com/acme/gateway.git",
        "http://maint:s3cretpw@127.0.0.1:9/acme/gateway.git",
      ]) {
        await gitAsync(repo, "remote", "remove", "origin").catch(() => {});
        await gitAsync(repo, "remote", "add", "origin", url);
        for (const command of ["preflight", "verify", "recover"]) {
          const env = cleanEnv(
            url.includes("127.0.0.1")
              ? { GITHUB_REPOSITORY: "acme/gateway", GITHUB_API_URL: "http://127.0.0.1:9" }
              : {},
          );
          const res = await kit(command, ["--repo", repo, "--json"], { env });
          expect(`${res.stdout}${res.stderr}`, `${command} with ${url}`).not.toContain("s3cretpw");
        }
      }
    } finally {
      tmp.remove();
    }
  });

  story("control sequences in commit subjects reach the review gate escaped, never raw", {}, async (sb, expect) => {
    await landCommit(
      sb,
      "feat: route \u001b[8mHIDDEN-FROM-REVIEW\u001b[0m \u001b[31mrequests\u001b]8;;http://evil.example\u0007",
    );
    const res = await release(sb);
    expect(res.code).toBe(1); // the gate refuses without a terminal, after showing the review
    expect(res.stderr).toContain("\\x1b[8mHIDDEN-FROM-REVIEW");
    expect(res.stderr).not.toMatch(/\u001b/);
    expect(res.stderr).not.toMatch(/\u0007/);
  });

  story(
    "bad settings and unreachable networks: a clear error naming them, never 'unexpected error'",
    {},
    async (sb, expect) => {
      for (const command of ["preflight", "release", "verify", "recover"]) {
        const res = await kitIn(sb, command, ["--json"], { env: { GITHUB_API_URL: "not-a-url" } });
        expect(res.code, `${command}: ${res.stderr}`).toBe(2);
        expect(res.json.error.message).toMatch(/GITHUB_API_URL="not-a-url" is not an http\(s\) URL/);
      }
      const poll = await kitIn(sb, "verify", ["--json", "--wait=5"], { env: { RELEASE_POLL_SECONDS: "0.000001" } });
      expect(poll.code).toBe(2);
      expect(poll.json.error.message).toMatch(/RELEASE_POLL_SECONDS="0.000001".*from 1 to 3600/);

      // A release authored locally, then origin and the API go away.
      expect((await release(sb)).code).toBe(1);
      const origin = await gitAsync(sb.repoPath!, "remote", "get-url", "origin");
      await gitAsync(sb.repoPath!, "remote", "set-url", "origin", "http://127.0.0.1:9/acme/gateway.git");
      for (const command of ["recover", "release"]) {
        const res = await kitIn(sb, command, ["--json"]);
        expect(res.code, res.stderr).toBe(1);
        expect(res.stderr).toMatch(/cannot reach origin/);
        expect(res.stderr).not.toMatch(/unexpected error/);
      }
      await gitAsync(sb.repoPath!, "remote", "set-url", "origin", origin);
      const closed = await closedPort();
      const noApi = await kitIn(sb, "recover", ["--json"], { env: { GITHUB_API_URL: `http://127.0.0.1:${closed}` } });
      expect(noApi.code).toBe(1);
      expect(noApi.stderr).toContain(`cannot reach http://127.0.0.1:${closed}`);
      expect(noApi.stderr).not.toMatch(/unexpected error/);
    },
  );

  story("a step summary that cannot be written is a warning, not a failure", { history: true }, async (sb, expect) => {
    const res = await kitIn(sb, "verify", ["--json", "--tag", "v0.2.0"], {
      env: { GITHUB_STEP_SUMMARY: join(sb.dir, "no-such-folder", "summary.md") },
    });
    expect(res.code, res.stderr.slice(-2000)).toBe(0);
    expect(res.json.ok).toBe(true);
    expect(res.stderr).toMatch(/cannot write the step summary to GITHUB_STEP_SUMMARY .*ENOENT/);
  });

  story("fix hints are quoted for the shell: a branch named main;rm stays one word", {}, async (sb, expect) => {
    const res = await kitIn(sb, "preflight", ["--json"], { env: { RELEASE_BRANCH: "main;rm" } });
    const branch = res.json.checks.find((c: any) => c.id === "release-branch");
    expect(branch.fix).toMatch(/^git switch 'main;rm'/);
    // Pasted into a shell, the hint runs git with that one word and nothing else.
    const pasted = await exec("sh", ["-c", branch.fix.split(" (")[0]], { cwd: sb.repoPath!, env: cleanEnv() }).catch(
      (e) => e,
    );
    expect(String(pasted.stderr)).toMatch(/invalid reference: main;rm/);
  });
});
