// Every tag workflow, through the real entry points against the sandbox: a release whose tag starts
// two workflows (release.yml and docker.yml; ci.yml runs for branches only), and whose release.yml
// also publishes what release-kit cannot verify. verify checks each workflow's run and names every
// step it could not read; preflight's tag-triggers names the workflows the tag starts, or every
// file it looked at. Last, the precompiled launcher path reads a workflow on plain Node from the bundle
// alone, and --help runs no parser.
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import Module from "node:module";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KIT, type KitRun, run, tempDir, withTempDir } from "./helpers/kit.ts";
import { gitAsync, kitIn, landCommit, type Sandbox, sandbox, sandboxEnv, withClone } from "./helpers/sandbox.ts";

const TOOLS = "ghcr.io/acme/tools";

const DOCKER_YML = `name: Tools image
on:
  push:
    tags: ["v*"]
jobs:
  tools:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Build and push
        run: |
          version="\${GITHUB_REF_NAME#v}"
          docker buildx build --platform linux/amd64 --push -t "ghcr.io/\${GITHUB_REPOSITORY_OWNER}/tools:$version" .
`;

const CI_YML = `name: CI
on:
  push:
    branches: [main]
  pull_request:
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - run: cargo test
`;

// Appended to release.yml's last job (chart): two publishing steps verify cannot check.
const UNREADABLE_STEPS = `      - name: Publish crates
        run: cargo publish -p gateway --locked
      - name: Upload assets
        uses: softprops/action-gh-release@v2
        with:
          files: dist/*.tar.gz
`;

let sb: Sandbox;
let tag: string;

function check(res: KitRun, id: string): { id: string; status: string; detail: string; fix: string } {
  const found = res.json?.checks?.find((c: { id: string }) => c.id === id);
  if (!found) throw new Error(`no check ${id} in:\n${res.stdout}\n${res.stderr}`);
  return found;
}
const ids = (res: KitRun) => res.json.checks.map((c: { id: string }) => c.id) as string[];

beforeAll(async () => {
  sb = await sandbox();
  // The sandbox runs docker.yml from its YAML, as it runs release.yml: its build needs a Dockerfile.
  await landCommit(sb, "build: a tools image", "Dockerfile", "FROM scratch\nCOPY README.md /\n");
  await landCommit(sb, "ci: publish the tools image on tags", ".github/workflows/docker.yml", DOCKER_YML);
  await landCommit(sb, "ci: run the tests on main", ".github/workflows/ci.yml", CI_YML);
  await landCommit(sb, "ci: publish crates and release assets", ".github/workflows/release.yml", UNREADABLE_STEPS);
  const res = await kitIn(sb, "release", ["--yes", "--json"]);
  if (res.code !== 0) throw new Error(`release failed (${res.code}):\n${res.stderr}`);
  tag = res.json.tag;
  await sb.settle();
  const tools = sb.api.state.runs.find(
    (r) => r.workflowPath === ".github/workflows/docker.yml" && r.headBranch === tag,
  );
  if (tools?.conclusion !== "success")
    throw new Error(
      `docker.yml did not run to success for ${tag}:\n${tools ? tools.jobs.map((j) => sb.jobLog(j.id)).join("\n") : "no run"}`,
    );
}, 180_000);

afterAll(async () => {
  await sb?.stop();
});

