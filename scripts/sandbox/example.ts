// The example repository: a fresh git repository shaped like the runbook's project (a Cargo
// workspace with the gateway and the admin UI, two GHCR images, cog + git-cliff + cargo-release),
// with a conventional history and earlier releases made as the kit makes them. Tests and the
// offline rehearsal create many of these, so generation is fast and deterministic: the same
// options give the same commit ids.

import { execFile } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { appendFile, cp, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { devNull } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { KIT_ROOT } from "../lib/kit-root.ts";
import { type Built, sharedBuild } from "./build-cache.ts";
import { chartRef, type ExampleConfig, type ExampleState, images, renderFiles, SNIPPETS } from "./example-files.ts";

export interface ExampleOptions {
  /** Default "acme". */
  owner?: string;
  /** Default "gateway". */
  name?: string;
  /** Bare repository to act as origin; the generator pushes main and tags to it. The clone's origin
   *  URL is the GitHub-shaped https://github.com/<owner>/<name>.git, rewritten to this path with a
   *  local `url.<remote>.insteadOf`, so the kit derives owner/name from origin as on a real clone.
   *  Without it the repository has no remote at all. */
  remote?: string;
  /** Path of the release-kit checkout: the repo's mise.toml then wires the kit's tasks as an adopter would. */
  kitPath?: string;
  /** Default true: earlier releases v0.1.0 and v0.2.0 exist. */
  tags?: boolean;
  /** Default "feat-fix". */
  unreleased?: "feat-fix" | "breaking" | "chore-only" | "none" | "non-conventional";
  /** Members use version.workspace = true with [workspace.package] version. */
  workspaceVersion?: boolean;
  /** The committed generated contract differs from what scripts/gen-contract.sh produces. */
  staleArtifacts?: boolean;
  /** Leave a modified tracked file (README.md) and an untracked file (notes.txt). */
  dirty?: boolean;
  /** The git-cliff pre-bump hook fails at run time (`--repository missing`: exit 1, nothing written). */
  brokenHook?: boolean;
  /** The git-cliff hook lacks -o (prints to stdout, changes nothing). */
  hookWithoutOutput?: boolean;
  /** The cargo-release hook lacks --no-confirm. */
  hookWithoutNoConfirm?: boolean;
  /** No .github/workflows/release.yml. */
  noWorkflow?: boolean;
  /** Default true: the workflow also packages and pushes a Helm chart (deploy/chart). */
  helmChart?: boolean;
  /** Written and committed (`chore: adjust example files`) after the last release, before the
   *  unreleased commits. A later commit that changes the same file rewrites it from its template. */
  extraFiles?: Record<string, string>;
}

export interface Example {
  path: string;
  owner: string;
  name: string;
  latestTag: string | null;
  /** The version in Cargo.toml now. */
  version: string;
  /** Images the release workflow publishes, full references without tag; [] without a workflow. */
  images: string[];
  /** The Helm chart's OCI reference without tag (ghcr.io/<owner>/charts/gateway); null without one. */
  chart: string | null;
}

// 2026-01-05T10:00:00Z, one hour per commit, and the day after a release starts at 10:00 again:
// git-cliff dates releases and orders tags by commit time, and each release gets its own date.
const FIRST_COMMIT_TIME = Date.UTC(2026, 0, 5, 10, 0, 0) / 1000;
const HOUR = 3600;
const DAY = 24 * HOUR;
const TIMEOUT_MS = 30_000;

/** The real git-cliff: the platform binary the npm wrapper would start (the wrapper alone costs a
 *  node start-up, ~200 ms a run), else the wrapper itself. */
function gitCliffPath(): string {
  const os = process.platform === "win32" ? "windows" : process.platform;
  const exe = process.platform === "win32" ? ".exe" : "";
  const binary = path.join(KIT_ROOT, "node_modules", `git-cliff-${os}-${process.arch}`, "bin", `git-cliff${exe}`);
  return existsSync(binary) ? binary : path.join(KIT_ROOT, "node_modules", ".bin", "git-cliff");
}

/** The environment the generator's git and git-cliff run in: none of the developer's git config,
 *  and none of the variables that redirect git (GIT_DIR, ...) or change git-cliff (GIT_CLIFF_*, tokens). */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(GIT_|GITHUB_|GITLAB_|GITEA_|BITBUCKET_|AZURE_DEVOPS_)/.test(key)) env[key] = value;
  }
  env.GIT_CONFIG_GLOBAL = devNull;
  env.GIT_CONFIG_NOSYSTEM = "1";
  env.GIT_TERMINAL_PROMPT = "0";
  return env;
}

