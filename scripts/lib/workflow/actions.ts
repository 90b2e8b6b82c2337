// `uses:` steps that publish: docker/metadata-action (whose outputs feed later steps),
// docker/build-push-action, redhat-actions/push-to-registry and provenance attestations are read;
// other actions known to publish (goreleaser, release assets, PyPI, npm, crates.io, bake, chart
// repositories) are reported as not verified.
import { parse as parseSemver } from "semver";
import { type Found, splitImageRef } from "./commands.ts";
import { type ExpressionScope, interpolate, Unknown, valueOf } from "./expressions.ts";

type Inputs = Record<string, unknown>;

/** What one action step publishes, and the outputs later steps may read. */
export interface ActionReading {
  found: Found[];
  /** An attestation of an image: its subject, resolved (null: not known, with why). */
  attests?: { subject: string | null; why?: string };
  /** Unknown: decided at run time, with why. */
  outputs?: Record<string, string | Unknown>;
}

const nv = (what: string, why: string): Found => ({ notVerified: { what, why } });
const listOf = (text: string) =>
  text
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter((s) => s && !s.startsWith("#"));

function text(value: unknown, scope: ExpressionScope): string | Unknown | null {
  const v = valueOf(value, scope);
  if (v === null || v instanceof Unknown) return v;
  return String(v);
}

export function readAction(uses: string, inputs: Inputs, scope: ExpressionScope, id: string | null): ActionReading {
  const name = uses.split("@")[0]!.toLowerCase();
  switch (name) {
    case "docker/metadata-action":
      return metadataAction(inputs, scope);
    case "docker/build-push-action":
    // Depot's action takes docker/build-push-action's inputs and builds on Depot's builders.
    case "depot/build-push-action":
      return buildPush(inputs, scope, name);
    case "redhat-actions/push-to-registry":
      return pushToRegistry(inputs, scope);
    case "actions/attest-build-provenance":
    case "actions/attest":
    case "actions/attest-sbom":
      return attestation(inputs, scope);
    case "docker/bake-action": {
      const push = valueOf(inputs.push, scope);
      return {
        found:
          push === false || push === null
            ? []
            : [nv(`docker/bake-action${id ? ` (${id})` : ""}`, "bake definitions are not read by release-kit")],
      };
    }
    case "goreleaser/goreleaser-action": {
      const args = text(inputs.args, scope);
      if (typeof args === "string" && /--snapshot|--skip[= ]?publish/.test(args)) return { found: [] };
      return {
        found: [
          nv("goreleaser", "what goreleaser publishes is set in .goreleaser.yaml, which release-kit does not read"),
        ],
      };
    }
    case "softprops/action-gh-release":
    case "ncipollo/release-action": {
      const files = inputs.files ?? inputs.artifacts;
      return {
        found:
          files === undefined
            ? []
            : [
                nv(
                  `release assets ${typeof files === "string" ? files.trim().replace(/\s+/g, " ") : ""}`.trim(),
                  "release assets are not checked by release-kit (its release check covers the release, not its files)",
                ),
              ],
      };
    }
    case "svenstaro/upload-release-action":
    case "actions/upload-release-asset":
    case "shogo82148/actions-upload-release-asset": {
      // The asset's name says which of several such steps this is.
      const asset = text(inputs.asset_name ?? inputs.file ?? inputs.asset_path, scope);
      const named = typeof asset === "string" && asset.trim() ? ` ${asset.trim().replace(/\s+/g, " ")}` : "";
      return {
        found: [
          nv(
            `release assets${named}`,
            "release assets are not checked by release-kit (its release check covers the release, not its files)",
          ),
        ],
      };
    }
    case "pypa/gh-action-pypi-publish":
      return { found: [nv("a Python package (pypa/gh-action-pypi-publish)", "PyPI is not checked by release-kit")] };
    case "js-devtools/npm-publish":
      return {
        found: [nv("an npm package (JS-DevTools/npm-publish)", "the npm registry is not checked by release-kit")],
      };
    case "katyo/publish-crates":
      return { found: [nv("crates (katyo/publish-crates)", "crates.io is not checked by release-kit")] };
    case "actions-rs/cargo":
      return {
        found: inputs.command === "publish" ? [nv("cargo publish", "crates.io is not checked by release-kit")] : [],
      };
    case "pyo3/maturin-action":
      return {
        found: ["upload", "publish"].includes(String(inputs.command))
          ? [nv(`maturin ${inputs.command}`, "PyPI is not checked by release-kit")]
          : [],
      };
    case "taiki-e/upload-rust-binary-action":
      return {
        found: [
          nv(
            "release assets (taiki-e/upload-rust-binary-action)",
            "release assets are not checked by release-kit (its release check covers the release, not its files)",
          ),
        ],
      };
    case "mislav/bump-homebrew-formula-action":
    case "dawidd6/action-homebrew-bump-formula":
      return { found: [nv("a Homebrew formula bump", "Homebrew taps are not checked by release-kit")] };
    case "vedantmgoyal9/winget-releaser":
    case "vedantmgoyal2009/winget-releaser":
      return { found: [nv("a winget manifest", "winget is not checked by release-kit")] };
    case "snapcore/action-publish":
      return { found: [nv("a snap (snapcore/action-publish)", "the Snap Store is not checked by release-kit")] };
    case "helm/chart-releaser-action":
      return {
        found: [
          nv(
            "Helm charts (helm/chart-releaser-action)",
            "a chart repository on GitHub Pages is not checked by release-kit",
          ),
        ],
      };
    case "actions/deploy-pages":
    case "peaceiris/actions-gh-pages":
    case "jamesives/github-pages-deploy-action":
      return { found: [nv(`a GitHub Pages site (${name})`, "GitHub Pages sites are not checked by release-kit")] };
    case "anchore/sbom-action": {
      const upload = valueOf(inputs["upload-release-assets"], scope);
      return {
        found:
          upload === false || upload === "false"
            ? []
            : [
                nv(
                  "an SBOM (anchore/sbom-action)",
                  "it may attach an SBOM to the GitHub release (upload-release-assets); release assets are not checked by release-kit",
                ),
              ],
      };
    }
    case "peter-evans/dockerhub-description":
      return {
        found: [
          nv(
            "a Docker Hub repository description (peter-evans/dockerhub-description)",
            "repository descriptions are not checked by release-kit",
          ),
        ],
      };
    case "peter-evans/repository-dispatch":
      return {
        found: [
          nv(
            "a repository_dispatch event (peter-evans/repository-dispatch)",
            "what the receiving repository publishes is not known to release-kit",
          ),
        ],
      };
    case "technote-space/toc-generator":
      return {
        found: [
          nv(
            "a table of contents commit (technote-space/toc-generator)",
            "commits a workflow pushes are not checked by release-kit",
          ),
        ],
      };
    default:
      return { found: [] };
  }
}

