// Publishing straight into the store, as `docker buildx build --push` (an image index with one image
// per platform, and attestation manifests) or `helm push`/`oras push` (one artifact) lay images out.
import { OCI_INDEX, OCI_MANIFEST, putBlob, putManifest, type RegistryStore, sha256 } from "./store.ts";

const OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
const OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip";

export interface PublishOptions {
  platforms: string[];
  tags: string[];
  attestations?: boolean;
  created?: string;
  seed?: string;
}

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

function descriptor(mediaType: string, bytes: Buffer, extra: Record<string, unknown> = {}) {
  return { mediaType, digest: sha256(bytes), size: bytes.length, ...extra };
}

interface SingleLayer {
  configMediaType: string;
  config: Buffer;
  layerMediaType: string;
  layer: Buffer;
  layerAnnotations?: Record<string, string>;
  annotations?: Record<string, string>;
  tags?: string[];
}

/** An OCI manifest of one config and one layer, its blobs stored and linked first. */
function putSingleLayer(store: RegistryStore, name: string, m: SingleLayer): { digest: string; size: number } {
  putBlob(store, name, m.layer);
  putBlob(store, name, m.config);
  const layerExtra = m.layerAnnotations ? { annotations: m.layerAnnotations } : {};
  const manifest = json({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: descriptor(m.configMediaType, m.config),
    layers: [descriptor(m.layerMediaType, m.layer, layerExtra)],
    ...(m.annotations ? { annotations: m.annotations } : {}),
  });
  return { digest: putManifest(store, name, manifest, OCI_MANIFEST, m.tags), size: manifest.length };
}

function splitPlatform(platform: string): { os: string; architecture: string; variant?: string } {
  const [os, architecture, variant, ...rest] = platform.split("/");
  if (!os || !architecture || rest.length > 0 || variant === "") {
    throw new Error(`platform "${platform}" is not os/arch[/variant], e.g. linux/arm64`);
  }
  return variant ? { os, architecture, variant } : { os, architecture };
}

interface Image {
  platform: string;
  digest: string;
  size: number;
}

function putImage(store: RegistryStore, name: string, platform: string, seed: string, created: string): Image {
  const p = splitPlatform(platform);
  // Same inputs, same bytes: digests stay stable across runs and between registries.
  const layer = Buffer.from(`${seed} ${name} ${platform} layer\n`);
  const config = json({
    architecture: p.architecture,
    os: p.os,
    ...(p.variant ? { variant: p.variant } : {}),
    created,
    config: {},
    rootfs: { type: "layers", diff_ids: [sha256(layer)] },
  });
  return {
    platform,
    ...putSingleLayer(store, name, { configMediaType: OCI_CONFIG, config, layerMediaType: OCI_LAYER, layer }),
  };
}

/** buildx's provenance attestation for one image, and its index entry. */
function putAttestation(store: RegistryStore, name: string, image: Image, tag: string, created: string) {
  const statement = json({
    _type: "https://in-toto.io/Statement/v0.1",
    predicateType: "https://slsa.dev/provenance/v0.2",
    subject: [
      {
        name: `pkg:docker/${name}@${tag}?platform=${encodeURIComponent(image.platform)}`,
        digest: { sha256: image.digest.slice(7) },
      },
    ],
    predicate: {
      builder: { id: "" },
      buildType: "https://mobyproject.org/buildkit@v1",
      metadata: { buildFinishedOn: created },
    },
  });
  const config = json({
    architecture: "unknown",
    os: "unknown",
    config: {},
    rootfs: { type: "layers", diff_ids: [sha256(statement)] },
  });
  const { digest, size } = putSingleLayer(store, name, {
    configMediaType: OCI_CONFIG,
    config,
    layerMediaType: "application/vnd.in-toto+json",
    layer: statement,
    layerAnnotations: { "in-toto.io/predicate-type": "https://slsa.dev/provenance/v0.2" },
  });
  return {
    mediaType: OCI_MANIFEST,
    digest,
    size,
    annotations: {
      "vnd.docker.reference.digest": image.digest,
      "vnd.docker.reference.type": "attestation-manifest",
    },
    platform: { architecture: "unknown", os: "unknown" },
  };
}

export function publishIndex(
  store: RegistryStore,
  name: string,
  opts: PublishOptions,
): { digest: string; manifests: { platform: string; digest: string }[] } {
  const seed = opts.seed ?? "sandbox";
  const created = opts.created ?? "2024-01-01T00:00:00Z";
  const images = opts.platforms.map((platform) => putImage(store, name, platform, seed, created));
  const entries: unknown[] = images.map((m) => ({
    mediaType: OCI_MANIFEST,
    digest: m.digest,
    size: m.size,
    platform: splitPlatform(m.platform),
  }));
  if (opts.attestations) {
    for (const image of images) entries.push(putAttestation(store, name, image, opts.tags[0] ?? "latest", created));
  }
  const index = json({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: entries });
  const digest = putManifest(store, name, index, OCI_INDEX, opts.tags);
  return { digest, manifests: images.map((m) => ({ platform: m.platform, digest: m.digest })) };
}

/** A generic OCI artifact (e.g. a Helm chart: config application/vnd.cncf.helm.config.v1+json). */
export function publishArtifact(
  store: RegistryStore,
  name: string,
  opts: {
    tag: string;
    configMediaType: string;
    layerMediaType: string;
    layer: Buffer | string;
    annotations?: Record<string, string>;
    config?: Buffer | string;
  },
): { digest: string } {
  const { digest } = putSingleLayer(store, name, {
    configMediaType: opts.configMediaType,
    config: Buffer.from(opts.config ?? "{}"),
    layerMediaType: opts.layerMediaType,
    layer: Buffer.from(opts.layer),
    annotations: opts.annotations,
    tags: [opts.tag],
  });
  return { digest };
}
