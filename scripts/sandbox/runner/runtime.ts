// What one running job knows and holds, shared by the steps' in-process actions and by the
// stand-in CLIs its shell steps call: its folders, the commit, the registry client and logins,
// the docker daemon's state on that runner, and the scenario knobs that concern it.

import type { AttestationRecord } from "../api/state.ts";
import type { Scenario } from "../scenario.ts";
import { type Credentials, type ImageRef, OciClient } from "./oci/client.ts";
import type { PlatformImage } from "./oci/image.ts";
import type { TarEntry } from "./oci/tar.ts";

export interface LocalImage {
  image: PlatformImage;
}

export interface DockerState {
  /** "docker" until setup-buildx-action (or `docker buildx create --use`) makes a docker-container builder. */
  builder: "docker" | "docker-container";
  /** setup-qemu-action ran: other architectures can RUN. */
  qemu: boolean;
  /** `docker build`/`--load` results and `docker tag`s, by normalised reference. */
  images: Map<string, LocalImage>;
  /** `docker manifest create` lists: name → source references. */
  lists: Map<string, string[]>;
}

export type Permission = "read" | "write" | "none";

export interface JobRuntime {
  key: string;
  runId: number;
  attempt: number;
  jobId: string;
  /** The job's name as GitHub shows it (matrix values included). */
  jobName: string;
  workspace: string;
  temp: string;
  home: string;
  /** The runner's architecture, from its `runs-on` labels (an "-arm" runner is arm64). */
  arch: "amd64" | "arm64";
  /** Linux, or the OS a macos-* / windows-* label names (steps still run on this machine's bash). */
  os: "Linux" | "macOS" | "Windows";
  /** The sandbox's folder for this job; nothing the job writes goes outside it. */
  root: string;
  /** The run's artifacts (upload-artifact / download-artifact), shared by its jobs. */
  artifacts: string;
  owner: string;
  repository: string;
  repositoryId: number;
  sha: string;
  ref: string;
  /** The commit's time: images' `created`, so the same commit builds the same bytes. */
  created: string;
  serverUrl: string;
  gitDir: string;
  /** A commit's files (what actions/checkout writes). */
  source(sha: string): Promise<TarEntry[]>;
  scenario: Scenario;
  oci: OciClient;
  logins: Map<string, Credentials>;
  docker: DockerState;
  /** GITHUB_TOKEN's permissions for this job. */
  permissions: Record<string, Permission>;
  /** Adds to the job's log, with every secret and masked value hidden. */
  log(line: string): void;
  /** ::add-mask:: */
  mask(value: string): void;
  /** Throws a build failure when the scenario fails this job (failJobs); call before producing anything. */
  produce(what: string): void;
  attest(record: Omit<AttestationRecord, "repositoryId">): void;
  /** Files under the job's scratch folders only. */
  inside(path: string): boolean;
  /** Whether the job's PATH has this program (a stand-in, an allowed tool, or one of hostTools). */
  hasTool(name: string): boolean;
}

export class BuildFailure extends Error {}

export function createOciClient(
  registryUrl: string | ((host: string) => Promise<string>),
  logins: Map<string, Credentials>,
  onPush?: (ref: ImageRef, reference: string, bytes: Buffer) => void,
): OciClient {
  return new OciClient(
    registryUrl,
    (host) => logins.get(host) ?? logins.get(host === "docker.io" ? "https://index.docker.io/v1/" : host),
    onPush,
  );
}
