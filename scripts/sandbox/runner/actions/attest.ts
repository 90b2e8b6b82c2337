// actions/attest-build-provenance (v2) and actions/attest (v2), from their READMEs and action.yml:
// exactly one of subject-path, subject-digest (with subject-name) or subject-checksums; the job
// needs `id-token: write` and `attestations: write`; the signed bundle is recorded with GitHub's
// attestations API (the sandbox's state) and, with push-to-registry, attached to the image in its
// registry as an OCI referrer. The provenance predicate is GitHub's SLSA v1 workflow build type.
import { createHash } from "node:crypto";
import { appendFileSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import picomatch from "picomatch";
import { descriptorOf, MEDIA, parseRef } from "../oci/client.ts";
import { type Action, type ActionCall, ActionFailure, booleanInput, input } from "./types.ts";

const SLSA_V1 = "https://slsa.dev/provenance/v1";
const BUNDLE = "application/vnd.dev.sigstore.bundle.v0.3+json";

interface Subject {
  name: string;
  digest: string;
}

function filesMatching(workspace: string, patterns: string[]): string[] {
  const isMatch = picomatch(
    patterns.map((p) => p.replace(/^\.\//, "")),
    { dot: true },
  );
  const out: string[] = [];
  const walk = (dir: string, rel: string) => {
    for (const name of readdirSync(dir).sort()) {
      if (name === ".git") continue;
      const full = join(dir, name);
      const relPath = rel ? `${rel}/${name}` : name;
      const s = statSync(full);
      if (s.isDirectory()) walk(full, relPath);
      else if (s.isFile() && isMatch(relPath)) out.push(full);
    }
  };
  walk(workspace, "");
  return out;
}

function subjects(call: ActionCall): Subject[] {
  const path = input(call, "subject-path");
  const digest = input(call, "subject-digest");
  const checksums = input(call, "subject-checksums");
  const given = [path, digest, checksums].filter(Boolean).length;
  if (given === 0)
    throw new ActionFailure("One of subject-path, subject-digest, or subject-checksums must be provided");
  if (given > 1)
    throw new ActionFailure("Only one of subject-path, subject-digest, or subject-checksums may be provided");
  if (digest) {
    const name = input(call, "subject-name");
    if (!name) throw new ActionFailure("subject-name must be provided when using subject-digest");
    if (!/^sha256:[a-f0-9]{64}$/.test(digest))
      throw new ActionFailure(`subject-digest must be in the format "sha256:<hex-digest>"; got "${digest}"`);
    return [{ name, digest }];
  }
  if (checksums) {
    const text = readFileSync(join(call.rt.workspace, checksums), "utf8");
    return text
      .split("\n")
      .filter((l) => l.trim())
      .map((l) => {
        const [hex, file] = l.trim().split(/\s+\*?/);
        return { name: file!, digest: `sha256:${hex}` };
      });
  }
  const files = filesMatching(
    call.rt.workspace,
    path
      .split(/\r?\n|,/)
      .map((s) => s.trim())
      .filter(Boolean),
  );
  if (files.length === 0) throw new ActionFailure(`Could not find subject at path ${path}`);
  return files.map((f) => ({
    name: f.slice(f.lastIndexOf("/") + 1),
    digest: `sha256:${createHash("sha256").update(readFileSync(f)).digest("hex")}`,
  }));
}

function provenance(call: ActionCall): unknown {
  const g = call.github;
  const server = String(g.server_url);
  const repo = String(g.repository);
  const workflowRef = String(g.workflow_ref ?? "");
  return {
    buildDefinition: {
      buildType: "https://actions.github.io/buildtypes/workflow/v1",
      externalParameters: {
        workflow: {
          ref: g.ref,
          repository: `${server}/${repo}`,
          path: workflowRef.slice(repo.length + 1).split("@")[0],
        },
      },
      internalParameters: {
        github: {
          event_name: g.event_name,
          repository_id: g.repository_id,
          repository_owner_id: g.repository_owner_id,
          runner_environment: "github-hosted",
        },
      },
      resolvedDependencies: [{ uri: `git+${server}/${repo}@${g.ref}`, digest: { gitCommit: g.sha } }],
    },
    runDetails: {
      builder: { id: `${server}/${workflowRef}` },
      metadata: { invocationId: `${server}/${repo}/actions/runs/${g.run_id}/attempts/${g.run_attempt}` },
    },
  };
}

function attest(predicateType: string, predicateOf: (call: ActionCall) => unknown): Action {
  return async (call) => {
    const rt = call.rt;
    if (rt.permissions["id-token"] !== "write")
      throw new ActionFailure(
        "Unable to get ACTIONS_ID_TOKEN_REQUEST_URL env variable (the job needs `permissions: id-token: write`)",
      );
    if (rt.permissions.attestations !== "write")
      throw new ActionFailure(
        "Failed to persist attestation: Resource not accessible by integration (the job needs `permissions: attestations: write`) - https://docs.github.com/rest/repos/attestations#create-an-attestation",
      );
    const subjectList = subjects(call);
    const type = input(call, "predicate-type", predicateType);
    const predicate = predicateOf(call);
    const push = booleanInput(call, "push-to-registry", false);
    if (push && subjectList.length !== 1)
      throw new ActionFailure("push-to-registry needs exactly one subject, an image with its digest");
    const statement = {
      _type: "https://in-toto.io/Statement/v1",
      subject: subjectList.map((s) => ({ name: s.name, digest: { sha256: s.digest.slice(7) } })),
      predicateType: type,
      predicate,
    };
    const bundle = {
      mediaType: BUNDLE,
      verificationMaterial: {
        certificate: {
          rawBytes: Buffer.from(`sandbox certificate for ${call.github.workflow_ref}`).toString("base64"),
        },
        tlogEntries: [],
        timestampVerificationData: {},
      },
      dsseEnvelope: {
        payload: Buffer.from(JSON.stringify(statement)).toString("base64"),
        payloadType: "application/vnd.in-toto+json",
        signatures: [{ sig: Buffer.from("sandbox").toString("base64") }],
      },
    };
    if (push) {
      const subject = subjectList[0]!;
      const ref = parseRef(subject.name);
      if (ref.tag || ref.digest)
        throw new ActionFailure(`subject-name must be a fully-qualified image name without a tag: ${subject.name}`);
      const image = await rt.oci.getManifest(ref, subject.digest);
      if (!image)
        throw new ActionFailure(
          `Failed to push attestation to ${ref.base}: MANIFEST_UNKNOWN: manifest unknown (${subject.digest})`,
        );
      const bundleBytes = Buffer.from(JSON.stringify(bundle));
      const empty = Buffer.from("{}");
      await rt.oci.pushBlob(ref, empty);
      await rt.oci.pushBlob(ref, bundleBytes);
      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MEDIA.ociManifest,
          artifactType: BUNDLE,
          config: descriptorOf(MEDIA.empty, empty),
          layers: [descriptorOf(BUNDLE, bundleBytes)],
          subject: { mediaType: image.mediaType, digest: image.digest, size: image.bytes.length },
          annotations: {
            "dev.sigstore.bundle.content": "dsse-envelope",
            "dev.sigstore.bundle.predicateType": type,
            "org.opencontainers.image.created": new Date().toISOString(),
          },
        }),
      );
      await rt.oci.attachReferrer(
        ref,
        image.digest,
        manifest,
        descriptorOf(MEDIA.ociManifest, manifest, { artifactType: BUNDLE }),
      );
      call.log(`Attestation uploaded to registry: ${ref.base}@${subject.digest}`);
    }
    for (const s of subjectList) rt.attest({ digest: s.digest, predicateType: type, bundle });
    const id = String(100_000 + Math.floor(Math.random() * 900_000));
    const bundlePath = join(rt.temp, `attestation-${id}.json`);
    writeFileSync(bundlePath, JSON.stringify(bundle));
    appendFileSync(join(rt.temp, "created_attestation_paths.txt"), `${bundlePath}\n`);
    const url = `${call.github.server_url}/${call.github.repository}/attestations/${id}`;
    call.log(`Attestation created for ${subjectList.map((s) => `${s.name}@${s.digest}`).join(", ")}: ${url}`);
    return { outputs: { "bundle-path": bundlePath, "attestation-id": id, "attestation-url": url } };
  };
}

export const attestBuildProvenanceAction = attest(SLSA_V1, provenance);

export const attestAction: Action = async (call) => {
  const type = input(call, "predicate-type");
  const given = input(call, "predicate");
  const path = input(call, "predicate-path");
  if (!type) return attest(SLSA_V1, provenance)(call);
  if (!given && !path) throw new ActionFailure("One of predicate-path or predicate must be provided");
  const predicate = JSON.parse(given || readFileSync(join(call.rt.workspace, path), "utf8")) as unknown;
  return attest(type, () => predicate)(call);
};
