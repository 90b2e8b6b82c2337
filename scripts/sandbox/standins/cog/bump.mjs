// @ts-check
// `cog bump` (command/bump/standard.rs `create_version`, command/bump/mod.rs), step by step.

import { renderRelease, writeChangelog } from "./changelog.mjs";
import { help, optString, parseFlags } from "./cli.mjs";
import {
  branchShorthand,
  CogError,
  git,
  log,
  PRE_RE,
  parseVersion,
  repoRoot,
  semverError,
  UsageError,
  vcmp,
  vstr,
  vwith,
  ZERO,
} from "./core.mjs";
import { checkCommit, commitsSince, latestTag, reachableTags, tagName } from "./history.mjs";
import { runHooks } from "./hooks.mjs";
import { loadSettings } from "./settings.mjs";

/** @typedef {import("./core.mjs").Version} Version */
/** @typedef {import("./cli.mjs").Flag} Flag */
/** @typedef {import("./history.mjs").Tag} Tag */
/** @typedef {import("./settings.mjs").Settings} Settings */

// Working tree status, printed like cog's `Statuses` display.

/** @param {string} root */
function statusLines(root) {
  const out = git(["status", "--porcelain=v1", "-z", "--untracked-files=normal", "--ignore-submodules=all"], {
    cwd: root,
  }).stdout;
  const fields = out.split("\0");
  /** @type {{ untracked: string[], staged: string[] }} */
  const res = { untracked: [], staged: [] };
  for (let i = 0; i < fields.length; i++) {
    const entry = fields[i];
    if (entry.length < 4) continue;
    const x = entry[0];
    const y = entry[1];
    const path = entry.slice(3);
    if (x === "R" || x === "C") i++; // the original path follows
    const kind = (/** @type {string} */ c) =>
      ({ "?": "new", A: "new", M: "modified", D: "deleted", R: "renamed", T: "type changed" })[c] ?? "modified";
    // libgit2 reports the work-tree side first, as cog's `Status::from` does.
    if (y === "?" || y === "M" || y === "D" || y === "T" || y === "R") res.untracked.push(`${kind(y)}: ${path}`);
    else res.staged.push(`${kind(x)}: ${path}`);
  }
  return res;
}

/** @param {{ untracked: string[], staged: string[] }} s */
function formatStatuses(s) {
  let text = "";
  if (s.untracked.length) {
    text += `Untracked files :\n${s.untracked.map((l) => `\t${l}\n`).join("")}`;
    text += `\nnothing added to commit but untracked files present (use "git add" to track)\n`;
  }
  if (s.untracked.length && s.staged.length) text += "\n";
  if (s.staged.length) {
    text += `Changes to be committed :\n(use "git add <file>..." to include in what will be committed)\n`;
    text += `${s.staged.map((l) => `\t${l}\n`).join("")}\nUse \`cog commit <type>\` to commit changes\n`;
  }
  return text;
}

/** globset's default syntax: `*` also crosses `/`. @param {string} pattern */
function globToRegExp(pattern) {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "*") re += ".*";
    else if (c === "?") re += ".";
    else if (c === "[") {
      const end = pattern.indexOf("]", i + 1);
      if (end === -1) throw new CogError(`invalid glob pattern: ${pattern}`);
      re += `[${pattern.slice(i + 1, end).replace(/^!/, "^")}]`;
      i = end;
    } else if (c === "{") {
      const end = pattern.indexOf("}", i + 1);
      if (end === -1) throw new CogError(`invalid glob pattern: ${pattern}`);
      re += `(?:${pattern
        .slice(i + 1, end)
        .split(",")
        .map((p) => p.replace(/[.+^$()|\\]/g, "\\$&").replace(/\*/g, ".*"))
        .join("|")})`;
      i = end;
    } else re += c.replace(/[.+^$()|\\\]}]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

