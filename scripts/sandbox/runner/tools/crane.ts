// The `crane` stand-in: copy (with every child manifest and blob), tag, digest, manifest, ls and
// auth login against the sandbox registry.
import { type Descriptor, type ImageRef, parseRef } from "../oci/client.ts";
import type { JobRuntime } from "../runtime.ts";
import { UsageError } from "./args.ts";
import { guarded, login, skipped } from "./common.ts";
import type { Tool, ToolCall } from "./types.ts";

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

export const crane: Tool = (call: ToolCall) =>
  guarded(call, "crane", async () => {
    const args = call.args.filter((a, i) => !(a.startsWith("--platform") || call.args[i - 1] === "--platform"));
    const [command, ...rest] = args;
    const rt = call.rt;
    const positional = rest.filter((a) => !a.startsWith("-"));
    switch (command) {
      case "auth":
        if (rest[0] === "login") return login(call, rest.slice(1), null, "logged in");
        return skipped(call, `crane ${call.args.join(" ")}`);
      case "copy":
      case "cp": {
        const [src, dst] = positional;
        if (!src || !dst) throw new UsageError("crane copy requires 2 arguments");
        const from = parseRef(src);
        const to = parseRef(dst);
        rt.produce(`crane copy ${src} ${dst}`);
        const digest = await copy(rt, from, to, from.digest ?? from.tag ?? "latest");
        const manifest = (await rt.oci.getManifest(to, digest))!;
        await rt.oci.putManifest(to, to.tag ?? to.digest ?? from.tag ?? "latest", manifest.bytes, manifest.mediaType);
        call.err(`Copying from ${src} to ${dst}`);
        return 0;
      }
      case "tag": {
        const [img, tag] = positional;
        if (!img || !tag) throw new UsageError("crane tag requires 2 arguments");
        const ref = parseRef(img);
        const manifest = await rt.oci.getManifest(ref, ref.digest ?? ref.tag ?? "latest");
        if (!manifest) throw new UsageError(`${img}: MANIFEST_UNKNOWN: manifest unknown`);
        await rt.oci.putManifest(ref, tag, manifest.bytes, manifest.mediaType);
        return 0;
      }
      case "digest":
      case "manifest": {
        const name = positional[0];
        if (!name) throw new UsageError(`crane ${command} requires 1 argument`);
        const ref = parseRef(name);
        const manifest = await rt.oci.getManifest(ref, ref.digest ?? ref.tag ?? "latest");
        if (!manifest) {
          call.err(`Error: fetching manifest ${name}: GET ${ref.base}: MANIFEST_UNKNOWN: manifest unknown`);
          return 1;
        }
        call.out(command === "digest" ? manifest.digest : manifest.bytes.toString("utf8"));
        return 0;
      }
      case "ls": {
        const name = positional[0];
        if (!name) throw new UsageError("crane ls requires 1 argument");
        for (const tag of await rt.oci.listTags(parseRef(name))) call.out(tag);
        return 0;
      }
      case "version":
        call.out("v0.20.2");
        return 0;
      default:
        return skipped(call, `crane ${call.args.join(" ")}`);
    }
  });
