// "generated admin contract artifacts are current", and the configuration the release relies on:
// cog.toml, cliff.toml and the workflow parse and agree, and the hooks write what they must.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fail, pass, skip, warn, type Check } from "../checks.ts";
import { headSha, showFile } from "../git.ts";
import { describeLooked, describeNotVerified, readTagWorkflows, WorkflowError, type TagWorkflows } from "../workflow/index.ts";
import type { PreflightContext } from "./context.ts";
import { placeholderFindings } from "./hook-placeholders.ts";

interface Finding {
  level: "fail" | "warn";
  text: string;
  fix: string;
}

const atHead = new WeakMap<PreflightContext, Map<string, Promise<TagWorkflows>>>();

/** The workflows a push of `tag` would start, as they are at HEAD (read once per tag and run). */
export function workflowAtHead(ctx: PreflightContext, tag: string): Promise<TagWorkflows> {
  const cache = atHead.get(ctx) ?? new Map<string, Promise<TagWorkflows>>();
  atHead.set(ctx, cache);
  let found = cache.get(tag);
  if (!found) {
    const { r, config } = ctx;
    const { owner, name } = config.repository;
    found = headSha(r).then((sha) => readTagWorkflows(r, config, "HEAD", { owner, repository: `${owner}/${name}`, tag, sha: sha ?? "0".repeat(40) }));
    cache.set(tag, found);
  }
  return found;
}

const words = (hook: string) => hook.split(/\s+/).filter(Boolean);