const BUMP_USAGE = "cog bump <--version <VERSION>|--auto|--major|--minor|--patch>";
const BUMP_FLAGS = /** @type {Flag[]} */ ([
  { long: "version", value: true },
  { long: "auto", short: "a" },
  { long: "major", short: "M" },
  { long: "minor", short: "m" },
  { long: "patch", short: "p" },
  { long: "pre", value: "optional" },
  { long: "build", value: true },
  { long: "hook-profile", short: "H", value: true },
  { long: "package", value: true },
  { long: "annotated", short: "A", value: true },
  { long: "dry-run", short: "d" },
  { long: "skip-ci" },
  { long: "skip-ci-override", value: true },
  { long: "skip-untracked" },
  { long: "disable-bump-commit" },
  { long: "include-packages" },
  { long: "help", short: "h" },
]);

/** @param {string[]} args @param {string} configPath */
export function bump(args, configPath) {
  const { opts } = parseFlags(args, BUMP_FLAGS, 0, BUMP_USAGE);
  if (opts.help) return help(BUMP_USAGE);
  const spec = ["version", "auto", "major", "minor", "patch"].filter((k) => opts[k] !== undefined);
  if (spec.length === 0) {
    throw new CogError(
      `error: the following required arguments were not provided:\n  <--version <VERSION>|--auto|--major|--minor|--patch>\n\nUsage: ${BUMP_USAGE}\n\nFor more information, try '--help'.\n`,
      2,
    );
  }
  if (spec.length > 1)
    throw new UsageError(`the argument '--${spec[0]}' cannot be used with '--${spec[1]}'`, BUMP_USAGE);
  if (opts["include-packages"] && opts.auto) {
    throw new UsageError("the argument '--include-packages' cannot be used with '--auto'", BUMP_USAGE);
  }

  const root = repoRoot();
  const settings = loadSettings(root, configPath);
  const profile = optString(opts, "hook-profile");
  if (opts.package !== undefined || (profile !== undefined && !(profile in settings.profiles))) {
    const name = opts.package !== undefined ? "--package <PACKAGE>" : "--hook-profile <HOOK_PROFILE>";
    throw new UsageError(`invalid value '${opts.package ?? profile}' for '${name}'`, BUMP_USAGE);
  }
  if (settings.monorepo) throw new CogError("monorepo bumps are not supported by the release-kit cog stand-in\n");

  // Pre-bump checks (mod.rs `pre_bump_checks`): they run before the dry-run exit.
  if (settings.isDefault) {
    log(
      1,
      "Warning: using 'cog bump' with the default configuration. \nYou may want to create a 'cog.toml' file in your project root to configure bumps.\n",
    );
  }
  const statuses = formatStatuses(statusLines(root));
  if (opts["skip-untracked"] || settings.skipUntracked) process.stderr.write(`${statuses}\n`);
  else if (statuses) throw new CogError(statuses);
  if (settings.branchWhitelist.length > 0) {
    const branch = branchShorthand(root);
    if (branch !== null && !settings.branchWhitelist.some((p) => globToRegExp(p).test(branch))) {
      throw new CogError(
        `No patterns matched in [${settings.branchWhitelist.map((p) => JSON.stringify(p)).join(", ")}] for branch '${branch}', bump is not allowed`,
      );
    }
  }

  // The next version (`get_new_version`).
  const tags = reachableTags(root, settings);
  const currentTag = latestTag(tags, false);
  const current = currentTag?.version ?? ZERO;
  const preTag = latestTag(tags, true);
  const currentPre = preTag && vcmp(preTag.version, current) > 0 ? preTag.version : null;
  const reset = (/** @type {Version} */ v) => vwith(v, { pre: "", build: "" });
  /** @type {Version} */
  let next;
  if (opts.major) next = reset({ ...current, major: current.major + 1, minor: 0, patch: 0 });
  else if (opts.minor) next = reset({ ...current, minor: current.minor + 1, patch: 0 });
  else if (opts.patch) next = reset({ ...current, patch: current.patch + 1 });
  else if (typeof opts.version === "string") {
    const parsed = parseVersion(opts.version);
    if (!parsed) throw new CogError(`failed to bump version\n\n\t${semverError(opts.version)}\n`);
    next = parsed;
  } else {
    next = reset(autoIncrement(root, settings, current, currentTag));
  }
  if (currentPre && vcmp(next, currentPre) < 0) {
    next = vwith(next, { major: currentPre.major, minor: currentPre.minor, patch: currentPre.patch });
  }
  if (vcmp(current, next) !== 0) {
    const pre = optString(opts, "pre");
    if (pre !== undefined) {
      const label =
        pre === "" || pre.includes("*") ? incrementPrerelease(currentPre, next, pre || settings.pre, settings) : pre;
      if (!PRE_RE.test(label)) throw new CogError(`unexpected character in pre-release identifier '${label}'`);
      next = vwith(next, { pre: label });
    }
    const build = optString(opts, "build");
    if (build !== undefined) next = vwith(next, { build });
  }
  if (vcmp(next, current) < 0) {
    throw new CogError(
      `SemVer Error:\n\tcause: version MUST be greater than current one: ${tagName(settings, next)} <= ${tagName(settings, current)}\n`,
    );
  }
  if (vcmp(current, next) === 0) {
    process.stdout.write(
      "No conventional commits for your repository that required a bump. Changelogs will be updated on the next bump.\nPre-Hooks and Post-Hooks have been skipped.\n",
    );
    return;
  }
  const tag = tagName(settings, next);
  if (opts["dry-run"]) {
    process.stdout.write(tag);
    return;
  }

  // Changelog, then pre-bump hooks, then stage everything (standard.rs).
  if (!settings.disableChangelog) {
    const commits = commitsSince(root, currentTag ? currentTag.commit : null);
    writeChangelog(settings.changelogPath, renderRelease(commits, tag, settings, root));
  }
  const hookValues = { prefix: settings.tagPrefix, next, latest: currentTag?.version ?? null };
  const preHooks = profile ? (settings.profiles[profile].pre_bump_hooks ?? []) : settings.preBumpHooks;
  const preFailure = runHooks("pre-bump", preHooks, hookValues);
  git(["add", "-A", "."], { cwd: root });
  if (preFailure) stashAndExit(root, settings, preFailure.failed);

  const disableCommit = Boolean(opts["disable-bump-commit"]) || settings.disableBumpCommit;
  if (!disableCommit) {
    const skip = optString(opts, "skip-ci-override") ?? (opts["skip-ci"] ? settings.skipCi : undefined);
    const message = `chore(version): ${tag}${skip !== undefined ? ` ${skip}` : ""}`;
    // libgit2 commits without running any git hook; an empty hooks path does the same for git.
    git(["-c", "core.hooksPath=/dev/null", "commit", "-q", "--no-verify", "--allow-empty", "-m", message], {
      cwd: root,
    });
  }
  // create_tag refuses a dirty index, except when the bump commit is disabled.
  if (!disableCommit && !git(["diff", "--cached", "--quiet"], { cwd: root, allowFail: true }).ok) {
    throw new CogError(`Cannot create tag: changes need to be committed${formatStatuses(statusLines(root))}`);
  }
  const annotated = optString(opts, "annotated");
  const tagArgs =
    annotated === undefined
      ? ["tag", tag]
      : [
          "tag",
          "-a",
          tag,
          "-m",
          annotated.replace(/\{\{\s*latest\s*\}\}/g, vstr(current)).replace(/\{\{\s*version\s*\}\}/g, vstr(next)),
        ];
  const tagged = git(tagArgs, { cwd: root, allowFail: true });
  if (!tagged.ok) {
    throw new CogError(`fatal error\n\ncause: failed to write reference 'refs/tags/${tag}': ${tagged.stderr.trim()}\n`);
  }

  const postHooks = profile ? (settings.profiles[profile].post_bump_hooks ?? []) : settings.postBumpHooks;
  const postFailure = runHooks("post-bump", postHooks, hookValues);
  if (postFailure) {
    // No rollback: the commit and the tag stay (website/guide/bump.md).
    const cause = postFailure.cause ? `\n\nCaused by:\n    ${postFailure.cause}` : "";
    throw new CogError(`${postFailure.failed}${cause}`);
  }
  log(2, `Bumped version: ${currentTag ? currentTag.display : "..."} -> ${tag}`);
}

