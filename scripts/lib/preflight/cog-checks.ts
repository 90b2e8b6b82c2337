// "changelog-worthy commits are in the expected shape": cog accepts the commits, computes a next
// version, and the workspace's versions are where the version hook expects them.
import semver from "semver";
import { type Check, fail, pass, skip, warn } from "../checks.ts";
import { cogGlobalArgs, nextVersion, validateChoice } from "../cog.ts";
import { isShallow } from "../git.ts";
import { kitCommand, sh } from "../hint.ts";
import { summarise } from "../output.ts";
import { latestTag, versionOf } from "../tags.ts";
import type { PreflightContext } from "./context.ts";
import { whyNothingToRelease } from "./no-bump.ts";
import { differs, type Found, findTool, pinFor, TOOLS, type Tool } from "./tool-versions.ts";

const UNSHALLOW = "git fetch --unshallow --tags (a shallow clone hides earlier tags, so cog would start from 0.0.0)";

/** cog refuses to start on a cog.toml it cannot read (or, cog 7, one with keys it does not know): report that once, under config. */
export function cogTomlBroken(config: PreflightContext["config"]): boolean {
  return (
    config.problems.some((p) => p.file === "cog.toml" && p.key === "(syntax)") ||
    Boolean(config.cog?.unknownKeys.length)
  );
}

/** Why the runbook's one-version flow cannot run cog here (a per-package monorepo); null when it can. */
function cogNotSupported(config: PreflightContext["config"]): string | null {
  const u = config.topology.unsupported.find((x) => x.id === "cog-monorepo");
  return u ? `not supported: ${u.what} (see config)` : null;
}

/** How next-version names the prefix cog was given when cog.toml does not set the one the tags carry. */
const inferredNote = (config: PreflightContext["config"]) =>
  config.inferredPrefix
    ? `; with tag_prefix = "${config.inferredPrefix.prefix}", inferred from the history's tags (${config.cog ? "cog.toml sets none" : "there is no cog.toml"}: see config)`
    : "";

// Whether cog is on PATH, asked once per preflight: the cog checks need only that, and the tools
// check reports it with the rest (cargo's probes are slower, and the cog checks need not wait).
const cogLookups = new WeakMap<PreflightContext, Promise<Found>>();
const findCog = (ctx: PreflightContext): Promise<Found> => {
  let found = cogLookups.get(ctx);
  if (!found) {
    found = findTool(ctx.r, TOOLS.cog);
    cogLookups.set(ctx, found);
  }
  return found;
};
const noCog = async (ctx: PreflightContext) => !(await findCog(ctx)).line;

export const conventionalCommits: Check<PreflightContext> = {
  id: "conventional-commits",
  async run(ctx) {
    const { r, config } = ctx;
    if (await noCog(ctx)) return skip("cog is not installed (see tools)");
    if (cogTomlBroken(config)) return skip("cog cannot read cog.toml (see config)");
    const unsupported = cogNotSupported(config);
    if (unsupported) return skip(unsupported);
    if (await isShallow(r)) return fail("this is a shallow clone: cog cannot see the whole history", UNSHALLOW);
    const latest = await latestTag(r, config.tagPrefix);
    const global = cogGlobalArgs(config);
    const out = latest ? await r.probe`cog ${global} check --from-latest-tag` : await r.probe`cog ${global} check`;
    const range = latest ? `since ${latest}` : "in the whole history (no release yet)";
    if (out.exitCode === 0) return pass(`every commit ${range} is conventional`);
    const said = `${out.stderr}\n${out.stdout}`
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean);
    const summary = said.find((l) => /non compliant commits?/i.test(l));
    if (!summary) {
      return fail(
        `cog check failed (exit ${out.exitCode}): ${said.slice(-3).join(" ") || "no output"}`,
        `run \`cog check${latest ? " --from-latest-tag" : ""}\` in the repository to see why, fix that, then run preflight again`,
      );
    }
    const offenders = said.filter((l) => /^(Errored commit|Commit message|[0-9a-f]{7,40}\b)/i.test(l)).slice(0, 3);
    return fail(
      `${summary}${offenders.length ? ` (${offenders.join("; ")})` : ""}`,
      `reword the ones not yet on origin/${config.branch}: git rebase -i origin/${config.branch}, mark them "reword", write type(scope): subject; ones already on origin/${config.branch} cannot be reworded without rewriting it: cog leaves them out of the version and changelog, so describe their changes in a conventional commit`,
    );
  },
};

