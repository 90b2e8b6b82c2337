// What the registry holds for an image the tag workflow declares: its tags, one digest, its platforms.
import type { ManifestInfo } from "../registry.ts";
import type { ImageSpec } from "../workflow/index.ts";
import type { RegistryAccess } from "./registry-access.ts";

export interface ImageFacts {
  digest: string | null;
  platforms: string[];
  missingTags: string[];
  digests: Record<string, string>;
  missingPlatforms: string[];
  extraPlatforms: string[];
}

/** What the registry holds for one image the workflow declares. */
export async function inspectImage(ctx: { registry: RegistryAccess }, image: ImageSpec): Promise<ImageFacts> {
  const found = await Promise.all(
    image.tags.map(async (tag) => [tag, await ctx.registry.resolve(image.ref, tag)] as const),
  );
  const digests: Record<string, string> = {};
  const missingTags: string[] = [];
  let info: ManifestInfo | null = null;
  for (const [tag, manifest] of found) {
    if (!manifest) missingTags.push(tag);
    else {
      digests[tag] = manifest.digest;
      info ??= manifest;
    }
  }
  const platforms = info ? [...info.platforms].sort() : [];
  const expected = image.platforms ?? platforms;
  // One digest only when every tag is there and agrees: anything else is not "the" image.
  const single = !missingTags.length && new Set(Object.values(digests)).size === 1;
  return {
    digest: single ? info!.digest : null,
    platforms,
    missingTags,
    digests,
    missingPlatforms: info ? expected.filter((p) => !platforms.includes(p)) : [],
    extraPlatforms: info ? platforms.filter((p) => !expected.includes(p)) : [],
  };
}
