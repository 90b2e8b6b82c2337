// The `oras` stand-in (ORAS 1.2): `push` packs files as an OCI 1.1 artifact (empty config, the
// artifact type in `artifactType`, one layer per file titled by its name; `--image-spec v1.0` puts
// the type in the config's media type instead), `attach` adds a referrer, `tag`, `resolve`,
// `manifest fetch` and `login`.
import { readFile, stat } from "node:fs/promises";
import { basename, resolve } from "node:path";
import { type Descriptor, descriptorOf, MEDIA, parseRef, sha256 } from "../oci/client.ts";
import { pushTagged } from "../oci/image.ts";
import { all, first, parseArgs, UsageError } from "./args.ts";
import { login, manifestAt, standIn } from "./common.ts";
import type { ToolCall } from "./types.ts";

const UNKNOWN_ARTIFACT = "application/vnd.unknown.artifact.v1";
const DEFAULT_LAYER = "application/vnd.oci.image.layer.v1.tar";

const PUSH_USAGE = `--artifact-type= -a|--annotation= --annotation-file= --config= --image-spec= --export-manifest=
  --format= -u|--username= -p|--password= --concurrency=
  --plain-http --insecure --disable-path-validation -v|--verbose -d|--debug --no-tty`;

/** "file.txt:media/type" → path and media type (a trailing ":" keeps a colon in the name). */
function fileArg(arg: string): { path: string; mediaType: string } {
  const colon = arg.lastIndexOf(":");
  if (colon <= 0) return { path: arg, mediaType: DEFAULT_LAYER };
  const type = arg.slice(colon + 1);
  return { path: arg.slice(0, colon), mediaType: type || DEFAULT_LAYER };
}

async function layers(call: ToolCall, files: string[]): Promise<{ descriptors: Descriptor[]; blobs: Buffer[] }> {
  const descriptors: Descriptor[] = [];
  const blobs: Buffer[] = [];
  for (const arg of files) {
    const { path, mediaType } = fileArg(arg);
    const full = resolve(call.cwd, path);
    if (!call.rt.inside(full)) throw new UsageError(`${path}: outside the runner's workspace`);
    const s = await stat(full).catch(() => null);
    if (!s) throw new UsageError(`failed to stat ${path}: no such file or directory`);
    if (s.isDirectory()) throw new UsageError(`${path} is a directory: the sandbox's oras pushes files only`);
    const bytes = await readFile(full);
    blobs.push(bytes);
    descriptors.push(
      descriptorOf(mediaType, bytes, { annotations: { "org.opencontainers.image.title": basename(path) } }),
    );
  }
  return { descriptors, blobs };
}

function annotations(values: string[]): Record<string, string> {
  return Object.fromEntries(values.map((a) => [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)]));
}

async function pushCommand(call: ToolCall, args: string[]): Promise<number> {
  const p = parseArgs(args, PUSH_USAGE);
  const [target, ...files] = p.positionals;
  if (!target) throw new UsageError('"oras push" requires at least 1 argument');
  const [base, tagList] = (() => {
    const at = target.lastIndexOf(":");
    return at > target.lastIndexOf("/") ? [target.slice(0, at), target.slice(at + 1)] : [target, ""];
  })();
  const ref = parseRef(base);
  const tags = tagList ? tagList.split(",").filter(Boolean) : [];
  const spec = first(p, "imageSpec") ?? "v1.1";
  const artifactType = first(p, "artifactType");
  call.rt.produce(`oras push ${target}`);
  const { descriptors, blobs } = await layers(call, files);
  let config = Buffer.from("{}");
  let configType: string = MEDIA.empty;
  const configArg = first(p, "config");
  if (configArg) {
    const { path, mediaType } = fileArg(configArg);
    config = await readFile(resolve(call.cwd, path));
    configType = mediaType === DEFAULT_LAYER ? "application/vnd.unknown.config.v1+json" : mediaType;
  } else if (spec === "v1.0") configType = artifactType ?? "application/vnd.unknown.config.v1+json";
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA.ociManifest,
      ...(spec === "v1.1" ? { artifactType: artifactType ?? (configArg ? undefined : UNKNOWN_ARTIFACT) } : {}),
      config: descriptorOf(configType, config),
      layers: descriptors.length ? descriptors : spec === "v1.1" ? [descriptorOf(MEDIA.empty, Buffer.from("{}"))] : [],
      annotations: { "org.opencontainers.image.created": call.rt.created, ...annotations(all(p, "annotation")) },
    }),
  );
  if (!descriptors.length && spec === "v1.1") blobs.push(Buffer.from("{}"));
  const digest = await pushTagged(
    call.rt.oci,
    ref,
    {
      bytes: manifest,
      mediaType: MEDIA.ociManifest,
      digest: sha256(manifest),
      blobs: [config, ...blobs],
      children: [],
    },
    tags,
  );
  call.out(`Pushed [registry] ${target}`);
  call.out(`ArtifactType: ${spec === "v1.1" ? (artifactType ?? UNKNOWN_ARTIFACT) : configType}`);
  call.out(`Digest: ${digest}`);
  return 0;
}

