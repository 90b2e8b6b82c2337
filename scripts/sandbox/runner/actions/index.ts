// The marketplace actions the sandbox implements, by name (the version after @ is not read: the
// implementations follow the current major's documentation). Any other action is logged and
// succeeds without doing anything.
import { artifactActions } from "./artifacts.ts";
import { attestAction, attestBuildProvenanceAction } from "./attest.ts";
import { checkoutAction } from "./checkout.ts";
import { buildPushAction, depotBuildPushAction, loginAction, setupBuildxAction, setupQemuAction } from "./docker.ts";
import { metadataAction } from "./metadata.ts";
import type { Action } from "./types.ts";

const installer =
  (tool: string, outputs: (path: string) => Record<string, string> = () => ({})): Action =>
  async (call) => {
    call.log(`sandbox: ${tool} is already on the runner's PATH (the sandbox's stand-in)`);
    return { outputs: outputs(`/opt/hostedtoolcache/${tool}/${tool}`) };
  };

const { upload, download } = artifactActions();

export const ACTIONS: Record<string, Action> = {
  "actions/checkout": checkoutAction,
  "docker/setup-qemu-action": setupQemuAction,
  "docker/setup-buildx-action": setupBuildxAction,
  "docker/login-action": loginAction,
  "docker/metadata-action": metadataAction,
  "docker/build-push-action": buildPushAction,
  "depot/build-push-action": depotBuildPushAction,
  "depot/setup-action": installer("depot"),
  "actions/attest-build-provenance": attestBuildProvenanceAction,
  "actions/attest": attestAction,
  "actions/upload-artifact": upload,
  "actions/download-artifact": download,
  "azure/setup-helm": installer("helm", (path) => ({ "helm-path": path })),
  "oras-project/setup-oras": installer("oras"),
  "sigstore/cosign-installer": installer("cosign"),
  "imjasonh/setup-crane": installer("crane"),
};

/** "docker/build-push-action@v6" → its implementation, or null when the sandbox has none. */
export function findAction(uses: string): Action | null {
  const name = uses.split("@")[0]!.toLowerCase();
  return ACTIONS[name] ?? null;
}