function hookFindings(ctx: PreflightContext): Finding[] {
  const { config } = ctx;
  const found: Finding[] = [];
  const cog = config.cog;
  if (!cog) {
    if (config.problems.some((p) => p.file === "cog.toml")) return []; // it exists but does not parse: reported as such
    return [{ level: "fail", text: "there is no cog.toml: cog would use no tag prefix and run no hooks, so the release commit would hold neither changelog nor versions", fix: 'add cog.toml with tag_prefix = "v", disable_changelog = true and pre_bump_hooks for git-cliff and the version (see the README)' }];
  }
  if (!config.cliff) found.push({ level: "warn", text: "there is no cliff.toml: git-cliff would use its built-in template", fix: "add a cliff.toml (git-cliff --init)" });
  if (!cog.disableChangelog) {
    found.push({ level: "fail", text: "cog.toml does not set disable_changelog = true: cog would write its own changelog, and fails on git-cliff's CHANGELOG.md (no `- - -` line)", fix: "set disable_changelog = true in cog.toml" });
  }
  const cliffHook = cog.preBumpHooks.find((h) => /\bgit-cliff\b/.test(h));
  if (!cliffHook) {
    const late = cog.postBumpHooks.some((h) => /\bgit-cliff\b/.test(h));
    found.push({
      level: "fail",
      text: late ? "git-cliff runs as a post_bump_hook, after cog committed and tagged: the tagged commit would not hold the changelog" : "no pre_bump_hook runs git-cliff: the release commit would hold no changelog",
      fix: 'add "git-cliff --tag {{version_tag}} -o CHANGELOG.md" to pre_bump_hooks in cog.toml',
    });
  } else {
    const w = words(cliffHook);
    const at = w.findIndex((x) => x === "-o" || x === "--output" || x.startsWith("--output=") || /^-o./.test(x));
    const target = at === -1 ? null : w[at]!.includes("=") ? w[at]!.split("=")[1] : /^-o./.test(w[at]!) ? w[at]!.slice(2) : w[at + 1];
    // --prepend FILE writes the new section above the old text; git-cliff requires a range with it.
    const prepends = w.some((x) => x === "-p" || x === "--prepend" || x.startsWith("--prepend="));
    const ranged = w.some((x) => ["-u", "--unreleased", "-l", "--latest", "--current"].includes(x) || /\.\./.test(x));
    if (prepends && !ranged) found.push({ level: "fail", text: `the git-cliff hook (${cliffHook}) uses --prepend without --unreleased: git-cliff refuses --prepend without a range`, fix: "add --unreleased to the git-cliff hook" });
    else if (at === -1 && !prepends) found.push({ level: "fail", text: `the git-cliff hook (${cliffHook}) has no -o/--output or --prepend: it prints the changelog to stdout and changes nothing`, fix: "add -o CHANGELOG.md (or --unreleased --prepend CHANGELOG.md) to the git-cliff hook in cog.toml" });
    else if (target === "-") found.push({ level: "fail", text: `the git-cliff hook (${cliffHook}) writes to stdout (-o -): CHANGELOG.md is not updated`, fix: "write -o CHANGELOG.md in the git-cliff hook" });
    if (!w.some((x) => x === "--tag" || x === "-t" || x.startsWith("--tag=") || x === "--bump")) {
      found.push({ level: "fail", text: `the git-cliff hook (${cliffHook}) has no --tag {{version_tag}}: the new section would be titled "Unreleased", not the version`, fix: "add --tag {{version_tag}} to the git-cliff hook" });
    }
  }
  if (config.cliff?.output) {
    found.push({ level: "warn", text: `cliff.toml sets [changelog] output = "${config.cliff.output}": every git-cliff run without -o (release notes, --context) overwrites that file`, fix: "remove output from cliff.toml; the hook passes -o CHANGELOG.md" });
  }
  const pattern = config.cliff?.tagPattern;
  if (pattern) {
    try {
      if (!new RegExp(pattern).test(`${config.tagPrefix}1.2.3`)) {
        found.push({ level: "fail", text: `cliff.toml's tag_pattern ${pattern} does not match cog's tags (${config.tagPrefix}1.2.3): git-cliff would not see the releases`, fix: `set tag_pattern = "^${config.tagPrefix}[0-9]+\\\\.[0-9]+\\\\.[0-9]+$" in cliff.toml` });
      }
    } catch {
      found.push({ level: "fail", text: `cliff.toml's tag_pattern ${pattern} is not a valid regular expression`, fix: "fix tag_pattern in cliff.toml" });
    }
  }
  found.push(...placeholderFindings(cog.preBumpHooks, "pre_bump_hooks"), ...placeholderFindings(cog.postBumpHooks, "post_bump_hooks"));
  if (config.workspace.kind === "cargo") {
    const hook = cog.preBumpHooks.find((h) => /\bcargo(\s+|-)release\b/.test(h));
    if (!hook) found.push({ level: "fail", text: "no pre_bump_hook sets the Cargo versions: the release commit would not hold them", fix: 'add "cargo release version {{version}} --execute --no-confirm" to pre_bump_hooks in cog.toml' });
    else {
      if (!/--no-confirm\b/.test(hook)) found.push({ level: "fail", text: `the cargo-release hook (${hook}) lacks --no-confirm: it asks y/N, reads end-of-input and silently changes nothing`, fix: "add --no-confirm to the cargo-release hook" });
      if (!/(--execute|\s-x)\b/.test(hook)) found.push({ level: "fail", text: `the cargo-release hook (${hook}) lacks --execute: cargo-release only dry-runs by default`, fix: "add --execute to the cargo-release hook" });
      // The real binary is clap's `cargo` > `release` > steps (cargo-release src/bin/cargo-release.rs).
      if (/\bcargo-release\s+(?!\s|release\b)/.test(hook)) found.push({ level: "fail", text: `the cargo-release hook (${hook}) calls cargo-release without its \`release\` subcommand: the real binary refuses that (exit 2)`, fix: "write the hook as cargo runs it: cargo release version {{version}} --execute --no-confirm" });
      if (/\{\{\s*version_tag\s*\}\}/.test(hook)) found.push({ level: "fail", text: `the cargo-release hook (${hook}) passes {{version_tag}}: cargo-release rejects a prefixed version`, fix: "pass {{version}} to cargo-release" });
    }
  } else if (config.workspace.kind === "npm" && !cog.preBumpHooks.some((h) => /\{\{\s*version\s*\}\}/.test(h))) {
    found.push({ level: "warn", text: "no pre_bump_hook sets package.json's version", fix: 'add "npm version {{version}} --no-git-tag-version --allow-same-version" to pre_bump_hooks' });
  }
  return found;
}

