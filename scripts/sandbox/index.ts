// The GitHub sandbox: a bare `origin`, a REST API over it, an OCI registry, the simulated tag
// workflow, and (unless told otherwise) a fresh example repository cloned from that origin. All on
// 127.0.0.1 and free ports; stop() ends everything it started. The release code never imports it.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { findSection } from "../lib/changelog.ts";
import { type ApiServer, startApiServer } from "./api/server.ts";
import { createBareRemote, createExample, type Example, type ExampleOptions } from "./example.ts";
import { type RegistryHosts, type SandboxRegistry, startRegistries, startRegistry } from "./registry.ts";
import type { PushRecord } from "./runner/leg.ts";
import { defaultScenario, type Scenario } from "./scenario.ts";
import { standinsNeeded } from "./standins/index.ts";
import { createSimulator, type Simulator } from "./workflow-sim.ts";

// A job's step killed at stop may still be letting go of its files, and a checkout's git may still
// be writing: removal retries on ENOTEMPTY (node's own retry, up to about 5 s) instead of failing.
export const REMOVE = { recursive: true, force: true, maxRetries: 10, retryDelay: 100 } as const;

export interface SandboxOptions {
  /** Scratch folder; a fresh temporary one by default (removed by stop() unless `keep`). */
  dir?: string;
  keep?: boolean;
  owner?: string;
  name?: string;
  /** The remote's default branch (its HEAD, and GitHub's default_branch); "main" by default. */
  defaultBranch?: string;
  /** The example repository to create, or false for a bare remote only (the caller pushes into it). */
  example?: ExampleOptions | false;
  scenario?: Partial<Scenario>;
  /** Fills the bare remote before the push hook exists (its history starts no workflow runs). */
  seed?: (remotePath: string) => Promise<void>;
  /** The API's one valid token; a fresh random one by default. */
  token?: string;
  /** Give the remote's existing release tags their GitHub releases and finished runs (the past). */
  history?: boolean;
  /** Repository secrets the simulated workflows see besides GITHUB_TOKEN. */
  secrets?: Record<string, string>;
  /** Programs of this machine the simulated workflows may run by name (name → absolute path). */
  hostTools?: Record<string, string>;
  /**
   * Registry hosts served each by a registry of its own, answering as that host does (ghcr.io as
   * GHCR, docker.io as Docker Hub, any other as distribution; see startRegistries) and named to the
   * kit in RELEASE_REGISTRY_URL as host=URL pairs: the hosts listed, from the start; with "each", every
   * host a simulated workflow pushes to, from its first push. Without it, one registry answers for
   * every host.
   */
  registryHosts?: string[] | "each";
}

/** Docker Hub's other names are docker.io. */
const hostName = (host: string) =>
  ["index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"].includes(host.toLowerCase())
    ? "docker.io"
    : host.toLowerCase();