async function attachCommand(call: ToolCall, args: string[]): Promise<number> {
  const p = parseArgs(args, PUSH_USAGE);
  const [target, ...files] = p.positionals;
  const artifactType = first(p, "artifactType");
  if (!target || !artifactType) throw new UsageError('"oras attach" requires --artifact-type and a subject');
  const ref = parseRef(target);
  const subject = await call.rt.oci.getManifest(ref, ref.digest ?? ref.tag ?? "latest");
  if (!subject) {
    call.err(`Error: ${target}: not found`);
    return 1;
  }
  const { descriptors, blobs } = await layers(call, files);
  const empty = Buffer.from("{}");
  for (const blob of [empty, ...blobs]) await call.rt.oci.pushBlob(ref, blob);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA.ociManifest,
      artifactType,
      config: descriptorOf(MEDIA.empty, empty),
      layers: descriptors,
      subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.bytes.length },
      annotations: { "org.opencontainers.image.created": call.rt.created, ...annotations(all(p, "annotation")) },
    }),
  );
  const digest = await call.rt.oci.attachReferrer(
    ref,
    subject.digest,
    manifest,
    descriptorOf(MEDIA.ociManifest, manifest, { artifactType }),
  );
  call.out(`Attached to [registry] ${ref.base}@${subject.digest}`);
  call.out(`Digest: ${digest}`);
  return 0;
}

async function tagCommand(call: ToolCall, rest: string[]): Promise<number> {
  const [source, ...tags] = rest.filter((a) => !a.startsWith("-"));
  if (!source || tags.length === 0) throw new UsageError('"oras tag" requires at least 2 arguments');
  const ref = parseRef(source);
  const manifest = await manifestAt(call, ref);
  if (!manifest) {
    call.err(`Error: ${source}: not found`);
    return 1;
  }
  for (const tag of tags) {
    await call.rt.oci.putManifest(ref, tag, manifest.bytes, manifest.mediaType);
    call.out(`Tagged ${tag}`);
  }
  return 0;
}

/** `oras resolve` prints a reference's digest, `oras manifest fetch` its manifest. */
async function fetchCommand(call: ToolCall, args: string[], what: "digest" | "manifest"): Promise<number> {
  const name = args.filter((a) => !a.startsWith("-"))[0];
  if (!name) throw new UsageError(`"oras ${what === "digest" ? "resolve" : "manifest fetch"}" requires a reference`);
  const manifest = await manifestAt(call, parseRef(name));
  if (!manifest) {
    call.err(`Error: ${name}: not found`);
    return 1;
  }
  call.out(what === "digest" ? manifest.digest : manifest.bytes.toString("utf8"));
  return 0;
}

export const oras = standIn("oras", "Version:        1.2.3\nGo version:     go1.23.4\nGit commit:     sandbox", {
  push: pushCommand,
  attach: attachCommand,
  login: (call, rest) => login(call, rest, null),
  logout: () => 0,
  tag: tagCommand,
  resolve: (call, rest) => fetchCommand(call, rest, "digest"),
  manifest: (call, rest, skip) => (rest[0] === "fetch" ? fetchCommand(call, rest.slice(1), "manifest") : skip()),
});
