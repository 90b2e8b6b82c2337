// What the registry tests share: the manifest media types a client must ask for, and a failure
// that has to be a RegistryError.
import { expect } from "vitest";
import { RegistryError } from "../../scripts/lib/registry.ts";
import { DOCKER_LIST, DOCKER_MANIFEST, OCI_INDEX, OCI_MANIFEST } from "../../scripts/sandbox/registry.ts";

/** The four manifest types of an image: the two multi-platform lists, then the two single manifests. */
export const MANIFEST_TYPES = [OCI_INDEX, DOCKER_LIST, OCI_MANIFEST, DOCKER_MANIFEST];

/** The RegistryError `promise` rejects with; fails the test if it answers or fails otherwise. */
export async function rejection(promise: Promise<unknown>): Promise<RegistryError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(RegistryError);
    return error as RegistryError;
  }
  throw new Error("expected a RegistryError, got an answer");
}
