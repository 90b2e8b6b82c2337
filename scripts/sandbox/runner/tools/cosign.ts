// The `cosign` stand-in (cosign 2): `sign` and `attest` store what cosign stores in a registry
// without the referrers API, under the digest's `.sig` and `.att` tags; keyless signing needs
// the job's OIDC token (permissions: id-token: write), as it does on GitHub. `verify` checks
// that a signature is there.
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { type Descriptor, descriptorOf, MEDIA, parseRef, sha256 } from "../oci/client.ts";
import { pushTagged } from "../oci/image.ts";
import { first, parseArgs, UsageError } from "./args.ts";
import { login, manifestAt, standIn } from "./common.ts";
import type { ToolCall } from "./types.ts";

const SIGN_USAGE = `--key= --predicate= --type= -a|--annotations= -o|--output=
  --certificate-identity|--certificate-identity-regexp= --certificate-oidc-issuer|--certificate-oidc-issuer-regexp=
  -y|--yes -r|--recursive --tlog-upload`;

async function subject(call: ToolCall, name: string) {
  const ref = parseRef(name);
  const manifest = await manifestAt(call, ref);
  if (!manifest) throw new UsageError(`accessing entity: entity not found in registry: ${name}`);
  if (!ref.digest)
    call.err(`WARNING: Image reference ${name} uses a tag, not a digest, to identify the image to sign.`);
  return { ref, digest: manifest.digest };
}

async function attachLayer(
  call: ToolCall,
  name: string,
  suffix: "sig" | "att",
  layer: Descriptor,
  payload: Buffer,
): Promise<void> {
  const { ref, digest } = await subject(call, name);
  const tag = `${digest.replace(":", "-")}.${suffix}`;
  const existing = await call.rt.oci.getManifest(ref, tag);
  const previous = existing
    ? ((JSON.parse(existing.bytes.toString("utf8")) as { layers?: Descriptor[] }).layers ?? [])
    : [];
  const config = Buffer.from(
    JSON.stringify({
      architecture: "",
      os: "",
      config: {},
      rootfs: { type: "layers", diff_ids: [...previous, layer].map((l) => l.digest) },
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA.ociManifest,
      config: descriptorOf(MEDIA.ociConfig, config),
      layers: [...previous, layer],
    }),
  );
  await pushTagged(
    call.rt.oci,
    ref,
    { bytes: manifest, mediaType: MEDIA.ociManifest, digest: sha256(manifest), blobs: [config, payload], children: [] },
    [tag],
  );
}

function keyless(call: ToolCall, key: string | undefined): boolean {
  if (key) return true;
  if (call.rt.permissions["id-token"] === "write") return true;
  call.err(
    "Error: signing: getting signer: getting key from Fulcio: retrieving cert: no identity token: the job needs `permissions: id-token: write` for keyless signing",
  );
  return false;
}

async function sign(call: ToolCall, rest: string[]): Promise<number> {
  const p = parseArgs(rest, SIGN_USAGE);
  if (!keyless(call, first(p, "key"))) return 1;
  for (const name of p.positionals) {
    const { digest } = await subject(call, name);
    call.rt.produce(`cosign sign ${name}`);
    const payload = Buffer.from(
      JSON.stringify({
        critical: {
          identity: { "docker-reference": parseRef(name).base },
          image: { "docker-manifest-digest": digest },
          type: "cosign container image signature",
        },
        optional: null,
      }),
    );
    const layer = descriptorOf("application/vnd.dev.cosign.simplesigning.v1+json", payload, {
      annotations: {
        "dev.cosignproject.cosign/signature": Buffer.from(`sandbox signature of ${digest}`).toString("base64"),
      },
    });
    await attachLayer(call, name, "sig", layer, payload);
    call.err(`Pushing signature to: ${parseRef(name).base}`);
  }
  return 0;
}

async function attest(call: ToolCall, rest: string[]): Promise<number> {
  const p = parseArgs(rest, SIGN_USAGE);
  if (!keyless(call, first(p, "key"))) return 1;
  const predicatePath = first(p, "predicate");
  if (!predicatePath) throw new UsageError("required flag --predicate not set");
  const predicate = JSON.parse(await readFile(resolve(call.cwd, predicatePath), "utf8")) as unknown;
  for (const name of p.positionals) {
    const { digest } = await subject(call, name);
    call.rt.produce(`cosign attest ${name}`);
    const statement = {
      _type: "https://in-toto.io/Statement/v0.1",
      predicateType: first(p, "type") ?? "https://cosign.sigstore.dev/attestation/v1",
      subject: [{ name: parseRef(name).base, digest: { sha256: digest.slice(7) } }],
      predicate,
    };
    const payload = Buffer.from(
      JSON.stringify({
        payloadType: "application/vnd.in-toto+json",
        payload: Buffer.from(JSON.stringify(statement)).toString("base64"),
        signatures: [{ sig: "c2FuZGJveA==" }],
      }),
    );
    await attachLayer(
      call,
      name,
      "att",
      descriptorOf("application/vnd.dsse.envelope.v1+json", payload, {
        annotations: { predicateType: statement.predicateType },
      }),
      payload,
    );
  }
  return 0;
}

/** `verify` finds the `.sig` tag, `verify-attestation` the `.att` tag, of each image. */
async function verify(call: ToolCall, rest: string[], kind: "sig" | "att"): Promise<number> {
  const p = parseArgs(rest, SIGN_USAGE);
  for (const name of p.positionals) {
    const { ref, digest } = await subject(call, name);
    const found = await call.rt.oci.getManifest(ref, `${digest.replace(":", "-")}.${kind}`);
    if (!found) {
      call.err(`Error: no matching ${kind === "sig" ? "signatures" : "attestations"}`);
      return 1;
    }
    call.out(
      JSON.stringify([
        { critical: { identity: { "docker-reference": ref.base }, image: { "docker-manifest-digest": digest } } },
      ]),
    );
  }
  return 0;
}

export const cosign = standIn("cosign", "GitVersion:    v2.4.1", {
  sign,
  attest,
  verify: (call, rest) => verify(call, rest, "sig"),
  "verify-attestation": (call, rest) => verify(call, rest, "att"),
  login: (call, rest) => login(call, rest, null),
});