function run(file: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd, env, timeout: TIMEOUT_MS, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (error)
        reject(
          new Error(`${path.basename(file)} ${args.join(" ")} failed in ${cwd}: ${stderr.trim() || error.message}`),
        );
      else resolve(stdout);
    });
  });
}

/** A bare repository to push to, as `git init --bare -b <branch>`; returns its absolute path. */
export async function createBareRemote(dir: string, defaultBranch = "main"): Promise<string> {
  const at = path.resolve(dir);
  await mkdir(at, { recursive: true });
  await run("git", ["init", "--bare", "-q", "-b", defaultBranch, at], at, cleanEnv());
  return at;
}

interface Builder {
  dir: string;
  config: ExampleConfig;
  state: ExampleState;
  /** What the last commit wrote from the templates, so each commit writes only what changed. */
  written: Record<string, string>;
  nextTime: number;
  env: NodeJS.ProcessEnv;
  cliff: string;
}

// Building an example takes dozens of git and git-cliff processes; the result depends only on the
// options and the generator, so each distinct set is built once (shared between processes, see
// build-cache.ts) and copied, ids and all, after that.
const templates = new Map<string, Promise<Built<{ version: string }>>>();

/** Everything an example's bytes depend on besides its options: the generator and git-cliff. */
function generatorInputs(): { files: string[]; cliff: unknown } {
  const cliff = gitCliffPath();
  const info = existsSync(cliff) ? statSync(cliff) : null;
  return {
    files: [fileURLToPath(import.meta.url), fileURLToPath(new URL("./example-files.ts", import.meta.url))],
    cliff: { path: cliff, size: info?.size, mtime: info?.mtimeMs },
  };
}

function template(key: string, opts: ExampleOptions & { owner: string; name: string }) {
  let built = templates.get(key);
  if (!built) {
    const { files, cliff } = generatorInputs();
    built = sharedBuild("example", { key: { key, cliff }, files }, (dir) => buildExample(dir, opts));
    templates.set(key, built);
    built.catch(() => templates.delete(key));
  }
  return built;
}

export async function createExample(dir: string, opts: ExampleOptions = {}): Promise<Example> {
  const owner = opts.owner ?? "acme";
  const name = opts.name ?? "gateway";
  // Both end up in URLs, TOML and Markdown: GitHub's own character sets keep them plain.
  if (!/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/.test(owner))
    throw new Error(`createExample: invalid owner ${JSON.stringify(owner)}`);
  if (!/^[A-Za-z0-9._-]{1,100}$/.test(name) || name === "." || name === "..")
    throw new Error(`createExample: invalid name ${JSON.stringify(name)}`);
  const at = path.resolve(dir);
  if (existsSync(at) && (await readdir(at)).length > 0) throw new Error(`createExample: ${at} exists and is not empty`);

  const { remote: _remote, dirty: _dirty, ...shape } = opts;
  const key = JSON.stringify({ ...shape, owner, name });
  const built = await template(key, { ...shape, owner, name });
  await mkdir(path.dirname(at), { recursive: true });
  await cp(built.dir, at, { recursive: true });

  const tags = opts.tags ?? true;
  const githubUrl = `https://github.com/${owner}/${name}.git`;
  const remote = opts.remote === undefined ? null : path.resolve(opts.remote);
  if (remote !== null) {
    await appendFile(path.join(at, ".git", "config"), remoteConfig(githubUrl, remote));
    // One push for the branch and every tag; -u records origin/main as main's upstream.
    await run("git", ["push", "-q", "-u", "origin", "main", "--tags"], at, cleanEnv());
  }
  if (opts.dirty) {
    await appendFile(path.join(at, "README.md"), "\nLocal notes, not committed yet.\n");
    await writeFile(path.join(at, "notes.txt"), "scratch notes\n");
  }
  const workflow = !(opts.noWorkflow ?? false);
  return {
    path: at,
    owner,
    name,
    latestTag: tags ? "v0.2.0" : null,
    version: built.meta.version,
    images: workflow ? images(owner) : [],
    chart: workflow && (opts.helmChart ?? true) ? chartRef(owner) : null,
  };
}

