// docker/metadata-action (v5), from its README: `images` (name=, enable=), `tags` entries of every
// type with their attributes (enable, priority, prefix, suffix, value, pattern, match, group,
// event, format), `flavor` (latest, prefix, suffix, onlatest), `labels`/`annotations`, and its
// outputs (version, tags, tag-names, labels, annotations, json, bake files) also exported as
// DOCKER_METADATA_OUTPUT_* variables. Tags are ordered by priority; the first one is the version
// and decides `latest` under latest=auto. Written from the documentation for the sandbox.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import semver from "semver";
import { type Action, type ActionCall, ActionFailure, booleanInput, input, listInput, splitCsv } from "./types.ts";

interface TagEntry {
  type: TagTypeName;
  attrs: Record<string, string>;
  line: string;
}

interface Flavor {
  latest: "auto" | "true" | "false";
  prefix: string;
  prefixLatest: boolean;
  suffix: string;
  suffixLatest: boolean;
}

interface Ctx {
  eventName: string;
  ref: string;
  sha: string;
  defaultBranch: string;
  commitDate: Date;
  now: Date;
  shortShaLength: number;
}

function keyValue(field: string): [string, string] | [string] {
  const eq = field.indexOf("=");
  return eq === -1 ? [field.trim()] : [field.slice(0, eq).trim().toLowerCase(), field.slice(eq + 1).trim()];
}

function parseTag(line: string): TagEntry {
  const attrs: Record<string, string> = {};
  let type: TagTypeName | undefined;
  for (const field of splitCsv(line)) {
    const kv = keyValue(field);
    if (kv.length === 1) attrs.value = kv[0];
    else if (kv[0] === "type") {
      if (!Object.hasOwn(TAG_TYPES, kv[1])) throw new ActionFailure(`Unknown tag type attribute: ${kv[1]}`);
      type = kv[1] as TagTypeName;
    } else attrs[kv[0]] = kv[1];
  }
  type ??= "raw";
  const need = (name: string) => {
    if (!(name in attrs)) throw new ActionFailure(`Missing ${name} attribute for ${line}`);
  };
  TAG_TYPES[type].settle(attrs, line, need);
  attrs.enable ??= "true";
  attrs.priority ??= String(TAG_TYPES[type].priority);
  return { type, attrs, line };
}

function parseFlavor(lines: string[]): Flavor {
  const flavor: Flavor = { latest: "auto", prefix: "", prefixLatest: false, suffix: "", suffixLatest: false };
  for (const line of lines) {
    let onLatestFor = "";
    for (const field of splitCsv(line)) {
      const kv = keyValue(field);
      if (kv.length === 1) throw new ActionFailure(`Invalid flavor entry: ${line}`);
      const [key, value] = kv;
      if (key === "latest") {
        if (!["auto", "true", "false"].includes(value)) throw new ActionFailure(`Invalid latest flavor entry: ${line}`);
        flavor.latest = value as Flavor["latest"];
      } else if (key === "prefix") {
        flavor.prefix = value;
        onLatestFor = "prefix";
      } else if (key === "suffix") {
        flavor.suffix = value;
        onLatestFor = "suffix";
      } else if (key === "onlatest") {
        if (!["true", "false"].includes(value))
          throw new ActionFailure(`Invalid value for onlatest attribute: ${value}`);
        if (onLatestFor === "prefix") flavor.prefixLatest = value === "true";
        if (onLatestFor === "suffix") flavor.suffixLatest = value === "true";
      } else throw new ActionFailure(`Unknown flavor entry: ${line}`);
    }
  }
  return flavor;
}

