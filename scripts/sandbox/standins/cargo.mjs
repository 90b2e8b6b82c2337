// @ts-check
// cargo stand-in, for machines without Rust: only what the kit's hooks need of cargo, its
// external-subcommand dispatch, so `cargo release version ...` runs `cargo-release release version ...`.
//
// Written from rust-lang/cargo src/bin/cargo/main.rs (`execute_external_subcommand`,
// `find_external_subcommand`, `search_directories`, `execute_subcommand`) and src/bin/cargo/cli.rs
// (global options are cargo's own; the external command gets its name, then the rest), and checked
// against cargo 1.95.0 on a machine that has it:
// - `$CARGO_HOME/bin` (default ~/.cargo/bin) is searched first unless PATH names it, then PATH; the
//   first executable `cargo-<name>` runs with argv `<name> <args...>` and `CARGO` set to this cargo;
//   cargo exits with its exit code (101 when it dies of a signal).
// - Options before the subcommand (`-q`, `-v`, `--color never`, `--locked`...) are cargo's and are
//   not passed on.
// - An unknown command: `error: no such command: `x`` and two `help:` lines, exit 101.
// Built-in commands (build, metadata, ...) are not implemented: exit 101, saying so.

import { spawnSync } from "node:child_process";
import { accessSync, constants, readdirSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const VERSION_TEXT = "cargo 1.95.0 (release-kit stand-in)";
const SELF = join(dirname(fileURLToPath(import.meta.url)), "bin", "cargo", "cargo");

// src/bin/cargo/commands/mod.rs `builtin()` and main.rs `BUILTIN_ALIASES`.
const BUILTINS = [
  "add",
  "bench",
  "build",
  "check",
  "clean",
  "config",
  "doc",
  "fetch",
  "fix",
  "generate-lockfile",
  "git-checkout",
  "help",
  "info",
  "init",
  "install",
  "locate-project",
  "login",
  "logout",
  "metadata",
  "new",
  "owner",
  "package",
  "pkgid",
  "publish",
  "read-manifest",
  "remove",
  "report",
  "run",
  "rustc",
  "rustdoc",
  "search",
  "test",
  "tree",
  "uninstall",
  "update",
  "vendor",
  "verify-project",
  "version",
  "yank",
  "b",
  "c",
  "d",
  "r",
  "t",
  "rm",
];
const VALUE_OPTIONS = ["--color", "--config", "--explain", "-C", "-Z"];
const SWITCHES = [
  "-q",
  "--quiet",
  "--locked",
  "--offline",
  "--frozen",
  "--verbose",
  "--list",
  "-V",
  "--version",
  "-h",
  "--help",
];

/** @param {string} path */
function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** `search_directories`: PATH, with `$CARGO_HOME/bin` first unless PATH already names it. */
function searchDirectories() {
  const dirs = (process.env.PATH ?? "").split(delimiter).filter(Boolean);
  const home = join(process.env.CARGO_HOME || join(process.env.HOME || homedir(), ".cargo"), "bin");
  return dirs.some((d) => resolve(d) === resolve(home)) ? dirs : [home, ...dirs];
}

/** @param {string} message @param {number} code @returns {never} */
function exit(message, code) {
  process.stderr.write(message);
  process.exit(code);
}

function listCommands() {
  const names = new Set(BUILTINS);
  for (const dir of searchDirectories()) {
    let entries = [];
    try {
      entries = readdirSync(dir);
    } catch {
      continue;
    }
    for (const e of entries)
      if (e.startsWith("cargo-") && isExecutable(join(dir, e))) names.add(e.slice("cargo-".length));
  }
  process.stdout.write(
    `Installed Commands:\n${[...names]
      .sort()
      .map((n) => `    ${n}\n`)
      .join("")}`,
  );
}

/** @param {string[]} argv */
function main(argv) {
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "-V" || arg === "--version") return void process.stdout.write(`${VERSION_TEXT}\n`);
    if (arg === "--list") return listCommands();
    if (arg === "-h" || arg === "--help") {
      return void process.stdout.write(
        `Rust's package manager (${VERSION_TEXT}: external subcommands only)\n\nUsage: cargo [OPTIONS] [COMMAND]\n`,
      );
    }
    if (VALUE_OPTIONS.includes(arg)) i++;
    else if (VALUE_OPTIONS.some((o) => o.startsWith("--") && arg.startsWith(`${o}=`)) || /^-[CZ]./.test(arg)) continue;
    else if (SWITCHES.includes(arg) || /^-[vq]+$/.test(arg)) continue;
    else if (arg.startsWith("-"))
      exit(
        `error: unexpected argument '${arg}' found\n\nUsage: cargo [OPTIONS] [COMMAND]\n\nFor more information, try '--help'.\n`,
        1,
      );
    else break;
  }
  const command = argv[i];
  if (command === undefined)
    return void process.stdout.write(`Rust's package manager\n\nUsage: cargo [OPTIONS] [COMMAND]\n`);
  if (BUILTINS.includes(command)) {
    exit(
      `error: \`cargo ${command}\` is built into cargo, and the release-kit cargo stand-in runs only external subcommands (cargo-<name>); install Rust (rustup) for it\n`,
      101,
    );
  }
  const found = searchDirectories()
    .map((d) => join(d, `cargo-${command}`))
    .find(isExecutable);
  if (!found) {
    exit(
      `error: no such command: \`${command}\`\n\nhelp: view all installed commands with \`cargo --list\`\nhelp: find a package to install \`${command}\` with \`cargo search cargo-${command}\`\n`,
      101,
    );
  }
  const child = spawnSync(found, [command, ...argv.slice(i + 1)], {
    stdio: "inherit",
    env: { ...process.env, CARGO: SELF },
  });
  if (child.error) exit(`error: could not execute process \`${found}\`\n\nCaused by:\n  ${child.error.message}\n`, 101);
  if (child.status === null)
    exit(`error: process didn't exit successfully: \`${found}\` (signal: ${child.signal})\n`, 101);
  process.exitCode = child.status;
}

main(process.argv.slice(2));
