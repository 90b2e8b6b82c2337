// The `docker` stand-in: login, build/buildx build (see ../build.ts), tag and push of local images,
// buildx builders and imagetools, and manifest lists, writing real OCI content to the sandbox
// registry. Commands that need a container runtime (run, exec, compose) are logged and skipped.

import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { build } from "../build.ts";
import { type Descriptor, type ImageRef, MEDIA, parseRef } from "../oci/client.ts";
import { indexOfDescriptors, type Pushable, pushTagged } from "../oci/image.ts";
import { BuildFailure, type JobRuntime } from "../runtime.ts";
import { all, commaList, first, last, parseArgs, UsageError } from "./args.ts";
import { login, skipped, standIn } from "./common.ts";
import type { ToolCall } from "./types.ts";

const BUILD_USAGE = `-t|--tag= -f|--file= --platform= --label= --annotation= --provenance= --attest= --sbom=
  --build-arg= --target= --cache-from= --cache-to= -o|--output= --metadata-file= --iidfile= --progress=
  --secret= --ssh= --builder= --network= --add-host= --allow= --build-context= --shm-size= --ulimit=
  --push --load -q|--quiet --pull --no-cache`;

const keyValues = (lines: string[]) =>
  Object.fromEntries(
    lines.map((l) => [
      l.slice(0, l.indexOf("=") === -1 ? l.length : l.indexOf("=")),
      l.includes("=") ? l.slice(l.indexOf("=") + 1) : "",
    ]),
  );

async function buildCommand(call: ToolCall, args: string[], buildx: boolean): Promise<number> {
  const p = parseArgs(args, BUILD_USAGE);
  const context = p.positionals[0];
  if (!context) throw new UsageError('"docker buildx build" requires exactly 1 argument.');
  const provenance =
    last(p, "provenance") ??
    all(p, "attest")
      .map((a) => keyValues(a.split(",")))
      .filter((a) => a.type === "provenance")
      .map((a) => (a.disabled === "true" ? "false" : `mode=${a.mode ?? "min"}`))[0] ??
    null;
  const rt = call.rt;
  const saved = rt.docker.builder;
  if (!buildx) rt.docker.builder = "docker";
  try {
    const result = await build(
      rt,
      {
        cwd: call.cwd,
        context,
        file: first(p, "file"),
        platforms: commaList(p, "platform"),
        tags: all(p, "tag"),
        labels: keyValues(all(p, "label")),
        annotations: all(p, "annotation"),
        push: p.flags.has("push"),
        load: p.flags.has("load"),
        outputs: all(p, "output"),
        provenance,
      },
      (line) => call.err(line),
    );
    const metadataFile = first(p, "metadataFile");
    if (metadataFile) await writeFile(resolve(call.cwd, metadataFile), JSON.stringify(result.metadata, null, 2));
    const iidfile = first(p, "iidfile");
    if (iidfile) await writeFile(resolve(call.cwd, iidfile), result.imageId);
    if (p.flags.has("quiet")) call.out(result.imageId);
    return 0;
  } finally {
    rt.docker.builder = saved;
  }
}

function normalise(reference: string): { ref: ImageRef; key: string } {
  const ref = parseRef(reference);
  const tag = ref.tag ?? (ref.digest ? null : "latest");
  return { ref, key: `${ref.base}${tag ? `:${tag}` : `@${ref.digest}`}` };
}

async function pushCommand(call: ToolCall, args: string[]): Promise<number> {
  const p = parseArgs(args, "-a|--all-tags -q|--quiet --platform=");
  const name = p.positionals[0];
  if (!name) throw new UsageError('"docker push" requires exactly 1 argument.');
  const { ref, key } = normalise(name);
  const keys = p.flags.has("allTags")
    ? [...call.rt.docker.images.keys()].filter((k) => k.startsWith(`${ref.base}:`))
    : [key];
  if (keys.length === 0 || !call.rt.docker.images.has(keys[0]!)) {
    call.err(`An image does not exist locally with the tag: ${ref.base}`);
    return 1;
  }
  call.out(`The push refers to repository [${ref.base}]`);
  for (const k of keys) {
    const local = call.rt.docker.images.get(k)!;
    const tag = k.slice(ref.base.length + 1);
    call.rt.produce(`the push of ${k}`);
    const digest = await pushTagged(call.rt.oci, ref, local.image, [tag]);
    call.out(`${tag}: digest: ${digest} size: ${local.image.bytes.length}`);
  }
  return 0;
}