function parseImages(lines: string[]): { name: string; enable: boolean }[] {
  if (lines.length === 1) {
    const fields = splitCsv(lines[0]!)
      .map((f) => f.trim())
      .filter(Boolean);
    if (fields.every((f) => !f.includes("="))) return fields.map((name) => ({ name, enable: true }));
  }
  return lines.map((line) => {
    const image = { name: "", enable: true };
    for (const field of splitCsv(line)) {
      const kv = keyValue(field);
      if (kv.length === 1) image.name = kv[0];
      else if (kv[0] === "name") image.name = kv[1];
      else if (kv[0] === "enable") {
        if (!["true", "false"].includes(kv[1])) throw new ActionFailure(`Invalid enable attribute value: ${line}`);
        image.enable = kv[1] === "true";
      } else throw new ActionFailure(`Unknown image attribute: ${line}`);
    }
    if (!image.name) throw new ActionFailure(`Image name attribute empty: ${line}`);
    return image;
  });
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** The moment.js tokens release workflows use, in UTC. */
function formatDate(date: Date, format: string): string {
  return format.replace(/\[([^\]]*)\]|YYYY|MM|DD|HH|mm|ss|SSS|X/g, (token, literal: string | undefined) => {
    if (literal !== undefined) return literal;
    switch (token) {
      case "YYYY":
        return String(date.getUTCFullYear());
      case "MM":
        return pad(date.getUTCMonth() + 1);
      case "DD":
        return pad(date.getUTCDate());
      case "HH":
        return pad(date.getUTCHours());
      case "mm":
        return pad(date.getUTCMinutes());
      case "ss":
        return pad(date.getUTCSeconds());
      case "SSS":
        return pad(date.getUTCMilliseconds(), 3);
      default:
        return String(Math.floor(date.getTime() / 1000));
    }
  });
}

const shortSha = (ctx: Ctx) => ctx.sha.slice(0, Math.min(ctx.shortShaLength, ctx.sha.length));

/** The README's global expressions ({{branch}}, {{tag}}, {{sha}}, {{date '...'}}, ...). */
function globalExp(text: string, ctx: Ctx): string {
  return text.replace(
    /\{\{\s*([a-z_]+)((?:\s+(?:'[^']*'|\w+='[^']*'))*)\s*\}\}/g,
    (_all, name: string, args: string) => {
      const branch = ctx.ref.startsWith("refs/heads/") ? ctx.ref.slice("refs/heads/".length) : "";
      switch (name) {
        case "branch":
          return branch;
        case "tag":
          return ctx.ref.startsWith("refs/tags/") ? ctx.ref.slice("refs/tags/".length) : "";
        case "sha":
          return shortSha(ctx);
        case "base_ref":
          return "";
        case "is_default_branch":
          return String(branch !== "" && branch === ctx.defaultBranch);
        case "is_not_default_branch":
          return String(!(branch !== "" && branch === ctx.defaultBranch));
        case "date":
        case "commit_date": {
          const format = /^\s*'([^']*)'/.exec(args)?.[1] ?? "";
          return formatDate(name === "date" ? ctx.now : ctx.commitDate, format);
        }
        default:
          return "";
      }
    },
  );
}

/** A semver pattern: {{raw}}, {{version}}, {{major}}, {{minor}}, {{patch}}. */
function semverPattern(pattern: string, v: semver.SemVer): string {
  const values: Record<string, string> = {
    raw: v.raw,
    version: v.version,
    major: String(v.major),
    minor: String(v.minor),
    patch: String(v.patch),
  };
  return pattern.replace(/\{\{\s*(\w+)\s*\}\}/g, (_all, name: string) => values[name] ?? "");
}

const isRawPattern = (pattern: string) => /^\s*\{\{\s*raw\s*\}\}\s*$/.test(pattern);
const sanitizeTag = (tag: string) => tag.replace(/[^a-zA-Z0-9._-]+/g, "-");

const under = (ref: string, prefix: string) => (ref.startsWith(prefix) ? ref.slice(prefix.length) : undefined);
const tagOf = (ctx: Ctx) => under(ctx.ref, "refs/tags/");

/** The tag an entry makes, and whether it makes `latest` too under latest=auto. */
type Made = { value: string; latest: boolean } | undefined;

/**
 * Each tag type as the README describes it: its default priority, how its attributes are checked
 * and defaulted (`settle`), and the tag it makes for the event (`make`).
 */
