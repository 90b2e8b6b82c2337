// LEGACY, kept only because scripts/sandbox/workflow-sim.ts (owned by the sandbox, being rewritten
// to run workflows on its own) still imports it. The kit itself reads workflows with
// scripts/lib/workflow/ (GitHub's parser and expressions, mvdan/sh); delete this file once the
// simulator no longer imports it.
//
// What the release workflow will publish for a tag, read from the workflow file the way GitHub
// would run it: its tag filters, its images (docker/build-push-action and docker/metadata-action),
// their tags and platforms, provenance attestations, and other OCI artifacts (helm push, oras push).
// Expressions are resolved only where the answer is certain; anything else is reported as
// unresolved and left out, never guessed.
import { parse as parseSemver } from "semver";
import { parseDocument } from "yaml";

export interface WorkflowContext {
  owner: string;
  /** owner/name */
  repository: string;
  tag: string;
  sha: string;
}

export interface ImageSpec {
  /** Full reference without tag, lowercase: ghcr.io/acme/gateway. */
  ref: string;
  tags: string[];
  /** null: the workflow does not say (the builder's own platform). */
  platforms: string[] | null;
  attest: boolean;
  job: string;
}

export interface ArtifactSpec {
  /** A short name for check ids: the chart or artifact name. */
  name: string;
  /** Full reference without tag. */
  ref: string;
  tag: string;
  kind: "helm" | "oras";
  /** The config media type a registry should hold for it (helm), or the artifact type (oras). */
  mediaType: string | null;
  job: string;
}

export interface TagFilters {
  /** Whether a tag push can start the workflow at all (a push event with no tag filter but branch filters cannot). */
  onTagPush: boolean;
  tags: string[] | null;
  tagsIgnore: string[] | null;
}

export interface Workflow {
  path: string;
  jobs: string[];
  filters: TagFilters;
  images: ImageSpec[];
  artifacts: ArtifactSpec[];
  /** Human sentences: what could not be resolved and was skipped. */
  unresolved: string[];
}

export class WorkflowError extends Error {
  fix: string;
  constructor(message: string, fix: string) {
    super(message);
    this.fix = fix;
  }
}

type Table = Record<string, unknown>;
const asTable = (v: unknown): Table | null => (v && typeof v === "object" && !Array.isArray(v) ? (v as Table) : null);

export const HELM_CONFIG_MEDIA_TYPE = "application/vnd.cncf.helm.config.v1+json";
const KNOWN_MAJORS: Record<string, number> = {
  "docker/build-push-action": 6,
  "docker/metadata-action": 5,
  "actions/attest-build-provenance": 3,
  "actions/attest": 3,
};

