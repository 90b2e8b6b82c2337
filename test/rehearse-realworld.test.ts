// `release:rehearse -- --repo` on every corpus repository with a cocogitto release flow (expect.json
// `rehearsable: true`), run as a maintainer runs it: through mise, with no token and no network.
// Unchanged, it must pass, or stop at preflight naming each genuine defect expect.json lists (a
// config finding that is not a warning). Then, to prove the rest of the runbook works there, the
// same repository with only those defects fixed (FIXES: in a copy; the rehearsal fixes nothing
// itself) must pass every step. The extracts hold no source code: each build's Dockerfile is a stub
// committed on top (DOCKERFILES), as the real repository has its own.
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REHEARSAL_STEPS } from "../scripts/sandbox/rehearsal.ts";
import { releaseBranchOf } from "../scripts/sandbox/rehearsal-repo.ts";
import { buildableExtract, CORPUS, extracts } from "./helpers/corpus.ts";
import { cleanEnv, fileHashes, KIT, type KitRun, MISE, run, tempDir } from "./helpers/kit.ts";
import { commitAll, gitAsync } from "./helpers/sandbox.ts";
import { rebuildRepository } from "./realworld/rebuild.ts";

const work = tempDir("rk-rehearse-realworld-");
afterAll(() => work.remove());

interface Expectation {
  repository: string;
  next_tag: string;
  tag_workflows: { file: string }[];
  images: { ref: string }[];
  config_findings: { what: string; level?: "warn" }[];
  rehearsable?: boolean;
}

const rehearsable = extracts
  .filter((name) => (JSON.parse(readFileSync(join(CORPUS, name, "expect.json"), "utf8")) as Expectation).rehearsable)
  .sort();

/** The Dockerfiles each rehearsable extract's workflows build (its source is not in the extract). */
const DOCKERFILES: Record<string, string[]> = {
  "ahstn__oceans-llm": ["crates/gateway/Dockerfile", "crates/admin-ui/web/Dockerfile"],
};

/** The first job, in its workflow's order, that pushes an image: the one the broken release fails. */
const FIRST_IMAGE_JOB: Record<string, string> = { "ahstn__oceans-llm": "build-gateway" };

/** The one change each genuine defect needs, made in a copy only. */
const FIXES: Record<string, { message: string; fix: (repo: string) => void }> = {
  // The git-cliff hook prints the changelog and writes nothing: it must prepend the new section
  // (with -o it would rewrite the earlier ones, which check-commit refuses).
  "ahstn__oceans-llm": {
    message: "chore: the git-cliff hook prepends the release's section to CHANGELOG.md",
    fix: (repo) => {
      const path = join(repo, "cog.toml");
      const text = readFileSync(path, "utf8");
      const fixed = text.replace(
        '"git-cliff -t {{version_tag}}"',
        '"git-cliff --unreleased --tag {{version_tag}} --prepend CHANGELOG.md"',
      );
      if (fixed === text) throw new Error("cog.toml no longer holds the hook this fix is for");
      writeFileSync(path, fixed);
    },
  },
};

/** The names a finding's `what` must appear under: its quoted hooks, else its setting. */
const namesOf = (what: string) =>
  [...what.matchAll(/"([^"]+)"/g)].map((m) => m[1]!).concat(/^([\w.]+)\s*=/.exec(what)?.[1] ?? []);

const rehearse = (repo: string, ...args: string[]): Promise<KitRun> =>
  run(MISE, ["run", "release:rehearse", "--", "--json", "--repo", repo, ...args], {
    cwd: KIT,
    env: cleanEnv(),
    timeoutMs: 240_000,
  });

const noise = (res: KitRun) => {
  expect(res.stderr).not.toMatch(/(^|│ )fatal: /m);
  expect(res.stdout).not.toMatch(/^fatal: /m);
};

