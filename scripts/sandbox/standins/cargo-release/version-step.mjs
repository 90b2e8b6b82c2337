// @ts-check
// `cargo release version` (src/steps/version.rs `VersionStep`), step by step: clap's arguments,
// `cargo metadata` (./lock.mjs), package selection (clap-cargo's `partition_packages`), the plan
// (src/steps/plan.rs, shared versions), the checks (src/steps/mod.rs), the y/N confirmation, then
// the manifests (src/ops/cargo.rs `set_package_version`, `set_workspace_version`,
// `upgrade_dependency_req`) and the lock again. Dry run by default: everything is reported, nothing
// is written but what `cargo metadata` itself writes.

import { readFileSync, readSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parse as parseToml } from "smol-toml";
import { branchAllowed, currentBranch, dirtyEntries, fileConfig, packageConfig, workspaceSources } from "./config.mjs";
import { runCargoMetadata } from "./lock.mjs";
import { CliError, error, git, RAW, status, usageError, warn } from "./shell.mjs";
import { isTable, setTomlString } from "./toml-text.mjs";
import {
  bare,
  bumpTarget,
  full,
  LEVELS,
  parseVersion,
  reqMatches,
  semverError,
  upgradeRequirement,
  vcmp,
} from "./versions.mjs";
import { canonical, dependencyTables, loadWorkspace } from "./workspace.mjs";

/** @typedef {import("./versions.mjs").Version} Version */
/** @typedef {import("./workspace.mjs").Package} Package */

export const VERSION_USAGE = "cargo release version [OPTIONS] <LEVEL|VERSION>";

/** `atomic_write`: through `Cargo.toml.work` in the same folder. @param {string} path @param {string} text */
function atomicWrite(path, text) {
  const temp = join(dirname(path), "Cargo.toml.work");
  writeFileSync(temp, text);
  renameSync(temp, path);
}

/**
 * `upgrade_dependency_req` for one manifest: every path+version dependency on `pkg`.
 * @param {string} manifestName @param {string} manifest @param {Package} pkg @param {Version} version
 * @param {string} policy @param {boolean} dryRun
 */
function upgradeDependents(manifestName, manifest, pkg, version, policy, dryRun) {
  const original = readFileSync(manifest, "utf8");
  let text = original;
  const doc = parseToml(original);
  const target = canonical(pkg.dir);
  for (const { path, table } of dependencyTables(doc)) {
    for (const [key, dep] of Object.entries(table)) {
      if (!isTable(dep) || typeof dep.version !== "string" || typeof dep.path !== "string") continue;
      if (canonical(resolve(dirname(manifest), dep.path)) !== target) continue;
      const existing = dep.version;
      if (policy === "fix" && reqMatches(existing, version)) continue;
      const next = upgradeRequirement(existing, version);
      if (next === null) continue;
      status("Updating", `${manifestName}'s dependency from ${existing} to ${next}`);
      text = setTomlString(text, [...path, key, "version"], next, manifest);
    }
  }
  if (text !== original && !dryRun) atomicWrite(manifest, text);
}

/**
 * @typedef {{ target: string, execute: boolean, dryRunFlag: boolean, noConfirm: boolean,
 *   manifestPath?: string, packages: string[], workspace: boolean, exclude: string[], config?: string,
 *   isolated: boolean, allowBranch?: string[], metadata?: string }} VersionArgs
 */

