// mise run release:recover, through its real entry point, against the GitHub sandbox. Every state of
// DESIGN.md's table is built for real (faults injected at the step that produces it), diagnosed
// read-only (the world is compared before and after), then --apply --yes takes it to its end, which
// is asserted on the bare remote (git) and on the sandbox's GitHub and registry. Each story has its
// own sandbox; the stories run concurrently, those that wait for simulated runs first.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe } from "vitest";
import { deleteTag } from "../scripts/sandbox/registry.ts";
import { until } from "./helpers/kit.ts";
import { gitAsync, hintIn, kitIn, landCommit, remoteRefs, sandboxEnv } from "./helpers/sandbox.ts";
import {
  CARGO_HOOK,
  CLIFF_HOOK,
  cogToml,
  commitFile,
  createReleaseThroughApi,
  diagnosed,
  exec,
  expectKept,
  head,
  localTag,
  published,
  recover,
  release,
  remoteTag,
  runOf,
  story,
  tool,
  worldOf,
  writes,
} from "./helpers/world.ts";

describe.concurrent("mise run release:recover: every state of the table, built for real", () => {
  story(
    "workflow-running, workflow-failed and images-missing: waits, re-runs for the same tag, refuses what GitHub would",
    { scenario: { holdRuns: true, failJobs: [{ job: "admin-ui", attempts: 1 }] } },
    async (sb, expect) => {
      // The first run is held in progress until recover has seen it running; re-runs are quick.
      expect((await release(sb, "--yes")).code).toBe(0);
      const ours = (await remoteTag(sb, "v0.3.0"))!;
      const kept = await published(sb);

      // The held run is still building: the workflow itself publishes while recover looks.
      const running = await diagnosed(expect, sb, "workflow-running", { runInProgress: true });
      expect(running.evidence.run).toMatchObject({ status: expect.stringMatching(/queued|in_progress/) });
      expect(running.next[0].commands).toEqual([hintIn(sb, "release:verify", ["--tag", "v0.3.0", "--wait"])]);

      sb.scenario.holdRuns = false;
      await sb.settle();
      sb.scenario.runMs = 1500; // the re-runs below
      const [run] = runOf(sb, ours);
      const failed = await diagnosed(expect, sb, "workflow-failed");
      expect(failed.evidence.failed_jobs).toEqual(["Admin UI image"]);
      expect(failed.next[0].commands).toEqual([
        `POST ${sb.apiUrl}/repos/acme/gateway/actions/runs/${run!.id}/rerun-failed-jobs`,
      ]);

      // What GitHub would refuse, recover refuses first: it says why and what to do instead, and writes nothing.
      const created = run!.createdAt;
      const refusals: [() => void, RegExp][] = [
        [
          () => (run!.createdAt = new Date(Date.now() - 31 * 24 * 3600_000).toISOString()),
          /31 days old.*within 30 days/,
        ],
        [() => (run!.runAttempt = 50), /run 50 times.*at most 50/],
      ];
      for (const [make, says] of refusals) {
        make();
        const before = await worldOf(sb);
        const res = await recover(sb, "--apply", "--yes");
        expect(res.code).toBe(1);
        expect(res.json.state).toBe("workflow-failed");
        expect(res.json.next[0].action).toMatch(says);
        expect(res.json.next[0].action).toMatch(/release the next version/);
        expect(res.json.next[0].commands).toContain(hintIn(sb, "release"));
        expect(await worldOf(sb)).toEqual(before);
        run!.createdAt = created;
        run!.runAttempt = 1;
      }

      // Re-run the failed jobs, wait through the new attempt, complete.
      const applied = await recover(sb, "--apply", "--yes");
      expect(applied.code, applied.stderr).toBe(0);
      expect(applied.json).toMatchObject({ ok: true, state: "complete", next: [] });
      expect(writes(sb)).toContain("POST /repos/{owner}/{repo}/actions/runs/{run_id}/rerun-failed-jobs 201 ×1");
      expect([run!.runAttempt, run!.status, run!.conclusion]).toEqual([2, "completed", "success"]);

      // An image tag gone from the registry after a successful run: the run succeeded, so there are no
      // failed jobs to re-run; recover says so and re-runs the whole run.
      deleteTag(sb.registry.store, "acme/admin-ui", "v0.3.0");
      const missing = await diagnosed(expect, sb, "images-missing");
      expect(missing.evidence.images.find((i: any) => i.ref === "ghcr.io/acme/admin-ui")).toMatchObject({
        missing_tags: ["v0.3.0"],
      });
      expect(missing.next[0].action).toMatch(/succeeded, so it has no failed jobs to re-run/);
      expect(missing.next[0].commands).toEqual([`POST ${sb.apiUrl}/repos/acme/gateway/actions/runs/${run!.id}/rerun`]);
      const rerun = await recover(sb, "--apply", "--yes");
      expect(rerun.code, rerun.stderr).toBe(0);
      expect(rerun.json.state).toBe("complete");
      expect(writes(sb)).toContain("POST /repos/{owner}/{repo}/actions/runs/{run_id}/rerun 201 ×1");
      expect(sb.registry.store.repos.get("acme/admin-ui")?.tags.has("v0.3.0")).toBe(true);
      expect([run!.runAttempt, run!.conclusion]).toEqual([3, "success"]);

      await expectKept(expect, sb, kept);
    },
  );

  const refused = {
    method: "POST",
    route: "/repos/{owner}/{repo}/releases",
    kind: "status" as const,
    status: 403,
    body: { message: "Resource not accessible by integration" },
    times: 1,
  };
  // The run is held in progress until recover has created the release, however slow the machine.
  story(
    "pushed-no-release: the release creation failed after the push; --apply creates it and waits through the running workflow",
    { scenario: { holdRuns: true, faults: [refused] } },
    async (sb, expect) => {
      const rel = await release(sb, "--yes");
      expect(rel.code).toBe(1);
      expect(rel.json.steps.find((s: any) => s.name === "github-release").status).toBe("failed");
      const ours = (await localTag(sb, "v0.3.0"))!;
      expect(await remoteTag(sb, "v0.3.0")).toBe(ours);
      const kept = await published(sb);

      const d = await diagnosed(expect, sb, "pushed-no-release", { runInProgress: true });
      expect(d.evidence).toMatchObject({ local_tag_commit: ours, remote_tag_commit: ours, release: null });
      expect(d.next[0].commands).toHaveLength(1);
      expect(d.next[0].commands[0]).toMatch(
        new RegExp(
          `^POST ${sb.apiUrl}/repos/acme/gateway/releases \\{"tag_name":"v0.3.0","name":"v0.3.0","body":"## \\[0.3.0\\]`,
        ),
      );

      // The run is still in progress when --apply starts; recover ends complete, which needs the run
      // to have succeeded: it created the release, then waited through workflow-running.
      expect(runOf(sb, ours)[0]!.status).not.toBe("completed");
      const applying = recover(sb, "--apply", "--yes");
      await until(
        () => sb.api.requests.get("POST /repos/{owner}/{repo}/releases 201") === 1,
        "recover to create the release",
      );
      expect(runOf(sb, ours)[0]!.status).not.toBe("completed");
      sb.scenario.holdRuns = false;
      const applied = await applying;
      expect(applied.code, applied.stderr).toBe(0);
      expect(applied.json).toMatchObject({ ok: true, state: "complete" });
      expect(runOf(sb, ours).map((r) => [r.status, r.conclusion])).toEqual([["completed", "success"]]);
      expect(applied.json.evidence.images.every((i: any) => i.digest)).toBe(true);
      expect(sb.api.state.releases.map((r) => [r.tagName, r.draft])).toEqual([["v0.3.0", false]]);
      expect(writes(sb).filter((w) => w.startsWith("POST /repos/{owner}/{repo}/releases 201"))).toEqual([
        "POST /repos/{owner}/{repo}/releases 201 ×1",
      ]);
      await expectKept(expect, sb, kept);
    },
  );

  story(
    "tag-mismatch: GitHub made the tag at main's head and a run used it: recover stops, moves nothing, and its advice leads to the next version",
    {},
    async (sb, expect) => {
      const base = await head(sb);
      // Authored locally (the gate refused: no terminal), then the runbook's `gh release create`
      // before the push: GitHub tags main's head, which starts the tag workflow on the wrong commit.
      expect((await release(sb)).code).toBe(1);
      const ours = await localTag(sb, "v0.3.0");
      const { id } = await createReleaseThroughApi(sb, "v0.3.0");
      await sb.settle();
      expect(await remoteTag(sb, "v0.3.0")).toBe(base);
      expect(runOf(sb, base)).toHaveLength(1);
      const kept = await published(sb);

      const d = await diagnosed(expect, sb, "tag-mismatch");
      expect(d.evidence).toMatchObject({
        local_tag_commit: ours,
        remote_tag_commit: base,
        release: { id, draft: false },
        run: { id: runOf(sb, base)[0]!.id },
      });
      expect(d.next[0].action).toMatch(/never moved/);
      expect(d.next[0].commands).toEqual([
        "git tag -d v0.3.0",
        `git reset --keep '${ours!.slice(0, 12)}^'`,
        "git fetch origin tag v0.3.0",
        hintIn(sb, "release:preflight"),
        hintIn(sb, "release"),
      ]);

      // --apply stops, even when told it may delete the release: a consumed tag is final.
      const before = await worldOf(sb);
      const res = await recover(sb, "--apply", "--yes", "--delete-release", "v0.3.0");
      expect(res.code).toBe(1);
      expect(res.json.state).toBe("tag-mismatch");
      expect(await worldOf(sb)).toEqual(before);

      // Its advice, followed: take origin's tag, drop the local release commit, and once a fix is on
      // main, release the next version. That one is pushed in a world where tag pushes start no
      // workflow (as with the Actions GITHUB_TOKEN): recover waits a bounded time for a run, then
      // says none will start and what to do.
      // Pasted into a shell, as a maintainer would.
      for (const command of d.next[0].commands.slice(0, 3))
        await exec("sh", ["-c", command], { cwd: sb.repoPath!, env: sandboxEnv(sb) });
      expect(await localTag(sb, "v0.3.0")).toBe(base);
      expect(await head(sb)).toBe(base);
      // GitHub's v0.3.0 commit still says 0.2.0: preflight asks for the versions to be stamped first.
      const preflight = await kitIn(sb, "preflight", ["--json"]);
      expect(preflight.json.checks.find((c: any) => c.id === "versions")).toMatchObject({
        status: "fail",
        fix: expect.stringContaining("cargo release version 0.3.0 --execute --no-confirm"),
      });
      await tool(sb, "cargo", "release", "version", "0.3.0", "--execute", "--no-confirm");
      await gitAsync(
        sb.repoPath!,
        "commit",
        "-q",
        "-am",
        "fix: stamp the crates with 0.3.0, the version v0.3.0 was published as",
      );
      await gitAsync(sb.repoPath!, "push", "-q", "origin", "HEAD:refs/heads/main");
      sb.scenario.pushesStartNoRuns = true;
      const next = await release(sb, "--yes");
      expect(next.code, next.stderr).toBe(0);
      expect(next.json.tag).toBe("v0.3.1");
      const waiting = await diagnosed(expect, sb, "workflow-running");
      expect(waiting.tag).toBe("v0.3.1");
      expect(waiting.evidence).toMatchObject({ run: null, release: { draft: false }, workflow_expected: true });
      const noRun = await recover(sb, "--apply", "--yes");
      expect(noRun.code).toBe(1);
      expect(noRun.json.state).toBe("workflow-running");
      expect(noRun.json.next[0].action).toMatch(/no run .* started for v0\.3\.1.*GITHUB_TOKEN/);
      expect(sb.api.state.runs.filter((r) => r.headBranch === "v0.3.1")).toEqual([]);
      await expectKept(expect, sb, kept);
    },
  );

  story(
    "release-without-tag: GitHub's tag that nothing used is deleted only with --delete-release, then ours is pushed and released",
    {},
    async (sb, expect) => {
      const repo = sb.repoPath!;
      const workflow = await readFile(join(repo, ".github/workflows/release.yml"), "utf8");
      const nightly = workflow.replace('tags: ["v*"]', 'tags: ["nightly-*"]');
      expect(nightly).not.toBe(workflow);
      /** origin's head starts no run for v* tags; the unpushed release commit's workflow does. */
      const authorBehindFilters = async (fix: string) => {
        await commitFile(sb, ".github/workflows/release.yml", nightly, "ci: build nightly tags only");
        if (fix) await commitFile(sb, "NOTES.md", `${fix}\n`, fix, false);
        await commitFile(sb, ".github/workflows/release.yml", workflow, "ci: build release tags again", false);
        await tool(sb, "cog", "bump", "--auto", "--skip-untracked");
        return {
          originHead: await gitAsync(sb.remotePath, "rev-parse", "refs/heads/main"),
          ours: (await localTag(sb, (await tool(sb, "git", "describe", "--tags", "--exact-match")).trim()))!,
        };
      };
      const { originHead, ours } = await authorBehindFilters("");
      const kept = await published(sb);
      const { id } = await createReleaseThroughApi(sb, "v0.3.0");
      await sb.settle();
      expect(await remoteTag(sb, "v0.3.0")).toBe(originHead);
      expect(sb.api.state.runs).toEqual([]);

      const d = await diagnosed(expect, sb, "release-without-tag");
      expect(d.evidence).toMatchObject({
        local_tag_commit: ours,
        remote_tag_commit: originHead,
        release: { id, draft: false },
        run: null,
      });
      const deleteRelease = `DELETE ${sb.apiUrl}/repos/${sb.repository}/releases/${id}`;
      const deleteRef = `DELETE ${sb.apiUrl}/repos/${sb.repository}/git/refs/tags/v0.3.0`;
      expect(d.next[0].commands).toEqual([
        hintIn(sb, "release:recover", ["--tag", "v0.3.0", "--apply", "--delete-release", "v0.3.0"]),
        deleteRelease,
        deleteRef,
        "git push --atomic origin main v0.3.0",
      ]);

      // --yes never implies deleting a published release: exit 1, the flag named, nothing deleted.
      const before = await worldOf(sb);
      const refused = await recover(sb, "--apply", "--yes");
      expect(refused.code).toBe(1);
      expect(refused.json.next[0].action).toContain("--delete-release v0.3.0");
      expect(await worldOf(sb)).toEqual(before);

      // Named: the release and GitHub's tag go, ours is pushed, released, built, and the end is complete.
      const applied = await recover(sb, "--apply", "--yes", "--delete-release", "v0.3.0");
      expect(applied.code, applied.stderr).toBe(0);
      expect(applied.json).toMatchObject({ ok: true, state: "complete", next: [] });
      expect(sb.api.state.releases.map((r) => r.id)).not.toContain(id);
      expect(sb.api.state.releases.map((r) => [r.tagName, r.draft])).toEqual([["v0.3.0", false]]);
      expect(await remoteTag(sb, "v0.3.0")).toBe(ours);
      expect(await gitAsync(sb.remotePath, "rev-parse", "refs/heads/main")).toBe(await head(sb));
      expect(runOf(sb, ours).map((r) => r.conclusion)).toEqual(["success"]);
      expect(sb.registry.store.repos.get("acme/gateway")?.tags.has("0.3.0")).toBe(true);
      await expectKept(expect, sb, kept, { deletedRelease: id, movedTag: "v0.3.0" });

      // An immutable release's tag is final: recover says so, and deletes nothing even when named.
      sb.scenario.immutableReleases = true;
      const next = await authorBehindFilters("fix: retry upstream connects once");
      const immutable = await createReleaseThroughApi(sb, "v0.3.1");
      await sb.settle();
      const keptImmutable = await published(sb);
      const di = await diagnosed(expect, sb, "release-without-tag");
      expect(di.tag).toBe("v0.3.1");
      expect(di.evidence).toMatchObject({
        local_tag_commit: next.ours,
        remote_tag_commit: next.originHead,
        release: { id: immutable.id, immutable: true },
      });
      expect(di.next[0].action).toMatch(/immutable.*final/);
      const beforeImmutable = await worldOf(sb);
      const stopped = await recover(sb, "--apply", "--yes", "--delete-release", "v0.3.1");
      expect(stopped.code).toBe(1);
      expect(await worldOf(sb)).toEqual(beforeImmutable);
      await expectKept(expect, sb, keptImmutable);
    },
  );

  story(
    "authored-not-pushed: the gate refused; --apply --dry-run changes nothing, --apply pushes and finishes, --abandon drops",
    {},
    async (sb, expect) => {
      const kept = await published(sb);
      const remoteBefore = await remoteRefs(sb);
      const refused = await release(sb);
      expect(refused.code).toBe(1);
      expect(refused.json.steps.find((s: any) => s.name === "review").status).toBe("failed");
      expect(await remoteRefs(sb)).toBe(remoteBefore);
      const ours = await localTag(sb, "v0.3.0");
      expect(ours).toBe(await head(sb));

      const d = await diagnosed(expect, sb, "authored-not-pushed");
      expect(d.evidence).toMatchObject({
        local_tag_commit: ours,
        remote_tag_commit: null,
        release: null,
        head_is_release_commit: true,
        commit_on_origin: false,
      });
      expect(d.next[0].commands).toEqual(["git push --atomic origin main v0.3.0"]);

      // --apply --dry-run prints the push and changes nothing; it exits 0 as release --dry-run does,
      // since the action could be taken.
      const before = await worldOf(sb);
      const dry = await recover(sb, "--apply", "--dry-run");
      expect(dry.code, dry.stderr).toBe(0);
      expect(dry.stderr).toContain(
        "git push --atomic origin refs/heads/main:refs/heads/main refs/tags/v0.3.0:refs/tags/v0.3.0",
      );
      expect(await worldOf(sb)).toEqual(before);

      // --apply without --yes and without a terminal: the gate refuses, nothing changes.
      const gated = await recover(sb, "--apply");
      expect(gated.code).toBe(1);
      expect(await worldOf(sb)).toEqual(before);

      // --apply --yes: pushed, released, built, complete.
      const applied = await recover(sb, "--apply", "--yes");
      expect(applied.code, applied.stderr).toBe(0);
      expect(applied.json).toMatchObject({ ok: true, state: "complete", next: [] });
      expect(await remoteTag(sb, "v0.3.0")).toBe(ours);
      expect(await gitAsync(sb.remotePath, "rev-parse", "refs/heads/main")).toBe(ours);
      expect(sb.api.state.releases.map((r) => [r.tagName, r.draft])).toEqual([["v0.3.0", false]]);
      expect(sb.api.state.releases[0]!.body).toContain("## [0.3.0]");
      expect(runOf(sb, ours!).map((r) => r.conclusion)).toEqual(["success"]);
      const complete = await diagnosed(expect, sb, "complete");
      expect(complete.evidence.images.map((i: any) => i.ref).sort()).toEqual([
        "ghcr.io/acme/admin-ui",
        "ghcr.io/acme/gateway",
      ]);

      // The next release, authored but not pushed, then --abandon --apply: dropped; v0.3.0 untouched.
      const fix = await landCommit(sb, "fix(gateway): close idle upstream connections");
      await tool(sb, "cog", "bump", "--auto", "--skip-untracked"); // what release's bump step runs
      expect(await localTag(sb, "v0.3.1")).toBe(await head(sb));
      const keptAfter = await published(sb);
      const remoteNow = await remoteRefs(sb);
      const abandoned = await recover(sb, "--tag", "v0.3.1", "--abandon", "--apply", "--yes");
      expect(abandoned.code, abandoned.stderr).toBe(0);
      expect(await localTag(sb, "v0.3.1")).toBeNull();
      expect(await head(sb)).toBe(fix);
      expect(await gitAsync(sb.repoPath!, "status", "--porcelain")).toBe("");
      expect(await remoteRefs(sb)).toBe(remoteNow);
      await expectKept(expect, sb, keptAfter);
      await expectKept(expect, sb, kept);
    },
  );

  story(
    "local-changes-failed: the runbook's literal order (cog bump, then git-cliff and cargo-release) is finished or abandoned",
    {},
    async (sb, expect) => {
      const kept = await published(sb);
      // The runbook's order: no pre_bump_hooks, so cog commits and tags before the other tools run.
      const base = await commitFile(
        sb,
        "cog.toml",
        cogToml([]),
        "chore: run git-cliff and cargo-release after cog, as the runbook lists them",
      );
      const literalOrder = async () => {
        await tool(sb, "cog", "bump", "--auto", "--skip-untracked");
        await tool(sb, "git-cliff", "-o", "CHANGELOG.md");
        await tool(sb, "cargo", "release", "version", "0.3.0", "--execute", "--no-confirm");
      };
      await literalOrder();
      const tagged = await localTag(sb, "v0.3.0");
      expect(tagged).toBe(await head(sb));

      const d = await diagnosed(expect, sb, "local-changes-failed");
      expect(d.evidence.local_tag_commit).toBe(tagged);
      expect(d.evidence.release_commit_problems.join(" ")).toMatch(/CHANGELOG\.md/);
      expect(d.evidence.release_commit_problems.join(" ")).toMatch(/Cargo\.toml has version 0\.2\.0, not 0\.3\.0/);
      expect(d.evidence.dirty_files).toEqual(
        expect.arrayContaining(["CHANGELOG.md", "Cargo.lock", "crates/gateway/Cargo.toml"]),
      );
      // Finish (commit the hook output into the local release commit) or --abandon: both spelled out.
      expect(d.next[0].commands).toEqual([
        "git status --short",
        "git add -- CHANGELOG.md Cargo.lock crates/admin-ui/Cargo.toml crates/gateway/Cargo.toml",
        "git commit --amend --no-edit --no-verify",
        "git tag -f v0.3.0",
      ]);
      expect(d.next[0].action).toMatch(/--abandon/);
      const remoteBefore = await remoteRefs(sb);

      // --abandon --apply: the local tag and commit are dropped, the tree restored; origin untouched.
      const abandoned = await recover(sb, "--abandon", "--apply", "--yes");
      expect(abandoned.code, abandoned.stderr).toBe(0);
      expect(abandoned.json.ok).toBe(true);
      expect(await localTag(sb, "v0.3.0")).toBeNull();
      expect(await head(sb)).toBe(base);
      expect(await gitAsync(sb.repoPath!, "status", "--porcelain")).toBe("");
      expect(await remoteRefs(sb)).toBe(remoteBefore);

      // A release commit missing its changelog section (only the cargo-release hook), on a clean tree:
      // nothing can finish it, so recover names --abandon and changes nothing on --apply.
      const cargoOnly = await commitFile(
        sb,
        "cog.toml",
        cogToml([CARGO_HOOK]),
        "chore: stamp versions before cog commits",
        false,
      );
      await tool(sb, "cog", "bump", "--auto", "--skip-untracked");
      const noChangelog = await diagnosed(expect, sb, "local-changes-failed");
      expect(noChangelog.evidence.release_commit_problems).toEqual([
        expect.stringMatching(/CHANGELOG\.md in the release commit has no section for 0\.3\.0/),
      ]);
      expect(noChangelog.evidence.dirty_files).toEqual([]);
      expect(noChangelog.next[0].commands).toContain(
        hintIn(sb, "release:recover", ["--tag", "v0.3.0", "--abandon", "--apply"]),
      );
      expect((await recover(sb, "--abandon", "--apply", "--yes")).code).toBe(0);
      expect(await head(sb)).toBe(cargoOnly);
      expect(await localTag(sb, "v0.3.0")).toBeNull();

      // The literal order again, and this time --apply finishes it: the hook output is committed into
      // the release commit, which is then pushed, released, built and published.
      await gitAsync(sb.repoPath!, "reset", "-q", "--hard", base);
      await literalOrder();
      const finished = await recover(sb, "--apply", "--yes");
      expect(finished.code, finished.stderr).toBe(0);
      expect(finished.json.state).toBe("complete");
      const commit = await remoteTag(sb, "v0.3.0");
      expect(commit).toBe(await head(sb));
      expect(await gitAsync(sb.remotePath, "rev-parse", `${commit}^`)).toBe(base);
      expect(await gitAsync(sb.remotePath, "show", `${commit}:CHANGELOG.md`)).toContain("## [0.3.0]");
      expect(await gitAsync(sb.remotePath, "show", `${commit}:crates/gateway/Cargo.toml`)).toContain(
        'version = "0.3.0"',
      );
      expect(sb.api.state.releases.map((r) => [r.tagName, r.draft])).toEqual([["v0.3.0", false]]);
      expect(runOf(sb, commit!).map((r) => r.conclusion)).toEqual(["success"]);
      await expectKept(expect, sb, kept);
    },
  );

  // cargo-release writes first, then git-cliff fails: cog stashes what cargo-release wrote.
  const broken = cogToml([CARGO_HOOK, `${CLIFF_HOOK} --repository missing`]);
  story(
    "bump-stashed: a failed pre-bump hook's stash is shown with the hook, and dropped only once the hook is fixed",
    { example: { extraFiles: { "cog.toml": broken } } },
    async (sb, expect) => {
      const kept = await published(sb);
      const base = await head(sb);
      const rel = await release(sb, "--yes");
      expect(rel.code).toBe(1);
      expect(rel.json.steps.find((s: any) => s.name === "bump").status).toBe("failed");

      const d = await diagnosed(expect, sb, "bump-stashed");
      expect(d.tag).toBe("v0.3.0");
      expect(d.evidence.cog_stashes[0]).toMatch(/^stash@\{0\}\t.*cog_bump_/);
      expect(d.evidence.stash_files).toEqual(expect.arrayContaining(["Cargo.lock", "crates/gateway/Cargo.toml"]));
      expect(d.evidence.stash_files).not.toContain("CHANGELOG.md");
      expect(d.evidence.local_tag_commit).toBeNull();
      // The failed hook is named, and the commands show and drop the stash.
      expect(d.next[0].action).toContain(`${CLIFF_HOOK} --repository missing`);
      expect(d.next[0].commands).toEqual(
        expect.arrayContaining(["git stash show --stat stash@{0}", "git stash drop stash@{0}", hintIn(sb, "release")]),
      );

      // The hook is not fixed yet: --apply refuses to drop the stash.
      const before = await worldOf(sb);
      const refused = await recover(sb, "--apply", "--yes");
      expect(refused.code).toBe(1);
      expect(refused.json.state).toBe("bump-stashed");
      expect(refused.json.next[0].action).toMatch(/fix the failed pre_bump_hook/);
      expect(await worldOf(sb)).toEqual(before);

      // Once the fix is committed, --apply drops cog's stash, and nothing of v0.3.0 remains.
      const fixed = await commitFile(
        sb,
        "cog.toml",
        cogToml([CARGO_HOOK, CLIFF_HOOK]),
        "chore: fix the git-cliff pre-bump hook",
      );
      const remoteBefore = await remoteRefs(sb);
      const dropped = await recover(sb, "--apply", "--yes");
      expect(dropped.code, dropped.stderr).toBe(0);
      expect(dropped.json).toMatchObject({ ok: true, tag: "v0.3.0", next: [{ commands: [hintIn(sb, "release")] }] });
      expect(await gitAsync(sb.repoPath!, "stash", "list")).toBe("");
      expect(await gitAsync(sb.repoPath!, "status", "--porcelain")).toBe("");
      expect(await head(sb)).toBe(fixed);
      expect(await gitAsync(sb.repoPath!, "rev-parse", `${fixed}^`)).toBe(base);
      expect(await remoteRefs(sb)).toBe(remoteBefore);
      expect(sb.api.state.releases).toEqual([]);
      await expectKept(expect, sb, kept);
    },
  );
});