describe.each(rehearsable)("release:rehearse -- --repo on %s", (name) => {
  const dir = join(CORPUS, name);
  const e = JSON.parse(readFileSync(join(dir, "expect.json"), "utf8")) as Expectation;
  const defects = e.config_findings.filter((f) => f.level !== "warn");
  let repo = "";

  it("unchanged: passes, or stops at preflight naming each genuine defect, and leaves the repository as it was", async () => {
    repo = await buildableExtract(name, join(work.path, name), DOCKERFILES[name] ?? []);
    await gitAsync(repo, "remote", "add", "origin", `https://github.com/${e.repository}.git`);
    const before = fileHashes(repo);
    const res = await rehearse(repo, "--keep");
    noise(res);
    expect(res.json, res.stderr.slice(-3000)).toMatchObject({ command: "rehearse", target: repo });
    expect(res.json.steps.map((s: { name: string }) => s.name)).toEqual([...REHEARSAL_STEPS]);
    expect(fileHashes(repo)).toEqual(before);
    // --keep keeps the scratch folder (the clone the rehearsal released from) and says where.
    const kept = /scratch folder kept: (\S+)/.exec(res.stderr)?.[1];
    expect(kept && existsSync(join(kept, name, ".git"))).toBe(true);
    rmSync(kept!, { recursive: true, force: true });
    if (!defects.length) {
      expect(res.code, res.stderr.slice(-3000)).toBe(0);
      return;
    }
    // It stops where the release would: preflight's config check fails, naming each defect.
    expect(res.code).toBe(1);
    expect(res.json.ok).toBe(false);
    const [preflight, ...rest] = res.json.steps;
    expect(preflight).toMatchObject({ name: "preflight", ok: false });
    const config = preflight.report.checks.find((c: { id: string }) => c.id === "config");
    expect(config.status).toBe("fail");
    for (const defect of defects)
      for (const named of namesOf(defect.what)) expect(config.detail, defect.what).toContain(named);
    expect(
      rest.every(
        (s: { ok: unknown; report: unknown; skipped?: string }) =>
          s.ok === null &&
          s.report === null &&
          /preflight did not do what the rehearsal expected/.test(s.skipped ?? ""),
      ),
    ).toBe(true);
    expect(res.stderr).toMatch(/preflight +NOT as expected .*failed: .*config/);
  }, 300_000);

  it("with only its genuine defects fixed (in a copy): every step of the runbook does what it should", async () => {
    if (!defects.length) return;
    const fix = FIXES[name];
    expect(fix, `${name} has genuine defects but no FIXES entry to rehearse the rest`).toBeDefined();
    const copy = join(work.path, `${name}-fixed`);
    await gitAsync(work.path, "clone", "-q", repo, copy);
    await gitAsync(copy, "remote", "set-url", "origin", `https://github.com/${e.repository}.git`);
    fix!.fix(copy);
    await commitAll(copy, fix!.message);
    const res = await rehearse(copy);
    noise(res);
    expect(res.code, res.stderr.slice(-3000)).toBe(0);
    for (const step of res.json.steps) expect(step, step.name).toMatchObject({ ok: true });
    const [preflight, release, workflow, verify, broken, recover, again] = res.json.steps.map(
      (s: { report: any }) => s.report,
    );
    expect(preflight).toMatchObject({ ok: true, tag: e.next_tag });
    expect(release).toMatchObject({ ok: true, tag: e.next_tag });
    // Every workflow the tag started ran, and verify checked what they published.
    expect(workflow).toMatchObject({ tag: e.next_tag, conclusion: "success" });
    expect(workflow.runs.map((r: { workflow: string }) => r.workflow).sort()).toEqual(
      e.tag_workflows.map((w) => w.file).sort(),
    );
    // Each registry host they pushed to is served, and the kit was pointed at it by host.
    for (const host of new Set(e.images.map((i) => i.ref.split("/")[0]!)))
      expect(res.stderr).toMatch(
        new RegExp(`RELEASE_REGISTRY_URL=(\\S+,)?${host.replace(/\./g, "\\.")}=http://127\\.0\\.0\\.1:\\d+`),
      );
    expect(verify).toMatchObject({ command: "verify", ok: true, tag: e.next_tag });
    const images = verify.checks.filter((c: { id: string }) => c.id.startsWith("image:"));
    expect(images.length).toBeGreaterThan(0);
    for (const image of images) expect(image.status, image.id).toBe("pass");
    // The broken release failed a real publishing job of the repository's own workflow.
    const failed = (verify.checks as { id: string }[]).find((c) => c.id.startsWith("image:"))!.id;
    expect(broken).toMatchObject({ command: "verify", ok: false });
    expect(broken.checks.find((c: { id: string }) => c.id.startsWith("workflow")).status).toBe("fail");
    expect(broken.checks.find((c: { id: string }) => c.id === failed).status).toBe("fail");
    // The first job of the workflow that pushed an image (not a job picked by its name).
    expect(res.stderr).toContain(`whose ${FIRST_IMAGE_JOB[name]} job fails`);
    expect(recover).toMatchObject({ command: "recover", ok: true, state: "complete" });
    expect(again).toMatchObject({ command: "verify", ok: true });
  }, 300_000);
});

describe("a repository on another release branch", () => {
  it("a master repository is rehearsed on master: the sandbox's default branch, and preflight's checks of it", async () => {
    const repo = rebuildRepository(join(CORPUS, "orhun__rustypaste"), join(work.path, "rustypaste")).path;
    await gitAsync(repo, "remote", "add", "origin", "https://github.com/orhun/rustypaste.git");
    expect(await releaseBranchOf(repo)).toBe("master");
    const res = await rehearse(repo);
    noise(res);
    expect(res.stderr).toContain("(release branch master)");
    const checks = res.json.steps[0].report.checks as { id: string; status: string; detail: string }[];
    expect(checks.find((c) => c.id === "release-branch")).toMatchObject({ status: "pass", detail: "on master" });
    expect(checks.find((c) => c.id === "push")?.detail).toMatch(
      /^git push --dry-run --atomic origin master is accepted/,
    );
    // Its flow is not the runbook's (no cog.toml): the rehearsal stops there, saying so.
    expect(res.code).toBe(1);
    expect(checks.find((c) => c.id === "config")?.detail).toContain("not supported: the cocogitto release flow");
  }, 300_000);
});
