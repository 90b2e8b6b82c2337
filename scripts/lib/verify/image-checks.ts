// "the expected image tags were published" and "Current Image Reality": every tag the workflow
// declares, one index digest for all of them, exactly the declared platforms, a provenance
// attestation for that digest, and every other OCI artifact (a Helm chart) at its version.

import { type Check, fail, pass, skip } from "../checks.ts";
import { type ImageFacts, inspectImage } from "../facts/index.ts";
import { describeApiError } from "../github.ts";
import { kitCommand } from "../hint.ts";
import type { ArtifactSpec, ImageSpec } from "../workflow/index.ts";
import type { VerifyContext } from "./context.ts";

const short = (digest: string) => digest.replace(/^sha256:/, "").slice(0, 12);

/** The registry client's message already says what went wrong; the fix depends on how. */
function describeRegistryError(error: unknown, ref: string, tag: string): { message: string; fix: string } {
  const e = error as { message?: string; status?: number; code?: string };
  // The client's messages name the manifest they were reading (ref:tag); others get the ref.
  const message = e.message?.includes(ref) ? e.message : `${ref}: ${e.message ?? String(error)}`;
  const status = e.status ?? 0;
  if (e.code === "NOT_PUBLISHED") {
    return {
      message,
      fix: `nothing was ever pushed to ${ref}: the release workflow's job did not publish it (see the workflow check); ${kitCommand("release:recover", ["--tag", tag, "--apply"])} re-runs it. If the package exists but is private, give the token read:packages`,
    };
  }
  if (e.code === "PRIVATE") {
    return {
      message,
      fix: "the package is private: set GH_TOKEN (or GITHUB_TOKEN) to a classic token with read:packages (fine-grained tokens cannot read GHCR), or make the package public, then verify again",
    };
  }
  if (status === 401 || status === 403) {
    return {
      message,
      fix: "give the token read access to the package (a classic PAT with read:packages, or packages: read in Actions), or make the package public",
    };
  }
  if (
    e.code === "MANIFEST_INVALID" ||
    e.code === "DIGEST_MISMATCH" ||
    e.code === "BLOB_INVALID" ||
    e.code === "DIGEST_INVALID"
  ) {
    return {
      message,
      fix: `the registry holds a broken image: re-run the job that pushed it (${kitCommand("release:recover", ["--tag", tag, "--apply"])}), then verify again`,
    };
  }
  if (e.code === "NAME_INVALID")
    return { message, fix: "fix the image name in the release workflow, then release the next version" };
  if (status >= 500 || status === 429 || e.code === "TIMEOUT")
    return {
      message,
      fix: `the registry is failing or busy: run ${kitCommand("release:verify")} again in a few minutes`,
    };
  return {
    message,
    fix: `check that the registry is reachable and that RELEASE_REGISTRY_URL (when set) points at it, then run ${kitCommand("release:verify")} again`,
  };
}

/** The attestation check's id: `attestation:` and what follows `image:` in the image's own id. */
export const attestationCheckId = (image: ImageSpec) => `attestation:${image.id.slice("image:".length)}`;

/**
 * `needs`: the check of the workflow run that publishes it. One image is what one build pushes
 * (see ImageSpec): its tags must agree on one digest; another build's tags of the same reference
 * are another image, with a check of its own.
 */
