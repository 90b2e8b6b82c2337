// docker/setup-qemu-action, docker/setup-buildx-action, docker/login-action and
// docker/build-push-action (v6), from their READMEs and action.yml: inputs, defaults and outputs.
// build-push-action runs the same build as the docker stand-in (../build.ts), with the provenance
// it asks buildx for by default (mode=max for a public repository) unless `provenance` says otherwise.
import { build } from "../build.ts";
import { BuildFailure } from "../runtime.ts";
import { type Action, ActionFailure, booleanInput, input, listInput } from "./types.ts";

export const setupQemuAction: Action = async (call) => {
  call.rt.docker.qemu = true;
  const platforms = input(call, "platforms", "all");
  return {
    outputs: {
      platforms:
        platforms === "all"
          ? "linux/amd64,linux/arm64,linux/riscv64,linux/ppc64le,linux/s390x,linux/386,linux/arm/v7,linux/arm/v6"
          : platforms,
    },
  };
};

export const setupBuildxAction: Action = async (call) => {
  const driver = input(call, "driver", "docker-container");
  const name = input(call, "name", `builder-${call.rt.key.slice(0, 8)}`);
  const use = booleanInput(call, "use", true);
  if (use) call.rt.docker.builder = driver === "docker" ? "docker" : "docker-container";
  const platforms = call.rt.docker.qemu
    ? "linux/amd64,linux/amd64/v2,linux/arm64,linux/riscv64,linux/ppc64le,linux/s390x,linux/386,linux/arm/v7,linux/arm/v6"
    : "linux/amd64,linux/amd64/v2,linux/386";
  return {
    outputs: {
      name,
      driver,
      platforms,
      nodes: JSON.stringify([
        { name: `${name}0`, endpoint: "unix:///var/run/docker.sock", status: "running", platforms },
      ]),
      endpoint: "unix:///var/run/docker.sock",
      status: "running",
      flags: "",
    },
  };
};

export const loginAction: Action = async (call) => {
  const registry = input(call, "registry", "docker.io");
  const username = input(call, "username");
  const password = input(call, "password");
  if (!username || !password) throw new ActionFailure("Username and password required");
  call.rt.logins.set(registry.replace(/^https?:\/\//, "").replace(/\/.*$/, ""), { username, password });
  call.log(`Login Succeeded! (${registry})`);
  return { outputs: {} };
};

export const buildPushAction: Action = async (call) => {
  const rt = call.rt;
  const context = input(call, "context", `${call.github.server_url}/${call.github.repository}.git#${call.github.ref}`);
  const attests = listInput(call, "attests", { ignoreComma: true });
  let provenance: string | null = input(call, "provenance") || null;
  const load = booleanInput(call, "load", false);
  if (!provenance) {
    const asked = attests.find((a) => /(?:^|,)type=provenance(?:,|$)/.test(a));
    if (asked) provenance = /disabled=true/.test(asked) ? "false" : (/mode=(\w+)/.exec(asked)?.[0] ?? "mode=min");
    else if (call.env.BUILDX_NO_DEFAULT_ATTESTATIONS) provenance = "false";
    else if (!load) {
      const repository = (call.github.event as { repository?: { private?: boolean } } | undefined)?.repository;
      provenance = repository?.private ? "mode=min,inline-only=true" : "mode=max";
    }
  }
  const saved = rt.docker.builder;
  if (input(call, "builder")) rt.docker.builder = "docker-container";
  try {
    const result = await build(
      rt,
      {
        cwd: rt.workspace,
        context,
        file: input(call, "file") || undefined,
        platforms: listInput(call, "platforms"),
        tags: listInput(call, "tags"),
        labels: Object.fromEntries(
          listInput(call, "labels", { ignoreComma: true }).map((l) => [
            l.slice(0, l.indexOf("=") === -1 ? l.length : l.indexOf("=")),
            l.includes("=") ? l.slice(l.indexOf("=") + 1) : "",
          ]),
        ),
        annotations: listInput(call, "annotations", { ignoreComma: true }),
        push: booleanInput(call, "push", false),
        load,
        outputs: listInput(call, "outputs", { ignoreComma: true }),
        provenance,
      },
      call.log,
    );
    return {
      outputs: { digest: result.digest, imageid: result.imageId, metadata: JSON.stringify(result.metadata, null, 2) },
    };
  } catch (error) {
    if (error instanceof BuildFailure) {
      const lines = error.message.split("\n");
      for (const line of lines.slice(0, -1)) call.log(line);
      throw new ActionFailure(`buildx failed with: ${lines.at(-1)}`);
    }
    throw error;
  } finally {
    rt.docker.builder = saved;
  }
};

/**
 * depot/build-push-action: documented as a drop-in for docker/build-push-action (same inputs and
 * outputs) that builds on Depot's remote BuildKit builders, native for amd64 and arm64. In the
 * sandbox it builds like build-push-action on such a builder.
 */
export const depotBuildPushAction: Action = async (call) => {
  const docker = call.rt.docker;
  const saved = { builder: docker.builder, qemu: docker.qemu };
  docker.builder = "docker-container";
  docker.qemu = true;
  try {
    return await buildPushAction(call);
  } finally {
    Object.assign(docker, saved);
  }
};