/** GitHub's filter patterns: `*` stays within a path segment, `**` crosses, `?`, `+`, `[..]`. */
export function filterPatternToRegExp(pattern: string): RegExp {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*" && pattern[i + 1] === "*") {
      re += ".*";
      i++;
    } else if (c === "*") re += "[^/]*";
    else if (c === "?" || c === "+") re += c; // quantifiers on the previous character, as GitHub documents
    else if (c === "[") {
      const end = pattern.indexOf("]", i);
      if (end === -1) re += "\\[";
      else {
        re += pattern.slice(i, end + 1);
        i = end;
      }
    } else if (c === "\\" && i + 1 < pattern.length) re += `\\${pattern[++i]}`;
    else re += c.replace(/[.^$|(){}]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

function matchesFilters(patterns: string[], value: string): boolean {
  let matched = false;
  for (const p of patterns) {
    if (p.startsWith("!")) {
      if (matched && filterPatternToRegExp(p.slice(1)).test(value)) matched = false;
    } else if (filterPatternToRegExp(p).test(value)) matched = true;
  }
  return matched;
}

/** Would pushing `tag` start this workflow? */
export function tagTriggers(filters: TagFilters, tag: string): boolean {
  if (!filters.onTagPush) return false;
  if (filters.tags && !matchesFilters(filters.tags, tag)) return false;
  if (filters.tagsIgnore && matchesFilters(filters.tagsIgnore, tag)) return false;
  return true;
}

export function describeFilters(filters: TagFilters): string {
  if (!filters.onTagPush) return "no tag push starts it";
  const parts: string[] = [];
  if (filters.tags) parts.push(`tags: ${filters.tags.join(", ")}`);
  if (filters.tagsIgnore) parts.push(`tags-ignore: ${filters.tagsIgnore.join(", ")}`);
  return parts.length ? parts.join("; ") : "any tag";
}

function listOf(value: unknown): string[] | null {
  if (value === undefined || value === null) return null;
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.map(String);
  return null;
}

function readFilters(on: unknown): TagFilters {
  const none: TagFilters = { onTagPush: false, tags: null, tagsIgnore: null };
  if (on === "push") return { onTagPush: true, tags: null, tagsIgnore: null };
  if (Array.isArray(on)) return on.includes("push") ? { onTagPush: true, tags: null, tagsIgnore: null } : none;
  const events = asTable(on);
  if (!events || !("push" in events)) return none;
  const push = asTable(events.push);
  if (!push) return { onTagPush: true, tags: null, tagsIgnore: null };
  const tags = listOf(push.tags);
  const tagsIgnore = listOf(push["tags-ignore"]);
  // With only branch filters, GitHub runs the workflow for branch pushes and never for tags.
  if (!tags && !tagsIgnore && (push.branches !== undefined || push["branches-ignore"] !== undefined)) return none;
  return { onTagPush: true, tags, tagsIgnore };
}

interface Scope {
  ctx: WorkflowContext;
  env: Table[];
  unresolved: string[];
  where: string;
}

const EXPRESSION = /\$\{\{\s*(.*?)\s*\}\}/g;

/** Resolves `${{ ... }}` in a string; null when any part cannot be known. */
function resolve(value: string, scope: Scope, depth = 0): string | null {
  let unknown: string | null = null;
  const out = value.replace(EXPRESSION, (whole, expr: string) => {
    const known = evaluate(expr, scope, depth);
    if (known === null) unknown ??= whole;
    return known ?? "";
  });
  if (unknown) {
    scope.unresolved.push(`${scope.where}: cannot resolve ${unknown}`);
    return null;
  }
  return out;
}

function evaluate(expr: string, scope: Scope, depth: number): string | null {
  const { ctx } = scope;
  switch (expr) {
    case "github.repository":
      return ctx.repository;
    case "github.repository_owner":
      return ctx.owner;
    case "github.ref_name":
      return ctx.tag;
    case "github.ref":
      return `refs/tags/${ctx.tag}`;
    case "github.sha":
      return ctx.sha;
  }
  if (expr === "true" || expr === "false") return expr;
  const literal = /^'((?:[^']|'')*)'$/.exec(expr);
  if (literal) return literal[1]!.replace(/''/g, "'");
  const env = /^env\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(expr);
  if (env && depth < 5) {
    for (const table of scope.env) {
      const v = table[env[1]!];
      if (v !== undefined) return typeof v === "string" ? resolve(v, { ...scope, unresolved: [] }, depth + 1) : String(v);
    }
  }
  return null;
}