interface TagType {
  priority: number;
  settle(attrs: Record<string, string>, line: string, need: (name: string) => void): void;
  make(tag: TagEntry, ctx: Ctx, log: (line: string) => void): Made;
}

const semverType: TagType = {
  priority: 900,
  settle(attrs, _line, need) {
    need("pattern");
    attrs.value ??= "";
    attrs.match ??= "";
  },
  make({ attrs: a }, ctx, log) {
    const tagName = tagOf(ctx);
    if (tagName === undefined && !a.value) return;
    let raw = a.value ? globalExp(a.value, ctx) : (tagName ?? "");
    if (a.match) {
      const m = raw.match(new RegExp(a.match));
      if (m) raw = m[1] ?? m[0];
      else log(`Warning: ${a.match} does not match ${raw}.`);
    }
    raw = raw.replace(/\//g, "-");
    const parsed = semver.valid(raw) ? semver.parse(raw, { loose: true }) : null;
    if (!parsed) {
      log(`Warning: ${raw} is not a valid semver. More info: https://semver.org/`);
      return;
    }
    if (parsed.prerelease.length)
      return { value: isRawPattern(a.pattern!) ? parsed.raw : parsed.version, latest: false };
    return { value: semverPattern(a.pattern!, parsed), latest: true };
  },
};

const TAG_TYPES = {
  schedule: {
    priority: 1000,
    settle(attrs) {
      attrs.pattern ??= "nightly";
    },
    make: ({ attrs }, ctx) =>
      ctx.eventName === "schedule" ? { value: globalExp(attrs.pattern!, ctx), latest: false } : undefined,
  },
  semver: semverType,
  pep440: {
    ...semverType,
    make(tag, _ctx, log) {
      log(`sandbox: type=pep440 is not simulated; the entry "${tag.line}" makes no tag`);
      return undefined;
    },
  },
  match: {
    priority: 800,
    settle(attrs, line, need) {
      need("pattern");
      attrs.group ??= "0";
      attrs.value ??= "";
      if (Number.isNaN(Number(attrs.group))) throw new ActionFailure(`Invalid match group for ${line}`);
    },
    make({ attrs: a }, ctx, log) {
      const tagName = tagOf(ctx);
      if (tagName === undefined && !a.value) return;
      const raw = a.value ? globalExp(a.value, ctx) : (tagName ?? "");
      const re = /^\/(.+)\/(.*)$/.exec(a.pattern!);
      const m = raw.match(re ? new RegExp(re[1]!, re[2]) : new RegExp(a.pattern!));
      if (!m) {
        log(`Warning: ${a.pattern} does not match ${raw}.`);
        return;
      }
      const group = m[Number(a.group)];
      if (group === undefined) {
        log(`Warning: Group ${a.group} does not exist for ${a.pattern} pattern.`);
        return;
      }
      return { value: group, latest: true };
    },
  },
  edge: {
    priority: 700,
    settle(attrs) {
      attrs.branch ??= "";
    },
    make({ attrs }, ctx) {
      const branch = under(ctx.ref, "refs/heads/");
      return branch !== undefined && branch === (attrs.branch || ctx.defaultBranch)
        ? { value: "edge", latest: false }
        : undefined;
    },
  },
  ref: {
    priority: 600,
    settle(attrs, line, need) {
      need("event");
      if (!["branch", "tag", "pr"].includes(attrs.event!)) throw new ActionFailure(`Invalid event for ${line}`);
      if (attrs.event === "pr" && !("prefix" in attrs)) attrs.prefix = "pr-";
    },
    make({ attrs }, ctx) {
      const branch = under(ctx.ref, "refs/heads/");
      const tagName = tagOf(ctx);
      const pull = under(ctx.ref, "refs/pull/");
      if (attrs.event === "branch" && branch !== undefined) return { value: branch, latest: false };
      if (attrs.event === "tag" && tagName !== undefined) return { value: tagName, latest: true };
      if (attrs.event === "pr" && pull !== undefined) return { value: pull.replace(/\/merge$/, ""), latest: false };
      return undefined;
    },
  },
  raw: {
    priority: 200,
    settle(_attrs, _line, need) {
      need("value");
    },
    make: ({ attrs }, ctx) => ({ value: globalExp(attrs.value!, ctx), latest: false }),
  },
  sha: {
    priority: 100,
    settle(attrs, line) {
      attrs.prefix ??= "sha-";
      attrs.format ??= "short";
      if (!["short", "long"].includes(attrs.format!)) throw new ActionFailure(`Invalid format for ${line}`);
    },
    make: ({ attrs }, ctx) =>
      ctx.sha ? { value: attrs.format === "long" ? ctx.sha : shortSha(ctx), latest: false } : undefined,
  },
} satisfies Record<string, TagType>;
type TagTypeName = keyof typeof TAG_TYPES;

interface Version {
  main?: string;
  partial: string[];
  latest?: boolean;
}

function computeVersion(tags: TagEntry[], flavor: Flavor, ctx: Ctx, log: (l: string) => void): Version {
  const version: Version = { partial: [] };
  const withAffixes = (value: string, tag: TagEntry) => {
    let v = value;
    v =
      ("prefix" in tag.attrs ? globalExp(tag.attrs.prefix!, ctx) : flavor.prefix ? globalExp(flavor.prefix, ctx) : "") +
      v;
    v += "suffix" in tag.attrs ? globalExp(tag.attrs.suffix!, ctx) : flavor.suffix ? globalExp(flavor.suffix, ctx) : "";
    return v;
  };
  const set = (value: string, latestIfAuto: boolean) => {
    if (!value) return;
    const v = sanitizeTag(value);
    if (version.main === undefined) version.main = v;
    else if (v !== version.main) version.partial.push(v);
    version.latest ??= flavor.latest === "auto" ? latestIfAuto : flavor.latest === "true";
  };
  for (const tag of tags) {
    const enabled = globalExp(tag.attrs.enable!, ctx);
    if (enabled !== "true" && enabled !== "false")
      throw new ActionFailure(`Invalid value for enable attribute: ${enabled}`);
    if (enabled !== "true") continue;
    const made = TAG_TYPES[tag.type].make(tag, ctx, log);
    if (made) set(withAffixes(made.value, tag), made.latest);
  }
  version.partial = [...new Set(version.partial)];
  version.latest ??= false;
  return version;
}

function ociPairs(call: ActionCall, ctx: Ctx, version: Version, extra: string[]): [string, string][] {
  const repo = String(call.github.repository ?? "");
  const html = `${call.github.server_url}/${repo}`;
  const pairs: [string, string][] = [
    ["org.opencontainers.image.title", repo.split("/")[1] ?? ""],
    ["org.opencontainers.image.description", ""],
    ["org.opencontainers.image.url", html],
    ["org.opencontainers.image.source", html],
    ["org.opencontainers.image.version", version.main ?? ""],
    ["org.opencontainers.image.created", ctx.now.toISOString()],
    ["org.opencontainers.image.revision", ctx.sha],
    ["org.opencontainers.image.licenses", ""],
  ];
  for (const label of extra) {
    const text = globalExp(label, ctx);
    const eq = text.indexOf("=");
    if (eq > 0) pairs.push([text.slice(0, eq), text.slice(eq + 1)]);
  }
  return [...new Map(pairs)].sort((a, b) => a[0].localeCompare(b[0]));
}

export const metadataAction: Action = async (call) => {
  const github = call.github;
  const event = (github.event ?? {}) as {
    repository?: { default_branch?: string };
    head_commit?: { timestamp?: string };
  };
  const shortLength = Number(call.env.DOCKER_METADATA_SHORT_SHA_LENGTH ?? "7");
  if (Number.isNaN(shortLength))
    throw new ActionFailure(
      `DOCKER_METADATA_SHORT_SHA_LENGTH is not a valid number: ${call.env.DOCKER_METADATA_SHORT_SHA_LENGTH}`,
    );
  const ctx: Ctx = {
    eventName: String(github.event_name ?? ""),
    ref: String(github.ref ?? ""),
    sha: String(github.sha ?? ""),
    defaultBranch: event.repository?.default_branch ?? "main",
    commitDate: new Date(event.head_commit?.timestamp ?? call.rt.created),
    now: new Date(),
    shortShaLength: shortLength,
  };
  const opts = { ignoreComma: true, comments: true };
  const images = parseImages(listInput(call, "images", opts))
    .filter((i) => i.enable)
    .map((i) => i.name.toLowerCase());
  const tagLines = listInput(call, "tags", opts);
  const tags = (
    tagLines.length ? tagLines : ["type=schedule", "type=ref,event=branch", "type=ref,event=tag", "type=ref,event=pr"]
  ).map(parseTag);
  tags.sort((a, b) => Number(b.attrs.priority) - Number(a.attrs.priority));
  const flavor = parseFlavor(listInput(call, "flavor", opts));
  const version = computeVersion(tags, flavor, ctx, call.log);

  const names = (withName?: string) => {
    if (!version.main) return [];
    const prefix = withName ? `${withName}:` : "";
    const out = [`${prefix}${version.main}`, ...version.partial.map((p) => `${prefix}${p}`)];
    if (version.latest)
      out.push(
        `${prefix}${sanitizeTag(`${flavor.prefixLatest ? flavor.prefix : ""}latest${flavor.suffixLatest ? flavor.suffix : ""}`)}`,
      );
    return out;
  };
  const tagList = images.length ? images.flatMap((image) => names(image)) : names();
  const tagNames = names();
  const labels = ociPairs(call, ctx, version, listInput(call, "labels", opts)).map(([k, v]) => `${k}=${v}`);
  const levels = (call.env.DOCKER_METADATA_ANNOTATIONS_LEVELS ?? "manifest")
    .split(",")
    .map((l) => l.trim())
    .filter(Boolean);
  const annotationPairs = ociPairs(call, ctx, version, listInput(call, "annotations", opts)).map(
    ([k, v]) => `${k}=${v}`,
  );
  const annotations = levels.flatMap((level) => annotationPairs.map((a) => `${level}:${a}`));
  const json = {
    tags: tagList,
    "tag-names": tagNames,
    labels: Object.fromEntries(labels.map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)])),
    annotations,
  };

  const dir = join(call.rt.temp, `docker-metadata-action-${call.rt.key.slice(0, 6)}`);
  mkdirSync(dir, { recursive: true });
  const target = input(call, "bake-target", "docker-metadata-action");
  const bake = (kind: string, body: Record<string, unknown>) => {
    const file = join(dir, `docker-metadata-action-bake-${kind}.json`);
    writeFileSync(file, JSON.stringify({ target: { [target]: body } }, null, 2));
    return file;
  };
  const outputs: Record<string, string> = {
    version: version.main ?? "",
    tags: tagList.join(call.inputs["sep-tags"] || "\n"),
    "tag-names": tagNames.join(call.inputs["sep-tags"] || "\n"),
    labels: labels.join(call.inputs["sep-labels"] || "\n"),
    annotations: annotations.join(call.inputs["sep-annotations"] || "\n"),
    json: JSON.stringify(json, null, 2),
    "bake-file-tags": bake("tags", {
      tags: tagList,
      args: { DOCKER_META_IMAGES: images.join(","), DOCKER_META_VERSION: version.main ?? "" },
    }),
    "bake-file-labels": bake("labels", { labels: json.labels }),
    "bake-file-annotations": bake("annotations", { annotations }),
  };
  outputs["bake-file"] = outputs["bake-file-tags"]!;
  const env: Record<string, string> = {};
  if (booleanInput({ ...call, inputs: { v: call.env.DOCKER_METADATA_SET_OUTPUT_ENV ?? "true" } }, "v", true)) {
    for (const [k, v] of Object.entries(outputs))
      env[`DOCKER_METADATA_OUTPUT_${k.toUpperCase().replaceAll("-", "_")}`] = v;
  }
  call.log(
    `sandbox: docker/metadata-action: version ${version.main ?? "(none)"}, tags ${tagList.join(" ") || "(none)"}`,
  );
  return { outputs, env };
};
