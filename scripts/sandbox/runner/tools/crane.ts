// The `crane` stand-in: copy (with every child manifest and blob), tag, digest, manifest, ls and
// auth login against the sandbox registry.
import { type Descriptor, type ImageRef, parseRef } from "../oci/client.ts";
import type { JobRuntime } from "../runtime.ts";
import { UsageError } from "./args.ts";
import { login, manifestAt, standIn } from "./common.ts";
import type { ToolCall } from "./types.ts";

async function copy(rt: JobRuntime, from: ImageRef, to: ImageRef, reference: string): Promise<string> {
  const manifest = await rt.oci.getManifest(from, reference);
  if (!manifest) throw new UsageError(`${from.base}:${reference}: MANIFEST_UNKNOWN: manifest unknown`);
  const body = JSON.parse(manifest.bytes.toString("utf8")) as {
    manifests?: Descriptor[];
    config?: Descriptor;
    layers?: Descriptor[];
    blobs?: Descriptor[];
  };
  for (const child of body.manifests ?? []) await copy(rt, from, to, child.digest);
  for (const blob of [body.config, ...(body.layers ?? [])].filter((b): b is Descriptor => Boolean(b))) {
    if (from.base !== to.base) await rt.oci.pushBlob(to, await rt.oci.getBlob(from, blob.digest));
  }
  await rt.oci.putManifest(to, manifest.digest, manifest.bytes, manifest.mediaType);
  return manifest.digest;
}

const positionals = (args: string[]) => args.filter((a) => !a.startsWith("-"));

async function copyCommand(call: ToolCall, rest: string[]): Promise<number> {
  const [src, dst] = positionals(rest);
  if (!src || !dst) throw new UsageError("crane copy requires 2 arguments");
  const from = parseRef(src);
  const to = parseRef(dst);
  call.rt.produce(`crane copy ${src} ${dst}`);
  const digest = await copy(call.rt, from, to, from.digest ?? from.tag ?? "latest");
  const manifest = (await call.rt.oci.getManifest(to, digest))!;
  await call.rt.oci.putManifest(to, to.tag ?? to.digest ?? from.tag ?? "latest", manifest.bytes, manifest.mediaType);
  call.err(`Copying from ${src} to ${dst}`);
  return 0;
}

async function tagCommand(call: ToolCall, rest: string[]): Promise<number> {
  const [img, tag] = positionals(rest);
  if (!img || !tag) throw new UsageError("crane tag requires 2 arguments");
  const ref = parseRef(img);
  const manifest = await manifestAt(call, ref);
  if (!manifest) throw new UsageError(`${img}: MANIFEST_UNKNOWN: manifest unknown`);
  await call.rt.oci.putManifest(ref, tag, manifest.bytes, manifest.mediaType);
  return 0;
}

/** `crane digest` prints a reference's digest, `crane manifest` its manifest. */
async function fetchCommand(call: ToolCall, rest: string[], what: "digest" | "manifest"): Promise<number> {
  const name = positionals(rest)[0];
  if (!name) throw new UsageError(`crane ${what} requires 1 argument`);
  const ref = parseRef(name);
  const manifest = await manifestAt(call, ref);
  if (!manifest) {
    call.err(`Error: fetching manifest ${name}: GET ${ref.base}: MANIFEST_UNKNOWN: manifest unknown`);
    return 1;
  }
  call.out(what === "digest" ? manifest.digest : manifest.bytes.toString("utf8"));
  return 0;
}

export const crane = standIn(
  "crane",
  "v0.20.2",
  {
    auth: (call, rest, skip) => (rest[0] === "login" ? login(call, rest.slice(1), null, "logged in") : skip()),
    copy: copyCommand,
    cp: copyCommand,
    tag: tagCommand,
    digest: (call, rest) => fetchCommand(call, rest, "digest"),
    manifest: (call, rest) => fetchCommand(call, rest, "manifest"),
    async ls(call, rest) {
      const name = positionals(rest)[0];
      if (!name) throw new UsageError("crane ls requires 1 argument");
      for (const tag of await call.rt.oci.listTags(parseRef(name))) call.out(tag);
      return 0;
    },
  },
  // `--platform` (and its value) is dropped: the stand-in copies and reads whole images.
  (args) => args.filter((a, i) => !(a.startsWith("--platform") || args[i - 1] === "--platform")),
);