/** The example's working tree and history, with no remote: what every copy starts from. */
async function buildExample(
  at: string,
  opts: ExampleOptions & { owner: string; name: string },
): Promise<{ version: string }> {
  const { owner, name } = opts;
  await mkdir(at, { recursive: true });
  const tags = opts.tags ?? true;
  const b: Builder = {
    dir: at,
    config: {
      owner,
      name,
      kitPath: opts.kitPath === undefined ? null : path.resolve(opts.kitPath),
      workspaceVersion: opts.workspaceVersion ?? false,
      workflow: !(opts.noWorkflow ?? false),
      helmChart: opts.helmChart ?? true,
      brokenHook: opts.brokenHook ?? false,
      hookWithoutOutput: opts.hookWithoutOutput ?? false,
      hookWithoutNoConfirm: opts.hookWithoutNoConfirm ?? false,
    },
    state: {
      // A never-released crate has cargo new's version; cog's first bump is then 0.1.0 as well.
      version: "0.1.0",
      routes: ["GET /admin/health", "GET /admin/routes"],
      contractRoutes: ["GET /admin/health", "GET /admin/routes"],
      gatewayModules: {},
      adminItems: [],
      docsUpgrade: false,
      readmeContract: false,
      editorconfig: false,
      changelog: null,
    },
    written: {},
    nextTime: FIRST_COMMIT_TIME,
    env: cleanEnv(),
    cliff: gitCliffPath(),
  };
  await git(b, ["init", "-q", "-b", "main", at]);
  await appendFile(path.join(at, ".git", "config"), localConfig());
  await history(b, tags, opts);
  // One pack instead of hundreds of loose objects: every copy is faster to make and to remove.
  await git(b, ["repack", "-a", "-d", "-q"]);
  return { version: b.state.version };
}

async function history(b: Builder, tags: boolean, opts: ExampleOptions): Promise<void> {
  const s = b.state;
  await commit(b, "chore: initial workspace");
  s.gatewayModules.upstream = SNIPPETS.upstream;
  await commit(b, "feat(gateway): forward requests to upstream services");
  s.gatewayModules.upstream = SNIPPETS.upstreamHost;
  await commit(b, "fix(gateway): keep the Host header when forwarding");
  s.docsUpgrade = true;
  await commit(b, "docs: explain the order of a rollout");
  if (tags) await release(b, "0.1.0");

  s.routes = [...s.routes, "GET /admin/audit-events"];
  // The stale variant: the route list changed and nobody reran scripts/gen-contract.sh.
  if (!opts.staleArtifacts) s.contractRoutes = [...s.routes];
  s.adminItems = [...s.adminItems, SNIPPETS.auditPage];
  await commit(b, "feat(admin-ui): list audit events");
  s.adminItems = [...s.adminItems, SNIPPETS.sortedRoutes];
  await commit(b, "fix(admin-ui): sort routes by path");
  s.gatewayModules.ratelimit = SNIPPETS.ratelimit;
  await commit(b, "feat(gateway): rate-limit clients per API token");
  if (tags) await release(b, "0.2.0");

  if (opts.extraFiles && Object.keys(opts.extraFiles).length > 0) {
    for (const [file, content] of Object.entries(opts.extraFiles)) await put(b, file, content);
    await commit(b, "chore: adjust example files");
  }

  switch (opts.unreleased ?? "feat-fix") {
    case "feat-fix":
      s.gatewayModules.timeout = SNIPPETS.timeout;
      await commit(b, "feat(gateway): time out slow upstream requests");
      s.adminItems = [...s.adminItems, SNIPPETS.emptyAudit];
      await commit(b, "fix(admin-ui): show an empty audit list instead of an error");
      break;
    case "breaking":
      s.gatewayModules.auth = SNIPPETS.auth;
      await commit(
        b,
        "feat(gateway)!: require an API token on every route\n\n" +
          "Requests without a token listed in GATEWAY_TOKENS are rejected with 401.\n\n" +
          "BREAKING CHANGE: anonymous requests are no longer forwarded; set GATEWAY_TOKENS before upgrading.",
      );
      break;
    case "chore-only":
      s.editorconfig = true;
      await commit(b, "chore: add an editorconfig");
      s.readmeContract = true;
      await commit(b, "docs: say how to regenerate the admin contract");
      break;
    case "non-conventional":
      s.gatewayModules.timeout = SNIPPETS.timeout;
      await commit(b, "feat(gateway): time out slow upstream requests");
      s.adminItems = [...s.adminItems, SNIPPETS.pageTitle];
      await commit(b, "Update stuff");
      s.adminItems = [...s.adminItems, SNIPPETS.emptyAudit];
      await commit(b, "fix(admin-ui): show an empty audit list instead of an error");
      break;
    case "none":
      break;
  }
}