describe("release:verify with two tag workflows and steps it cannot read", () => {
  let res: KitRun;
  let summary: string;
  beforeAll(async () => {
    await withTempDir("rk-summary-", async (dir) => {
      const file = join(dir, "summary.md");
      res = await kitIn(sb, "verify", ["--json"], { env: { GITHUB_STEP_SUMMARY: file } });
      summary = readFileSync(file, "utf8");
    });
  }, 120_000);

  it("checks each workflow's run (workflow:<file>) and the image each publishes; ci.yml is not started", () => {
    expect(res.code, res.stderr).toBe(0);
    expect(ids(res).filter((id) => id.startsWith("workflow"))).toEqual(["workflow:docker.yml", "workflow:release.yml"]);
    for (const id of [
      "workflow:docker.yml",
      "workflow:release.yml",
      `image:${TOOLS}`,
      "image:ghcr.io/acme/gateway",
      "image:ghcr.io/acme/admin-ui",
      "artifact:gateway",
    ]) {
      expect(check(res, id).status, `${id}: ${check(res, id).detail}`).toBe("pass");
    }
    expect(res.json.receipt.runs.map((r: { workflow: string }) => r.workflow).sort()).toEqual([
      ".github/workflows/docker.yml",
      ".github/workflows/release.yml",
    ]);
    // docker.yml really ran: the image is what its build pushed, and nothing leaked git's stderr.
    expect(sb.registry.store.repos.get("acme/tools")?.tags.has(tag.slice(1))).toBe(true);
    expect(res.stderr).not.toMatch(/^(fatal|error): /m);
  });

  it("names each step it could not read as a warn row, in the JSON and the verdict: never a ✔ over it", () => {
    expect(check(res, "not-verified:release.yml/chart/Publish crates")).toMatchObject({
      status: "warn",
      detail: expect.stringMatching(/`cargo publish -p gateway --locked` is not verified: crates\.io is not checked/),
    });
    expect(check(res, "not-verified:release.yml/chart/Upload assets")).toMatchObject({
      status: "warn",
      detail: expect.stringMatching(/release assets dist\/\*\.tar\.gz is not verified/),
    });
    expect(res.json.not_verified).toEqual([
      {
        workflow: ".github/workflows/release.yml",
        job: "chart",
        step: "Publish crates",
        what: "`cargo publish -p gateway --locked`",
        why: "crates.io is not checked by release-kit",
      },
      {
        workflow: ".github/workflows/release.yml",
        job: "chart",
        step: "Upload assets",
        what: "release assets dist/*.tar.gz",
        why: expect.stringContaining("release assets are not checked"),
      },
    ]);
    expect(res.stderr).toContain(
      `${tag} is released; 2 artifacts not verified: \`cargo publish -p gateway --locked\` (.github/workflows/release.yml, job chart); release assets dist/*.tar.gz`,
    );
    expect(res.stderr).not.toContain("released as the docs promise");
    expect(res.stderr).not.toContain("✔");
    expect(res.stderr).toMatch(/not-verified:release\.yml\/chart\/Publish crates +warn +`cargo publish/);
  });

  it("says the same in the Markdown step summary", () => {
    expect(summary).toContain(`### release:verify ${tag} ⚠️`);
    expect(summary).toContain(`**${tag} is released; 2 artifacts not verified:`);
    expect(summary).toMatch(/^\| `not-verified:release\.yml\/chart\/Publish crates` \| ⚠️ warn \| /m);
  });

  it("a workflow whose run is missing fails its own check, naming the file", async () => {
    const runs = sb.api.state.runs;
    const saved = [...runs];
    runs.splice(0, Infinity, ...runs.filter((r) => r.workflowPath !== ".github/workflows/docker.yml"));
    try {
      const broken = await kitIn(sb, "verify", ["--json"]);
      expect(broken.code).toBe(1);
      expect(check(broken, "workflow:docker.yml")).toMatchObject({
        status: "fail",
        detail: expect.stringContaining(`no push run of .github/workflows/docker.yml for ${tag}`),
      });
      expect(check(broken, "workflow:release.yml").status).toBe("pass");
    } finally {
      runs.splice(0, Infinity, ...saved);
    }
  });

  it("RELEASE_WORKFLOW names the workflows to use: one named is checked as `workflow`", async () => {
    const only = await kitIn(sb, "verify", ["--json"], { env: { RELEASE_WORKFLOW: ".github/workflows/release.yml" } });
    expect(only.code, only.stderr).toBe(0);
    expect(ids(only).filter((id) => id.startsWith("workflow"))).toEqual(["workflow"]);
    expect(ids(only)).not.toContain(`image:${TOOLS}`);
    const both = await kitIn(sb, "verify", ["--json"], {
      env: { RELEASE_WORKFLOW: ".github/workflows/release.yml, .github/workflows/docker.yml" },
    });
    expect(ids(both).filter((id) => id.startsWith("workflow"))).toEqual([
      "workflow:release.yml",
      "workflow:docker.yml",
    ]);
  });
});

describe("release:preflight tag-triggers with several workflow files", () => {
  it("passes, naming every workflow the next tag starts", async () => {
    const res = await kitIn(sb, "preflight", ["--json"]);
    const triggers = check(res, "tag-triggers");
    expect(triggers.status, triggers.detail).toBe("pass");
    expect(triggers.detail).toMatch(
      /start.* \.github\/workflows\/docker\.yml \(tags: v\*\), \.github\/workflows\/release\.yml \(tags: v\*\)/,
    );
    expect(triggers.detail).not.toContain("ci.yml");
    // The steps verify will not be able to check are said before the release, too.
    expect(check(res, "config")).toMatchObject({
      status: "warn",
      detail: expect.stringContaining(
        'job chart, step "Publish crates": `cargo publish -p gateway --locked` is not verified',
      ),
    });
  });

  it("fails when no workflow starts on the tag, naming every file it looked at", async () => {
    await withClone(sb.repoPath!, async (clone) => {
      for (const file of ["release.yml", "docker.yml"]) {
        const path = join(clone, ".github/workflows", file);
        writeFileSync(path, readFileSync(path, "utf8").replace('tags: ["v*"]', 'tags: ["release-*"]'));
      }
      await gitAsync(clone, "commit", "-qam", "ci: tags named release-*");
      const res = await kitIn(sb, "preflight", ["--json"], { repo: clone });
      const triggers = check(res, "tag-triggers");
      expect(triggers.status).toBe("fail");
      for (const said of [
        ".github/workflows/ci.yml (no tag push starts it)",
        ".github/workflows/docker.yml (tags: release-*)",
        ".github/workflows/release.yml (tags: release-*)",
      ])
        expect(triggers.detail).toContain(said);
      expect(triggers.detail).toMatch(/would not start .*: the tag push would publish nothing/);
      expect(triggers.fix).toContain("'v*' to on.push.tags in .github/workflows/docker.yml");
    });
  }, 120_000);
});

describe("a YAML alias bomb in a workflow (issue 14)", () => {
  it("is a configuration error with a clear message: preflight's config check fails, verify stops with exit 2", async () => {
    await withClone(sb.repoPath!, async (clone) => {
      let anchors = "  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
      for (let i = 1; i < 9; i++)
        anchors += `  a${i}: &a${i} [${Array(10)
          .fill(`*a${i - 1}`)
          .join(", ")}]\n`;
      writeFileSync(
        join(clone, ".github/workflows/lol.yml"),
        `on:\n  push:\n    tags: ["v*"]\nenv:\n${anchors}jobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n`,
      );
      await gitAsync(clone, "add", ".");
      await gitAsync(clone, "commit", "-qm", "ci: lol");
      await gitAsync(clone, "tag", "v0.9.0");
      const [pre, ver] = await Promise.all([
        kitIn(sb, "preflight", ["--json"], { repo: clone }),
        kitIn(sb, "verify", ["--json", "--tag", "v0.9.0"], { repo: clone }),
      ]);
      const config = check(pre, "config");
      expect(config.status).toBe("fail");
      expect(config.detail).toMatch(
        /\.github\/workflows\/lol\.yml cannot be read: .*alias.*\(YAML aliases that expand to a huge document\)/,
      );
      expect(config.detail).not.toMatch(/release-kit bug|the check itself failed/);
      expect(check(pre, "tag-triggers")).toMatchObject({
        status: "skip",
        detail: expect.stringContaining("lol.yml cannot be read (see config)"),
      });
      expect(ver.code).toBe(2);
      expect(ver.json.error).toEqual({
        message: expect.stringMatching(/lol\.yml cannot be read: .*\(at v0\.9\.0\)/),
        fix: expect.stringContaining("without nested YAML aliases"),
      });
    });
  }, 120_000);
});

describe("the precompiled launcher path (plain Node, no tsx)", () => {
  const tmp = tempDir("rk-built-kit-");
  const kit = join(tmp.path, "kit");
  const log = join(tmp.path, "imports.log");
  const logHook = join(tmp.path, "log-modules.cjs");
  const BUILT = "node_modules/.cache/release-kit/scripts";
  afterAll(() => tmp.remove());

  beforeAll(async () => {
    // A copy of the kit whose tsx is an empty folder: if the launcher fell back to tsx, it would fail.
    mkdirSync(join(kit, "node_modules"), { recursive: true });
    cpSync(join(KIT, "scripts"), join(kit, "scripts"), { recursive: true });
    for (const file of ["package.json", "package-lock.json", "tsconfig.json"]) cpSync(join(KIT, file), join(kit, file));
    for (const entry of readdirSync(join(KIT, "node_modules"))) {
      if (entry === ".cache" || entry === "tsx") continue;
      symlinkSync(join(KIT, "node_modules", entry), join(kit, "node_modules", entry));
    }
    mkdirSync(join(kit, "node_modules", "tsx"));
    // The kit's own build, when it matches its sources (as after npm ci); else a build of the copy.
    const cache = join(KIT, "node_modules/.cache/release-kit");
    const current = await run(join(KIT, "scripts/release-kit"), ["--sources"]);
    if (existsSync(join(cache, "sources")) && readFileSync(join(cache, "sources"), "utf8") === current.stdout) {
      cpSync(cache, join(kit, "node_modules/.cache/release-kit"), { recursive: true });
    } else {
      const built = await run(process.execPath, [join(kit, "scripts/build.mjs")], { cwd: kit, timeoutMs: 300_000 });
      if (built.code !== 0) throw new Error(`build failed:\n${built.stdout}\n${built.stderr}`);
      const recorded = await run(join(kit, "scripts/release-kit"), ["--record-build"]);
      if (recorded.code !== 0) throw new Error(recorded.stderr);
    }
    // Every module the process resolves, by require (CommonJS) or import (ESM), is written to the log.
    writeFileSync(
      logHook,
      `const { appendFileSync } = require("node:fs");
const Module = require("node:module");
const log = ${JSON.stringify(log)};
const resolve = Module._resolveFilename;
Module._resolveFilename = function (...args) { const f = resolve.apply(this, args); appendFileSync(log, f + "\\n"); return f; };
process.on("exit", () => { for (const m of process.moduleLoadList) if (/undici/.test(m)) appendFileSync(log, "internal " + m + "\\n"); });
Module.register("data:text/javascript," + encodeURIComponent(\`import { appendFileSync } from "node:fs";
export async function resolve(s, c, next) { const r = await next(s, c); appendFileSync(\${JSON.stringify(log)}, r.url + "\\\\n"); return r; }\`));
`,
    );
    // The copy starts without code caches: the first run that does work writes its command's.
    for (const file of readdirSync(join(kit, BUILT))) if (file.endsWith(".v8-cache")) rmSync(join(kit, BUILT, file));
  }, 360_000);

  const launch = (args: string[], env: Record<string, string> = {}) =>
    run(join(kit, "scripts/release-kit"), args, { cwd: sb.repoPath!, env: sandboxEnv(sb, env), timeoutMs: 120_000 });

  const WORKFLOW_SCHEMA = '"workflow-root-strict"';
  const SHELL_PARSER = "mvdan.cc/sh/v3/syntax";
  /** The code cache start.cjs keeps for a command's bundle as it is now (named by its identity). */
  const codeCache = (command: string) => {
    const bundle = join(kit, BUILT, `${command}.cjs`);
    const info = statSync(bundle);
    return `${bundle}.${info.size}-${info.mtimeMs}-${info.ino}.v8-cache`;
  };
  const resolved = () =>
    readFileSync(log, "utf8")
      .split("\n")
      .filter((f) => f && !f.startsWith("node:") && !/^[a-z_]+$/.test(f));

  /** Which functions of the parsers' code in a command's bundle ran, from V8's coverage of one run. */
  async function parserFunctionsRun(args: string[]): Promise<number> {
    const coverage = join(tmp.path, `coverage-${args.join("-")}`);
    rmSync(coverage, { recursive: true, force: true });
    const res = await launch(args, { NODE_V8_COVERAGE: coverage });
    expect(res.code, res.stderr).toBe(0);
    if (args.includes("--help")) expect(res.stdout).toContain("mise run release:verify -- [flags]");
    const bundle = join(kit, BUILT, "verify.cjs");
    const text = readFileSync(bundle, "utf8");
    // esbuild heads each module's code with a comment naming its file; V8 counts from the wrapper.
    const shift = Module.wrap("").indexOf("}");
    const spans = [...text.matchAll(/^\/\/ (node_modules\/\S+)$/gm)].map((m, i, all) => ({
      file: m[1]!,
      from: m.index! + shift,
      to: (all[i + 1]?.index ?? text.length) + shift,
    }));
    const parsers = spans.filter((s) => /^node_modules\/(mvdan-sh|@actions\/workflow-parser)\//.test(s.file));
    expect(parsers.length).toBeGreaterThan(1);
    const scripts = readdirSync(coverage)
      .flatMap((f) => JSON.parse(readFileSync(join(coverage, f), "utf8")).result as any[])
      .filter((script) => script.url === bundle || script.url === `file://${bundle}`);
    expect(scripts).toHaveLength(1);
    return scripts[0].functions.filter(
      (fn: any) =>
        fn.ranges[0].count > 0 &&
        parsers.some((p) => fn.ranges[0].startOffset >= p.from && fn.ranges[0].startOffset < p.to),
    ).length;
  }

  it("reads the workflows at the tag with GitHub's parser on plain Node 20, from the bundle alone", async () => {
    const res = await launch(["verify", "--json", "--repo", sb.repoPath!], { NODE_OPTIONS: `--require=${logHook}` });
    expect(res.stderr).not.toMatch(/ERR_IMPORT_(ASSERTION|ATTRIBUTE)/);
    expect(res.code, res.stderr).toBe(0);
    expect(ids(res)).toEqual(
      expect.arrayContaining([
        "workflow:release.yml",
        "workflow:docker.yml",
        `image:${TOOLS}`,
        "not-verified:release.yml/chart/Publish crates",
      ]),
    );
    // Nothing came from node_modules (the parser's JSON included) or the sources, and no tsx: the
    // bundle holds the parsers, and its code cache was written by this run.
    expect(resolved()).toContain(join(kit, "scripts/start.cjs"));
    expect(resolved().filter((f) => f.includes("/node_modules/") || /\.m?ts$/.test(f))).toEqual([]);
    const bundle = readFileSync(join(kit, BUILT, "verify.cjs"), "utf8");
    expect(bundle).toContain(WORKFLOW_SCHEMA);
    expect(bundle).toContain(SHELL_PARSER);
    expect(existsSync(codeCache("verify"))).toBe(true);
    // Node's fetch (undici, and its WebAssembly parser) is never loaded: GitHub and the registry
    // were asked over node:http.
    const internals = readFileSync(log, "utf8")
      .split("\n")
      .filter((l) => l.startsWith("internal "));
    expect(internals).toEqual([]);
    const asked = (id: string) => res.json.checks.find((c: { id: string }) => c.id === id)?.status;
    expect([asked("release"), asked(`image:${TOOLS}`)]).toEqual(["pass", "pass"]);
  });

  it("--help runs neither the workflow parser nor the shell parser; a real run does", async () => {
    expect(await parserFunctionsRun(["verify", "--help"])).toBe(0);
    expect(await parserFunctionsRun(["verify", "--json", "--repo", sb.repoPath!])).toBeGreaterThan(0);
  });

  it("runs from a damaged code cache as from none and replaces it; --help and refused starts write none", async () => {
    const cache = codeCache("verify");
    writeFileSync(cache, "not a code cache");
    const res = await launch(["verify", "--json", "--repo", sb.repoPath!]);
    expect(res.code, res.stderr).toBe(0);
    expect(readFileSync(cache).length).toBeGreaterThan(100_000);
    rmSync(cache);
    expect((await launch(["verify", "--help"])).code).toBe(0);
    expect((await launch(["verify", "-h"])).code).toBe(0);
    expect((await launch(["verify", "--no-such-flag"])).code).toBe(2);
    expect((await launch(["verify", "--repo", tmp.path])).code).toBe(2); // not a repository
    expect(readdirSync(join(kit, BUILT)).filter((f) => f.startsWith("verify.cjs.") && f.endsWith(".v8-cache"))).toEqual(
      [],
    );
  });

  it("keeps the precompiled path while every source's content matches the build (a touch is not a change), and leaves it on an edit", async () => {
    const source = join(kit, "scripts/lib/glob.ts");
    const later = new Date(Date.now() + 60_000);
    utimesSync(source, later, later);
    // This copy's tsx is an empty folder: a start that fell back to it would fail.
    const touched = await launch(["verify", "--help"]);
    expect(touched.code, touched.stderr).toBe(0);
    expect(touched.stdout).toContain("mise run release:verify -- [flags]");
    const text = readFileSync(source, "utf8");
    writeFileSync(source, `${text}\n// an edit\n`);
    try {
      // This copy's tsx is an empty folder: the fallback the edit calls for cannot start here.
      const edited = await launch(["verify", "--help"]);
      expect(edited.code).not.toBe(0);
      expect(edited.stderr).toMatch(/tsx/);
    } finally {
      writeFileSync(source, text);
    }
  });

  it("puts the kit's own node_modules/.bin last on PATH, so the maintainer's tools win even when npx put it first", async () => {
    const bin = join(tmp.path, "maintainer-bin");
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, "git-cliff"), "#!/bin/sh\necho 'git-cliff 9.9.9'\n", { mode: 0o755 });
    const env = sandboxEnv(sb);
    const res = await launch(["preflight", "--json", "--repo", sb.repoPath!], {
      PATH: `${join(kit, "node_modules/.bin")}:${bin}:${env.PATH}`,
    });
    const tools = res.json.checks.find((c: any) => c.id === "tools");
    expect(tools.detail).toContain("git-cliff 9.9.9");
    expect(tools.detail).toContain(bin);
  });
});