/** @param {string[]} args @returns {VersionArgs} */
function parseVersionArgs(args) {
  /** @type {Partial<VersionArgs> & { packages: string[], exclude: string[] }} */
  const out = {
    execute: false,
    dryRunFlag: false,
    noConfirm: false,
    packages: [],
    workspace: false,
    exclude: [],
    isolated: false,
  };
  /** @type {string[]} */
  const positionals = [];
  const valueFlags = new Map([
    ["--manifest-path", "manifestPath"],
    ["--package", "packages"],
    ["-p", "packages"],
    ["--exclude", "exclude"],
    ["--config", "config"],
    ["-c", "config"],
    ["-Z", "z"],
    ["--allow-branch", "allowBranch"],
    ["--metadata", "metadata"],
    ["-m", "metadata"],
    ["--prev-tag-name", "prevTag"],
  ]);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    // clap takes `--name=value`, `--name value`, `-pvalue`, `-p=value` and `-p value`.
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const short = /^-[pcZm]./.test(arg) ? arg.slice(0, 2) : null;
    const name = short ?? (eq === -1 ? arg : arg.slice(0, eq));
    if (valueFlags.has(name)) {
      const value = short ? arg.slice(2).replace(/^=/, "") : eq === -1 ? args[++i] : arg.slice(eq + 1);
      if (value === undefined)
        throw usageError(`a value is required for '${name} <VALUE>' but none was supplied`, VERSION_USAGE);
      const key = valueFlags.get(name);
      if (key === "packages") out.packages.push(value);
      else if (key === "exclude") out.exclude.push(value);
      else if (key === "allowBranch") out.allowBranch = value.split(",");
      else if (key === "manifestPath" || key === "config" || key === "metadata") out[key] = value;
      continue;
    }
    if (arg === "-x" || arg === "--execute") out.execute = true;
    else if (arg === "-n" || arg === "--dry-run") out.dryRunFlag = true;
    else if (arg === "--no-confirm") out.noConfirm = true;
    else if (arg === "--workspace" || arg === "--all") out.workspace = true;
    else if (arg === "--isolated") out.isolated = true;
    else if (/^-(q+|v+)$/.test(arg) || arg === "--quiet" || arg === "--verbose")
      continue; // global: log level only
    else if (arg.startsWith("-") && arg !== "-") throw usageError(`unexpected argument '${arg}' found`, VERSION_USAGE);
    else positionals.push(arg);
  }
  if (out.execute && out.dryRunFlag)
    throw usageError("the argument '--execute' cannot be used with '--dry-run'", VERSION_USAGE);
  if (positionals.length === 0) {
    throw new CliError(
      2,
      `${RAW}error: the following required arguments were not provided:\n  <LEVEL|VERSION>\n\nUsage: ${VERSION_USAGE}\n\nFor more information, try '--help'.\n`,
    );
  }
  if (positionals.length > 1) throw usageError(`unexpected argument '${positionals[1]}' found`, VERSION_USAGE);
  const target = positionals[0];
  if (!LEVELS.includes(target) && !parseVersion(target)) {
    throw usageError(`invalid value '${target}' for '<LEVEL|VERSION>': ${semverError(target)}`, VERSION_USAGE);
  }
  return /** @type {VersionArgs} */ ({ ...out, target });
}

/** Reads one line from stdin, blocking, as `read_line` does; "" at EOF or without a stdin. */
function readLine() {
  const buf = Buffer.alloc(1);
  let line = "";
  for (;;) {
    let n;
    try {
      n = readSync(0, buf, 0, 1, null);
    } catch (err) {
      if (/** @type {NodeJS.ErrnoException} */ (err).code === "EAGAIN") {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
        continue;
      }
      return line;
    }
    if (n === 0) return line;
    const c = buf.toString("utf8");
    line += c;
    if (c === "\n") return line;
  }
}

