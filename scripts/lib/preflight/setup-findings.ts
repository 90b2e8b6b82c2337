// The config check's reading of how the repository releases: what the runbook's flow cannot do here
// ("not supported: why"), cog.toml as cog 7 reads it, the tag prefix, and the hooks, each parsed as
// the shell command cog runs: the changelog they write, the versions they stamp, and anything that
// pushes, publishes or creates a release before the review gate.

import { showFile } from "../git.ts";
import { kitCommand } from "../hint.ts";
import {
  cargoReleaseCommand,
  cliffHookOf,
  gateBypasses,
  type ParsedHook,
  parseHooks,
  stampsVersions,
} from "../hooks.ts";
import { summarise } from "../output.ts";
import type { PreflightContext } from "./context.ts";
import { placeholderFindings } from "./hook-placeholders.ts";

export interface Finding {
  level: "fail" | "warn";
  text: string;
  fix: string;
}

const GATE_FIX =
  "remove it from cog.toml: release-kit pushes (git push --atomic) and creates the GitHub release itself, after the review gate; publishing belongs to the tag workflow, which the tag push starts";

function cogTomlFindings(ctx: PreflightContext): Finding[] {
  const cog = ctx.config.cog!;
  const found: Finding[] = [];
  if (cog.legacyPackages.length) {
    found.push({
      level: "fail",
      text: "cog.toml has [packages], cog 6.x's way to list a monorepo's packages: cog 7 rejects it as an unknown key, so every cog command fails on this cog.toml",
      fix: "move [packages] to [monorepo.packages] (cocogitto's 6.5 to 7.0 migration guide), or keep cocogitto 6.x",
    });
  }
  const other = cog.unknownKeys.filter((k) => k !== "packages");
  if (other.length) {
    found.push({
      level: "fail",
      text: `cog.toml has keys cog 7 does not know (${summarise(other)}): cog refuses the whole file`,
      fix: `remove or rename ${other.length === 1 ? "it" : "them"} in cog.toml (https://docs.cocogitto.io/config/)`,
    });
  }
  const inferred = ctx.config.inferredPrefix;
  if (inferred) {
    found.push({
      level: "fail",
      text: `cog.toml sets no tag_prefix, but the history's release tags are ${inferred.prefix}<version> (${inferred.tags}, ${inferred.highest} the highest): cog would see none of them and start again from 0.1.0`,
      fix: `set tag_prefix = ${JSON.stringify(inferred.prefix)} in cog.toml`,
    });
  }
  if (cog.skipUntracked) {
    found.push({
      level: "warn",
      text: "cog.toml sets skip_untracked = true: cog never checks the tree before a bump, so a plain `cog bump` commits whatever it holds into the release; release-kit's clean-tree check is what keeps stray files out",
      fix: `remove skip_untracked from cog.toml (release-kit passes --skip-untracked itself, after its clean-tree check), and release through ${kitCommand("release")}`,
    });
  }
  return found;
}

function syntaxFindings(key: string, hooks: ParsedHook[]): Finding[] {
  return hooks
    .filter((h) => h.error)
    .map((h) => ({
      level: "fail" as const,
      text: `the ${key} hook "${h.hook}" is not valid shell (${h.error}): cog runs it with sh -c, which refuses it`,
      fix: "fix the hook's quoting in cog.toml",
    }));
}

async function gateFindings(pre: ParsedHook[], post: ParsedHook[]): Promise<Finding[]> {
  const found = [...(await gateBypasses("pre_bump_hooks", pre)), ...(await gateBypasses("post_bump_hooks", post))];
  return found.map((b) => ({
    level: "fail",
    text: `the hook "${b.hook}" in ${b.key} ${b.does}${b.command !== b.hook ? ` (${b.command})` : ""} ${b.key === "post_bump_hooks" ? "inside cog bump, right after cog tags" : "inside cog bump, before cog even commits"}: that is before release-kit's review gate`,
    fix: GATE_FIX,
  }));
}