/**
 * Version from the commits since the latest tag (conventional/bump.rs
 * `version_increment_from_commit_history`). Unparsable and unknown commits are dropped.
 * @param {string} root @param {Settings} settings @param {Version} current @param {Tag | null} currentTag
 */
function autoIncrement(root, settings, current, currentTag) {
  const commits = commitsSince(root, currentTag ? currentTag.commit : null).filter(
    (c) => !settings.ignoreMergeCommits || c.parents.length <= 1,
  );
  const convs = commits.map((c) => checkCommit(c, settings)).flatMap((r) => (r.ok ? [r.conv] : []));
  const bumps = (/** @type {"bump_minor" | "bump_patch"} */ key) =>
    convs.some((c) => settings.types.get(c.type)?.[key] === true);
  if (current.major !== 0 && convs.some((c) => c.breaking)) {
    return { ...current, major: current.major + 1, minor: 0, patch: 0 };
  }
  if (bumps("bump_minor")) return { ...current, minor: current.minor + 1, patch: 0 };
  if (bumps("bump_patch")) return { ...current, patch: current.patch + 1 };
  if (convs.length > 0) return current;
  throw new CogError(
    "failed to bump version\n\ncause: No conventional commit found to bump current version.\n" +
      "    Only feature, bug fix and breaking change commits will trigger an automatic bump.\n\n" +
      "suggestion: Please see https://conventionalcommits.org/en/v1.0.0/#summary for more information.\n" +
      "    Alternatively consider using `cog bump <--version <VERSION>|--auto|--major|--minor>`\n\n",
  );
}