export const configCheck: Check<PreflightContext> = {
  id: "config",
  async run(ctx) {
    const { config } = ctx;
    const found: Finding[] = config.problems.map((p) => ({ level: "fail", text: p.message, fix: p.fix }));
    found.push(...hookFindings(ctx));
    let workflowNote = "nothing is published by a tag workflow";
    try {
      const sample = `${config.tagPrefix}1.0.0`;
      const wf = await workflowAtHead(ctx, sample);
      const count = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;
      workflowNote = wf.started.length
        ? `${wf.started.map((w) => w.path).join(", ")}: ${count(wf.images.length, "image")}${wf.artifacts.length ? `, ${count(wf.artifacts.length, "other artifact")}` : ""}`
        : `no workflow starts on tags like ${sample} (looked at ${describeLooked(wf)}): nothing is published by a tag workflow`;
      for (const item of wf.notVerified) {
        found.push({ level: "warn", text: describeNotVerified(item), fix: "release:verify will report it as not verified; docs/workflows.md says what release-kit reads" });
      }
    } catch (error) {
      if (!(error instanceof WorkflowError)) throw error;
      found.push({ level: "fail", text: error.message, fix: error.fix });
    }
    const failures = found.filter((f) => f.level === "fail");
    const fixes = [...new Set(found.map((f) => f.fix))].join("; ");
    if (failures.length) return fail(found.map((f) => f.text).join("; "), fixes);
    if (found.length) return warn(`${found.map((f) => f.text).join("; ")} (${workflowNote})`, fixes);
    return pass(`cog.toml, cliff.toml and the hooks agree (tag prefix "${config.tagPrefix}"); ${workflowNote}`);
  },
};

export const artifactsCurrent: Check<PreflightContext> = {
  id: "artifacts-current",
  // Not while up-to-date fetches: `git worktree add` first writes the new worktree's HEAD as the
  // null id, and fetch's connectivity check (rev-list --all, every worktree's HEAD included) then
  // fails with "did not send all necessary objects".
  needs: ["up-to-date"],
  async run({ r, config }) {
    if (!config.generate) return skip("no generator configured (set RELEASE_GENERATE to the command that regenerates committed artifacts)");
    const scratch = mkdtempSync(join(tmpdir(), "release-kit-artifacts-"));
    const tree = join(scratch, "tree");
    const added = await r.probe`git worktree add --detach --quiet ${tree} HEAD`;
    if (added.exitCode !== 0) {
      rmSync(scratch, { recursive: true, force: true });
      return fail(`cannot make a throwaway worktree of HEAD: ${added.stderr.trim()}`, "check that git worktree works in this repository");
    }
    try {
      const ran = await r.with({ cwd: tree, timeout: "300s" }).probe`sh -c ${config.generate}`;
      if (ran.exitCode !== 0) {
        const why = (ran.stderr || ran.stdout).trim().split("\n").slice(-2).join(" ");
        return fail(`the generator \`${config.generate}\` failed (exit ${ran.exitCode}) in a clean checkout of HEAD: ${why}`, `make \`${config.generate}\` work from a fresh checkout, or fix RELEASE_GENERATE (from ${config.sources.RELEASE_GENERATE})`);
      }
      const changed = (await r.with({ cwd: tree }).read`git status --porcelain=v1 --untracked-files=all`).stdout.split("\n").map((l) => l.slice(3).trim()).filter(Boolean);
      if (!changed.length) return pass(`\`${config.generate}\` leaves a checkout of HEAD unchanged`);
      return fail(`the committed artifacts are stale: \`${config.generate}\` changes ${changed.slice(0, 5).join(", ")}${changed.length > 5 ? ` and ${changed.length - 5} more` : ""}`, `run \`${config.generate}\` and commit the result (through review), then run preflight again`);
    } finally {
      await r.probe`git worktree remove --force ${tree}`;
      rmSync(scratch, { recursive: true, force: true });
      await r.probe`git worktree prune`;
    }
  },
};
