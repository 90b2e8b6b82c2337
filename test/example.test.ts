// The example repository generator: every variant is built in a temp dir and checked with the real
// tools (git, git-cliff, sh, cargo, mise), and the generation time is printed.

import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { devNull, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseToml } from "smol-toml";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { parse as parseYaml } from "yaml";
import { createBareRemote, createExample, type Example, type ExampleOptions } from "../scripts/sandbox/example.ts";

const kit = fileURLToPath(new URL("..", import.meta.url));
const gitCliff = path.join(kit, "node_modules/.bin/git-cliff");
const mise = path.join(kit, "node_modules/.bin/mise");

let root = "";
let counter = 0;
const timings: string[] = [];

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "example-test-"));
});

afterAll(async () => {
  console.log(`example generation times:\n  ${timings.join("\n  ")}`);
  if (root) await rm(root, { recursive: true, force: true });
});

// The developer's git config must not matter: the generated repo carries its own.
const env: NodeJS.ProcessEnv = {
  ...process.env,
  GIT_CONFIG_GLOBAL: devNull,
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_TERMINAL_PROMPT: "0",
};

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function exec(file: string, args: string[], cwd: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<Result> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd, env: { ...env, ...extraEnv }, timeout: 120_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

async function git(cwd: string, ...args: string[]): Promise<string> {
  const r = await exec("git", args, cwd);
  if (r.code !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
  return r.stdout.trim();
}

async function make(label: string, opts: ExampleOptions = {}, withRemote = false): Promise<Example> {
  const dir = path.join(root, `repo-${++counter}`);
  const remote = withRemote ? await createBareRemote(path.join(root, `remote-${counter}.git`)) : undefined;
  const started = performance.now();
  const ex = await createExample(dir, { ...opts, ...(remote ? { remote } : {}) });
  const ms = performance.now() - started;
  timings.push(`${label}: ${ms.toFixed(0)} ms`);
  return ex;
}

function read(ex: Example, file: string): Promise<string> {
  return readFile(path.join(ex.path, file), "utf8");
}

function toml(text: string): Record<string, any> {
  return parseToml(text) as Record<string, any>;
}

/** CHANGELOG sections by version ("0.1.0" → "## [0.1.0] - ...\n..."). */
function sections(changelog: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of changelog.split(/^(?=## \[)/m).slice(1)) {
    const version = /^## \[([^\]]+)\]/.exec(part)?.[1];
    if (version) out.set(version, part.trim());
  }
  return out;
}

async function subjectsSince(ex: Example, rev: string): Promise<string[]> {
  const out = await git(ex.path, "log", "--reverse", "--format=%s", `${rev}..HEAD`);
  return out === "" ? [] : out.split("\n");
}

/** Versions in every Cargo file at HEAD (or at a revision). */
async function cargoVersions(ex: Example, rev?: string): Promise<string[]> {
  const show = (file: string) => (rev ? git(ex.path, "show", `${rev}:${file}`) : read(ex, file));
  const root = toml(await show("Cargo.toml"));
  const gateway = toml(await show("crates/gateway/Cargo.toml"));
  const admin = toml(await show("crates/admin-ui/Cargo.toml"));
  const lock = toml(await show("Cargo.lock"));
  const member = (m: Record<string, any>) =>
    m.package.version?.workspace === true ? root.workspace.package.version : m.package.version;
  return [
    member(gateway),
    member(admin),
    admin.dependencies.gateway.version,
    ...lock.package.map((p: { version: string }) => p.version),
  ];
}

function hookArgv(hook: string, version: string): string[] {
  // cog runs hooks with `sh -c`; these hooks are plain words, so splitting them is the same thing.
  return hook.replaceAll("{{version_tag}}", `v${version}`).replaceAll("{{version}}", version).split(" ");
}

describe("default example", () => {
  let ex: Example;
  let remote = "";

  beforeAll(async () => {
    remote = await createBareRemote(path.join(root, "default-remote.git"));
    const started = performance.now();
    ex = await createExample(path.join(root, "default"), { remote, kitPath: kit });
    timings.push(`default (remote, kitPath): ${(performance.now() - started).toFixed(0)} ms`);
  });

  test("returns what it made", async () => {
    expect(ex).toMatchObject({ owner: "acme", name: "gateway", latestTag: "v0.2.0", version: "0.2.0" });
    expect(ex.images).toEqual(["ghcr.io/acme/gateway", "ghcr.io/acme/admin-ui"]);
    expect(ex.chart).toBe("ghcr.io/acme/charts/gateway");
    expect(await git(ex.path, "rev-parse", "--show-toplevel")).toBe(ex.path);
  });

  test("has the runbook project's files and a clean tree", async () => {
    const tracked = (await git(ex.path, "ls-files")).split("\n");
    for (const file of [
      ".gitignore",
      "README.md",
      "CHANGELOG.md",
      "Cargo.toml",
      "Cargo.lock",
      "cog.toml",
      "cliff.toml",
      "mise.toml",
      "crates/gateway/Cargo.toml",
      "crates/gateway/src/main.rs",
      "crates/gateway/src/lib.rs",
      "crates/admin-ui/Cargo.toml",
      "crates/admin-ui/src/lib.rs",
      "crates/admin-ui/src/routes.txt",
      "contracts/admin-api.json",
      "scripts/gen-contract.sh",
      "docs/deploy.md",
      ".github/workflows/release.yml",
      "deploy/chart/Chart.yaml",
    ])
      expect(tracked).toContain(file);
    expect(await read(ex, ".gitignore")).toMatch(/^target\/$/m);
    expect(await git(ex.path, "status", "--porcelain")).toBe("");
    expect(await git(ex.path, "config", "--local", "user.name")).toBe("Example Maintainer");
    expect(await git(ex.path, "config", "--local", "user.email")).toBe("maintainer@example.com");
    expect(await git(ex.path, "config", "--local", "commit.gpgsign")).toBe("false");
    expect(await git(ex.path, "config", "--local", "tag.gpgsign")).toBe("false");
    expect(await git(ex.path, "config", "--local", "init.defaultBranch")).toBe("main");
  });

  test("history: conventional commits, two releases made as the kit makes them", async () => {
    const subjects = (await git(ex.path, "log", "--reverse", "--format=%s")).split("\n");
    expect(subjects[0]).toBe("chore: initial workspace");
    expect(subjects).toContain("chore(version): v0.1.0");
    expect(subjects).toContain("chore(version): v0.2.0");
    expect(await subjectsSince(ex, "v0.2.0")).toEqual([
      "feat(gateway): time out slow upstream requests",
      "fix(admin-ui): show an empty audit list instead of an error",
    ]);
    expect((await git(ex.path, "tag", "-l")).split("\n")).toEqual(["v0.1.0", "v0.2.0"]);
    for (const tag of ["v0.1.0", "v0.2.0"]) {
      expect(await git(ex.path, "cat-file", "-t", `refs/tags/${tag}`)).toBe("commit"); // lightweight
      expect(await git(ex.path, "log", "-1", "--format=%s", tag)).toBe(`chore(version): ${tag}`);
    }
    // Each release commit holds its changelog and (when the version moved) every Cargo version.
    expect((await git(ex.path, "show", "--name-only", "--format=", "v0.1.0")).split("\n")).toEqual(["CHANGELOG.md"]);
    expect((await git(ex.path, "show", "--name-only", "--format=", "v0.2.0")).split("\n").sort()).toEqual([
      "CHANGELOG.md",
      "Cargo.lock",
      "crates/admin-ui/Cargo.toml",
      "crates/gateway/Cargo.toml",
    ]);
    expect(new Set(await cargoVersions(ex, "v0.1.0"))).toEqual(new Set(["0.1.0"]));
    expect(new Set(await cargoVersions(ex, "v0.2.0"))).toEqual(new Set(["0.2.0"]));
    expect(new Set(await cargoVersions(ex))).toEqual(new Set([ex.version]));
    expect([...sections(await git(ex.path, "show", "v0.1.0:CHANGELOG.md")).keys()]).toEqual(["0.1.0"]);
    // Dates are fixed and increasing, so git-cliff orders everything the same way every run.
    const dates = (await git(ex.path, "log", "--reverse", "--format=%aI %cI")).split("\n");
    expect(dates[0]).toBe("2026-01-05T10:00:00+00:00 2026-01-05T10:00:00+00:00");
    const stamps = dates.map((d) => Date.parse(d.split(" ")[1]!));
    expect(stamps.every((t, i) => i === 0 || t > stamps[i - 1]!)).toBe(true);
  });

  test("CHANGELOG.md: git-cliff regenerates the released sections identically", async () => {
    const committed = sections(await read(ex, "CHANGELOG.md"));
    expect([...committed.keys()]).toEqual(["0.2.0", "0.1.0"]);
    expect(committed.get("0.1.0")).toMatch(/^## \[0\.1\.0\] - 2026-01-05\n/);
    expect(committed.get("0.1.0")).toContain("- **gateway:** Forward requests to upstream services");
    expect(committed.get("0.2.0")).toMatch(/^## \[0\.2\.0\] - 2026-01-06\n/);
    expect(committed.get("0.2.0")).toContain("- **admin-ui:** List audit events");
    expect(committed.get("0.2.0")).not.toContain("chore(version)");
    // What the next release's hook will run, printed instead of written.
    const next = await exec(gitCliff, ["--offline", "--tag", "v0.3.0", "-o", "-"], ex.path);
    expect(next.code).toBe(0);
    const regenerated = sections(next.stdout);
    expect(regenerated.get("0.1.0")).toBe(committed.get("0.1.0"));
    expect(regenerated.get("0.2.0")).toBe(committed.get("0.2.0"));
    expect(regenerated.get("0.3.0")).toContain("- **gateway:** Time out slow upstream requests");
    expect(regenerated.get("0.3.0")).toContain("- **admin-ui:** Show an empty audit list instead of an error");
    // Checked out at the tag, the whole file comes out byte for byte.
    const worktree = path.join(root, "default-at-v0.2.0");
    await git(ex.path, "worktree", "add", "-q", "--detach", worktree, "v0.2.0");
    const atTag = await exec(gitCliff, ["--offline", "-o", "-"], worktree);
    expect(atTag.code).toBe(0);
    expect(atTag.stdout).toBe((await exec("git", ["show", "v0.2.0:CHANGELOG.md"], ex.path)).stdout);
    await git(ex.path, "worktree", "remove", "--force", worktree);
  });

  test("generated contract is current", async () => {
    const before = await read(ex, "contracts/admin-api.json");
    expect(JSON.parse(before).routes).toHaveLength(3);
    const r = await exec("sh", ["scripts/gen-contract.sh"], ex.path);
    expect(r.code).toBe(0);
    expect(await read(ex, "contracts/admin-api.json")).toBe(before);
    expect(await git(ex.path, "status", "--porcelain")).toBe("");
  });

  test("cog.toml, cliff.toml and mise.toml", async () => {
    const cog = toml(await read(ex, "cog.toml"));
    expect(cog).toMatchObject({ tag_prefix: "v", branch_whitelist: ["main"], disable_changelog: true });
    expect(cog.pre_bump_hooks).toEqual([
      "git-cliff --tag {{version_tag}} -o CHANGELOG.md",
      "cargo release version {{version}} --execute --no-confirm",
    ]);
    const cliff = toml(await read(ex, "cliff.toml"));
    expect(cliff.changelog.output).toBeUndefined();
    expect(cliff.changelog.header).toMatch(/^# Changelog\n/);
    expect(cliff.git.tag_pattern).toBe("^v[0-9]+\\.[0-9]+\\.[0-9]+$");
    expect(cliff.git.commit_parsers[0]).toEqual({ message: "^chore\\(version\\)", skip: true });
    const miseToml = toml(await read(ex, "mise.toml"));
    expect(miseToml.env.RELEASE_GENERATE).toBe("sh scripts/gen-contract.sh");
    expect(Object.keys(miseToml.tasks)).toEqual(["release:preflight", "release", "release:verify", "release:recover"]);
    expect(miseToml.tasks["release:verify"].run).toBe(`${path.resolve(kit)}/scripts/release-kit verify`);
  });

  test("the git-cliff hook, run as cog would, writes this release's section", async () => {
    const [cliffHook] = toml(await read(ex, "cog.toml")).pre_bump_hooks as string[];
    const [file, ...args] = hookArgv(cliffHook!, "0.3.0");
    const r = await exec(file!, args, ex.path, { PATH: `${path.join(kit, "node_modules/.bin")}:${process.env.PATH}` });
    expect(r.code).toBe(0);
    expect(sections(await read(ex, "CHANGELOG.md")).has("0.3.0")).toBe(true);
    await git(ex.path, "checkout", "--", "CHANGELOG.md");
  });

  test("origin is GitHub-shaped and the pushes landed in the bare remote", async () => {
    expect(await git(ex.path, "config", "--get", "remote.origin.url")).toBe("https://github.com/acme/gateway.git");
    // git expands insteadOf for every URL it uses (get-url included); the raw config keeps GitHub's.
    expect(await git(ex.path, "remote", "get-url", "origin")).toBe(remote);
    expect(await git(ex.path, "rev-parse", "--abbrev-ref", "main@{upstream}")).toBe("origin/main");
    const local = await git(
      ex.path,
      "for-each-ref",
      "--format=%(refname) %(objectname)",
      "refs/heads/main",
      "refs/tags",
    );
    const inRemote = await git(
      remote,
      "for-each-ref",
      "--format=%(refname) %(objectname)",
      "refs/heads/main",
      "refs/tags",
    );
    expect(inRemote).toBe(local);
    expect(inRemote.split("\n")).toHaveLength(3);
    const viaOrigin = await git(ex.path, "ls-remote", "origin");
    expect(viaOrigin).toContain(`${await git(ex.path, "rev-parse", "HEAD")}\trefs/heads/main`);
    expect(await git(remote, "symbolic-ref", "HEAD")).toBe("refs/heads/main");
  });

  test("release.yml declares the two images, their asymmetry and the chart, with expressions", async () => {
    const wf = parseYaml(await read(ex, ".github/workflows/release.yml")) as Record<string, any>;
    expect(wf.on.push.tags).toEqual(["v*"]);
    expect(wf.env.REGISTRY).toBe("ghcr.io");
    expect(wf.permissions).toEqual({ contents: "read", packages: "write", "id-token": "write", attestations: "write" });
    const step = (job: string, uses: string) =>
      wf.jobs[job].steps.find((s: { uses?: string }) => s.uses?.startsWith(uses));

    const meta = step("gateway", "docker/metadata-action@v5");
    expect(meta.id).toBe("meta");
    expect(meta.with.images).toBe("${{ env.REGISTRY }}/${{ github.repository_owner }}/gateway");
    expect(meta.with.tags.trim().split("\n")).toEqual([
      "type=semver,pattern={{version}}",
      "type=raw,value=${{ github.ref_name }}",
      "type=sha",
    ]);
    const gwBuild = step("gateway", "docker/build-push-action@v6");
    expect(gwBuild).toMatchObject({
      id: "build",
      with: { platforms: "linux/amd64", push: true, tags: "${{ steps.meta.outputs.tags }}" },
    });
    expect(step("gateway", "actions/attest-build-provenance@v2").with).toMatchObject({
      "subject-digest": "${{ steps.build.outputs.digest }}",
      "push-to-registry": true,
    });
    expect(step("gateway", "docker/login-action").with.password).toBe("${{ secrets.GITHUB_TOKEN }}");

    expect(wf.jobs["admin-ui"].env.IMAGE_NAME).toBe("admin-ui");
    const uiBuild = step("admin-ui", "docker/build-push-action@v6");
    expect(uiBuild.with.platforms.trim().split("\n")).toEqual(["linux/amd64", "linux/arm64"]);
    const uiTags: string[] = uiBuild.with.tags.trim().split("\n");
    expect(uiTags).toEqual([
      "${{ env.REGISTRY }}/${{ github.repository_owner }}/${{ env.IMAGE_NAME }}:${{ github.ref_name }}",
      "${{ env.REGISTRY }}/${{ github.repository_owner }}/${{ env.IMAGE_NAME }}:latest",
    ]);
    expect(step("admin-ui", "actions/attest-build-provenance@v2").with["subject-digest"]).toBe(
      "${{ steps.build.outputs.digest }}",
    );

    // Resolving the expressions for this repository gives exactly the images the example reports.
    const resolve = (s: string, jobEnv: Record<string, string>) =>
      s
        .replaceAll("${{ env.REGISTRY }}", wf.env.REGISTRY)
        .replaceAll("${{ github.repository_owner }}", ex.owner)
        .replace(/\$\{\{ env\.(\w+) \}\}/g, (_, k: string) => jobEnv[k]!)
        .replace(/:[^/]*$/, "");
    expect([resolve(meta.with.images, {}), ...new Set(uiTags.map((t) => resolve(t, wf.jobs["admin-ui"].env)))]).toEqual(
      ex.images,
    );

    const chartRun: string = wf.jobs.chart.steps.map((s: { run?: string }) => s.run ?? "").join("\n");
    expect(chartRun).toContain(
      "helm package deploy/chart --version ${GITHUB_REF_NAME#v} --app-version ${GITHUB_REF_NAME}",
    );
    expect(chartRun).toContain(
      "helm push gateway-${GITHUB_REF_NAME#v}.tgz oci://ghcr.io/${{ github.repository_owner }}/charts",
    );
    expect(parseYaml(await read(ex, "deploy/chart/Chart.yaml"))).toMatchObject({ apiVersion: "v2", name: "gateway" });
  });

  test("deploy docs state each image's platforms on its own line", async () => {
    for (const file of ["docs/deploy.md", "README.md"]) {
      const text = await read(ex, file);
      expect(text).toMatch(/^- `ghcr\.io\/acme\/gateway`: linux\/amd64$/m);
      expect(text).toMatch(/^- `ghcr\.io\/acme\/admin-ui`: linux\/amd64, linux\/arm64$/m);
      // No other line names an image, so the platforms read off the lines are unambiguous.
      const naming = text.split("\n").filter((l) => /ghcr\.io\/acme\/(gateway|admin-ui)\b/.test(l));
      expect(naming).toHaveLength(2);
    }
  });

  test("cargo accepts the workspace and keeps its Cargo.lock", async (ctx) => {
    const cargo = await exec("cargo", ["--version"], ex.path);
    if (cargo.code !== 0) ctx.skip(); // cargo is not installed here
    const r = await exec("cargo", ["metadata", "--offline", "--format-version", "1", "--no-deps"], ex.path);
    expect(r.code, r.stderr).toBe(0);
    const meta = JSON.parse(r.stdout) as { packages: { name: string; version: string }[] };
    expect(meta.packages.map((p) => `${p.name} ${p.version}`).sort()).toEqual(["admin-ui 0.2.0", "gateway 0.2.0"]);
    expect(r.stderr).not.toMatch(/warning/);
    // cargo rewrites a Cargo.lock that is not exactly as it would write it.
    const full = await exec("cargo", ["metadata", "--offline", "--format-version", "1"], ex.path);
    expect(full.code, full.stderr).toBe(0);
    expect(await git(ex.path, "status", "--porcelain")).toBe("");
  });

  test("mise reads the tasks and runs the kit by path, even from a path with spaces", async () => {
    const fakeKit = path.join(root, "my kit's checkout");
    await mkdir(path.join(fakeKit, "scripts"), { recursive: true });
    await writeFile(path.join(fakeKit, "scripts/release-kit"), '#!/bin/sh\necho "kit:$*:$RELEASE_GENERATE"\n');
    await chmod(path.join(fakeKit, "scripts/release-kit"), 0o755);
    const adopter = await make("kitPath with spaces", { kitPath: fakeKit, unreleased: "none" });
    const state = path.join(root, "mise-state");
    const miseEnv = {
      MISE_TRUSTED_CONFIG_PATHS: adopter.path,
      MISE_CONFIG_DIR: path.join(state, "config"),
      MISE_DATA_DIR: path.join(state, "data"),
      MISE_STATE_DIR: path.join(state, "state"),
      MISE_CACHE_DIR: path.join(state, "cache"),
      MISE_OFFLINE: "1",
      MISE_YES: "0",
    };
    const tasks = await exec(mise, ["tasks", "ls", "--json"], adopter.path, miseEnv);
    expect(tasks.code, tasks.stderr).toBe(0);
    expect((JSON.parse(tasks.stdout) as { name: string }[]).map((t) => t.name).sort()).toEqual([
      "release",
      "release:preflight",
      "release:recover",
      "release:verify",
    ]);
    const ran = await exec(mise, ["run", "release:preflight"], adopter.path, miseEnv);
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout.trim()).toBe("kit:preflight:sh scripts/gen-contract.sh");
  });
});

describe("determinism", () => {
  test("the same options give the same commits, wherever the repo is", async () => {
    const a = await make("default", {}, true);
    const b = await make("default again", {}, true);
    const ids = (ex: Example) => git(ex.path, "rev-parse", "HEAD", "v0.1.0", "v0.2.0");
    expect(await ids(a)).toBe(await ids(b));
  });
});

describe("variants", () => {
  test("unreleased: breaking", async () => {
    const ex = await make("unreleased breaking", { unreleased: "breaking" });
    expect(await subjectsSince(ex, "v0.2.0")).toEqual(["feat(gateway)!: require an API token on every route"]);
    expect(await git(ex.path, "log", "-1", "--format=%B")).toMatch(/^BREAKING CHANGE: .+$/m);
    const next = await exec(gitCliff, ["--offline", "--unreleased", "--tag", "v0.3.0", "-o", "-"], ex.path);
    expect(next.stdout).toContain("[**breaking**] Require an API token on every route");
  });

  test("unreleased: chore-only, none, non-conventional", async () => {
    const chore = await make("unreleased chore-only", { unreleased: "chore-only" });
    const subjects = await subjectsSince(chore, "v0.2.0");
    expect(subjects.length).toBeGreaterThan(0);
    expect(subjects.every((s) => /^(chore|docs)(\(.+\))?: /.test(s))).toBe(true);

    const none = await make("unreleased none", { unreleased: "none" });
    expect(await git(none.path, "rev-parse", "HEAD")).toBe(await git(none.path, "rev-parse", "v0.2.0"));

    const odd = await make("unreleased non-conventional", { unreleased: "non-conventional" });
    const oddSubjects = await subjectsSince(odd, "v0.2.0");
    expect(oddSubjects).toContain("Update stuff");
    expect(oddSubjects.filter((s) => !/^\w+(\(.+\))?!?: /.test(s))).toEqual(["Update stuff"]);
    expect(oddSubjects.length).toBeGreaterThanOrEqual(3);
  });

  test("tags: false is a never-released project", async () => {
    const ex = await make("tags false", { tags: false });
    expect(ex.latestTag).toBeNull();
    expect(ex.version).toBe("0.1.0");
    expect(await git(ex.path, "tag", "-l")).toBe("");
    expect(existsSync(path.join(ex.path, "CHANGELOG.md"))).toBe(false);
    expect((await git(ex.path, "log", "--format=%s")).split("\n").some((s) => s.startsWith("chore(version)"))).toBe(
      false,
    );
    expect(new Set(await cargoVersions(ex))).toEqual(new Set(["0.1.0"]));
    expect(await git(ex.path, "status", "--porcelain")).toBe("");
  });

  test("workspaceVersion: one version in [workspace.package]", async (ctx) => {
    const ex = await make("workspaceVersion", { workspaceVersion: true });
    const rootToml = toml(await read(ex, "Cargo.toml"));
    expect(rootToml.workspace.package.version).toBe("0.2.0");
    for (const member of ["crates/gateway/Cargo.toml", "crates/admin-ui/Cargo.toml"]) {
      expect(toml(await read(ex, member)).package.version).toEqual({ workspace: true });
    }
    expect((await git(ex.path, "show", "--name-only", "--format=", "v0.2.0")).split("\n").sort()).toEqual([
      "CHANGELOG.md",
      "Cargo.lock",
      "Cargo.toml",
      "crates/admin-ui/Cargo.toml",
    ]);
    expect(new Set(await cargoVersions(ex))).toEqual(new Set(["0.2.0"]));
    if ((await exec("cargo", ["--version"], ex.path)).code !== 0) ctx.skip();
    const r = await exec("cargo", ["metadata", "--offline", "--format-version", "1", "--no-deps"], ex.path);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { packages: { version: string }[] }).packages.map((p) => p.version)).toEqual([
      "0.2.0",
      "0.2.0",
    ]);
    expect(await git(ex.path, "status", "--porcelain")).toBe("");
  });

  test("staleArtifacts: the generator changes the committed contract", async () => {
    const ex = await make("staleArtifacts", { staleArtifacts: true });
    expect(await git(ex.path, "status", "--porcelain")).toBe("");
    const r = await exec("sh", ["scripts/gen-contract.sh"], ex.path);
    expect(r.code).toBe(0);
    expect(await git(ex.path, "status", "--porcelain")).toBe("M contracts/admin-api.json");
    expect(await git(ex.path, "diff")).toContain('+    { "method": "GET", "path": "/admin/audit-events" }');
  });

  test("dirty: a modified tracked file and an untracked one", async () => {
    const ex = await make("dirty", { dirty: true }, true);
    const status = await exec("git", ["status", "--porcelain"], ex.path);
    expect(status.stdout.split("\n").filter(Boolean).sort()).toEqual([" M README.md", "?? notes.txt"]);
    // The dirt is local only: what was pushed is the clean history.
    expect(await git(ex.path, "rev-parse", "HEAD")).toBe(await git(ex.path, "rev-parse", "origin/main"));
  });

  test("hook variants: broken, without -o, without --no-confirm", async () => {
    const path_ = `${path.join(kit, "node_modules/.bin")}:${process.env.PATH}`;
    const broken = await make("brokenHook", { brokenHook: true });
    const [brokenHook] = toml(await read(broken, "cog.toml")).pre_bump_hooks as string[];
    expect(brokenHook).toBe("git-cliff --tag {{version_tag}} -o CHANGELOG.md --repository missing");
    const [bf, ...ba] = hookArgv(brokenHook!, "0.3.0");
    expect((await exec(bf!, ba, broken.path, { PATH: path_ })).code).not.toBe(0);
    expect(await git(broken.path, "status", "--porcelain")).toBe("");

    const quiet = await make("hookWithoutOutput + hookWithoutNoConfirm", {
      hookWithoutOutput: true,
      hookWithoutNoConfirm: true,
    });
    const hooks = toml(await read(quiet, "cog.toml")).pre_bump_hooks as string[];
    expect(hooks).toEqual(["git-cliff --tag {{version_tag}}", "cargo release version {{version}} --execute"]);
    const [qf, ...qa] = hookArgv(hooks[0]!, "0.3.0");
    const r = await exec(qf!, qa, quiet.path, { PATH: path_ });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("## [0.3.0]");
    expect(await git(quiet.path, "status", "--porcelain")).toBe(""); // printed, changed nothing
  });

  test("noWorkflow and helmChart: false", async () => {
    const none = await make("noWorkflow", { noWorkflow: true });
    expect(existsSync(path.join(none.path, ".github/workflows/release.yml"))).toBe(false);
    expect(none.images).toEqual([]);
    expect(none.chart).toBeNull();

    const noChart = await make("helmChart false", { helmChart: false });
    const wf = parseYaml(await read(noChart, ".github/workflows/release.yml")) as { jobs: Record<string, unknown> };
    expect(Object.keys(wf.jobs)).toEqual(["gateway", "admin-ui"]);
    expect(existsSync(path.join(noChart.path, "deploy/chart"))).toBe(false);
    expect(await read(noChart, "docs/deploy.md")).not.toContain("helm");
    expect(noChart.chart).toBeNull();
  });

  test("owner, name and extraFiles", async () => {
    const ex = await make(
      "owner/name/extraFiles",
      {
        owner: "octo-org",
        name: "edge",
        unreleased: "none",
        extraFiles: { "docs/extra.md": "# Extra\n", "README.md": "# edge\n\nReplaced.\n" },
      },
      true,
    );
    expect(await git(ex.path, "config", "--get", "remote.origin.url")).toBe("https://github.com/octo-org/edge.git");
    expect(ex.images).toEqual(["ghcr.io/octo-org/gateway", "ghcr.io/octo-org/admin-ui"]);
    expect(await read(ex, "docs/deploy.md")).toContain("- `ghcr.io/octo-org/admin-ui`: linux/amd64, linux/arm64");
    expect(await subjectsSince(ex, "v0.2.0")).toEqual(["chore: adjust example files"]);
    expect(await git(ex.path, "show", "HEAD:docs/extra.md")).toBe("# Extra");
    expect(await read(ex, "README.md")).toBe("# edge\n\nReplaced.\n");
    expect(await git(ex.path, "status", "--porcelain")).toBe("");
  });

  test("refuses a non-empty directory and odd names", async () => {
    const dir = path.join(root, "occupied");
    await mkdir(dir);
    await writeFile(path.join(dir, "file"), "x");
    await expect(createExample(dir)).rejects.toThrow(/not empty/);
    await expect(createExample(path.join(root, "bad-owner"), { owner: "a b" })).rejects.toThrow(/invalid owner/);
    await expect(createExample(path.join(root, "bad-name"), { name: "x/y" })).rejects.toThrow(/invalid name/);
  });

  test("createBareRemote honours the default branch", async () => {
    const bare = await createBareRemote(path.join(root, "trunk.git"), "trunk");
    expect(path.isAbsolute(bare)).toBe(true);
    expect(await git(bare, "rev-parse", "--is-bare-repository")).toBe("true");
    expect(await git(bare, "symbolic-ref", "HEAD")).toBe("refs/heads/trunk");
  });
});