/** Shell expansions a `run:` step uses for the tag, as Actions sets them. */
function resolveShell(value: string, ctx: WorkflowContext): string | null {
  const out = value.replace(/\$\{GITHUB_REF_NAME#v\}/g, ctx.tag.replace(/^v/, "")).replace(/\$\{?GITHUB_REF_NAME\}?/g, ctx.tag).replace(/\$\{?GITHUB_SHA\}?/g, ctx.sha);
  return /\$\{?[A-Za-z_]/.test(out) ? null : out;
}

const splitList = (value: string) => value.split(/[\n,]/).map((s) => s.trim()).filter((s) => s && !s.startsWith("#"));

function splitRef(full: string): { ref: string; tag: string | null } {
  const at = full.indexOf("@");
  const base = at === -1 ? full : full.slice(0, at);
  const slash = base.lastIndexOf("/");
  const colon = base.lastIndexOf(":");
  return colon > slash ? { ref: base.slice(0, colon).toLowerCase(), tag: base.slice(colon + 1) } : { ref: base.toLowerCase(), tag: null };
}

interface MetaOutput {
  images: string[];
  tags: string[];
}

function metadataTags(step: Table, scope: Scope): MetaOutput | null {
  const inputs = asTable(step.with) ?? {};
  const images: string[] = [];
  for (const entry of splitList(String(inputs.images ?? ""))) {
    const attrs = Object.fromEntries(entry.split(",").map((kv) => kv.split("=").map((s) => s.trim())));
    const name = entry.includes("name=") ? attrs.name : entry;
    if (attrs.enable === "false") continue;
    const resolved = name ? resolve(name, scope) : null;
    if (resolved) images.push(resolved.toLowerCase());
  }
  const flavor = String(inputs.flavor ?? "");
  const latestFlavor = /latest=(true|false|auto)/.exec(flavor)?.[1] ?? "auto";
  if (/\b(prefix|suffix)=/.test(flavor)) scope.unresolved.push(`${scope.where}: metadata-action flavor prefix/suffix is not supported; its tags are skipped`);
  const tags: string[] = [];
  let latestAuto = false;
  const semver = parseSemver(scope.ctx.tag.replace(/^v/, ""));
  // Without a tags input, metadata-action tags a tag push with the tag itself.
  const lines = inputs.tags === undefined
    ? ["type=ref,event=tag"]
    : String(inputs.tags).split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
  for (const line of lines) {
    const attrs: Record<string, string> = line.startsWith("type=") ? {} : { type: "raw", value: line };
    if (line.startsWith("type=")) {
      for (const part of line.split(",")) {
        const eq = part.indexOf("=");
        if (eq > 0) attrs[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
        else if (attrs.type === "raw") attrs.value = part.trim();
      }
    }
    if (attrs.enable !== undefined) {
      const enabled = resolve(attrs.enable, scope);
      if (enabled === null || enabled === "false") continue;
    }
    switch (attrs.type) {
      case "raw": {
        const v = resolve(attrs.value ?? "", scope);
        if (v) tags.push(v);
        break;
      }
      case "sha":
        tags.push(`${attrs.prefix ?? "sha-"}${attrs.format === "long" ? scope.ctx.sha : scope.ctx.sha.slice(0, 7)}`);
        break;
      case "ref":
        if (attrs.event === "tag") {
          tags.push(scope.ctx.tag);
          latestAuto = true;
        }
        break;
      case "semver": {
        if (!semver) {
          scope.unresolved.push(`${scope.where}: ${scope.ctx.tag} is not semver, so type=semver makes no tag`);
          break;
        }
        const pattern = attrs.pattern ?? "{{version}}";
        if (semver.prerelease.length) {
          tags.push(semver.version);
          break;
        }
        if (semver.major === 0 && /\{\{major\}\}/.test(pattern) && !/\{\{minor\}\}/.test(pattern)) {
          scope.unresolved.push(`${scope.where}: ${pattern} on a 0.x version differs between metadata-action releases; skipped`);
          break;
        }
        tags.push(pattern.replace("{{version}}", semver.version).replace("{{major}}", String(semver.major)).replace("{{minor}}", String(semver.minor)).replace("{{patch}}", String(semver.patch)).replace("{{raw}}", scope.ctx.tag));
        latestAuto = true;
        break;
      }
      default:
        scope.unresolved.push(`${scope.where}: metadata-action tag "${line}" is not supported; skipped`);
    }
  }
  if (latestFlavor === "true" || (latestFlavor === "auto" && latestAuto && !semver?.prerelease.length)) tags.push("latest");
  return { images, tags: [...new Set(tags)] };
}

function readPlatforms(value: unknown, scope: Scope): string[] | null {
  if (value === undefined) return null;
  if (typeof value !== "string") {
    throw new WorkflowError(`${scope.where}: platforms must be a string (comma- or newline-separated), not a YAML list`, "write platforms: linux/amd64,linux/arm64 (action inputs are strings)");
  }
  const resolved = resolve(value, scope);
  return resolved === null ? null : [...new Set(splitList(resolved))].sort();
}

function checkActionVersion(uses: string, scope: Scope): void {
  const [name, version] = uses.split("@");
  const major = KNOWN_MAJORS[name ?? ""];
  const asked = /^v(\d+)/.exec(version ?? "")?.[1];
  if (major && asked && Number(asked) > major) {
    scope.unresolved.push(`${scope.where}: ${uses} is newer than the versions release-kit knows (up to v${major}); its inputs were read as v${major}'s`);
  }
}

function readRunStep(run: string, scope: Scope, job: string, artifacts: ArtifactSpec[]): void {
  for (const raw of run.split("\n")) {
    const text = raw.trim();
    if (!/^(helm\s+push|oras\s+push)\s/.test(text)) continue;
    const expanded = resolve(text, scope);
    const line = expanded === null ? null : resolveShell(expanded, scope.ctx);
    if (line === null) {
      scope.unresolved.push(`${scope.where}: cannot resolve "${text}"`);
      continue;
    }
    const helm = /^helm\s+push\s+(\S+)\s+(oci:\/\/\S+)/.exec(line);
    const chart = helm ? /([^/]+?)-(\d[^/]*)\.tgz$/.exec(helm[1]!) : null;
    if (helm && chart) {
      const ref = `${helm[2]!.replace(/^oci:\/\//, "").replace(/\/$/, "")}/${chart[1]}`.toLowerCase();
      artifacts.push({ name: chart[1]!, ref, tag: chart[2]!, kind: "helm", mediaType: HELM_CONFIG_MEDIA_TYPE, job });
      continue;
    }
    const oras = /^oras\s+push\s+(.*)$/.exec(line);
    const args = oras ? oras[1]!.split(/\s+/) : [];
    const typeAt = args.indexOf("--artifact-type");
    const type = typeAt >= 0 ? args[typeAt + 1] ?? null : /--artifact-type=(\S+)/.exec(line)?.[1] ?? null;
    const target = args.find((a, i) => !a.startsWith("-") && i !== typeAt + 1 && /^[^:/]+\.[^/]+\/.+:[^/]+$/.test(a));
    const { ref, tag } = target ? splitRef(target) : { ref: "", tag: null };
    if (oras && ref && tag) artifacts.push({ name: ref.split("/").pop()!, ref, tag, kind: "oras", mediaType: type, job });
    else scope.unresolved.push(`${scope.where}: cannot tell what "${text}" pushes`);
  }
}

export function parseWorkflow(text: string, path: string, ctx: WorkflowContext): Workflow {
  const doc = parseDocument(text, { uniqueKeys: false });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0]?.line;
    throw new WorkflowError(`${path} is not valid YAML${line ? ` (line ${line})` : ""}: ${e.message.split("\n")[0]}`, `fix the YAML syntax of ${path}`);
  }
  const root = asTable(doc.toJS());
  const jobs = asTable(root?.jobs);
  if (!root || !jobs || !Object.keys(jobs).length) {
    throw new WorkflowError(`${path} has no jobs`, `a workflow needs a jobs: section; check that ${path} is the release workflow (setting RELEASE_WORKFLOW)`);
  }
  const unresolved: string[] = [];
  const images = new Map<string, ImageSpec>();
  const artifacts: ArtifactSpec[] = [];
  const on = root.on ?? root.true; // YAML 1.1 readers turn a bare `on` into true
  for (const [jobId, jobValue] of Object.entries(jobs)) {
    const job = asTable(jobValue);
    const steps = Array.isArray(job?.steps) ? job.steps : [];
    const metas = new Map<string, MetaOutput>();
    const jobImages: ImageSpec[] = [];
    steps.forEach((stepValue, index) => {
      const step = asTable(stepValue) ?? {};
      const where = `${path}: job ${jobId}, step ${String(step.name ?? step.id ?? index + 1)}`;
      const scope: Scope = { ctx, env: [asTable(step.env) ?? {}, asTable(job?.env) ?? {}, asTable(root.env) ?? {}], unresolved, where };
      const uses = typeof step.uses === "string" ? step.uses : "";
      const inputs = asTable(step.with) ?? {};
      if (uses) checkActionVersion(uses, scope);
      if (uses.startsWith("docker/metadata-action@")) {
        const meta = metadataTags(step, scope);
        if (meta && typeof step.id === "string") metas.set(step.id, meta);
      } else if (uses.startsWith("docker/build-push-action@")) {
        const push = inputs.push === true || inputs.push === "true" || (typeof inputs.push === "string" && resolve(inputs.push, { ...scope, unresolved: [] }) === "true");
        if (!push) return;
        const platforms = readPlatforms(inputs.platforms, scope);
        const byRef = new Map<string, string[]>();
        for (const entry of splitList(String(inputs.tags ?? ""))) {
          const fromMeta = /^\$\{\{\s*steps\.([\w-]+)\.outputs\.tags\s*\}\}$/.exec(entry);
          if (fromMeta) {
            const meta = metas.get(fromMeta[1]!);
            if (!meta) unresolved.push(`${where}: tags come from step ${fromMeta[1]}, which is not a metadata-action step before it`);
            for (const image of meta?.images ?? []) byRef.set(image, [...(byRef.get(image) ?? []), ...meta!.tags]);
            continue;
          }
          const resolved = resolve(entry, scope);
          if (!resolved) continue;
          const { ref, tag } = splitRef(resolved);
          byRef.set(ref, [...(byRef.get(ref) ?? []), tag ?? "latest"]);
        }
        for (const [ref, tags] of byRef) {
          const image: ImageSpec = { ref, tags: [...new Set(tags)], platforms, attest: false, job: jobId };
          images.set(ref, image);
          jobImages.push(image);
        }
      } else if (uses.startsWith("actions/attest-build-provenance@") || uses.startsWith("actions/attest@")) {
        const subject = typeof inputs["subject-name"] === "string" ? resolve(inputs["subject-name"], { ...scope, unresolved: [] }) : null;
        const target = subject ? jobImages.find((i) => i.ref === subject.toLowerCase()) : jobImages.length === 1 ? jobImages[0] : undefined;
        if (target) target.attest = true;
        else if (!inputs["subject-path"]) unresolved.push(`${where}: cannot tell which image this attestation is for`);
      } else if (typeof step.run === "string") {
        readRunStep(step.run, scope, jobId, artifacts);
      }
    });
  }
  return { path, jobs: Object.keys(jobs), filters: readFilters(on), images: [...images.values()], artifacts, unresolved };
}