/**
 * prerelease.rs `increment_prerelease`: `alpha.*` counts up from the latest matching pre-release.
 * @param {Version | null} currentPre @param {Version} next @param {string} pattern @param {Settings} settings
 */
function incrementPrerelease(currentPre, next, pattern, settings) {
  if (currentPre && vcmp(currentPre, next) >= 0) {
    throw new CogError(
      `Current pre-release (${tagName(settings, currentPre)}) is greater than the next version (${tagName(settings, next)})`,
    );
  }
  const parts = pattern.split("*");
  if (parts.length !== 2) {
    throw new CogError(`Pre-release pattern (${pattern}) is invalid. Valid patterns contain exactly one wildcard (*)`);
  }
  const [prefix, suffix] = parts;
  const initial = `${prefix}1${suffix}`;
  if (!currentPre) return initial;
  if (vcmp(vwith(currentPre, { pre: "", build: "" }), next) < 0) return initial;
  const label = currentPre.pre;
  if (!label.startsWith(prefix) || !label.endsWith(suffix) || label.length < pattern.length) return initial;
  const num = label.slice(prefix.length, label.length - suffix.length);
  if (!/^\+?\d+$/.test(num)) return initial;
  return `${prefix}${Number(num) + 1}${suffix}`;
}

/**
 * A failed pre-bump hook: cog stashes everything under `cog_bump_<Tag::default()>` (always 0.0.0 with
 * the prefix, whatever the versions) and exits 1. With nothing to stash, its `.expect("stash")` panics.
 * @param {string} root @param {Settings} settings @param {string} cause @returns {never}
 */
function stashAndExit(root, settings, cause) {
  const name = `cog_bump_${settings.tagPrefix}0.0.0`;
  const changes = git(["status", "--porcelain", "--untracked-files=no"], { cwd: root }).stdout.trim();
  if (!changes) {
    process.stderr.write(
      "\nthread 'main' panicked at crates/cocogitto/src/command/bump/mod.rs:253:22:\n" +
        'stash: StashError(Error { code: -3, klass: 28, message: "cannot stash changes - there is nothing to stash." })\n' +
        "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n",
    );
    throw new CogError("", 101);
  }
  git(["stash", "push", "-q", "-m", name], { cwd: root });
  log(
    0,
    `Error: prehook run \`${cause}\` failed\n\tAll changes made during hook runs have been stashed on \`${name}\`\n` +
      "\tyou can run `git stash apply stash@0` to restore these changes.",
  );
  throw new CogError("", 1);
}