export interface Sandbox {
  dir: string;
  apiUrl: string;
  token: string;
  repository: string;
  /** The registry answering for every host (with registryHosts: for the hosts it does not serve). */
  registryUrl: string;
  remotePath: string;
  /** The example repository, or null with `example: false`. */
  repoPath: string | null;
  example: Example | null;
  /** Prepend to PATH for the stand-ins; "" when the real cog and cargo-release are installed. */
  pathPrepend: string;
  standins: string[];
  images: string[];
  /** Live knobs: change them while commands run. */
  scenario: Scenario;
  api: ApiServer;
  registry: SandboxRegistry;
  /** With registryHosts: the registry serving each host, by host name (live: "each" adds to it). */
  registries: Record<string, SandboxRegistry>;
  /** What RELEASE_REGISTRY_URL says to the kit now: one URL, or host=URL pairs for the hosts served. */
  readonly registryMapping: string;
  /** The environment a kit command needs to work against this sandbox. */
  env(base?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  /** Resolves when no simulated run is queued or in progress. */
  settle(): Promise<void>;
  /** What a simulated job printed, and what the sandbox skipped in it, by job id (for a run that
   *  failed at startup, by the run's id: why GitHub would refuse the file). */
  jobLog(jobId: number): string;
  /** Every tagged manifest the simulated runs pushed, with the run and job that pushed it. */
  published(): PushRecord[];
  stop(): Promise<void>;
}

/**
 * The repository's earlier releases happened: each release tag already on the remote gets its
 * published GitHub release (notes from CHANGELOG.md) and its finished run with published images.
 */
async function recordHistory(
  remotePath: string,
  api: ApiServer,
  simulator: Simulator,
  defaultBranch: string,
): Promise<void> {
  // stderr is read, not inherited: a tag without CHANGELOG.md is an answer, not a line for the terminal.
  const git = (...args: string[]) =>
    execFileSync("git", ["--git-dir", remotePath, ...args], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    }).trim();
  const tags = git(
    "for-each-ref",
    "--sort=creatordate",
    "--format=%(refname:short) %(*objectname)%(objectname)",
    "refs/tags",
  )
    .split("\n")
    .filter(Boolean);
  for (const line of tags) {
    const [tag] = line.split(" ");
    const version = /^v?(\d+\.\d+\.\d+.*)$/.exec(tag!)?.[1];
    if (!version) continue;
    const sha = git("rev-parse", `${tag}^{commit}`);
    let changelog = "";
    try {
      changelog = git("show", `${sha}:CHANGELOG.md`);
    } catch {
      // no changelog at that tag
    }
    const at = git("log", "-1", "--format=%cI", sha);
    api.state.releases.push({
      id: api.state.nextId(),
      tagName: tag!,
      targetCommitish: defaultBranch,
      name: tag!,
      body: findSection(changelog, version) ?? "",
      draft: false,
      prerelease: version.includes("-"),
      immutable: false,
      makeLatest: "true",
      createdAt: at,
      publishedAt: at,
      authorLogin: "maintainer",
    });
    await simulator.backfill(tag!, sha);
  }
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const owner = options.owner ?? "acme";
  const name = options.name ?? "gateway";
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), "release-kit-sandbox-"));
  mkdirSync(dir, { recursive: true });
  const scenario: Scenario = { ...defaultScenario(), ...options.scenario };
  const token = options.token ?? `sandbox-${randomBytes(24).toString("hex")}`;
  const started: { stop(): unknown }[] = [];
  try {
    const defaultBranch = options.defaultBranch ?? "main";
    const remotePath = await createBareRemote(join(dir, "remote", owner, `${name}.git`), defaultBranch);
    const registry = await startRegistry({ auth: "anonymous" });
    started.push(registry);
    // One registry per host, each started once (a host's first push waits for it).
    let stopping = false;
    const byHost: Record<string, SandboxRegistry> = {};
    const starting = new Map<string, Promise<SandboxRegistry>>();
    const serve = (host: string): Promise<SandboxRegistry> => {
      const h = hostName(host);
      let ready = starting.get(h);
      if (!ready) {
        ready = startRegistries([h]).then(async (one: RegistryHosts) => {
          // Started while the sandbox stops: stopped at once, never left listening.
          if (stopping) await one.stop();
          else started.push(one);
          return (byHost[h] = one.byHost[h]!);
        });
        starting.set(h, ready);
      }
      return ready;
    };
    for (const host of Array.isArray(options.registryHosts) ? options.registryHosts : []) await serve(host);
    const registryFor = async (host: string) =>
      options.registryHosts === "each" || byHost[hostName(host)] ? (await serve(host)).url : registry.url;
    const mapping = () =>
      Object.entries(byHost)
        .map(([host, r]) => `${host}=${r.url}`)
        .join(",") || registry.url;
    let simulator: Simulator | null = null;
    const api = await startApiServer({
      owner,
      repo: name,
      remotePath,
      defaultBranch,
      token,
      scenario,
      onRefUpdate: (u) => simulator?.onRefUpdate(u),
      onRerun: (run) => simulator?.onRerun(run),
      rerunJobs: (run, all) => simulator?.rerunJobs(run, all) ?? [],
    });
    started.push(api);
    simulator = createSimulator({
      owner,
      repo: name,
      remotePath,
      defaultBranch,
      dir,
      registryUrl: options.registryHosts ? registryFor : registry.url,
      scenario,
      state: api.state,
      secrets: options.secrets,
      hostTools: options.hostTools,
      apiUrl: api.url,
    });
    started.push(simulator);
    // The example is pushed before the hook exists: its history is the past, not new releases.
    const example =
      options.example === false
        ? null
        : await createExample(join(dir, name), { owner, name, remote: remotePath, ...options.example });
    await options.seed?.(remotePath);
    if (options.history) await recordHistory(remotePath, api, simulator, defaultBranch);
    await api.installPushHook();
    const standins = standinsNeeded();
    const pathPrepend = standins.tools.length ? standins.dir : "";
    const sandbox: Sandbox = {
      dir,
      apiUrl: api.url,
      token,
      repository: `${owner}/${name}`,
      registryUrl: registry.url,
      remotePath,
      repoPath: example?.path ?? null,
      example,
      pathPrepend,
      standins: standins.tools,
      images: example?.images ?? [],
      scenario,
      api,
      registry,
      registries: byHost,
      get registryMapping() {
        return mapping();
      },
      env(base = process.env) {
        return {
          ...base,
          GITHUB_API_URL: api.url,
          GITHUB_TOKEN: token,
          GITHUB_REPOSITORY: `${owner}/${name}`,
          RELEASE_REGISTRY_URL: mapping(),
          PATH: pathPrepend ? `${pathPrepend}${delimiter}${base.PATH ?? ""}` : base.PATH,
        };
      },
      settle: () => simulator!.settle(),
      jobLog: (jobId) => simulator!.jobLog(jobId),
      published: () => simulator!.published(),
      async stop() {
        stopping = true;
        for (const s of started.reverse()) await s.stop();
        started.length = 0;
        if (!options.keep && !options.dir) rmSync(dir, REMOVE);
      },
    };
    return sandbox;
  } catch (error) {
    for (const s of started.reverse()) await s.stop();
    if (!options.dir) rmSync(dir, REMOVE);
    throw error;
  }
}