/** `VersionStep::run`. @param {string[]} argv */
export function versionStep(argv) {
  const args = parseVersionArgs(argv);
  if (!git(["--version"], process.cwd()).ok) throw new CliError(101, "`git` not found");
  if (args.dryRunFlag) warn("`--dry-run` is superfluous, dry-run is done by default");

  const ws = loadWorkspace(process.cwd(), args.manifestPath);
  runCargoMetadata(ws);
  for (const pkg of ws.members) pkg.config = packageConfig(ws, pkg, args);

  /** @type {Map<Package, Version | null>} */
  const planned = new Map();
  for (const pkg of ws.members) {
    if (pkg.config.release !== false) planned.set(pkg, bumpTarget(args.target, pkg.initial, args.metadata));
  }
  // clap-cargo's `partition_packages` (`Packages::from_flags`): the default members, all members
  // (--workspace, or --exclude alone), or the -p names (unknown names select nothing, no error);
  // --exclude always removes.
  const selectedByFlags = (/** @type {Package} */ pkg) => {
    if (args.exclude.includes(pkg.name)) return false;
    if (args.workspace || (args.exclude.length && !args.packages.length)) return true;
    if (args.packages.length) return args.packages.includes(pkg.name);
    return ws.defaults.includes(pkg.dir);
  };
  for (const pkg of ws.members) {
    if (!selectedByFlags(pkg) && pkg.config.release !== false) {
      planned.set(pkg, null);
      pkg.config.release = false;
    }
  }
  // plan.rs: members sharing a version all get the highest planned one.
  /** @type {Map<string, Version>} */
  const shared = new Map();
  for (const pkg of ws.members) {
    const group = pkg.config["shared-version"];
    if (pkg.config.release === false || typeof group !== "string") continue;
    const v = planned.get(pkg) ?? pkg.initial;
    const have = shared.get(group);
    if (!have || vcmp(have, v) < 0) shared.set(group, v);
  }
  for (const pkg of ws.members) {
    const group = pkg.config["shared-version"];
    if (pkg.config.release === false || typeof group !== "string") continue;
    const max = shared.get(group) ?? pkg.initial;
    planned.set(pkg, bare(pkg.initial) !== bare(max) ? max : null);
  }

  const selected = ws.members.filter((p) => p.config.release !== false);
  const excluded = ws.members.filter((p) => p.config.release === false);
  if (selected.length === 0) {
    error("no packages selected");
    throw new CliError(2);
  }
  const dryRun = !args.execute;
  let failed = false;

  // STEP 0: help the user make the right decisions.
  const dirty = dirtyEntries(ws.root);
  if (dirty.length) warn(`uncommitted changes detected, please resolve before release:\n  ${dirty.join("\n  ")}`);
  for (const pkg of selected) {
    const v = planned.get(pkg);
    if (v && vcmp(v, pkg.initial) < 0) {
      error(`cannot downgrade ${pkg.name} from ${full(v)} to ${full(pkg.initial)}`);
      failed = true;
    }
  }
  if (failed && !dryRun) throw new CliError(101);
  const wsConfig =
    ws.members.length > 1
      ? {
          ...workspaceSources(ws, args.isolated),
          ...(args.config ? fileConfig(resolve(args.config)) : {}),
          ...(args.allowBranch ? { "allow-branch": args.allowBranch } : {}),
        }
      : ws.members[0].config;
  const branch = currentBranch(ws.root);
  const allow = Array.isArray(wsConfig["allow-branch"]) ? wsConfig["allow-branch"].map(String) : ["*", "!HEAD"];
  if (!branchAllowed(branch, allow)) {
    warn(
      `cannot release from branch \`${branch}\` as it doesn't match ${allow.map((b) => `\`${b}\``).join(", ")}; either switch to an allowed branch or add this branch to \`allow-branch\``,
    );
  }
  if (wsConfig.push !== false) {
    const remote = typeof wsConfig["push-remote"] === "string" ? wsConfig["push-remote"] : "origin";
    git(["fetch", remote, branch], ws.root); // errors ignored, as upstream does
    const remoteRef = git(["rev-parse", "--verify", "-q", `${remote}/${branch}^{commit}`], ws.root);
    if (!remoteRef.ok) warn(`push target \`${remote}/${branch}\` doesn't exist`);
    else if (!git(["merge-base", "--is-ancestor", remoteRef.stdout.trim(), branch], ws.root).ok) {
      warn(`${branch} is behind ${remote}/${branch}`);
    }
  }

  // STEP 1: release confirmation.
  if (!dryRun && !args.noConfirm) {
    const shown = (/** @type {Package} */ p) => full(planned.get(p) ?? p.initial);
    const prompt =
      selected.length === 1
        ? `Bump ${selected[0].name} ${shown(selected[0])}?`
        : `Bump\n${selected.map((p) => `  ${p.name} ${shown(p)}\n`).join("")}?`;
    process.stdout.write(`${prompt} [y/N] \n`);
    if (readLine().trim().toLowerCase() !== "y") throw new CliError(0);
  }

  // STEP 2: update versions (`update_versions`).
  let changed = false;
  const wsVersion = selected
    .filter((p) => p.config["shared-version"] === "workspace")
    .map((p) => planned.get(p))
    .find((v) => v);
  if (wsVersion) {
    status("Upgrading", `workspace to version ${full(wsVersion)}`);
    const text = setTomlString(
      readFileSync(ws.rootManifest, "utf8"),
      ["workspace", "package", "version"],
      full(wsVersion),
      ws.rootManifest,
    );
    if (!dryRun) atomicWrite(ws.rootManifest, text);
    changed = true;
  }
  for (const pkg of [...selected, ...excluded]) {
    const inherited = pkg.config["shared-version"] === "workspace";
    const version = inherited ? wsVersion : planned.get(pkg);
    if (!version) continue;
    if (inherited) {
      status("Upgrading", `${pkg.name} from ${full(pkg.initial)} to ${full(version)} (inherited from workspace)`);
    } else {
      status("Upgrading", `${pkg.name} from ${full(pkg.initial)} to ${full(version)}`);
      const text = setTomlString(
        readFileSync(pkg.manifest, "utf8"),
        ["package", "version"],
        full(version),
        pkg.manifest,
      );
      if (!dryRun) atomicWrite(pkg.manifest, text);
    }
    const policy = pkg.config["dependent-version"] === "fix" ? "fix" : "upgrade";
    upgradeDependents("workspace", ws.rootManifest, pkg, version, policy, dryRun);
    for (const member of ws.members) upgradeDependents(member.name, member.manifest, pkg, version, policy, dryRun);
    changed = true;
  }
  if (changed && !dryRun) runCargoMetadata(ws); // `ops::cargo::update_lock`

  // `finish`
  if (dryRun) {
    if (failed) {
      error("dry-run failed, resolve the above errors and try again.");
      throw new CliError(101);
    }
    warn("aborting release due to dry run; re-run with `--execute`");
  }
}