async function changelogFindings(ctx: PreflightContext, pre: ParsedHook[], post: ParsedHook[]): Promise<Finding[]> {
  const { config } = ctx;
  const cog = config.cog!;
  const found: Finding[] = [];
  const cliff = pre.map(cliffHookOf).find((c) => c !== null) ?? null;
  if (!cog.disableChangelog) {
    // cog writes CHANGELOG.md itself: supported, as long as nothing else writes it and cog can.
    if (cliff?.output && cliff.output !== "-") {
      found.push({
        level: "fail",
        text: `cog.toml does not set disable_changelog = true, and the git-cliff hook in pre_bump_hooks (${cliff.hook}) writes ${cliff.output} too: cog writes its own changelog first, then fails on git-cliff's file (no \`- - -\` line)`,
        fix: "set disable_changelog = true in cog.toml, so git-cliff alone writes CHANGELOG.md",
      });
      return found;
    }
    if (cog.changelogPath !== "CHANGELOG.md") {
      found.push({
        level: "fail",
        text: `cog writes its changelog to ${cog.changelogPath}, but release-kit takes the release notes from CHANGELOG.md`,
        fix: `set [changelog] path = "CHANGELOG.md" in cog.toml`,
      });
      return found;
    }
    const text = await showFile(ctx.r, "HEAD", "CHANGELOG.md");
    if (text !== null && !/^- - -\s*$/m.test(text)) {
      found.push({
        level: "fail",
        text: "cog writes CHANGELOG.md itself (disable_changelog is not set), but CHANGELOG.md has no `- - -` line: cog's bump fails with \"cannot find default separator '- - -' in CHANGELOG.md\"",
        fix: "add a `- - -` line where cog should insert each release, or let git-cliff own CHANGELOG.md: disable_changelog = true and a git-cliff pre_bump_hook",
      });
    }
    return found;
  }
  if (!config.cliff && cliff)
    found.push({
      level: "warn",
      text: "there is no cliff.toml: git-cliff would use its built-in template",
      fix: "add a cliff.toml (git-cliff --init)",
    });
  if (!cliff) {
    const late = post.some((h) => cliffHookOf(h));
    found.push({
      level: "fail",
      text: late
        ? "git-cliff runs as a post_bump_hook, after cog committed and tagged: the tagged commit would not hold the changelog"
        : "cog.toml sets disable_changelog = true, but no pre_bump_hook runs git-cliff: the release commit would hold no changelog",
      fix: 'add "git-cliff --tag {{version_tag}} -o CHANGELOG.md" to pre_bump_hooks in cog.toml',
    });
    return found;
  }
  if (cliff.prepends && !cliff.ranged)
    found.push({
      level: "fail",
      text: `the git-cliff hook in pre_bump_hooks (${cliff.hook}) uses --prepend without --unreleased: git-cliff refuses --prepend without a range`,
      fix: "add --unreleased to the git-cliff hook",
    });
  else if (cliff.output === null)
    found.push({
      level: "fail",
      text: `the git-cliff hook in pre_bump_hooks (${cliff.hook}) has no -o/--output or --prepend: it prints the changelog to stdout and changes nothing`,
      fix: "add -o CHANGELOG.md (or --unreleased --prepend CHANGELOG.md) to the git-cliff hook in cog.toml",
    });
  else if (cliff.output === "-")
    found.push({
      level: "fail",
      text: `the git-cliff hook in pre_bump_hooks (${cliff.hook}) writes to stdout (-o -): CHANGELOG.md is not updated`,
      fix: "write -o CHANGELOG.md in the git-cliff hook",
    });
  if (!cliff.tagged) {
    found.push({
      level: "fail",
      text: `the git-cliff hook in pre_bump_hooks (${cliff.hook}) has neither --tag nor --bump: the new section would be titled "Unreleased", not the version`,
      fix: "add --tag {{version_tag}} to the git-cliff hook",
    });
  }
  if (config.cliff?.output) {
    found.push({
      level: "warn",
      text: `cliff.toml sets [changelog] output = "${config.cliff.output}": every git-cliff run without -o (release notes, --context) overwrites that file`,
      fix: "remove output from cliff.toml; the hook passes -o CHANGELOG.md",
    });
  }
  return found;
}

