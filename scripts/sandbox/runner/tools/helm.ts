// The `helm` stand-in (Helm 3): `package` makes a real chart archive from the chart folder
// (Chart.yaml read with its version and appVersion overridable), `push` stores it in the sandbox
// registry as Helm's OCI layout has it (config application/vnd.cncf.helm.config.v1+json, the
// archive as the one layer, the version as the tag with + written _), `registry login` remembers
// credentials.
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { descriptorOf, parseRef } from "../oci/client.ts";
import { pushTagged } from "../oci/image.ts";
import { type TarEntry, tarGz, untar } from "../oci/tar.ts";
import { first, parseArgs, UsageError } from "./args.ts";
import { login, standIn } from "./common.ts";
import type { ToolCall } from "./types.ts";

export const HELM_CONFIG = "application/vnd.cncf.helm.config.v1+json";
export const HELM_CHART = "application/vnd.cncf.helm.chart.content.v1.tar+gzip";

async function files(dir: string, base = dir): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await readdir(dir)).sort()) {
    const full = join(dir, name);
    const s = await stat(full);
    if (s.isDirectory()) out.push(...(await files(full, base)));
    else if (s.isFile()) out.push(relative(base, full));
  }
  return out;
}

type Chart = Record<string, unknown> & { name?: string; version?: string };

async function packageCommand(call: ToolCall, args: string[]): Promise<number> {
  const p = parseArgs(
    args,
    "--version= --app-version= -d|--destination= --key= --keyring= -u|--dependency-update --sign",
  );
  if (p.positionals.length === 0) throw new UsageError('"helm package" requires at least 1 argument');
  for (const path of p.positionals) {
    const dir = resolve(call.cwd, path);
    if (!call.rt.inside(dir)) throw new UsageError(`${path} is outside the runner's workspace`);
    let chart: Chart;
    try {
      chart = (parseYaml(await readFile(join(dir, "Chart.yaml"), "utf8")) ?? {}) as Chart;
    } catch {
      call.err(`Error: Chart.yaml file is missing`);
      return 1;
    }
    const version = first(p, "version") ?? String(chart.version ?? "");
    if (first(p, "appVersion") !== undefined) chart.appVersion = first(p, "appVersion");
    chart.version = version;
    if (!chart.name || !version) {
      call.err("Error: validation: chart.metadata.name and version are required");
      return 1;
    }
    call.rt.produce(`helm package ${path}`);
    const entries: TarEntry[] = [];
    for (const file of await files(dir)) {
      const data =
        file === "Chart.yaml"
          ? Buffer.from(
              Object.entries(chart)
                .map(([k, v]) => `${k}: ${JSON.stringify(v)}\n`)
                .join(""),
            )
          : await readFile(join(dir, file));
      entries.push({ path: `${chart.name}/${file}`, data });
    }
    const out = resolve(call.cwd, first(p, "destination") ?? ".", `${chart.name}-${version}.tgz`);
    await writeFile(out, tarGz(entries));
    call.out(`Successfully packaged chart and saved it to: ${out}`);
  }
  return 0;
}

async function pushCommand(call: ToolCall, args: string[]): Promise<number> {
  const p = parseArgs(args, "--ca-file= --cert-file= --key-file= --insecure-skip-tls-verify --plain-http");
  const [archive, remote] = p.positionals;
  if (!archive || !remote) throw new UsageError('"helm push" requires 2 arguments');
  if (!remote.startsWith("oci://")) {
    call.err(`Error: scheme prefix missing from remote (e.g. "oci://")`);
    return 1;
  }
  const path = resolve(call.cwd, archive);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch {
    call.err(`Error: stat ${archive}: no such file or directory`);
    return 1;
  }
  const chartFile = untar(bytes).find((e) => /^[^/]+\/Chart\.yaml$/.test(e.path));
  if (!chartFile) {
    call.err("Error: Chart.yaml file is missing");
    return 1;
  }
  const chart = (parseYaml(chartFile.data.toString("utf8")) ?? {}) as Chart;
  const version = String(chart.version ?? "");
  const tag = version.replaceAll("+", "_");
  const ref = parseRef(`${remote.slice("oci://".length).replace(/\/$/, "")}/${chart.name}:${tag}`);
  call.rt.produce(`helm push ${archive}`);
  const config = Buffer.from(JSON.stringify(chart));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      config: descriptorOf(HELM_CONFIG, config),
      layers: [descriptorOf(HELM_CHART, bytes)],
      annotations: {
        "org.opencontainers.image.created": call.rt.created,
        "org.opencontainers.image.title": String(chart.name),
        "org.opencontainers.image.version": version,
        ...(chart.description ? { "org.opencontainers.image.description": String(chart.description) } : {}),
      },
    }),
  );
  const digest = await pushTagged(
    call.rt.oci,
    ref,
    {
      bytes: manifest,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      digest: descriptorOf("", manifest).digest,
      blobs: [config, bytes],
      children: [],
    },
    [tag],
  );
  call.out(`Pushed: ${ref.base}:${tag}`);
  call.out(`Digest: ${digest}`);
  return 0;
}

export const helm = standIn(
  "helm",
  'version.BuildInfo{Version:"v3.16.4", GitCommit:"sandbox", GitTreeState:"clean", GoVersion:"go1.22.7"}',
  {
    package: packageCommand,
    push: pushCommand,
    registry(call, rest, skip) {
      if (rest[0] === "login") return login(call, rest.slice(1), null);
      return rest[0] === "logout" ? 0 : skip();
    },
  },
);
