// How a repository releases, read from its own files and history, and what the runbook's flow
// (cog bump with hooks, one tag, review, push, GitHub release) cannot honestly do there. Preflight
// reports each of these once, as "not supported: why" under its config check, instead of failing
// other checks with advice that does not fit (README, "Adopting release-kit in an existing repository").
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import semver from "semver";
import { parse as parseYaml } from "yaml";
import type { CliffSettings, CogSettings, Workspace } from "./config.ts";
import { cliffHookOf, parseHooks, stampsVersions } from "./hooks.ts";
import { summarise } from "./output.ts";
import type { Runner } from "./run.ts";
import { latestTag } from "./tags.ts";

export interface Unsupported {
  /** Stable id: no-cog, cog-monorepo, per-package-tags, unversioned-packages, tags-off-branch. */
  id: string;
  what: string;
  why: string;
  /** What the runbook's flow would need here. */
  needs: string;
}

export interface Topology {
  /** Who writes CHANGELOG.md in the release commit: git-cliff in a pre_bump_hook, cog itself, or nobody the kit can see. */
  changelog: "git-cliff" | "cog" | null;
  tagScheme: "single" | "per-package";
  unsupported: Unsupported[];
}

interface Input {
  root: string;
  cog: CogSettings | null;
  cliff: CliffSettings | null;
  workspace: Workspace;
  tagPrefix: string;
  branch: string;
  defaultBranch: string | null;
}

/** Release tools other than cog, by the files that configure them and the names their workflows use. */
const TOOLS: { name: string; files: string[]; uses: RegExp; says: string }[] = [
  {
    name: "release-plz",
    files: ["release-plz.toml", ".release-plz.toml"],
    uses: /release-plz/i,
    says: "release-plz makes the versions, changelogs, tags and GitHub releases",
  },
  {
    name: "release-please",
    files: ["release-please-config.json", ".release-please-manifest.json"],
    uses: /release-please/i,
    says: "release-please makes the versions, changelog and releases from a release pull request",
  },
  {
    name: "semantic-release",
    files: [
      ".releaserc",
      ".releaserc.json",
      ".releaserc.yml",
      ".releaserc.yaml",
      "release.config.js",
      "release.config.cjs",
    ],
    uses: /semantic-release/i,
    says: "semantic-release makes the versions, tags and releases in CI",
  },
  {
    name: "changesets",
    files: [".changeset/config.json"],
    uses: /changesets\/action|^changeset$/i,
    says: "changesets makes the versions and changelogs",
  },
  {
    name: "goreleaser",
    files: [".goreleaser.yml", ".goreleaser.yaml"],
    uses: /goreleaser/i,
    says: "goreleaser builds and publishes the release",
  },
  {
    name: "cargo-dist",
    files: ["dist-workspace.toml"],
    uses: /^(cargo-dist|dist)$/,
    says: "cargo-dist builds the release's files and creates the GitHub release in CI",
  },
];

/** Words a workflow's steps name: each `uses:` and the words of each `run:` line. */
function workflowWords(root: string): string[] {
  const dir = join(root, ".github", "workflows");
  if (!existsSync(dir)) return [];
  const words: string[] = [];
  for (const file of readdirSync(dir).filter((f) => /\.ya?ml$/.test(f))) {
    let doc: unknown;
    try {
      doc = parseYaml(readFileSync(join(dir, file), "utf8"), { maxAliasCount: 100 });
    } catch {
      continue; // the workflow reader reports a file that does not parse
    }
    const jobs = (doc as { jobs?: Record<string, { steps?: { uses?: unknown; run?: unknown }[] }> } | null)?.jobs ?? {};
    for (const job of Object.values(jobs)) {
      for (const step of Array.isArray(job?.steps) ? job.steps : []) {
        if (typeof step?.uses === "string") words.push(step.uses);
        if (typeof step?.run === "string") words.push(...step.run.split(/[\s;&|()]+/).filter(Boolean));
      }
    }
  }
  return words;
}

function otherTools(root: string): string[] {
  const words = workflowWords(root);
  const found: string[] = [];
  for (const tool of TOOLS) {
    const file = tool.files.find((f) => existsSync(join(root, f)));
    const used = words.find((w) => tool.uses.test(w));
    if (file || used) found.push(`${tool.name} (${file ?? `a workflow runs ${used}`}): ${tool.says}`);
  }
  for (const file of ["RELEASE.md", "release.sh", "scripts/release.sh"])
    if (existsSync(join(root, file))) found.push(`${file} describes how a release is made`);
  return found;
}

/** Names of the packages the repository publishes: workspace crates, or the npm package. */
function packageNames(workspace: Workspace): string[] {
  if (workspace.kind === "cargo") return workspace.members.map((m) => m.name);
  if (workspace.kind === "npm") return [workspace.name];
  return [];
}

/** Release tags (not pre-releases) above the latest one reachable from HEAD that HEAD cannot reach. */
async function offBranchTags(
  r: Runner,
  prefix: string,
): Promise<{ count: number; highest: string; latest: string | null } | null> {
  const [latest, all, merged] = await Promise.all([
    latestTag(r, prefix),
    r.probe`git tag --list ${`${prefix}*`}`,
    r.probe`git tag --merged HEAD --list ${`${prefix}*`}`,
  ]);
  const reachable = new Set(
    merged.stdout
      .split("\n")
      .map((t) => t.trim())
      .filter(Boolean),
  );
  const floor = latest ? semver.clean(latest.slice(prefix.length)) : null;
  const above = all.stdout
    .split("\n")
    .map((t) => t.trim())
    .filter((t) => t && !reachable.has(t))
    .map((t) => ({ tag: t, version: semver.valid(t.slice(prefix.length)) }))
    .filter(
      (t): t is { tag: string; version: string } =>
        Boolean(t.version) &&
        t.version === t.tag.slice(prefix.length) &&
        !semver.prerelease(t.version!) &&
        (!floor || semver.gt(t.version!, floor)),
    );
  if (!above.length) return null;
  const highest = above.reduce((h, t) => (semver.gt(t.version, h.version) ? t : h));
  return { count: above.length, highest: highest.tag, latest };
}

