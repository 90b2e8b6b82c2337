// "changelog-worthy commits are in the expected shape": cog accepts the commits, computes a next
// version, and the workspace's versions are where the version hook expects them.
import semver from "semver";
import { sh } from "../hint.ts";
import { fail, pass, skip, warn, type Check } from "../checks.ts";
import { nextVersion, validateChoice } from "../cog.ts";
import { isShallow } from "../git.ts";
import { latestTag, versionOf } from "../tags.ts";
import type { PreflightContext } from "./context.ts";
import { whyNothingToRelease } from "./no-bump.ts";
import { differs, findTool, pinFor, TOOLS, type Tool } from "./tool-versions.ts";

const UNSHALLOW = "git fetch --unshallow --tags (a shallow clone hides earlier tags, so cog would start from 0.0.0)";

/** cog refuses to start on a cog.toml it cannot read: report that once, under config. */
export function cogTomlBroken(config: PreflightContext["config"]): boolean {
  return config.problems.some((p) => p.file === "cog.toml" && p.key === "(syntax)");
}

const noCog = (deps: Record<string, { status: string; data?: unknown } | undefined>) =>
  deps.tools?.status === "fail" && !(deps.tools.data as { cog?: boolean } | undefined)?.cog;

export const conventionalCommits: Check<PreflightContext> = {
  id: "conventional-commits",
  needs: ["tools"],
  async run({ r, config }, deps) {
    if (noCog(deps)) return skip("cog is not installed (see tools)");
    if (cogTomlBroken(config)) return skip("cog cannot read cog.toml (see config)");
    if (await isShallow(r)) return fail("this is a shallow clone: cog cannot see the whole history", UNSHALLOW);
    const latest = await latestTag(r, config.tagPrefix);
    const out = latest ? await r.probe`cog check --from-latest-tag` : await r.probe`cog check`;
    const range = latest ? `since ${latest}` : "in the whole history (no release yet)";
    if (out.exitCode === 0) return pass(`every commit ${range} is conventional`);
    const said = `${out.stderr}\n${out.stdout}`.split("\n").map((l) => l.trim()).filter(Boolean);
    const summary = said.find((l) => /non compliant commits?/i.test(l));
    if (!summary) {
      return fail(`cog check failed (exit ${out.exitCode}): ${said.slice(-3).join(" ") || "no output"}`, `run \`cog check${latest ? " --from-latest-tag" : ""}\` in the repository to see why, fix that, then run preflight again`);
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
  needs: ["tools"],
  async run({ r, config, choice }, deps) {
    const invalid = validateChoice(choice);
    if (invalid) return fail(invalid, "see mise run release:preflight -- --help");
    if (noCog(deps)) return skip("cog is not installed (see tools)");
    if (cogTomlBroken(config)) return skip("cog cannot read cog.toml (see config)");
    if (await isShallow(r)) return fail("this is a shallow clone: cog would compute the next version from 0.0.0", UNSHALLOW);
    const latest = await latestTag(r, config.tagPrefix);
    const next = await nextVersion(r, config.tagPrefix, choice);
    if (next.ok) return pass(`${next.tag} (${latest ? `after ${latest}` : "first release"}${choice.version || choice.bump || choice.pre ? ", as asked" : ", from the commits"})`, { version: next.version, tag: next.tag, latest });
    if (next.nothing) {
      const why = await whyNothingToRelease(r, config.root, latest, (latest ? versionOf(latest, config.tagPrefix) : null) ?? "0.0.0");
      return fail(`cog: ${next.message}`, `${why}: nothing to release; to release anyway, choose it: --bump patch`);
    }
    // cog's branch_whitelist: cog refuses to bump anywhere but the release branch.
    if (/bump is not allowed/i.test(next.message)) {
      return fail(`cog refuses to bump here: ${next.message}`, `release from ${config.branch}: ${sh("git", "switch", config.branch)} (cog.toml's branch_whitelist allows only ${config.cog?.branchWhitelist.join(", ") || "listed branches"})`);
    }
    return fail(`cog cannot compute a next version: ${next.message}`, "make sure there are conventional commits (feat: / fix: ...) since the last release, or choose the version with --version X.Y.Z");
  },
};

export const versions: Check<PreflightContext> = {
  id: "versions",
  needs: ["next-version"],
  async run({ r, config }, deps) {
    const ws = config.workspace;
    const found: { file: string; version: string | null }[] =
      ws.kind === "cargo"
        ? ws.members.map((m) => ({ file: m.inheritsVersion ? "Cargo.toml [workspace.package]" : m.manifest, version: m.version }))
        : ws.kind === "npm"
          ? [{ file: "package.json", version: ws.version }]
          : [];
    if (!found.length) return skip("no Cargo workspace or package.json: no version to stamp");
    const unique = [...new Map(found.map((f) => [f.file, f])).values()];
    const missing = unique.filter((f) => !f.version);
    if (missing.length) return fail(`${missing.map((f) => f.file).join(", ")} has no version`, "give every released package a version equal to the last release's");
    const latest = await latestTag(r, config.tagPrefix);
    const expected = latest ? versionOf(latest, config.tagPrefix) : null;
    if (expected) {
      const off = unique.filter((f) => f.version !== expected);
      if (!off.length) return pass(`${unique.length === 1 ? unique[0]!.file : `all ${unique.length} manifests`} at ${expected}, the version of ${latest}`);
      return fail(
        `${off.map((f) => `${f.file} says ${f.version}`).join(", ")}, but the latest release ${latest} is ${expected}`,
        `versions move only in release commits: set them back to ${expected} in a commit of its own${ws.kind === "cargo" ? ` (cargo release version ${expected} --execute --no-confirm)` : ""}, or tag the release that set them`,
      );
    }
    const next = (deps["next-version"]?.data as { version: string } | undefined)?.version;
    const ahead = next ? unique.filter((f) => f.version && semver.valid(f.version) && semver.gt(f.version, next)) : [];
    if (ahead.length) return fail(`${ahead.map((f) => `${f.file} says ${f.version}`).join(", ")}, above the first release ${next}: the version hook would refuse a downgrade`, `set the versions to ${next} or lower, or release with --version`);
    return pass(`first release: ${unique.map((f) => `${f.file} ${f.version}`).join(", ")}`);
  },
};

/**
 * Every tool the runbook drives answers its version: cog, git-cliff, and for a Cargo workspace
 * cargo and cargo-release (asked as `cargo release --version`, since the real binary refuses
 * `cargo-release --version`). Each is shown with where it came from; a version other than the one
 * mise.toml pins is a warning naming both.
 */
export const tools: Check<PreflightContext> = {
  id: "tools",
  async run({ r, config }) {
    const wanted: Tool[] = [TOOLS.cog, TOOLS.gitCliff];
    if (config.workspace.kind === "cargo") wanted.push(TOOLS.cargo, TOOLS.cargoRelease);
    const found = await Promise.all(wanted.map((tool) => findTool(r, tool)));
    const shown = found.filter((f) => f.line).map((f) => `${f.line}${f.path ? ` at ${f.path}` : ""}`).join("; ");
    const missing = found.filter((f) => !f.line).map((f) => f.tool.name);
    const data = { cog: !missing.includes("cog") };
    if (missing.length) {
      const fixes = ["run `mise install` in the release-kit folder on a connected machine (it installs the pinned cocogitto, git-cliff and cargo-release), or install them yourself"];
      if (missing.includes("cargo")) fixes.push("install Rust's cargo (rustup): cargo-release runs `cargo metadata`, and the hook runs `cargo release`");
      return fail(`${missing.join(", ")} not found on PATH${shown ? ` (found: ${shown})` : ""}`, fixes.join("; "), data);
    }
    const off = found.flatMap((f) => {
      const pin = pinFor(config.root, f.tool);
      return pin && f.version && differs(f.version, pin.version) ? [`${f.tool.name} ${f.version} is installed, but ${pin.file} pins ${f.tool.mise[0]} ${pin.version}`] : [];
    });
    if (off.length) {
      return warn(`${off.join("; ")} (found: ${shown})`, "run `mise install` where that mise.toml is, so the pinned versions run, or change the pin to the version you mean to release with", data);
    }
    return pass(shown, data);
  },
};