export function imageCheck(image: ImageSpec, needs: string[] = ["workflow"]): Check<VerifyContext> {
  return {
    id: image.id,
    needs,
    async run(ctx) {
      let facts: ImageFacts;
      try {
        facts = await inspectImage(ctx, image);
      } catch (error) {
        const { message, fix } = describeRegistryError(error, image.ref, ctx.tag);
        return fail(message, fix);
      }
      ctx.receipt.images.push({
        ref: image.ref,
        digest: facts.digest,
        platforms: facts.platforms,
        tags: Object.keys(facts.digests),
      });
      const problems: string[] = [];
      if (facts.missingTags.length === image.tags.length) {
        return fail(
          `${image.ref} has none of its tags (${image.tags.join(", ")})`,
          `the ${image.job} job did not publish it: ${kitCommand("release:recover", ["--tag", ctx.tag, "--apply"])} re-runs it`,
          facts,
        );
      }
      if (facts.missingTags.length)
        problems.push(`missing tag${facts.missingTags.length > 1 ? "s" : ""} ${facts.missingTags.join(", ")}`);
      const distinct = [...new Set(Object.values(facts.digests))];
      if (distinct.length > 1)
        problems.push(
          `tags point at different digests (${Object.entries(facts.digests)
            .map(([t, d]) => `${t} → ${short(d)}`)
            .join(", ")})`,
        );
      if (facts.missingPlatforms.length)
        problems.push(
          `missing platform${facts.missingPlatforms.length > 1 ? "s" : ""} ${facts.missingPlatforms.join(", ")}`,
        );
      if (facts.extraPlatforms.length)
        problems.push(
          `platform${facts.extraPlatforms.length > 1 ? "s" : ""} ${facts.extraPlatforms.join(", ")} the workflow does not declare`,
        );
      if (problems.length)
        return fail(
          `${image.ref}: ${problems.join("; ")}`,
          `re-run the ${image.job} job for ${ctx.tag} (${kitCommand("release:recover", ["--tag", ctx.tag, "--apply"])}); if the workflow itself is wrong, fix it and release the next version`,
          facts,
        );
      const declared = image.platforms ? "" : " (the workflow names no platforms)";
      return pass(
        `${image.tags.length} tag${image.tags.length > 1 ? "s" : ""} → ${short(facts.digest!)}, ${facts.platforms.join(", ")}${declared}`,
        facts,
      );
    },
  };
}

export function attestationCheck(image: ImageSpec): Check<VerifyContext> {
  return {
    id: attestationCheckId(image),
    needs: [image.id],
    async run({ gh, tag }, deps) {
      if (!image.attest) return skip(`the workflow does not attest ${image.ref}`);
      const digest = (deps[image.id]?.data as ImageFacts | undefined)?.digest;
      if (!digest) return skip(`no single digest for ${image.ref} to look up (see its image check)`);
      try {
        const res = await gh.octokit.rest.repos.listAttestations({
          owner: gh.owner,
          repo: gh.repo,
          subject_digest: digest,
          per_page: 10,
        });
        const count = res.data.attestations?.length ?? 0;
        if (count) return pass(`${count} attestation${count > 1 ? "s" : ""} for ${short(digest)}`);
      } catch (error) {
        if ((error as { status?: number }).status !== 404) {
          const { message, fix } = describeApiError(error, `reading attestations for ${image.ref}`);
          return fail(message, fix);
        }
      }
      return fail(
        `no provenance attestation for ${image.ref}@${short(digest)}`,
        `re-run the ${image.job} job for ${tag} (${kitCommand("release:recover", ["--tag", tag, "--apply"])})`,
      );
    },
  };
}

/** `id`: artifact:<name>, or artifact:<name>:<tag> when two artifacts share a name. */
export function artifactCheck(
  artifact: ArtifactSpec,
  needs: string[] = ["workflow"],
  id = `artifact:${artifact.name}`,
): Check<VerifyContext> {
  return {
    id,
    needs,
    async run(ctx) {
      let manifest;
      try {
        manifest = await ctx.registry.fetchManifest(artifact.ref, artifact.tag);
      } catch (error) {
        const { message, fix } = describeRegistryError(error, artifact.ref, ctx.tag);
        return fail(message, fix);
      }
      const receipt = {
        name: artifact.name,
        ref: artifact.ref,
        tag: artifact.tag,
        digest: manifest?.digest ?? null,
        media_type: null as string | null,
      };
      ctx.receipt.artifacts.push(receipt);
      if (!manifest)
        return fail(
          `${artifact.ref}:${artifact.tag} is not in the registry`,
          `the ${artifact.job} job did not push it: ${kitCommand("release:recover", ["--tag", ctx.tag, "--apply"])} re-runs it`,
        );
      const type: string | null =
        artifact.kind === "helm"
          ? (manifest.body?.config?.mediaType ?? null)
          : (manifest.body?.artifactType ?? manifest.body?.config?.mediaType ?? null);
      receipt.media_type = type;
      if (artifact.mediaType && type !== artifact.mediaType) {
        return fail(
          `${artifact.ref}:${artifact.tag} is ${type ?? "of no declared type"}, not ${artifact.mediaType}`,
          `check the ${artifact.job} job: it pushed something other than a ${artifact.kind === "helm" ? "Helm chart" : artifact.mediaType}`,
        );
      }
      return pass(`${artifact.ref}:${artifact.tag} (${type ?? artifact.kind}) → ${short(manifest.digest)}`);
    },
  };
}