/** Descriptors of what a reference names: an index's entries, or the one manifest with its platform. */
async function descriptorsOf(rt: JobRuntime, reference: string): Promise<{ ref: ImageRef; descriptors: Descriptor[] }> {
  const ref = parseRef(reference);
  const manifest = await rt.oci.getManifest(ref, ref.digest ?? ref.tag ?? "latest");
  if (!manifest) throw new BuildFailure(`ERROR: ${reference}: not found`);
  const body = JSON.parse(manifest.bytes.toString("utf8")) as { manifests?: Descriptor[]; config?: Descriptor };
  if (body.manifests) return { ref, descriptors: body.manifests };
  const config = body.config
    ? (JSON.parse((await rt.oci.getBlob(ref, body.config.digest)).toString("utf8")) as {
        os?: string;
        architecture?: string;
        variant?: string;
      })
    : {};
  const platform =
    config.os && config.architecture
      ? { os: config.os, architecture: config.architecture, ...(config.variant ? { variant: config.variant } : {}) }
      : undefined;
  return {
    ref,
    descriptors: [
      {
        mediaType: manifest.mediaType,
        digest: manifest.digest,
        size: manifest.bytes.length,
        ...(platform ? { platform } : {}),
      },
    ],
  };
}

/** Copies a manifest (and, for an index, its children) with its blobs from one repository to another. */
async function copyManifest(rt: JobRuntime, from: ImageRef, to: ImageRef, digest: string): Promise<void> {
  if (from.base === to.base) return;
  const manifest = await rt.oci.getManifest(from, digest);
  if (!manifest) throw new BuildFailure(`ERROR: ${from.base}@${digest}: not found`);
  const body = JSON.parse(manifest.bytes.toString("utf8")) as {
    manifests?: Descriptor[];
    config?: Descriptor;
    layers?: Descriptor[];
  };
  for (const child of body.manifests ?? []) await copyManifest(rt, from, to, child.digest);
  for (const blob of [body.config, ...(body.layers ?? [])].filter((b): b is Descriptor => Boolean(b)))
    await rt.oci.pushBlob(to, await rt.oci.getBlob(from, blob.digest));
  await rt.oci.putManifest(to, manifest.digest, manifest.bytes, manifest.mediaType);
}

