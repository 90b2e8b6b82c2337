// What `docker buildx build` (and docker/build-push-action, which runs it) does on a GitHub runner,
// for the parts a release depends on: which builder it uses (the docker driver until setup-buildx
// makes a docker-container one), the platforms, the provenance attestations buildx attaches by
// default, where the result goes (pushed, loaded), and the errors a workflow can run into.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { isAbsolute, join, relative, resolve } from "node:path";
import { promisify } from "node:util";
import { splitCsv } from "./actions/types.ts";
import { type ImageRef, MEDIA, OciError, parseRef } from "./oci/client.ts";
import {
  indexOf,
  type PlatformImage,
  type Pushable,
  parsePlatform,
  platformImage,
  provenanceManifest,
  pushTagged,
} from "./oci/image.ts";
import { BuildFailure, type JobRuntime } from "./runtime.ts";

const execFileAsync = promisify(execFile);

export interface BuildOptions {
  /** Where relative paths start (the step's working directory). */
  cwd: string;
  /** A folder, or a Git context (https://github.com/owner/repo.git#ref[:subdir]). */
  context: string;
  file?: string;
  platforms: string[];
  tags: string[];
  labels: Record<string, string>;
  /** --annotation values; "index:" ones go on the index. */
  annotations: string[];
  push: boolean;
  load: boolean;
  /** --output entries: type=registry, type=image,name=...,push=true,push-by-digest=true, type=docker. */
  outputs: string[];
  /** --provenance: null for buildx's default, "false" to disable, or attributes like "mode=max". */
  provenance: string | null;
}

export interface BuildResult {
  /** The pushed (or built) manifest or index digest. */
  digest: string;
  imageId: string;
  metadata: Record<string, unknown>;
}

