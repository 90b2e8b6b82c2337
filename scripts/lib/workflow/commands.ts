// Which shell commands publish, and what: helm, oras, docker (push, buildx build --push,
// imagetools create, manifest push), podman, crane, skopeo and regctl are read into the images and
// artifacts verify checks; cosign, cargo, npm, twine, goreleaser, gh release and the like are
// recognised and reported as not verified (release-kit does not check those registries).
import { posix } from "node:path";
import { parse as parseYaml } from "yaml";
import type { ShellCommand } from "./shell.ts";
import { type ArtifactSpec, HELM_CONFIG_MEDIA_TYPE, type ImageSpec, type Place } from "./types.ts";

/** What a command publishes: read, or reported with a reason. */
export type Found =
  /** `built`: built on the job's runner, so with no platform named it is the runner's own. */
  | { image: Omit<ImageSpec, keyof Place | "attest" | "id">; built?: boolean }
  | { artifact: Omit<ArtifactSpec, keyof Place> }
  | { notVerified: { what: string; why: string } };

/** A chart `helm package` wrote: its file, or why its name and version are not known. */
export interface PackagedChart {
  name: string | null;
  version: string | null;
  why: string | null;
}

export interface CommandContext {
  /** Reads a file of the repository at the run's commit; null when it is not there. */
  readFile(path: string): Promise<string | null>;
  /** Charts packaged so far in this job, by path relative to the checkout. */
  packaged: Map<string, PackagedChart>;
}

interface Parsed {
  options: Map<string, (string | null)[]>;
  positionals: (string | null)[];
}

/** Splits argv into options (those in `valued` take a value) and positionals. */
function parseArgs(argv: (string | null)[], valued: string[]): Parsed {
  const options = new Map<string, (string | null)[]>();
  const positionals: (string | null)[] = [];
  const add = (name: string, value: string | null) => options.set(name, [...(options.get(name) ?? []), value]);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === null || arg === undefined) {
      positionals.push(null);
      continue;
    }
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith("--") && arg.includes("=")) add(arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1));
    else if (valued.includes(arg)) add(arg, argv[++i] ?? null);
    else if (arg.startsWith("-") && arg.length > 1) {
      const short = arg.slice(0, 2);
      if (!arg.startsWith("--") && arg.length > 2 && valued.includes(short)) add(short, arg.slice(2));
      else add(arg, "");
    } else positionals.push(arg);
  }
  return { options, positionals };
}

const values = (p: Parsed, ...names: string[]) => names.flatMap((n) => p.options.get(n) ?? []);
const has = (p: Parsed, ...names: string[]) => names.some((n) => p.options.has(n));
const listed = (items: (string | null)[]) =>
  items.some((v) => v === null)
    ? null
    : (items as string[])
        .flatMap((v) => v.split(","))
        .map((s) => s.trim())
        .filter(Boolean);

