// @ts-check
// cocogitto (`cog` 7.0.0) stand-in for machines where the real binary cannot be installed.
//
// Written from /work/shared/reference/tools.md §1 (cocogitto) and §6, and checked against
// cocogitto@8cfddce (tag 7.0.0), crates/cocogitto/src:
// - `bump` follows `CocoGitto::create_version` (command/bump/standard.rs) step by step (§1.1):
//   pre-bump checks before the dry-run exit (test `uncommitted_changes_should_throw_error_by_default`;
//   `--skip-untracked` skips the whole check, test `uncommitted_changes_should_not_throw_error_with_option`),
//   `branch_whitelist` (test `bump_with_whitelisted_branch_fails`), the current version from the highest
//   non-pre-release semver tag reachable from HEAD (tests `bump_bug_fix`, `auto_bump_respect_semver_sorting`),
//   a higher pre-release raising the result (test `bump_from_latest_pre_release`), the increment rules of
//   conventional/bump.rs (major only off 0.x), NoBump on stdout with exit 0 and NoCommitFound with exit 1
//   (§1.3), the dry run printing the prefixed tag (test `auto_bump_dry_run_from_latest_tag`), the changelog
//   insert after `- - -` (§1.6), pre-bump hooks through `sh -c` with the version DSL of hook/mod.rs (§1.2;
//   test `bump_with_hook_and_prefix`; each hook's placeholders parsed only when it is reached, with pest's
//   report for a bad one: ./cog/hooks.mjs, ./cog/version-dsl.mjs), `add_all`, the stash named after
//   `Tag::default()` on a failed hook,
//   the `chore(version): <tag>` commit without git hooks, a lightweight tag unless `-A`
//   (test `annotated_bump_ok`), post-bump hooks without rollback, and `Bumped version:` on stderr.
// - `get-version` follows command/get_version.rs (§1.7; tests `get_version_after_bump_ok`,
//   `get_initial_version_expected_error`).
// - `check` follows command/check.rs (§1.8; tests `cog_check_from_latest_tag_failure`, `cog_check_ok`).
// - Settings follow settings/mod.rs: `deny_unknown_fields`, so 6.x's `[packages]` is rejected (§1.10).
// Not implemented (exit 1, saying so): monorepo packages and the other subcommands.
// The parts live in ./cog/: core (errors, logging, git, semver), settings, history (tags, commits),
// cli (flags), hooks and version-dsl, bump.
// Set COG_STANDIN_LOG to a file path to get one JSON line `{argv, cwd}` per invocation.

import { appendFileSync } from "node:fs";
import { bump } from "./cog/bump.mjs";
import { help, optString, parseFlags, VERSION_TEXT } from "./cog/cli.mjs";
import {
  CogError,
  getVerbosity,
  git,
  headSha,
  log,
  parseVersion,
  repoRoot,
  semverError,
  setVerbosity,
  UsageError,
  vstr,
} from "./cog/core.mjs";
import { checkCommit, commitsSince, latestTag, reachableTags } from "./cog/history.mjs";
import { loadSettings } from "./cog/settings.mjs";

// `cog get-version`

const GET_VERSION_USAGE = "cog get-version [OPTIONS]";

/** @param {string[]} args @param {string} configPath */
function getVersion(args, configPath) {
  const { opts } = parseFlags(
    args,
    [
      { long: "fallback", short: "f", value: true },
      { long: "package", value: true },
      { long: "include-prereleases", short: "i" },
      { long: "tag", short: "t" },
      { long: "help", short: "h" },
    ],
    0,
    GET_VERSION_USAGE,
  );
  if (opts.help) return help(GET_VERSION_USAGE);
  if (opts.package !== undefined) {
    throw new UsageError(`invalid value '${opts.package}' for '--package <PACKAGE>'`, GET_VERSION_USAGE);
  }
  const root = repoRoot();
  const settings = loadSettings(root, configPath);
  const fallbackText = optString(opts, "fallback");
  let fallback = null;
  if (fallbackText !== undefined) {
    fallback = parseVersion(fallbackText);
    if (!fallback) {
      log(1, `Invalid fallback: ${fallbackText}`);
      throw new CogError(semverError(fallbackText));
    }
  }
  headSha(root);
  const tag = latestTag(reachableTags(root, settings), Boolean(opts["include-prereleases"]));
  let text;
  if (tag) text = opts.tag ? tag.display : vstr(tag.version);
  else if (fallback) text = vstr(fallback);
  else throw new CogError("No version yet");
  log(1, "Current version:");
  process.stdout.write(text);
}

