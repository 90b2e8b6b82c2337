// The kit against the real-world corpus (test/realworld/): each extract is rebuilt into a real git
// repository, pushed to the sandbox's bare remote, and cloned from its GitHub URL (rewritten to that
// remote with url.<remote>.insteadOf, as a maintainer's clone of GitHub would be); then preflight
// runs through the kit's launcher and its --json report is held to the extract's hand-checked
// expect.json. One test per extract, one block per concern; the last block holds the kit's reading
// of the tag workflows (tag workflows, images, artifacts, not verified) to the same file.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createRunner } from "../scripts/lib/run.ts";
import { readTagWorkflows } from "../scripts/lib/workflow/index.ts";
import { CORPUS, extracts } from "./helpers/corpus.ts";
import { type KitRun, tempDir } from "./helpers/kit.ts";
import { gitAsync, kitIn, type Sandbox } from "./helpers/sandbox.ts";
import { withSandbox } from "./helpers/world.ts";
import { rebuildRepository } from "./realworld/rebuild.ts";

const work = tempDir("rk-realworld-");
afterAll(() => work.remove());
const scratch = work.path;

/** What expect.json's `unsupported[].what` names, as the ids preflight reports under config.unsupported. */
const TOPOLOGY_IDS: Record<string, string> = {
  "the cocogitto release flow": "no-cog",
  "per-package tags (cog monorepo)": "cog-monorepo",
  "per-package tags": "per-package-tags",
  "the crate never carries the release version": "unversioned-packages",
  "release tags off the branch": "tags-off-branch",
};
/** Unsupported flows only a workflow's reading shows: the workflow reader reports these. */
const WORKFLOW_CONCERNS = new Set([
  "release in CI",
  "release by workflow_dispatch",
  "the tag workflow creates the GitHub release",
  "publishing triggered by the release, not the tag",
]);

interface Placed {
  workflow: string;
  job: string;
  step: string;
}

interface Expectation {
  repository: string;
  release_branch: string;
  tag_prefix: string;
  tag_prefix_source: "cog.toml" | "inferred";
  tag_scheme: "single" | "per-package";
  latest_tag: string;
  next_version: string | null;
  next_tag: string | null;
  config_findings: { what: string; why: string; level?: "warn" }[];
  unsupported: { what: string; why: string }[];
  tag_workflows: { file: string; filters: { tags: string[] | null } }[];
  other_workflows: { file: string; why: string }[];
  images: (Placed & { ref: string; tags: string[]; platforms: string[]; attested: boolean; verifiable: boolean })[];
  artifacts: {
    kind: string;
    ref?: string;
    name: string;
    version: string;
    workflow: string | null;
    job: string | null;
    step: string;
  }[];
  not_verified: (Placed & { why: string })[];
  rehearsable: boolean;
}