export const nextVersionCheck: Check<PreflightContext> = {
  id: "next-version",
  async run(ctx) {
    const { r, config, choice } = ctx;
    const invalid = validateChoice(choice);
    if (invalid) return fail(invalid, `see ${kitCommand("release:preflight", ["--help"])}`);
    if (await noCog(ctx)) return skip("cog is not installed (see tools)");
    if (cogTomlBroken(config)) return skip("cog cannot read cog.toml (see config)");
    const unsupported = cogNotSupported(config);
    if (unsupported) return skip(unsupported);
    if (await isShallow(r))
      return fail("this is a shallow clone: cog would compute the next version from 0.0.0", UNSHALLOW);
    const latest = await latestTag(r, config.tagPrefix);
    const next = await nextVersion(r, config.tagPrefix, choice, cogGlobalArgs(config));
    if (next.ok)
      return pass(
        `${next.tag} (${latest ? `after ${latest}` : "first release"}${choice.version || choice.bump || choice.pre ? ", as asked" : ", from the commits"}${inferredNote(config)})`,
        { version: next.version, tag: next.tag, latest },
      );
    if (next.nothing) {
      const why = await whyNothingToRelease(
        r,
        config.root,
        latest,
        (latest ? versionOf(latest, config.tagPrefix) : null) ?? "0.0.0",
      );
      return fail(`cog: ${next.message}`, `${why}: nothing to release; to release anyway, choose it: --bump patch`);
    }
    // cog's branch_whitelist: cog refuses to bump anywhere but the release branch.
    if (/bump is not allowed/i.test(next.message)) {
      return fail(
        `cog refuses to bump here: ${next.message}`,
        `release from ${config.branch}: ${sh("git", "switch", config.branch)} (cog.toml's branch_whitelist allows only ${config.cog?.branchWhitelist.join(", ") || "listed branches"})`,
      );
    }
    return fail(
      `cog cannot compute a next version: ${next.message}`,
      "make sure there are conventional commits (feat: / fix: ...) since the last release, or choose the version with --version X.Y.Z",
    );
  },
};