async function imagetools(call: ToolCall, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const rt = call.rt;
  if (sub === "create") {
    const p = parseArgs(rest, "-t|--tag= --annotation= -f|--file= --builder= --progress= --append --dry-run");
    const tags = all(p, "tag");
    if (tags.length === 0) throw new UsageError("imagetools create: no tags specified (-t)");
    const sources = [...(p.flags.has("append") ? [tags[0]!] : []), ...p.positionals];
    if (sources.length === 0) throw new UsageError("imagetools create: no sources specified");
    rt.produce(`imagetools create ${tags[0]}`);
    const targets = new Map<string, { ref: ImageRef; tags: string[] }>();
    for (const tag of tags) {
      const ref = parseRef(tag);
      const entry = targets.get(ref.base) ?? { ref, tags: [] };
      entry.tags.push(ref.tag ?? "latest");
      targets.set(ref.base, entry);
    }
    const descriptors: Descriptor[] = [];
    const found: { ref: ImageRef; descriptor: Descriptor }[] = [];
    for (const source of sources) {
      const { ref, descriptors: entries } = await descriptorsOf(rt, source);
      for (const d of entries) {
        if (descriptors.some((x) => x.digest === d.digest)) continue;
        descriptors.push(d);
        found.push({ ref, descriptor: d });
      }
    }
    const annotations = Object.fromEntries(
      all(p, "annotation")
        .map((a) => a.replace(/^index:/, ""))
        .map((a) => [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)]),
    );
    const index = indexOfDescriptors(descriptors, MEDIA.ociIndex, annotations);
    if (p.flags.has("dryRun")) {
      call.out(index.bytes.toString("utf8"));
      return 0;
    }
    // Every target repository gets the manifests the index names, then its tags.
    for (const { ref, tags: refTags } of targets.values()) {
      for (const { ref: from, descriptor } of found) await copyManifest(rt, from, ref, descriptor.digest);
      await pushTagged(rt.oci, ref, index, refTags);
      call.err(`#1 pushing ${index.digest} to ${ref.base}`);
    }
    return 0;
  }
  if (sub === "inspect") {
    const p = parseArgs(rest, "--format= --builder= --raw");
    const name = p.positionals[0];
    if (!name) throw new UsageError("imagetools inspect needs a reference");
    const ref = parseRef(name);
    const manifest = await rt.oci.getManifest(ref, ref.digest ?? ref.tag ?? "latest");
    if (!manifest) {
      call.err(`ERROR: ${name}: not found`);
      return 1;
    }
    if (p.flags.has("raw")) {
      call.out(JSON.stringify(JSON.parse(manifest.bytes.toString("utf8")), null, 2));
      return 0;
    }
    const format = first(p, "format");
    if (format && /\{\{\s*json\s+\.Manifest\s*\}\}/.test(format)) {
      call.out(JSON.stringify({ ...JSON.parse(manifest.bytes.toString("utf8")), digest: manifest.digest }));
      return 0;
    }
    call.out(`Name:      ${ref.base}${ref.tag ? `:${ref.tag}` : ""}`);
    call.out(`MediaType: ${manifest.mediaType}`);
    call.out(`Digest:    ${manifest.digest}`);
    const body = JSON.parse(manifest.bytes.toString("utf8")) as { manifests?: Descriptor[] };
    if (body.manifests) {
      call.out("");
      call.out("Manifests:");
      for (const m of body.manifests) {
        call.out(`  Name:      ${ref.base}@${m.digest}`);
        call.out(`  MediaType: ${m.mediaType}`);
        if (m.platform)
          call.out(
            `  Platform:  ${[m.platform.os, m.platform.architecture, m.platform.variant].filter(Boolean).join("/")}`,
          );
        call.out("");
      }
    }
    return 0;
  }
  throw new UsageError(`unknown imagetools command "${sub ?? ""}"`);
}

async function buildxCommand(call: ToolCall, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const docker = call.rt.docker;
  switch (sub) {
    case "build":
    case "b":
      return buildCommand(call, rest, true);
    case "create": {
      const p = parseArgs(
        rest,
        "--name= --driver= --driver-opt= --platform= --config|--buildkitd-config= --buildkitd-flags= --node= --use --bootstrap --append",
      );
      const driver = first(p, "driver") ?? "docker-container";
      if (p.flags.has("use")) docker.builder = driver === "docker" ? "docker" : "docker-container";
      call.out(first(p, "name") ?? "sandbox-builder");
      return 0;
    }
    case "use":
      docker.builder = rest.includes("default") ? "docker" : "docker-container";
      return 0;
    case "inspect":
    case "ls":
      call.out(`Name:   ${docker.builder === "docker" ? "default" : "builder"}\nDriver: ${docker.builder}`);
      return 0;
    case "version":
      call.out("github.com/docker/buildx v0.18.0 sandbox");
      return 0;
    case "imagetools":
      return imagetools(call, rest);
    case "install":
    case "uninstall":
    case "rm":
    case "stop":
    case "prune":
    case "du":
      return 0;
    default:
      return skipped(call, `docker buildx ${args.join(" ")}`);
  }
}