// `cog check`

const CHECK_USAGE = "cog check [OPTIONS] [RANGE]";

/** @param {string[]} args @param {string} configPath */
function check(args, configPath) {
  const { opts, positionals } = parseFlags(
    args,
    [
      { long: "from-latest-tag", short: "l" },
      { long: "ignore-merge-commits", short: "i" },
      { long: "ignore-fixup-commits" },
      { long: "help", short: "h" },
    ],
    1,
    CHECK_USAGE,
  );
  if (opts.help) return help(CHECK_USAGE);
  if (opts["from-latest-tag"] && positionals.length) {
    throw new UsageError("the argument '--from-latest-tag' cannot be used with '[RANGE]'", CHECK_USAGE);
  }
  const root = repoRoot();
  const settings = loadSettings(root, configPath);
  const ignoreMerge = Boolean(opts["ignore-merge-commits"]) || settings.ignoreMergeCommits;
  const ignoreFixup = Boolean(opts["ignore-fixup-commits"]) || settings.ignoreFixupCommits;
  const head = headSha(root);
  const tags = reachableTags(root, settings);

  let commits;
  if (positionals.length) {
    commits = rangeCommits(root, positionals[0], head);
  } else if (opts["from-latest-tag"] || settings.fromLatestTag) {
    const tag = latestTag(tags, false);
    if (!tag) throw new CogError("unable to get any tag\n");
    commits = commitsSince(root, tag.commit);
  } else {
    commits = commitsSince(root, null);
  }
  const errors = commits
    .filter((c) => !ignoreMerge || c.parents.length <= 1)
    .filter((c) => !ignoreFixup || !/^(fixup|squash|amend)!/.test(c.message))
    .map((c) => checkCommit(c, settings))
    .flatMap((r) => (r.ok ? [] : [r.error]));
  if (errors.length === 0) {
    log(2, "No errored commits");
    return;
  }
  // `CogCheckReport`: the range starts at the oldest commit walked, named as cog's tag cache names
  // it: a tag on it first, else its SHA if it is the first commit, else `HEAD` if it is HEAD.
  const oldest = commits[commits.length - 1].sha;
  const onOldest = tags.filter((t) => t.commit === oldest);
  const from = onOldest.length
    ? onOldest[onOldest.length - 1].display
    : oldest === head && oldest !== firstCommit(root, head)
      ? "HEAD"
      : oldest;
  const rule = `${" ".repeat(57)}\n\n`;
  throw new CogError(
    `\nFound ${errors.length} non compliant commits in ${from}..HEAD:\n\n${errors.map((e) => rule + e).join("")}`,
  );
}

/** `get_first_commit`: the last commit of a walk from HEAD. @param {string} root @param {string} head */
function firstCommit(root, head) {
  const roots = git(["rev-list", "--max-parents=0", head], { cwd: root }).stdout.split("\n").filter(Boolean);
  return roots[roots.length - 1];
}