export const versions: Check<PreflightContext> = {
  id: "versions",
  needs: ["next-version"],
  async run({ r, config, choice }, deps) {
    const ws = config.workspace;
    const found: { file: string; version: string | null }[] =
      ws.kind === "cargo"
        ? ws.members.map((m) => ({
            file: m.inheritsVersion ? "Cargo.toml [workspace.package]" : m.manifest,
            version: m.version,
          }))
        : ws.kind === "npm"
          ? [{ file: "package.json", version: ws.version }]
          : [];
    if (!found.length) return skip("no Cargo workspace or package.json: no version to stamp");
    const unsupported = config.topology.unsupported.find(
      (u) => u.id === "unversioned-packages" || u.id === "cog-monorepo",
    );
    if (unsupported) return skip(`not supported: ${unsupported.what} (see config)`);
    const unique = [...new Map(found.map((f) => [f.file, f])).values()];
    const missing = unique.filter((f) => !f.version);
    if (missing.length)
      return fail(
        `${missing.map((f) => f.file).join(", ")} has no version`,
        "give every released package a version equal to the last release's",
      );
    const latest = await latestTag(r, config.tagPrefix);
    const expected = latest ? versionOf(latest, config.tagPrefix) : null;
    const manifests = unique.length === 1 ? unique[0]!.file : `all ${unique.length} manifests`;
    if (expected && unique.every((f) => f.version === expected))
      return pass(`${manifests} at ${expected}, the version of ${latest}`);
    // A pre-release tagged after the latest release (18.20.0-beta.3 after 18.19.0) stamped its own version.
    const pre = await highestReachable(r, config.tagPrefix);
    const preVersion = pre ? versionOf(pre, config.tagPrefix) : null;
    if (preVersion && preVersion !== expected && unique.every((f) => f.version === preVersion))
      return pass(`${manifests} at ${preVersion}, the version of the pre-release ${pre}`);
    if (choice.version && unique.every((f) => f.version === choice.version))
      return pass(`${manifests} at ${choice.version}, the version asked for (--version ${choice.version})`);
    const next = (deps["next-version"]?.data as { version: string } | undefined)?.version ?? null;
    const floor = expected ?? "0.0.0";
    const ahead = unique.filter(
      (f) => f.version && semver.valid(f.version) && semver.gt(f.version, floor) && f.version !== preVersion,
    );
    const behind = unique.filter((f) => f.version && (!semver.valid(f.version) || semver.lt(f.version, floor)));
    const says = (files: typeof unique) => summarise(files.map((f) => `${f.file} says ${f.version}`));
    if (behind.length && expected) {
      return fail(
        `${says(behind)}, but the latest release ${latest} is ${expected}: the release that made ${latest} did not stamp them`,
        `versions move only in release commits: set them to ${expected} in a commit of its own${ws.kind === "cargo" ? ` (cargo release version ${expected} --execute --no-confirm)` : ""}, then release`,
      );
    }
    // Never advise lowering a version: name what may hide the releases, and the honest choice.
    const shown = ahead.length ? ahead : unique;
    const top = shown
      .map((f) => f.version!)
      .filter((v) => semver.valid(v))
      .reduce((h, v) => (semver.gt(v, h) ? v : h), "0.0.0");
    const above = expected
      ? `the latest release ${latest} is ${expected}`
      : `cog sees no release tag ${config.tagPrefix}<version>${next ? ` and would make ${next} the first release` : ""}`;
    const cause = await aheadCause(r, config, top);
    if (next && semver.valid(top) && semver.lte(top, next)) {
      // The release stamps every manifest with the next version: nothing breaks, but someone raised it early.
      return warn(
        `${says(shown)}, but ${above}: a commit raised ${shown.length > 1 ? "them" : "it"} outside a release commit; releasing ${next} stamps every manifest with ${next}`,
        `nothing to do for this release; versions move only in release commits (git log -p -- ${shown[0]!.file.split(" ")[0]} shows which commit raised it)`,
      );
    }
    const refuses = next ? `: the version hook would refuse to go down to ${next}` : "";
    return fail(
      `${says(shown)}, but ${above}${refuses}${cause ? `; ${cause.why}` : `; a commit raised ${shown.length > 1 ? "them" : "it"} outside a release commit`}`,
      `${cause ? `${cause.fix}; ` : ""}if ${top} is the version you mean to release, choose it: ${kitCommand("release", ["--version", top])}`,
    );
  },
};

/** The highest release tag reachable from HEAD, pre-releases included. */
async function highestReachable(r: PreflightContext["r"], prefix: string): Promise<string | null> {
  const out = await r.probe`git tag --merged HEAD --list ${`${prefix}*`}`;
  let best: { tag: string; version: string } | null = null;
  for (const tag of out.stdout
    .split("\n")
    .map((t) => t.trim())
    .filter(Boolean)) {
    const version = versionOf(tag, prefix);
    if (version && (!best || semver.gt(version, best.version))) best = { tag, version };
  }
  return best?.tag ?? null;
}