interface TagLine {
  attrs: Record<string, string>;
  line: string;
}

const PRIORITY: Record<string, number> = {
  schedule: 1000,
  semver: 900,
  pep440: 900,
  match: 800,
  edge: 700,
  ref: 600,
  raw: 200,
  sha: 100,
};
const sanitizeTag = (tag: string) => tag.replace(/[^a-zA-Z0-9._-]+/g, "-");

function parseTagLine(line: string): TagLine {
  const attrs: Record<string, string> = {};
  if (!line.startsWith("type=")) return { attrs: { type: "raw", value: line }, line };
  // A value may hold commas: only key=value pairs split it.
  for (const part of line.split(/,(?=\s*[a-z-]+=)/)) {
    const eq = part.indexOf("=");
    if (eq > 0) attrs[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return { attrs, line };
}

/** metadata-action's outputs when an input is decided at run time: unknown, saying why, for the step that uses them. */
function unknownOutputs(why: string): ActionReading {
  const unknown = new Unknown(`docker/metadata-action's ${why}`);
  return {
    found: [],
    outputs: Object.fromEntries(
      ["tags", "version", "tag-names", "json", "labels", "annotations"].map((k) => [k, unknown]),
    ),
  };
}

function metadataAction(inputs: Inputs, scope: ExpressionScope): ActionReading {
  const found: Found[] = [];
  const { push } = scope;
  const imagesText = text(inputs.images, scope);
  // It publishes nothing itself: what it cannot tell makes its outputs unknown.
  if (imagesText instanceof Unknown) return unknownOutputs(`images is ${imagesText.what}`);
  const images: string[] = [];
  for (const entry of listOf(imagesText ?? "")) {
    const attrs = Object.fromEntries(entry.split(",").map((kv) => kv.split("=").map((s) => s.trim())));
    if (attrs.enable === "false") continue;
    images.push(splitImageRef(entry.includes("name=") ? attrs.name : entry).ref);
  }
  const flavorText = text(inputs.flavor, scope);
  if (flavorText instanceof Unknown) return unknownOutputs(`flavor is ${flavorText.what}`);
  const flavor = Object.fromEntries(
    listOf(flavorText ?? "").map((kv) => [kv.slice(0, kv.indexOf("=")).trim(), kv.slice(kv.indexOf("=") + 1).trim()]),
  );
  const tagsText = inputs.tags === undefined ? "type=ref,event=tag" : text(inputs.tags, scope);
  if (tagsText instanceof Unknown) return unknownOutputs(`tags is ${tagsText.what}`);
  const semver = parseSemver(push.tag, { loose: true });
  const made: { tag: string; priority: number }[] = [];
  let latest = false;
  for (const { attrs, line } of (tagsText ?? "")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"))
    .map(parseTagLine)) {
    // A tag push is never on a branch, so never on the default one.
    if (attrs.enable !== undefined) attrs.enable = attrs.enable.replace(/\{\{\s*is_default_branch\s*\}\}/g, "false");
    if (attrs.enable === "false") continue;
    if (attrs.enable !== undefined && attrs.enable !== "true") {
      found.push(nv(`tag ${line} of ${images.join(", ")}`, `its enable=${attrs.enable} is not true or false`));
      continue;
    }
    const priority = Number(attrs.priority ?? PRIORITY[attrs.type ?? ""] ?? 0);
    const add = (tag: string) =>
      made.push({
        tag: `${attrs.prefix ?? flavor.prefix ?? ""}${tag}${attrs.suffix ?? flavor.suffix ?? ""}`,
        priority,
      });
    switch (attrs.type) {
      case "schedule":
      case "edge":
        break;
      case "ref":
        if (attrs.event === "tag") {
          add(sanitizeTag(push.tag));
          latest = true;
        }
        break;
      case "raw": {
        const value = (attrs.value ?? "")
          .replace(/\{\{\s*tag\s*\}\}/g, push.tag)
          .replace(/\{\{\s*sha\s*\}\}/g, push.sha.slice(0, 7))
          .replace(/\{\{\s*(branch|base_ref)\s*\}\}/g, "");
        if (/\{\{/.test(value))
          found.push(
            nv(
              `tag ${line} of ${images.join(", ")}`,
              "its {{ }} placeholder is not one release-kit knows ({{tag}}, {{sha}}, {{branch}})",
            ),
          );
        else if (value) add(sanitizeTag(value));
        break;
      }
      case "sha":
        // Its prefix defaults to "sha-" and stands in for the flavor's.
        made.push({
          tag: `${attrs.prefix ?? "sha-"}${attrs.format === "long" ? push.sha : push.sha.slice(0, 7)}${attrs.suffix ?? flavor.suffix ?? ""}`,
          priority,
        });
        break;
      case "match": {
        let re: RegExp;
        try {
          re = new RegExp(attrs.pattern ?? "");
        } catch {
          found.push(nv(`tag ${line} of ${images.join(", ")}`, "its pattern is not a regular expression"));
          break;
        }
        const m = re.exec(attrs.value ?? push.tag);
        const group = m?.[Number(attrs.group ?? 0)];
        if (group) {
          add(sanitizeTag(group));
          latest = true;
        }
        break;
      }
      case "semver": {
        // `match` takes the version out of the value (or the tag) with its first group.
        let raw = attrs.value ?? push.tag;
        if (attrs.match) {
          let re: RegExp;
          try {
            re = new RegExp(attrs.match);
          } catch {
            found.push(nv(`tag ${line} of ${images.join(", ")}`, "its match is not a regular expression"));
            break;
          }
          raw = re.exec(raw)?.[1] ?? raw;
        }
        const version = attrs.value === undefined && !attrs.match ? semver : parseSemver(raw, { loose: true });
        if (!version) break; // metadata-action makes no tag from a version that is not semver
        const pattern = version.prerelease.length ? "{{version}}" : (attrs.pattern ?? "{{version}}");
        if (version.major === 0 && /\{\{major\}\}/.test(pattern) && !/\{\{minor\}\}/.test(pattern)) {
          found.push(
            nv(
              `tag ${line} of ${images.join(", ")}`,
              `a {{major}}-only tag of a 0.x version is made by some metadata-action releases and not others`,
            ),
          );
          break;
        }
        add(
          pattern
            .replace(/\{\{version\}\}/g, version.version)
            .replace(/\{\{major\}\}/g, String(version.major))
            .replace(/\{\{minor\}\}/g, String(version.minor))
            .replace(/\{\{patch\}\}/g, String(version.patch))
            .replace(/\{\{raw\}\}/g, push.tag),
        );
        if (!version.prerelease.length) latest = true;
        break;
      }
      default:
        found.push(
          nv(`tag ${line} of ${images.join(", ")}`, `metadata-action type=${attrs.type} is not read by release-kit`),
        );
    }
  }
  if (flavor.latest === "true" || (flavor.latest !== "false" && latest)) {
    made.push({
      tag: flavor.onlatest === "true" ? `${flavor.prefix ?? ""}latest${flavor.suffix ?? ""}` : "latest",
      priority: -1,
    });
  }
  const tags = [...new Set(made.sort((a, b) => b.priority - a.priority).map((m) => m.tag))];
  const refs = images.flatMap((image) => tags.map((tag) => `${image}:${tag}`));
  const outputs: Record<string, string> = { tags: refs.join("\n"), version: tags[0] ?? "" };
  return { found, outputs };
}

function pushes(inputs: Inputs, scope: ExpressionScope): boolean | Unknown {
  const push = valueOf(inputs.push, scope);
  if (push instanceof Unknown) return push;
  if (push === true || push === "true") return true;
  const outputs = text(inputs.outputs, scope);
  if (outputs instanceof Unknown) return outputs;
  // One output a line: commas separate an output's attributes (type=image,name=...,push=true).
  return (outputs ?? "")
    .split("\n")
    .map((o) => o.trim())
    .some(
      (o) => /(^|,)type=registry(,|$)/.test(o) || (/(^|,)type=image(,|$)/.test(o) && /(^|,)push=true(,|$)/.test(o)),
    );
}

function buildPush(inputs: Inputs, scope: ExpressionScope, action: string): ActionReading {
  const push = pushes(inputs, scope);
  const tagsText = text(inputs.tags, scope);
  const what =
    typeof tagsText === "string" && tagsText.trim()
      ? `image ${[...new Set(listOf(tagsText).map((t) => splitImageRef(t).ref))].join(", ")}`
      : `an image (${action})`;
  if (push instanceof Unknown) return { found: [nv(what, `push is ${push.what}, which is not known before the run`)] };
  if (!push) return { found: [] };
  if (tagsText instanceof Unknown) return { found: [nv(what, `its tags are ${tagsText.what}`)] };
  const tags = listOf(tagsText ?? "");
  if (!tags.length) return { found: [nv(what, "it pushes without a tag (by digest), so there is no tag to check")] };
  const platformsText = text(inputs.platforms, scope);
  if (platformsText instanceof Unknown) return { found: [nv(what, `its platforms are ${platformsText.what}`)] };
  const platforms = platformsText === null ? null : [...new Set(listOf(platformsText))].sort();
  const byRef = new Map<string, string[]>();
  for (const t of tags) {
    const { ref, tag } = splitImageRef(t);
    byRef.set(ref, [...(byRef.get(ref) ?? []), tag ?? "latest"]);
  }
  return {
    found: [...byRef].map(([ref, tags]) => ({
      image: { ref, tags: [...new Set(tags)], platforms },
      built: action === "docker/build-push-action",
    })),
  };
}

function pushToRegistry(inputs: Inputs, scope: ExpressionScope): ActionReading {
  const image = text(inputs.image, scope);
  const tags = text(inputs.tags, scope);
  const registry = text(inputs.registry, scope);
  for (const v of [image, tags, registry])
    if (v instanceof Unknown)
      return { found: [nv("an image (redhat-actions/push-to-registry)", `${v.what} is decided at run time`)] };
  if (!image) return { found: [nv("an image (redhat-actions/push-to-registry)", "it names no image")] };
  const full = registry ? `${String(registry).replace(/\/+$/, "")}/${image}` : String(image);
  const list = (tags as string | null)?.split(/\s+/).filter(Boolean) ?? ["latest"];
  return { found: [{ image: { ref: splitImageRef(full).ref, tags: list, platforms: null } }] };
}

function attestation(inputs: Inputs, scope: ExpressionScope): ActionReading {
  if (inputs["subject-path"] !== undefined || inputs["subject-checksums"] !== undefined) {
    return {
      found: [
        nv(
          `an attestation of ${String(inputs["subject-path"] ?? inputs["subject-checksums"]).trim()}`,
          "release-kit checks attestations of images only",
        ),
      ],
    };
  }
  const subject = interpolate(String(inputs["subject-name"] ?? ""), scope);
  if (subject instanceof Unknown)
    return { found: [], attests: { subject: null, why: `its subject-name is ${subject.what}` } };
  return {
    found: [],
    attests: {
      subject: subject ? splitImageRef(subject).ref : null,
      why: subject ? undefined : "it names no subject-name",
    },
  };
}