export async function readTopology(r: Runner, input: Input): Promise<Topology> {
  const { cog, workspace, tagPrefix, branch } = input;
  const unsupported: Unsupported[] = [];
  const preBump = await parseHooks(cog?.preBumpHooks ?? []);
  const oneTag = `the runbook's flow releases one version of the whole repository under one tag (${tagPrefix}<version>)`;

  if (!cog && !existsSync(join(input.root, "cog.toml"))) {
    const tools = otherTools(input.root);
    unsupported.push({
      id: "no-cog",
      what: "the cocogitto release flow",
      why: `there is no cog.toml${tools.length ? `; ${tools.join("; ")}` : ": cog would use no tag prefix and run no hooks"}`,
      needs: `to release with the runbook's flow, add cog.toml with tag_prefix = "${tagPrefix || "v"}", disable_changelog = true and pre_bump_hooks for git-cliff and the versions (README, "Adopting release-kit in an existing repository")`,
    });
  }

  let tagScheme: Topology["tagScheme"] = "single";
  if (cog?.packages.length || cog?.legacyPackages.length) {
    tagScheme = "per-package";
    const legacy = !cog.packages.length;
    const names = legacy ? cog.legacyPackages : cog.packages;
    unsupported.push({
      id: "cog-monorepo",
      what: "per-package tags (cog monorepo)",
      why: `cog.toml's ${legacy ? "[packages] (cog 6.x)" : "[monorepo.packages]"} lists ${names.length} package${names.length === 1 ? "" : "s"} (${summarise(names)}): cog bump makes a tag per bumped package (<package>-${tagPrefix}<version>) and a global tag, each with its own changelog`,
      needs: `${oneTag}: release the packages with cog's own monorepo flow, not with release-kit`,
    });
  } else {
    const crate = /^(.+?)-v?$/.exec(tagPrefix)?.[1];
    if (crate && packageNames(workspace).includes(crate)) {
      tagScheme = "per-package";
      unsupported.push({
        id: "per-package-tags",
        what: "per-package tags",
        why: `the release tags are ${tagPrefix}<version>, the tags of the package ${crate} alone: each package of the workspace is tagged on its own`,
        needs: `${oneTag}: keep releasing the packages with the tool that tags them`,
      });
    }
  }

  // In a cog monorepo each package has its own version: the monorepo entry says it all.
  if (
    cog &&
    tagScheme === "single" &&
    (workspace.kind === "cargo" || workspace.kind === "npm") &&
    !preBump.some(stampsVersions)
  ) {
    const latest = await latestTag(r, tagPrefix);
    const latestVersion = latest ? latest.slice(tagPrefix.length) : null;
    const versions =
      workspace.kind === "cargo"
        ? workspace.members.map((m) => ({
            file: m.inheritsVersion ? "Cargo.toml [workspace.package]" : m.manifest,
            version: m.version,
          }))
        : [{ file: "package.json", version: workspace.version }];
    const behind = latestVersion
      ? versions.filter((v) => v.version && semver.valid(v.version) && semver.lt(v.version, latestVersion))
      : [];
    if (latest && behind.length) {
      const shown = [...new Map(behind.map((b) => [b.file, `${b.file} says ${b.version}`])).values()];
      unsupported.push({
        id: "unversioned-packages",
        what:
          workspace.kind === "cargo"
            ? "the crates never carry the release version"
            : "package.json never carries the release version",
        why: `${summarise(shown, 3)} while the release tags reach ${latest}, and no pre_bump_hook sets the versions`,
        needs: `the runbook's flow stamps the release version into the manifests in each release commit: set them to ${latestVersion} in a commit of their own, then add ${workspace.kind === "cargo" ? '"cargo release version {{version}} --execute --no-confirm"' : '"npm version {{version}} --no-git-tag-version --allow-same-version"'} to pre_bump_hooks`,
      });
    }
  }

  if (input.defaultBranch !== null && branch === input.defaultBranch) {
    const off = await offBranchTags(r, tagPrefix);
    if (off) {
      unsupported.push({
        id: "tags-off-branch",
        what: "release tags off the branch",
        why: `${off.count} release tag${off.count === 1 ? "" : "s"} ${off.latest ? `above ${off.latest}` : `with the prefix ${tagPrefix || "(none)"}`} (up to ${off.highest}) ${off.count === 1 ? "is" : "are"} not on ${branch}: cog computes the next version from ${off.latest ?? "0.0.0"}, the highest tag it can reach, and would propose one that may already exist`,
        needs: `the runbook's flow computes each version from the release tags on ${branch}: every release commit must stay on ${branch} (not amended, rebased or made elsewhere); to go on from ${off.highest}, release it explicitly (--version)`,
      });
    }
  }

  const changelog: Topology["changelog"] = cog
    ? !cog.disableChangelog
      ? "cog"
      : preBump.some((h) => cliffHookOf(h) !== null)
        ? "git-cliff"
        : null
    : null;
  return { changelog, tagScheme, unsupported };
}