/** Why the manifests may be above what cog sees: releases it cannot see (a shallow clone, tags not fetched, another prefix). */
async function aheadCause(
  r: PreflightContext["r"],
  config: PreflightContext["config"],
  version: string,
): Promise<{ why: string; fix: string } | null> {
  if (await isShallow(r))
    return { why: "this is a shallow clone, which hides the tags before its cut", fix: "git fetch --unshallow --tags" };
  const prefixes = (await r.probe`git tag --list ${`*${version}`}`).stdout
    .split("\n")
    .map((t) => t.trim())
    .filter((t) => t && t !== `${config.tagPrefix}${version}` && t.endsWith(version))
    .map((t) => t.slice(0, -version.length));
  if (prefixes.length && !config.inferredPrefix) {
    const other = prefixes.includes("v") ? "v" : prefixes[0]!;
    return {
      why: `the tag ${other}${version} holds that version, but cog reads tags as ${config.tagPrefix || "(no prefix)"}<version>`,
      fix: `set tag_prefix = ${JSON.stringify(other)} in cog.toml`,
    };
  }
  const remote = await r.with({ timeout: "20s" })
    .probe`git ls-remote --tags origin ${`refs/tags/${config.tagPrefix}*`}`;
  const local = new Set(
    (await r.probe`git tag --list ${`${config.tagPrefix}*`}`).stdout.split("\n").map((t) => t.trim()),
  );
  const missing =
    remote.exitCode === 0
      ? [
          ...new Set(
            remote.stdout
              .split("\n")
              .map((l) => l.split("refs/tags/")[1]?.replace(/\^\{\}$/, ""))
              .filter((t): t is string => Boolean(t) && !local.has(t!)),
          ),
        ]
      : [];
  if (missing.length)
    return {
      why: `origin has ${missing.length} release tag${missing.length === 1 ? "" : "s"} this clone has not fetched (${summarise(missing, 3)})`,
      fix: "git fetch --tags origin",
    };
  return null;
}

/**
 * Every tool the runbook drives answers its version: cog, git-cliff, and for a Cargo workspace
 * cargo and cargo-release (asked as `cargo release --version`, since the real binary refuses
 * `cargo-release --version`). Each is shown with where it came from; a version other than the one
 * mise.toml pins is a warning naming both.
 */
export const tools: Check<PreflightContext> = {
  id: "tools",
  async run(ctx) {
    const { r, config } = ctx;
    const wanted: Tool[] = [TOOLS.gitCliff];
    if (config.workspace.kind === "cargo") wanted.push(TOOLS.cargo, TOOLS.cargoRelease);
    const found = await Promise.all([findCog(ctx), ...wanted.map((tool) => findTool(r, tool))]);
    const shown = found
      .filter((f) => f.line)
      .map((f) => `${f.line}${f.path ? ` at ${f.path}` : ""}`)
      .join("; ");
    const missing = found.filter((f) => !f.line).map((f) => f.tool.name);
    const data = { cog: !missing.includes("cog") };
    if (missing.length) {
      const fixes = [
        "run `mise install` in the release-kit folder on a connected machine (it installs the pinned cocogitto, git-cliff and cargo-release), or install them yourself",
      ];
      if (missing.includes("cargo"))
        fixes.push(
          "install Rust's cargo (rustup): cargo-release runs `cargo metadata`, and the hook runs `cargo release`",
        );
      return fail(
        `${missing.join(", ")} not found on PATH${shown ? ` (found: ${shown})` : ""}`,
        fixes.join("; "),
        data,
      );
    }
    const off = found.flatMap((f) => {
      const pin = pinFor(config.root, f.tool);
      return pin && f.version && differs(f.version, pin.version)
        ? [`${f.tool.name} ${f.version} is installed, but ${pin.file} pins ${f.tool.mise[0]} ${pin.version}`]
        : [];
    });
    if (off.length) {
      return warn(
        `${off.join("; ")} (found: ${shown})`,
        "run `mise install` where that mise.toml is, so the pinned versions run, or change the pin to the version you mean to release with",
        data,
      );
    }
    return pass(shown, data);
  },
};