async function manifestCommand(call: ToolCall, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const rt = call.rt;
  if (sub === "create") {
    const p = parseArgs(rest, "-a|--amend --insecure");
    const [list, ...sources] = p.positionals;
    if (!list || sources.length === 0) throw new UsageError('"docker manifest create" requires at least 2 arguments.');
    rt.docker.lists.set(normalise(list).key, sources);
    call.out(`Created manifest list ${normalise(list).key}`);
    return 0;
  }
  if (sub === "annotate") return 0;
  if (sub === "push") {
    const p = parseArgs(rest, "-p|--purge --insecure");
    const name = p.positionals[0];
    if (!name) throw new UsageError('"docker manifest push" requires exactly 1 argument.');
    const { ref, key } = normalise(name);
    const sources = rt.docker.lists.get(key);
    if (!sources) {
      call.err(`No such manifest: ${key}`);
      return 1;
    }
    rt.produce(`the manifest list ${key}`);
    const descriptors: Descriptor[] = [];
    for (const source of sources) {
      const { ref: from, descriptors: found } = await descriptorsOf(rt, source);
      if (found.length !== 1 || !found[0]!.platform) throw new BuildFailure(`${source} is a manifest list`);
      await copyManifest(rt, from, ref, found[0]!.digest);
      descriptors.push(found[0]!);
    }
    const list: Pushable = indexOfDescriptors(
      descriptors,
      descriptors.every((d) => d.mediaType === MEDIA.dockerManifest) ? MEDIA.dockerList : MEDIA.ociIndex,
    );
    const digest = await pushTagged(rt.oci, ref, list, [ref.tag ?? "latest"]);
    if (p.flags.has("purge")) rt.docker.lists.delete(key);
    call.out(digest);
    return 0;
  }
  if (sub === "inspect") {
    const name = rest.filter((a) => !a.startsWith("-"))[0];
    if (!name) throw new UsageError('"docker manifest inspect" requires 1 argument.');
    const ref = parseRef(name);
    const manifest = await rt.oci.getManifest(ref, ref.digest ?? ref.tag ?? "latest");
    if (!manifest) {
      call.err(`no such manifest: ${name}`);
      return 1;
    }
    call.out(JSON.stringify(JSON.parse(manifest.bytes.toString("utf8")), null, 3));
    return 0;
  }
  throw new UsageError(`unknown manifest command "${sub ?? ""}"`);
}

const VERSION = "Docker version 27.5.1, build sandbox";

/** Drops the global options before the command (docker --config DIR ..., docker -D ...). */
function globalOptions(args: string[]): string[] {
  const withValue = ["--config", "-H", "--host", "--context", "-c", "-l", "--log-level"];
  let rest = args;
  while (rest[0]?.startsWith("-") && rest[0] !== "--version") rest = rest.slice(withValue.includes(rest[0]) ? 2 : 1);
  return rest;
}

export const docker = standIn(
  "docker",
  VERSION,
  {
    login: (call, rest) => login(call, rest, "docker.io"),
    logout(call, rest) {
      call.rt.logins.delete(rest[0] ?? "docker.io");
      return 0;
    },
    build: (call, rest) => buildCommand(call, rest, false),
    buildx: buildxCommand,
    builder: (call, rest) =>
      rest[0] === "build" ? buildCommand(call, rest.slice(1), false) : buildxCommand(call, rest),
    image(call, rest, skip) {
      if (rest[0] === "build") return buildCommand(call, rest.slice(1), false);
      if (rest[0] === "push") return pushCommand(call, rest.slice(1));
      if (rest[0] === "tag") return tagCommand(call, rest.slice(1));
      return skip();
    },
    tag: tagCommand,
    push: pushCommand,
    manifest: manifestCommand,
    "--version"(call) {
      call.out(VERSION);
      return 0;
    },
  },
  globalOptions,
);

function tagCommand(call: ToolCall, args: string[]): number {
  const [source, target] = args;
  if (!source || !target) throw new UsageError('"docker tag" requires exactly 2 arguments.');
  const image = call.rt.docker.images.get(normalise(source).key);
  if (!image) {
    call.err(`Error response from daemon: No such image: ${source}`);
    return 1;
  }
  call.rt.docker.images.set(normalise(target).key, image);
  return 0;
}