async function readDockerfile(rt: JobRuntime, opts: BuildOptions): Promise<{ text: string; shown: string }> {
  const git = /^(?:https:\/\/github\.com\/[^#]+|git@[^#]+)(?:#([^:]*)(?::(.*))?)?$/.exec(opts.context);
  if (git) {
    const sub = git[2] ?? "";
    const path = join(sub, opts.file ?? "Dockerfile");
    try {
      const { stdout } = await execFileAsync("git", ["--git-dir", rt.gitDir, "show", `${rt.sha}:${path}`], {
        encoding: "utf8",
      });
      return { text: stdout, shown: path };
    } catch {
      throw new BuildFailure(
        `ERROR: failed to solve: failed to read dockerfile: open ${path}: no such file or directory`,
      );
    }
  }
  const dir = resolve(opts.cwd, opts.context);
  const file = opts.file ? resolve(opts.cwd, opts.file) : join(dir, "Dockerfile");
  if (!rt.inside(file))
    throw new BuildFailure(
      `ERROR: failed to solve: failed to read dockerfile: ${opts.file} is outside the runner's workspace`,
    );
  try {
    return { text: await readFile(file, "utf8"), shown: relative(opts.cwd, file) || file };
  } catch {
    throw new BuildFailure(
      `ERROR: failed to solve: failed to read dockerfile: open ${isAbsolute(opts.file ?? "") ? opts.file : relative(opts.cwd, file)}: no such file or directory`,
    );
  }
}

/** The first RUN instruction of a stage that runs on the target platform, if any. */
function emulatedRun(dockerfile: string): string | null {
  let native = false;
  for (const line of dockerfile.split("\n")) {
    const from = /^\s*FROM\s+(.*)$/i.exec(line);
    if (from) native = /--platform=\$(BUILDPLATFORM|\{BUILDPLATFORM\})/.test(from[1]!);
    const run = /^\s*RUN\s+(.*)$/i.exec(line);
    if (run && !native) return run[1]!.trim();
  }
  return null;
}

function provenanceMode(value: string | null): "min" | "max" | null {
  if (value === null) return "min";
  const v = value.trim();
  if (v === "false" || v === "0") return null;
  if (v === "true" || v === "1" || v === "") return "min";
  return /(?:^|,)mode=max(?:,|$)/.test(v) ? "max" : "min";
}

/** Tags grouped by repository; a reference without a tag means :latest. */
function byRepository(tags: string[]): Map<string, { ref: ImageRef; tags: string[] }> {
  const out = new Map<string, { ref: ImageRef; tags: string[] }>();
  for (const t of tags) {
    let ref: ImageRef;
    try {
      ref = parseRef(t);
    } catch (error) {
      throw new BuildFailure(`ERROR: failed to build: invalid tag "${t}": ${(error as Error).message}`);
    }
    const entry = out.get(ref.base) ?? { ref, tags: [] };
    entry.tags.push(ref.tag ?? "latest");
    out.set(ref.base, entry);
  }
  return out;
}

export async function build(rt: JobRuntime, opts: BuildOptions, print: (line: string) => void): Promise<BuildResult> {
  const platforms = [...new Set(opts.platforms.length ? opts.platforms : [`linux/${rt.arch}`])];
  const native = new Set(rt.arch === "arm64" ? ["arm64", "arm"] : ["amd64", "386"]);
  for (const p of platforms) {
    try {
      parsePlatform(p);
    } catch (error) {
      throw new BuildFailure(`ERROR: failed to build: ${(error as Error).message}`);
    }
  }
  const containerBuilder = rt.docker.builder === "docker-container";
  if (!containerBuilder && platforms.length > 1) {
    throw new BuildFailure(
      "ERROR: failed to build: Multi-platform build is not supported for the docker driver.\nSwitch to a different driver, or turn on the containerd image store, and try again.",
    );
  }
  let push = opts.push;
  let load = opts.load;
  let byDigest = false;
  let outputNames: string[] | null = null;
  for (const output of opts.outputs) {
    const attrs = Object.fromEntries(
      splitCsv(output).map((f) => [
        f.slice(0, f.indexOf("=") === -1 ? f.length : f.indexOf("=")).trim(),
        f.slice(f.indexOf("=") + 1).trim(),
      ]),
    );
    if (attrs.type === "registry") push = true;
    else if (attrs.type === "image" || attrs.type === "oci") {
      if (attrs.push === "true") push = true;
      if (attrs["push-by-digest"] === "true") byDigest = true;
      if (attrs.name)
        outputNames = attrs.name
          .split(",")
          .map((n) => n.trim())
          .filter(Boolean);
    } else if (attrs.type === "docker") load = true;
    else rt.log(`sandbox: --output ${output} is not simulated: nothing is written for it`);
  }
  if (push && !byDigest && (outputNames ?? opts.tags).length === 0)
    throw new BuildFailure("ERROR: failed to build: tag is needed when pushing to registry");
  const repos = byRepository(outputNames ?? opts.tags);
  const dockerfile = await readDockerfile(rt, opts);
  print(`#1 [internal] load build definition from ${dockerfile.shown}`);
  const run = emulatedRun(dockerfile.text);
  const foreign = platforms.find((p) => !native.has(parsePlatform(p).architecture));
  if (run && foreign && !rt.docker.qemu) {
    throw new BuildFailure(
      `exec /bin/sh: exec format error\nERROR: failed to build: failed to solve: process "/bin/sh -c ${run}" did not complete successfully: exit code: 255 (${foreign} needs QEMU: docker/setup-qemu-action)`,
    );
  }
  rt.produce(`the build of ${opts.tags[0] ?? dockerfile.shown}`);

  let built = platforms;
  for (const { ref } of repos.values()) {
    const left = rt.scenario.missingPlatforms.filter((m) => m.image.toLowerCase() === ref.base).map((m) => m.platform);
    if (left.length) {
      rt.log(`sandbox: scenario missingPlatforms leaves ${left.join(", ")} out of ${ref.base}`);
      built = built.filter((p) => !left.includes(p));
    }
  }
  const images: PlatformImage[] = built.map((platform) =>
    platformImage({
      platform,
      created: rt.created,
      labels: opts.labels,
      format: containerBuilder ? "oci" : "docker",
      files: [
        {
          path: "sandbox/build.txt",
          data: Buffer.from(`built by the sandbox from ${dockerfile.shown} at ${rt.sha} for ${platform}\n`),
        },
        { path: "sandbox/Dockerfile", data: Buffer.from(dockerfile.text) },
      ],
    }),
  );
  const mode = containerBuilder ? provenanceMode(opts.provenance) : null;
  const names = [...repos.values()].flatMap(({ ref, tags }) => tags.map((t) => `${ref.base}:${t}`));
  const indexAnnotations = Object.fromEntries(
    opts.annotations
      .filter((a) => a.startsWith("index:"))
      .map((a) => {
        const kv = a.slice("index:".length);
        const eq = kv.indexOf("=");
        return [kv.slice(0, eq), kv.slice(eq + 1)];
      }),
  );
  let top: Pushable;
  if (images.length === 1 && !mode && !Object.keys(indexAnnotations).length) top = images[0]!;
  else {
    const entries: {
      manifest: Pushable;
      platform?: ReturnType<typeof parsePlatform>;
      annotations?: Record<string, string>;
    }[] = images.map((image) => ({ manifest: image, platform: parsePlatform(image.platform) }));
    if (mode) {
      const builderId = `${rt.serverUrl}/${rt.repository}/actions/runs/${rt.runId}/attempts/${rt.attempt}`;
      for (const image of images) {
        entries.push({
          manifest: provenanceManifest(image, {
            names,
            created: rt.created,
            builderId,
            mode,
            dockerfile: dockerfile.shown,
          }),
          platform: { os: "unknown", architecture: "unknown" },
          annotations: {
            "vnd.docker.reference.digest": image.digest,
            "vnd.docker.reference.type": "attestation-manifest",
          },
        });
      }
    }
    top = indexOf(entries, { mediaType: MEDIA.ociIndex, annotations: indexAnnotations });
  }
  if (push) {
    for (const { ref, tags } of repos.values()) {
      try {
        await pushTagged(rt.oci, ref, top, byDigest ? [] : tags);
      } catch (error) {
        if (error instanceof OciError)
          throw new BuildFailure(`ERROR: failed to build: failed to push ${ref.base}:${tags[0]}: ${error.message}`);
        throw error;
      }
      print(`#9 pushing manifest for ${ref.base}${byDigest ? "" : `:${tags[0]}`}@${top.digest} done`);
    }
  }
  if (load || !containerBuilder) {
    if (images.length === 1) for (const name of names) rt.docker.images.set(name, { image: images[0]! });
  }
  const imageId = images.length === 1 ? images[0]!.configDigest : top.digest;
  return {
    digest: top.digest,
    imageId,
    metadata: {
      "buildx.build.ref": `builder-${rt.key.slice(0, 8)}/builder0/${rt.key.slice(8, 20)}`,
      "containerimage.config.digest": images[0]?.configDigest,
      "containerimage.descriptor": { mediaType: top.mediaType, digest: top.digest, size: top.bytes.length },
      "containerimage.digest": top.digest,
      "image.name": names.join(","),
    },
  };
}