/** The names a config finding's `what` must appear under in the config check: its cog.toml key, each quoted hook, or the setting. */
function namesOf(what: string): string[] {
  const quoted = [...what.matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
  const key = /^([\w[\].]+)(?::|\s+in\s|\s*=)/.exec(what)?.[1];
  return [...(key ? [key] : []), ...quoted];
}

async function cloneFromGitHub(sb: Sandbox, branch: string, dir: string): Promise<string> {
  const github = `https://github.com/${sb.repository}.git`;
  const rewrite = `url.${sb.remotePath}.insteadOf=${github}`;
  await gitAsync(scratch, "-c", rewrite, "clone", "-q", "--branch", branch, github, dir);
  await gitAsync(dir, "config", `url.${sb.remotePath}.insteadOf`, github);
  return dir;
}

const check = (res: KitRun, id: string) => res.json.checks.find((c: { id: string }) => c.id === id);

describe.each(extracts)("%s", (name) => {
  const dir = join(CORPUS, name);
  const e = JSON.parse(readFileSync(join(dir, "expect.json"), "utf8")) as Expectation;
  const source = JSON.parse(readFileSync(join(dir, "source.json"), "utf8")) as {
    repository: string;
    default_branch: string;
  };
  const [owner, repo] = source.repository.split("/") as [string, string];

  it("preflight reads its release setup as expect.json says", async () => {
    const built = rebuildRepository(dir, join(scratch, name, "built"));
    const seed = async (remote: string) =>
      void (await gitAsync(
        built.path,
        "push",
        "-q",
        remote,
        `refs/heads/${source.default_branch}`,
        "refs/tags/*:refs/tags/*",
      ));
    await withSandbox({ owner, name: repo, defaultBranch: source.default_branch, example: false, seed }, async (sb) => {
      const clone = await cloneFromGitHub(sb, source.default_branch, join(scratch, name, "clone"));
      const res = await kitIn(sb, "preflight", ["--json"], { repo: clone, timeoutMs: 150_000 });
      expect(res.json?.command, res.stderr).toBe("preflight");
      const config = res.json.config;
      const unsupportedIds = (config.unsupported as { id: string }[]).map((u) => u.id).sort();

      // -- release branch: origin's default branch, and every git check uses it
      expect(config.branch).toBe(e.release_branch);
      expect(config.sources.RELEASE_BRANCH).toMatch(/^origin's default branch/);
      expect(check(res, "release-branch").detail).toBe(`on ${e.release_branch}`);
      expect(check(res, "up-to-date").detail).toContain(`origin/${e.release_branch}`);
      expect(check(res, "merged").detail).toBe(`HEAD is on origin/${e.release_branch}`);
      expect(check(res, "push").detail).toMatch(
        new RegExp(`^git push --dry-run --atomic origin ${e.release_branch} is accepted`),
      );

      // -- tag prefix: cog.toml's, or inferred from the history and said so
      expect(config.tag_prefix).toBe(e.tag_prefix);
      expect(config.sources.tag_prefix).toMatch(
        e.tag_prefix_source === "inferred" ? /^inferred from the history/ : /^cog\.toml/,
      );
      expect(config.tag_scheme).toBe(e.tag_scheme);

      // -- next version: cog's (the stand-in's) answer, with the inferred prefix when cog.toml sets none
      expect(res.json.version, JSON.stringify(check(res, "next-version"))).toBe(e.next_version);
      expect(res.json.tag).toBe(e.next_tag);
      if (e.next_version === null) expect(["fail", "skip"]).toContain(check(res, "next-version").status);
      // Never "set the versions to 0.1.0 or lower": the versions check never advises going down.
      expect(check(res, "versions").fix).not.toMatch(/ or lower|set them back/);

      // -- unsupported topologies, each a config failure naming it; none the extract does not have
      const config_ = check(res, "config");
      const expected = new Set<string>();
      for (const u of e.unsupported) {
        if (WORKFLOW_CONCERNS.has(u.what)) continue;
        const id = TOPOLOGY_IDS[u.what];
        expect(id, `expect.json names an unsupported flow this test does not know: ${u.what}`).toBeDefined();
        expected.add(id!);
      }
      expect(unsupportedIds).toEqual([...expected].sort());
      for (const u of config.unsupported as { what: string }[])
        expect(config_.detail).toContain(`not supported: ${u.what}`);
      if (expected.size) expect(config_.status).toBe("fail");

      // -- config findings, each named in the config check; a failing one fails it
      for (const finding of e.config_findings) {
        for (const named of namesOf(finding.what)) expect(config_.detail, finding.what).toContain(named);
      }
      if (e.config_findings.some((f) => f.level !== "warn")) expect(config_.status).toBe("fail");

      // -- noise: no git stderr leaks into the report
      expect(res.stderr).not.toMatch(/^(fatal|error|warning): /m);

      // -- tag workflows, images, artifacts, not verified: the reader's reading for the next tag
      // (the API gives the structure; preflight's report shows the same reading to the maintainer)
      const tag = e.next_tag ?? `${e.tag_prefix}1.0.0`;
      const fill = (text: string) =>
        text
          .replaceAll("{sha7}", built.head.slice(0, 7))
          .replaceAll("{sha}", built.head)
          .replaceAll("{version}", e.next_version ?? "1.0.0");
      const wf = await readTagWorkflows(createRunner(clone, false), { workflowPaths: null }, "HEAD", {
        owner,
        repository: source.repository,
        tag,
        sha: built.head,
      });
      const byFile = (a: { file: string }, b: { file: string }) => a.file.localeCompare(b.file);
      expect(wf.started.map((w) => ({ file: w.path, tags: w.filters.tags })).sort(byFile)).toEqual(
        e.tag_workflows.map((w) => ({ file: w.file, tags: w.filters.tags })).sort(byFile),
      );
      expect([...wf.started.map((w) => w.path), ...wf.notStarted.map((w) => w.path)].sort()).toEqual(
        [...e.tag_workflows.map((w) => w.file), ...e.other_workflows.map((w) => w.file)].sort(),
      );
      const triggers = check(res, "tag-triggers");
      if (e.tag_workflows.length) for (const w of e.tag_workflows) expect(triggers.detail).toContain(w.file);
      else expect(triggers.status).not.toBe("pass");

      const sorted = <T>(items: T[]) => items.map((i) => JSON.stringify(i)).sort();
      const image = (
        i: { ref: string; tags: string[]; platforms: string[] | null; workflow: string; job: string; step: string },
        attested: boolean,
      ) => ({
        ref: i.ref,
        tags: [...i.tags].sort(),
        platforms: i.platforms && [...i.platforms].sort(),
        attested,
        at: [i.workflow, i.job, i.step],
      });
      expect(sorted(wf.images.map((i) => image(i, i.attest)))).toEqual(
        sorted(e.images.filter((i) => i.verifiable).map((i) => image({ ...i, tags: i.tags.map(fill) }, i.attested))),
      );
      // One check per image: image:<ref>, or image:<ref>:<first tag> where several builds push <ref>.
      expect(new Set(wf.images.map((i) => i.id)).size).toBe(wf.images.length);
      for (const i of wf.images)
        expect(i.id).toBe(
          wf.images.filter((j) => j.ref === i.ref).length > 1 ? `image:${i.ref}:${i.tags[0]}` : `image:${i.ref}`,
        );

      const READ_ARTIFACTS = ["helm", "oras"];
      const artifact = (a: {
        kind: string;
        ref: string;
        tag: string;
        workflow: string | null;
        job: string | null;
        step: string;
      }) => ({ kind: a.kind, ref: a.ref, tag: a.tag, at: [a.workflow, a.job, a.step] });
      expect(sorted(wf.artifacts.map(artifact))).toEqual(
        sorted(
          e.artifacts
            .filter((a) => READ_ARTIFACTS.includes(a.kind))
            .map((a) => artifact({ ...a, ref: a.ref!, tag: fill(a.version) })),
        ),
      );

      // Everything else published by a tag workflow is named as not verified, by workflow, job and
      // step, and nothing else is: what expect.json says is not verified, the artifacts the kit does
      // not check, the images a reader cannot resolve. "<step> (N steps)" is N steps of that name.
      const place = (p: { workflow: string | null; job: string | null; step: string }) =>
        JSON.stringify([p.workflow, p.job, p.step.replace(/ \(\d+ steps\)$/, "")]);
      const unread = [
        ...e.not_verified,
        ...e.artifacts.filter((a) => a.workflow && !READ_ARTIFACTS.includes(a.kind)),
        ...e.images.filter((i) => !i.verifiable),
      ];
      expect([...new Set(wf.notVerified.map(place))].sort()).toEqual([...new Set(unread.map(place))].sort());
      for (const { step, ...at } of unread) {
        const steps = /\((\d+) steps\)$/.exec(step)?.[1];
        if (steps)
          expect(wf.notVerified.filter((n) => place(n) === place({ ...at, step }))).toHaveLength(Number(steps));
      }
      const said = check(res, "config").detail;
      for (const n of wf.notVerified) expect(said).toContain(`${n.workflow}, job ${n.job}, step "${n.step}"`);
    });
  }, 240_000);
});
