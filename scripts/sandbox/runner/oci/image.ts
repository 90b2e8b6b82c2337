// Image content as buildx and docker lay it out: per platform an image manifest with its config and
// one gzipped tar layer; buildx's provenance as an attestation manifest next to each image in the
// index; and the push order a registry accepts (blobs, then manifests by digest, then tags).
import { type Descriptor, descriptorOf, type ImageRef, MEDIA, type OciClient, sha256 } from "./client.ts";
import { type TarEntry, tar, tarGz } from "./tar.ts";

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export function parsePlatform(text: string): Platform {
  const [os, architecture, variant, ...rest] = text.trim().split("/");
  if (!os || !architecture || rest.length || variant === "")
    throw new Error(`"${text}" is not a platform (os/arch[/variant], e.g. linux/arm64)`);
  return variant ? { os, architecture, variant } : { os, architecture };
}

export const platformText = (p: Platform) => [p.os, p.architecture, p.variant].filter(Boolean).join("/");

/** A manifest with the blobs it needs, ready to push. */
export interface Pushable {
  bytes: Buffer;
  mediaType: string;
  digest: string;
  blobs: Buffer[];
  /** Manifests it refers to (an index's entries), pushed first. */
  children: Pushable[];
}

export interface PlatformImage extends Pushable {
  platform: string;
  configDigest: string;
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

export function platformImage(opts: {
  platform: string;
  created: string;
  files: TarEntry[];
  labels: Record<string, string>;
  format: "oci" | "docker";
}): PlatformImage {
  const p = parsePlatform(opts.platform);
  const layerTar = tar(opts.files);
  const layer = tarGz(opts.files);
  const config = json({
    created: opts.created,
    architecture: p.architecture,
    os: p.os,
    ...(p.variant ? { variant: p.variant } : {}),
    config: {
      Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
      ...(Object.keys(opts.labels).length ? { Labels: opts.labels } : {}),
    },
    rootfs: { type: "layers", diff_ids: [sha256(layerTar)] },
    history: [{ created: opts.created, created_by: "sandbox build", comment: "buildkit.dockerfile.v0" }],
  });
  const oci = opts.format === "oci";
  const manifest = json({
    schemaVersion: 2,
    mediaType: oci ? MEDIA.ociManifest : MEDIA.dockerManifest,
    config: descriptorOf(oci ? MEDIA.ociConfig : MEDIA.dockerConfig, config),
    layers: [descriptorOf(oci ? MEDIA.ociLayer : MEDIA.dockerLayer, layer)],
  });
  return {
    platform: opts.platform,
    bytes: manifest,
    mediaType: oci ? MEDIA.ociManifest : MEDIA.dockerManifest,
    digest: sha256(manifest),
    blobs: [config, layer],
    children: [],
    configDigest: sha256(config),
  };
}

/** buildx's provenance for one platform image: an in-toto statement in an attestation manifest. */
export function provenanceManifest(
  image: PlatformImage,
  opts: { names: string[]; created: string; builderId: string; mode: "min" | "max"; dockerfile: string },
): Pushable {
  const statement = json({
    _type: "https://in-toto.io/Statement/v0.1",
    predicateType: "https://slsa.dev/provenance/v0.2",
    subject: opts.names.map((name) => ({
      name: `pkg:docker/${name}?platform=${encodeURIComponent(image.platform)}`,
      digest: { sha256: image.digest.slice(7) },
    })),
    predicate: {
      builder: { id: opts.builderId },
      buildType: "https://mobyproject.org/buildkit@v1",
      materials: [],
      invocation: {
        configSource: { entryPoint: opts.dockerfile },
        parameters: { frontend: "dockerfile.v0" },
        environment: { platform: image.platform },
      },
      metadata: {
        buildStartedOn: opts.created,
        buildFinishedOn: opts.created,
        completeness: { parameters: opts.mode === "max", environment: true, materials: false },
        reproducible: false,
      },
    },
  });
  const config = json({
    architecture: "unknown",
    os: "unknown",
    config: {},
    rootfs: { type: "layers", diff_ids: [sha256(statement)] },
  });
  const manifest = json({
    schemaVersion: 2,
    mediaType: MEDIA.ociManifest,
    config: descriptorOf(MEDIA.ociConfig, config),
    layers: [
      descriptorOf(MEDIA.inToto, statement, {
        annotations: { "in-toto.io/predicate-type": "https://slsa.dev/provenance/v0.2" },
      }),
    ],
  });
  return {
    bytes: manifest,
    mediaType: MEDIA.ociManifest,
    digest: sha256(manifest),
    blobs: [config, statement],
    children: [],
  };
}

export function indexOf(
  entries: { manifest: Pushable; platform?: Platform; annotations?: Record<string, string> }[],
  opts: { mediaType?: string; annotations?: Record<string, string> } = {},
): Pushable {
  const mediaType = opts.mediaType ?? MEDIA.ociIndex;
  const bytes = json({
    schemaVersion: 2,
    mediaType,
    manifests: entries.map((e) =>
      descriptorOf(e.manifest.mediaType, e.manifest.bytes, {
        ...(e.annotations ? { annotations: e.annotations } : {}),
        ...(e.platform ? { platform: e.platform } : {}),
      }),
    ),
    ...(opts.annotations && Object.keys(opts.annotations).length ? { annotations: opts.annotations } : {}),
  });
  return { bytes, mediaType, digest: sha256(bytes), blobs: [], children: entries.map((e) => e.manifest) };
}

/** An index of manifests already in the registry (imagetools create, docker manifest push). */
export function indexOfDescriptors(
  descriptors: Descriptor[],
  mediaType: string = MEDIA.ociIndex,
  annotations?: Record<string, string>,
): Pushable {
  const bytes = json({
    schemaVersion: 2,
    mediaType,
    manifests: descriptors,
    ...(annotations && Object.keys(annotations).length ? { annotations } : {}),
  });
  return { bytes, mediaType, digest: sha256(bytes), blobs: [], children: [] };
}

async function pushTree(client: OciClient, ref: ImageRef, item: Pushable): Promise<void> {
  await Promise.all(item.children.map((child) => pushTree(client, ref, child)));
  await Promise.all(item.blobs.map((blob) => client.pushBlob(ref, blob)));
  if (item.children.length || item.blobs.length) await client.putManifest(ref, item.digest, item.bytes, item.mediaType);
}

/** Pushes everything `top` needs, then tags it; returns its digest. */
export async function pushTagged(client: OciClient, ref: ImageRef, top: Pushable, tags: string[]): Promise<string> {
  await pushTree(client, ref, top);
  for (const tag of tags) await client.putManifest(ref, tag, top.bytes, top.mediaType);
  if (tags.length === 0) await client.putManifest(ref, top.digest, top.bytes, top.mediaType);
  return top.digest;
}