/** A `from..to` range as cog's revwalk reads it (an empty side is the first commit or HEAD). */
function rangeCommits(/** @type {string} */ root, /** @type {string} */ spec, /** @type {string} */ head) {
  const sep = spec.indexOf("..");
  if (sep === -1) throw new CogError(`invalid commit range pattern: \`${spec}\`\n`);
  const resolveRev = (/** @type {string} */ rev) => {
    const r = git(["rev-parse", "--verify", "-q", `${rev}^{commit}`], { cwd: root, allowFail: true });
    if (!r.ok) throw new CogError(`Unknown revision: \`${rev}\`\n`);
    return r.stdout.trim();
  };
  const first = firstCommit(root, head);
  const fromRaw = spec.slice(0, sep);
  const toRaw = spec.slice(sep + 2);
  const from = fromRaw ? resolveRev(fromRaw) : first;
  const to = toRaw ? resolveRev(toRaw) : head;
  if (from === to) return commitsSince(root, null).filter((c) => c.sha === from);
  const out = git(["log", "--format=%H", `${from}..${to}`], { cwd: root })
    .stdout.split("\n")
    .filter(Boolean);
  const all = new Map(commitsSince(root, null).map((c) => [c.sha, c]));
  const walked = out.map((sha) => all.get(sha) ?? { sha, parents: [], author: "", message: "" });
  // revwalk.rs: the start is walked too when it is HEAD or the first commit.
  if (from === head || from === first)
    walked.push(all.get(from) ?? { sha: from, parents: [], author: "", message: "" });
  return walked;
}

// Entry point

const TOP_USAGE = "cog [OPTIONS] <COMMAND>";
const SUBCOMMANDS = [
  "check",
  "commit",
  "edit",
  "log",
  "verify",
  "changelog",
  "get-version",
  "bump",
  "init",
  "install-hook",
  "generate-completions",
  "generate-manpages",
  "help",
];

/** @param {string[]} argv */
function main(argv) {
  const logPath = process.env.COG_STANDIN_LOG;
  if (logPath) appendFileSync(logPath, `${JSON.stringify({ argv, cwd: process.cwd() })}\n`);

  // Global options come before the subcommand, as in cog's `Cli`.
  let configPath = "cog.toml";
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--version" || arg === "-V") {
      process.stdout.write(`${VERSION_TEXT}\n`);
      return;
    }
    if (arg === "--help" || arg === "-h") return help(TOP_USAGE);
    if (/^-v+$/.test(arg)) setVerbosity(arg.length - 2);
    else if (arg === "--verbose") setVerbosity(getVerbosity() === 2 ? 0 : getVerbosity() + 1);
    else if (arg === "-q" || arg === "--quiet") setVerbosity(-1);
    else if (arg === "--config") configPath = argv[++i] ?? configPath;
    else if (arg.startsWith("--config=")) configPath = arg.slice("--config=".length);
    else if (arg.startsWith("-")) throw new UsageError(`unexpected argument '${arg}' found`, TOP_USAGE);
    else break;
  }
  const command = argv[i];
  const rest = argv.slice(i + 1);
  if (command === undefined) {
    throw new CogError(
      `${VERSION_TEXT}\n\nUsage: ${TOP_USAGE}\n\nerror: 'cog' requires a subcommand but one was not provided\n`,
      2,
    );
  }
  /** @type {Record<string, (args: string[], configPath: string) => "help" | void>} */
  const commands = { bump, "get-version": getVersion, check };
  const run = Object.hasOwn(commands, command) ? commands[command] : undefined;
  if (run) {
    // cog's `main` ends every successful command with `println!()`.
    if (run(rest, configPath) !== "help") process.stdout.write("\n");
    return;
  }
  if (command === "help") return help(TOP_USAGE);
  if (SUBCOMMANDS.includes(command)) {
    throw new CogError(`\`cog ${command}\` is not supported by the release-kit cog stand-in\n`);
  }
  throw new UsageError(`unrecognized subcommand '${command}'`, TOP_USAGE);
}

try {
  main(process.argv.slice(2));
} catch (err) {
  if (err instanceof CogError) {
    if (err.message)
      process.stderr.write(
        err.code === 2 ? err.message : `Error: ${err.message}${err.message.endsWith("\n") ? "" : "\n"}`,
      );
    process.exitCode = err.code;
  } else {
    throw err;
  }
}