function tagPatternFindings(ctx: PreflightContext): Finding[] {
  const { config } = ctx;
  const pattern = config.cliff?.tagPattern;
  if (!pattern || config.topology.changelog !== "git-cliff") return [];
  try {
    if (!new RegExp(pattern).test(`${config.tagPrefix}1.2.3`)) {
      return [
        {
          level: "fail",
          text: `cliff.toml's tag_pattern ${pattern} does not match cog's tags (${config.tagPrefix}1.2.3): git-cliff would not see the releases`,
          fix: `set tag_pattern = "^${config.tagPrefix}[0-9]+\\\\.[0-9]+\\\\.[0-9]+$" in cliff.toml`,
        },
      ];
    }
  } catch {
    return [
      {
        level: "fail",
        text: `cliff.toml's tag_pattern ${pattern} is not a valid regular expression`,
        fix: "fix tag_pattern in cliff.toml",
      },
    ];
  }
  return [];
}

function versionFindings(ctx: PreflightContext, pre: ParsedHook[]): Finding[] {
  const { config } = ctx;
  const ws = config.workspace;
  if (config.topology.unsupported.some((u) => u.id === "unversioned-packages" || u.id === "cog-monorepo")) return [];
  if (ws.kind === "npm") {
    return pre.some(stampsVersions) || config.cog!.preBumpHooks.some((h) => /\{\{\s*version\s*\}\}/.test(h))
      ? []
      : [
          {
            level: "warn",
            text: "no pre_bump_hook sets package.json's version",
            fix: 'add "npm version {{version}} --no-git-tag-version --allow-same-version" to pre_bump_hooks',
          },
        ];
  }
  if (ws.kind !== "cargo") return [];
  const found: Finding[] = [];
  const stamping = pre.find(stampsVersions);
  if (!stamping)
    return [
      {
        level: "fail",
        text: "no pre_bump_hook sets the Cargo versions: the release commit would not hold them",
        fix: 'add "cargo release version {{version}} --execute --no-confirm" to pre_bump_hooks in cog.toml',
      },
    ];
  const hook = stamping.hook;
  if (/\{\{\s*version_tag\s*\}\}/.test(hook))
    found.push({
      level: "fail",
      text: `the version hook (${hook}) passes {{version_tag}}: Cargo versions take no prefix`,
      fix: "pass {{version}} to the version hook",
    });
  const release = cargoReleaseCommand(stamping);
  if (!release) return found;
  if (!release.args.includes("--no-confirm"))
    found.push({
      level: "fail",
      text: `the cargo-release hook (${hook}) lacks --no-confirm: it asks y/N, reads end-of-input and silently changes nothing`,
      fix: "add --no-confirm to the cargo-release hook",
    });
  if (!release.args.includes("--execute") && !release.args.includes("-x"))
    found.push({
      level: "fail",
      text: `the cargo-release hook (${hook}) lacks --execute: cargo-release only dry-runs by default`,
      fix: "add --execute to the cargo-release hook",
    });
  // The real binary is clap's `cargo` > `release` > steps (cargo-release src/bin/cargo-release.rs).
  if (release.binary === "cargo-release" && !release.subcommand) {
    found.push({
      level: "fail",
      text: `the cargo-release hook (${hook}) calls cargo-release without its \`release\` subcommand: the real binary refuses that (exit 2)`,
      fix: "write the hook as cargo runs it: cargo release version {{version}} --execute --no-confirm",
    });
  }
  return found;
}

/** Everything the config check says about how the repository releases, before its workflows. */
export async function setupFindings(ctx: PreflightContext): Promise<Finding[]> {
  const { config } = ctx;
  const found: Finding[] = config.topology.unsupported.map((u) => ({
    level: "fail",
    text: `not supported: ${u.what}: ${u.why}`,
    fix: u.needs,
  }));
  const cog = config.cog;
  // A cog.toml that does not parse is reported as such; without one, the flow is not supported.
  if (!cog) return found;
  found.push(...cogTomlFindings(ctx));
  const [pre, post] = await Promise.all([parseHooks(cog.preBumpHooks), parseHooks(cog.postBumpHooks)]);
  found.push(...syntaxFindings("pre_bump_hooks", pre), ...syntaxFindings("post_bump_hooks", post));
  found.push(...(await gateFindings(pre, post)));
  found.push(...(await changelogFindings(ctx, pre, post)));
  found.push(...tagPatternFindings(ctx));
  found.push(
    ...placeholderFindings(cog.preBumpHooks, "pre_bump_hooks"),
    ...placeholderFindings(cog.postBumpHooks, "post_bump_hooks"),
  );
  found.push(...versionFindings(ctx, pre));
  return found;
}