/** A release as the kit makes one: versions in the Cargo files, CHANGELOG.md by the real git-cliff,
 *  one `chore(version)` commit holding both, and a lightweight tag on it. */
async function release(b: Builder, version: string): Promise<void> {
  const tag = `v${version}`;
  const when = b.nextTime;
  b.state.version = version;
  // git-cliff dates a `--tag` release "now", but a tagged one by its commit; so the commit and tag
  // come first and the changelog is folded into the same commit (same dates, so later runs render
  // this section identically). Empty for 0.1.0, which the crates already carry.
  await commit(b, `chore(version): ${tag}`, true);
  await git(b, ["tag", tag]);
  await run(b.cliff, ["--offline", "--tag", tag, "-o", "CHANGELOG.md"], b.dir, b.env);
  b.state.changelog = await readFile(path.join(b.dir, "CHANGELOG.md"), "utf8");
  b.written["CHANGELOG.md"] = b.state.changelog;
  await git(b, ["add", "CHANGELOG.md"]);
  await git(b, ["commit", "-q", "--amend", "--no-edit", "--no-verify"], dates(when));
  await git(b, ["tag", "-f", tag]);
  b.nextTime = when - (when % DAY) + DAY + 10 * HOUR;
}

async function commit(b: Builder, message: string, allowEmpty = false): Promise<void> {
  const files = renderFiles(b.config, b.state);
  for (const [file, content] of Object.entries(files)) {
    if (b.written[file] !== content) await put(b, file, content);
  }
  for (const file of Object.keys(b.written)) {
    if (!(file in files)) await rm(path.join(b.dir, file), { force: true });
  }
  b.written = files;
  const when = b.nextTime;
  b.nextTime += HOUR;
  await git(b, ["add", "-A"]);
  await git(b, ["commit", "-q", "--no-verify", ...(allowEmpty ? ["--allow-empty"] : []), "-m", message], dates(when));
}

async function put(b: Builder, file: string, content: string): Promise<void> {
  const target = path.join(b.dir, file);
  if (!target.startsWith(b.dir + path.sep)) throw new Error(`createExample: ${file} is outside the repository`);
  await mkdir(path.dirname(target), { recursive: true });
  await writeFile(target, content);
}

function dates(seconds: number): NodeJS.ProcessEnv {
  const raw = `${seconds} +0000`;
  return { GIT_AUTHOR_DATE: raw, GIT_COMMITTER_DATE: raw };
}

function git(b: Builder, args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<string> {
  return run("git", args, b.dir, { ...b.env, ...extraEnv });
}

/** The repository's local git config, written in one go instead of one `git config` per key. */
function localConfig(): string {
  return `[user]
\tname = Example Maintainer
\temail = maintainer@example.com
[commit]
\tgpgsign = false
[tag]
\tgpgsign = false
[init]
\tdefaultBranch = main
`;
}

/** origin, GitHub-shaped, rewritten to the local bare repository. */
function remoteConfig(githubUrl: string, remote: string): string {
  return `[remote "origin"]
\turl = ${configValue(githubUrl)}
\tfetch = +refs/heads/*:refs/remotes/origin/*
[url ${configValue(remote)}]
\tinsteadOf = ${configValue(githubUrl)}
`;
}

/** A quoted git config value (or subsection name): backslash and double quote escaped. */
function configValue(value: string): string {
  if (/[\n\r\0]/.test(value))
    throw new Error(`createExample: ${JSON.stringify(value)} cannot be written to git config`);
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}