/** A full image reference, without tag, split from its tag: Docker Hub short names made whole. */
export function splitImageRef(full: string): { ref: string; tag: string | null } {
  let text = full.replace(/^docker:\/\//, "");
  const at = text.indexOf("@");
  if (at !== -1) text = text.slice(0, at);
  const slash = text.lastIndexOf("/");
  const colon = text.lastIndexOf(":");
  const tag = colon > slash ? text.slice(colon + 1) : null;
  let ref = (colon > slash ? text.slice(0, colon) : text).toLowerCase();
  const first = ref.split("/")[0]!;
  if (!ref.includes("/") || !(first.includes(".") || first.includes(":") || first === "localhost"))
    ref = `docker.io/${ref.includes("/") ? ref : `library/${ref}`}`;
  return { ref, tag: at !== -1 && tag === null ? null : (tag ?? "latest") };
}

const isReference = (v: string) => /^[a-z0-9]/i.test(v) && !/\s/.test(v);

function imagesFromRefs(refs: string[], platforms: string[] | null, built = false): Found[] {
  const byRef = new Map<string, string[]>();
  for (const full of refs) {
    const { ref, tag } = splitImageRef(full);
    if (tag) byRef.set(ref, [...(byRef.get(ref) ?? []), tag]);
  }
  return [...byRef].map(([ref, tags]) => ({
    image: { ref, tags: [...new Set(tags)], platforms },
    ...(built ? { built } : {}),
  }));
}

const notVerified = (what: string, why: string): Found[] => [{ notVerified: { what, why } }];

/** The words after a wrapper (sudo, env, time, exec, command, nohup, `mise x --`). */
function unwrap(argv: (string | null)[]): (string | null)[] {
  let i = 0;
  for (;;) {
    const word = argv[i];
    if (word === "sudo" || word === "time" || word === "exec" || word === "command" || word === "nohup") i++;
    else if (word === "env") {
      i++;
      while (argv[i] && (/^[A-Za-z_]\w*=/.test(argv[i]!) || argv[i]!.startsWith("-"))) i++;
    } else if (word === "mise" && (argv[i + 1] === "x" || argv[i + 1] === "exec") && argv.indexOf("--", i) !== -1)
      i = argv.indexOf("--", i) + 1;
    else break;
  }
  return argv.slice(i);
}

// A script or task whose name says it publishes: release-kit does not read what it runs, so it says so.
export const PUBLISHING_NAME = /(^|[^a-z])(publish|release|deploy|upload)/i;

/** A script of the repository (`./scripts/release.sh`, `bash ci/publish.sh`) or a task runner's target (`make release`) that says it publishes. */
function repositoryScript(argv: (string | null)[]): string | null {
  const [first, second, third] = argv;
  if (!first) return null;
  const script = (first === "bash" || first === "sh") && second && !second.startsWith("-") ? second : first;
  if (script.includes("/") && !script.startsWith("/") && PUBLISHING_NAME.test(posix.basename(script))) return script;
  if (["make", "just", "task"].includes(first) && second && PUBLISHING_NAME.test(second)) return `${first} ${second}`;
  if (
    (first === "mise" || first === "npm" || first === "pnpm" || first === "yarn") &&
    second === "run" &&
    third &&
    PUBLISHING_NAME.test(third)
  )
    return `${first} run ${third}`;
  return null;
}

const base = (word: string | null) => (word === null ? null : posix.basename(word));

/** What one command publishes; [] when it publishes nothing. */
export async function publishedBy(command: ShellCommand, ctx: CommandContext): Promise<Found[]> {
  const argv = unwrap(command.argv);
  const tool = base(argv[0] ?? null);
  const sub = argv[1] ?? null;
  const script = repositoryScript(argv);
  const found = script
    ? notVerified(
        publishingWhat(command),
        `${script} is the repository's own; release-kit does not read what it publishes`,
      )
    : await recognise(tool, sub, argv, command, ctx);
  if (!found.length) return [];
  // Something publishes here, but the script decides at run time whether this line runs.
  if (command.condition)
    return notVerified(publishingWhat(command), `it runs ${command.condition}, which release-kit does not evaluate`);
  return found;
}

const publishingWhat = (command: ShellCommand) =>
  `\`${command.text.length > 120 ? `${command.text.slice(0, 117)}...` : command.text}\``;

function unknownArgs(command: ShellCommand): Found[] {
  const what = command.unknowns.length ? command.unknowns.join(", ") : "a word";
  return notVerified(
    publishingWhat(command),
    `${what} ${command.unknowns.length > 1 ? "are" : "is"} decided at run time`,
  );
}

async function recognise(
  tool: string | null,
  sub: string | null,
  argv: (string | null)[],
  command: ShellCommand,
  ctx: CommandContext,
): Promise<Found[]> {
  switch (tool) {
    case "helm":
      if (sub === "package") return helmPackage(argv.slice(2), command, ctx);
      if (sub === "push") return helmPush(argv.slice(2), command, ctx);
      return [];
    case "oras":
      return sub === "push" ? orasPush(argv.slice(2), command) : [];
    case "docker":
    case "podman":
      return docker(tool, argv.slice(1), command);
    case "crane":
      return crane(sub, argv.slice(2), command);
    case "skopeo":
      if (sub === "copy")
        return copyTo(
          parseArgs(argv.slice(2), [
            "--src-creds",
            "--dest-creds",
            "--authfile",
            "--format",
            "-f",
            "--override-arch",
            "--override-os",
            "--multi-arch",
          ]),
          command,
          1,
        );
      if (sub === "sync")
        return notVerified(
          publishingWhat(command),
          "skopeo sync copies whole repositories; release-kit does not read what it copies",
        );
      return [];
    case "regctl":
      if (sub === "image" && (argv[2] === "copy" || argv[2] === "cp"))
        return copyTo(parseArgs(argv.slice(3), ["--platform", "--referrers-src", "--referrers-tgt"]), command, 1);
      return [];
    case "cosign":
    case "notation":
      if (["sign", "attest", "attach", "copy", "upload", "sign-blob", "attest-blob"].includes(sub ?? "")) {
        return notVerified(
          publishingWhat(command),
          `${tool} ${sub}: signatures and attestations it pushes are not checked by release-kit`,
        );
      }
      return [];
    case "cargo":
      return sub === "publish" && !argv.includes("--dry-run") && !argv.includes("-n")
        ? notVerified(publishingWhat(command), "crates.io is not checked by release-kit")
        : [];
    case "npm":
    case "pnpm":
    case "yarn":
      if ((sub === "publish" || (sub === "npm" && argv[2] === "publish")) && !argv.includes("--dry-run"))
        return notVerified(publishingWhat(command), "the npm registry is not checked by release-kit");
      return [];
    case "twine":
    case "poetry":
    case "uv":
    case "flit":
    case "hatch":
      if ((tool === "twine" && sub === "upload") || (tool !== "twine" && sub === "publish"))
        return notVerified(publishingWhat(command), "PyPI is not checked by release-kit");
      return [];
    case "gem":
      return sub === "push" ? notVerified(publishingWhat(command), "RubyGems is not checked by release-kit") : [];
    case "dotnet":
      return sub === "nuget" && argv[2] === "push"
        ? notVerified(publishingWhat(command), "NuGet is not checked by release-kit")
        : [];
    case "mvn":
    case "mvnw":
      return argv.includes("deploy")
        ? notVerified(publishingWhat(command), "Maven repositories are not checked by release-kit")
        : [];
    case "gradle":
    case "gradlew":
      return argv.some((a) => a !== null && /^publish/.test(a))
        ? notVerified(publishingWhat(command), "Gradle publications are not checked by release-kit")
        : [];
    case "goreleaser":
      return (sub === "release" || sub === null || sub?.startsWith("-")) &&
        !argv.includes("--snapshot") &&
        !argv.some((a) => a?.startsWith("--skip=publish"))
        ? notVerified(
            publishingWhat(command),
            "what goreleaser publishes is set in .goreleaser.yaml, which release-kit does not read",
          )
        : [];
    case "gh": {
      if (sub !== "release") return [];
      if (argv[2] === "upload")
        return notVerified(
          publishingWhat(command),
          "release assets are not checked by release-kit (its release check covers the release, not its files)",
        );
      if (argv[2] !== "create" && argv[2] !== "edit") return [];
      const { positionals } = parseArgs(argv.slice(3), [
        "-t",
        "--title",
        "-n",
        "--notes",
        "-F",
        "--notes-file",
        "--target",
        "--discussion-category",
        "--notes-start-tag",
        "-R",
        "--repo",
        ...(argv[2] === "edit" ? ["--tag"] : []),
      ]);
      if (argv[2] === "create" && positionals.length > 1)
        return notVerified(
          publishingWhat(command),
          "release assets are not checked by release-kit (its release check covers the release, not its files)",
        );
      // The release check covers the tag's own release; one named at run time may be another.
      if (positionals[0] === null || command.arityUnknown)
        return notVerified(
          publishingWhat(command),
          `which release it ${argv[2] === "create" ? "creates" : "changes"} is ${command.unknowns.join(", ") || "decided at run time"}`,
        );
      return [];
    }
    default:
      return [];
  }
}

async function helmPackage(args: (string | null)[], command: ShellCommand, ctx: CommandContext): Promise<Found[]> {
  const p = parseArgs(args, [
    "--version",
    "--app-version",
    "-d",
    "--destination",
    "--key",
    "--keyring",
    "--passphrase-file",
  ]);
  const [version] = values(p, "--version");
  const [destination] = values(p, "-d", "--destination");
  for (const chart of p.positionals) {
    const unknown = (why: string) => ({ name: null, version: null, why });
    if (chart === null || command.cwd === null || destination === null) {
      // Which file it writes is not known: a later `helm push` of it is reported with this reason.
      ctx.packaged.set(
        `?${ctx.packaged.size}`,
        unknown(`\`${command.text}\` packages ${command.unknowns.join(", ") || "a chart"} decided at run time`),
      );
      continue;
    }
    const dir = posix.normalize(posix.join(command.cwd, chart));
    const text = await ctx.readFile(`${dir}/Chart.yaml`);
    let name: string | null = null;
    let chartVersion: string | null = null;
    try {
      const meta =
        text === null
          ? null
          : (parseYaml(text, { maxAliasCount: 100 }) as { name?: unknown; version?: unknown } | null);
      name = typeof meta?.name === "string" ? meta.name : null;
      chartVersion = typeof meta?.version === "string" ? meta.version : null;
    } catch {
      name = null;
    }
    const finalVersion = version === undefined ? chartVersion : version;
    const out = posix.normalize(
      posix.join(
        destination === undefined ? command.cwd : posix.join(command.cwd, destination),
        `${name}-${finalVersion}.tgz`,
      ),
    );
    if (!name || !finalVersion) {
      const why =
        text === null
          ? `there is no ${dir}/Chart.yaml at the tag`
          : !name
            ? `${dir}/Chart.yaml has no name`
            : version === null
              ? `--version is ${command.unknowns.join(", ") || "decided at run time"}`
              : `${dir}/Chart.yaml has no version`;
      ctx.packaged.set(name && destination !== undefined ? out : `?${dir}`, unknown(why));
      continue;
    }
    ctx.packaged.set(out, { name, version: finalVersion, why: null });
  }
  return [];
}

async function helmPush(args: (string | null)[], command: ShellCommand, ctx: CommandContext): Promise<Found[]> {
  const p = parseArgs(args, ["--ca-file", "--cert-file", "--key-file", "--username", "--password"]);
  const [chart, remote] = p.positionals;
  const what = publishingWhat(command);
  if (remote === null || remote === undefined || command.arityUnknown) return unknownArgs(command);
  if (!remote.startsWith("oci://")) return notVerified(what, `${remote} is not an oci:// registry`);
  const packaged =
    chart && command.cwd !== null ? ctx.packaged.get(posix.normalize(posix.join(command.cwd, chart))) : undefined;
  if (!packaged) {
    const unsure = [...ctx.packaged.values()].find((c) => c.why);
    if (chart === null)
      return notVerified(
        what,
        unsure?.why ?? `the chart file is ${command.unknowns.join(", ") || "decided at run time"}`,
      );
    return notVerified(
      what,
      unsure?.why ??
        `${chart} was not made by a \`helm package\` earlier in this job, so its chart name and version are not known`,
    );
  }
  if (!packaged.name || !packaged.version)
    return notVerified(what, packaged.why ?? "its chart name and version are not known");
  const ref = `${remote.slice("oci://".length).replace(/\/+$/, "")}/${packaged.name}`.toLowerCase();
  // Helm stores a SemVer build suffix (+) as _ in the OCI tag.
  return [
    {
      artifact: {
        name: packaged.name,
        ref,
        tag: packaged.version.replace(/\+/g, "_"),
        kind: "helm",
        mediaType: HELM_CONFIG_MEDIA_TYPE,
      },
    },
  ];
}

function orasPush(args: (string | null)[], command: ShellCommand): Found[] {
  const p = parseArgs(args, [
    "--artifact-type",
    "--config",
    "-a",
    "--annotation",
    "--annotation-file",
    "--concurrency",
    "--export-manifest",
    "--image-spec",
    "-u",
    "--username",
    "-p",
    "--password",
    "--registry-config",
    "--ca-file",
    "--cert-file",
    "--key-file",
    "--resolve",
    "--format",
    "--template",
  ]);
  const [target] = p.positionals;
  if (!target || command.arityUnknown) return unknownArgs(command);
  const [type] = values(p, "--artifact-type");
  const [config] = values(p, "--config");
  if (type === null || config === null) return unknownArgs(command);
  const mediaType = type ?? (config?.includes(":") ? config.slice(config.indexOf(":") + 1) : null);
  const colon = target.lastIndexOf(":");
  const slash = target.lastIndexOf("/");
  const ref = (colon > slash ? target.slice(0, colon) : target).toLowerCase();
  const tags = colon > slash ? target.slice(colon + 1).split(",") : ["latest"];
  return tags.map((tag) => ({ artifact: { name: ref.split("/").pop()!, ref, tag, kind: "oras" as const, mediaType } }));
}

const BUILD_VALUED = [
  "-t",
  "--tag",
  "--platform",
  "-f",
  "--file",
  "--build-arg",
  "--target",
  "--label",
  "-o",
  "--output",
  "--cache-from",
  "--cache-to",
  "--secret",
  "--ssh",
  "--progress",
  "--builder",
  "--attest",
  "--iidfile",
  "--metadata-file",
  "--network",
  "--add-host",
  "--annotation",
  "--build-context",
  "--cgroup-parent",
  "--shm-size",
  "--ulimit",
  "--allow",
  "--call",
];

function docker(tool: string, args: (string | null)[], command: ShellCommand): Found[] {
  let rest = args;
  const what = publishingWhat(command);
  if (rest[0] === "image" && rest[1] === "push") rest = ["push", ...rest.slice(2)];
  if (rest[0] === "buildx") rest = rest.slice(1);
  const [sub] = rest;
  if (sub === "push") {
    const p = parseArgs(rest.slice(1), ["--platform"]);
    if (has(p, "-a", "--all-tags"))
      return notVerified(what, "it pushes every local tag of the image: which ones is decided at run time");
    const target = tool === "podman" ? (p.positionals[1] ?? p.positionals[0]) : p.positionals[0];
    if (!target || command.arityUnknown) return unknownArgs(command);
    return isReference(target.replace(/^docker:\/\//, "")) ? imagesFromRefs([target], null) : unknownArgs(command);
  }
  if (sub === "build" || sub === "b") {
    const p = parseArgs(rest.slice(1), BUILD_VALUED);
    const outputs = values(p, "-o", "--output");
    if (outputs.includes(null)) return unknownArgs(command);
    const pushOutput = (outputs as string[]).filter(
      (o) => /(^|,)type=registry(,|$)/.test(o) || (/(^|,)type=image(,|$)/.test(o) && /(^|,)push=true(,|$)/.test(o)),
    );
    if (!has(p, "--push") && !pushOutput.length) return [];
    const named = pushOutput.flatMap((o) =>
      [...o.matchAll(/(?:^|,)name=("[^"]*"|[^,]*)/g)].flatMap((m) => m[1]!.replace(/"/g, "").split(",")),
    );
    const tags = [...values(p, "-t", "--tag"), ...named];
    if (tags.includes(null) || command.arityUnknown) return unknownArgs(command);
    if (!tags.length) return notVerified(what, "it pushes without a tag (by digest), so there is no tag to check");
    const platforms = listed(values(p, "--platform"));
    if (platforms === null) return unknownArgs(command);
    return imagesFromRefs(tags as string[], platforms.length ? [...new Set(platforms)].sort() : null, true);
  }
  if (sub === "bake") {
    const p = parseArgs(rest.slice(1), [
      "-f",
      "--file",
      "--set",
      "--progress",
      "--builder",
      "--metadata-file",
      "--provenance",
      "--sbom",
      "--call",
      "--allow",
    ]);
    if (has(p, "--push") || values(p, "--set").some((s) => s === null || /output=.*type=registry|push=true/.test(s)))
      return notVerified(what, "bake definitions are not read by release-kit");
    return [];
  }
  if (sub === "imagetools" && rest[1] === "create") {
    const p = parseArgs(rest.slice(2), [
      "-t",
      "--tag",
      "-f",
      "--file",
      "--annotation",
      "--builder",
      "--progress",
      "-p",
      "--prefer-index",
    ]);
    if (has(p, "--dry-run")) return [];
    const tags = values(p, "-t", "--tag");
    if (tags.includes(null) || command.arityUnknown) return unknownArgs(command);
    if (!tags.length)
      return notVerified(
        what,
        "it names no -t tag: the result is pushed over its first source, which release-kit does not read",
      );
    return imagesFromRefs(tags as string[], null);
  }
  if (sub === "manifest" && rest[1] === "push") {
    const p = parseArgs(rest.slice(2), []);
    const [list] = p.positionals;
    if (!list || command.arityUnknown) return unknownArgs(command);
    return imagesFromRefs([list], null);
  }
  return [];
}

function copyTo(p: Parsed, command: ShellCommand, index: number): Found[] {
  if (has(p, "-a", "--all", "--all-tags"))
    return notVerified(publishingWhat(command), "it copies every tag: which ones is decided at run time");
  const target = p.positionals[index];
  if (!target || command.arityUnknown) return unknownArgs(command);
  return imagesFromRefs([target], null);
}

function crane(sub: string | null, args: (string | null)[], command: ShellCommand): Found[] {
  switch (sub) {
    case "push":
      return copyTo(parseArgs(args, ["--image-refs", "--platform"]), command, 1);
    case "copy":
    case "cp":
      return copyTo(parseArgs(args, ["--platform", "-j", "--jobs"]), command, 1);
    case "tag": {
      const p = parseArgs(args, ["--platform"]);
      const [image, tag] = p.positionals;
      if (!image || !tag || command.arityUnknown) return unknownArgs(command);
      return imagesFromRefs([`${splitImageRef(image).ref}:${tag}`], null);
    }
    case "mutate":
    case "append":
    case "index":
    case "rebase":
    case "flatten":
      return notVerified(
        publishingWhat(command),
        `crane ${sub} rewrites an image in the registry; release-kit does not read what it writes`,
      );
    default:
      return [];
  }
}
