// @ts-check
// cargo-release (1.1.5) stand-in: the `version` step only, for machines where the real binary
// cannot be installed. A deliberate second implementation, written from /work/shared/reference/tools.md
// §3 (and §6.7, the confirmation trap) and checked against crate-ci/cargo-release@a199bf5 (v1.1.5+2).
//
// The command line is clap's, as src/bin/cargo-release.rs declares it: a command named `cargo` whose
// only subcommand is `release` (cargo runs external subcommands as `cargo-release release ...`), so
// `cargo-release --version` is a usage error (exit 2) and `cargo-release release --version` /
// `cargo release --version` print the version. `-q`/`-v` are global. The steps are `release`'s
// subcommands; only `version` is implemented (./cargo-release/version-step.mjs), the others and a
// full release exit 1 saying so.
// Set CARGO_RELEASE_STANDIN_LOG to a file path to get one JSON line `{argv, cwd}` per invocation.

import { appendFileSync, readFileSync } from "node:fs";
import { CliError, error, RAW, usageError } from "./cargo-release/shell.mjs";
import { VERSION_USAGE, versionStep } from "./cargo-release/version-step.mjs";

// One text for both answers: the wrapper's own (bin/cargo-release/cargo-release) and this one.
const VERSION_TEXT = readFileSync(new URL("./cargo-release/VERSION", import.meta.url), "utf8").trim();
const STEPS = ["changes", "version", "replace", "hook", "commit", "publish", "owner", "tag", "push", "config"];
const TOP_USAGE = "cargo <COMMAND>";
const TOP_HELP = `Usage: ${TOP_USAGE}\n\nCommands:\n  release  Automated release for Rust crates\n  help     Print this message or the help of the given subcommand(s)\n\nOptions:\n  -h, --help  Print help\n`;
const RELEASE_HELP = `Automated release for Rust crates (${VERSION_TEXT}: the \`version\` step only)\n\nUsage: cargo release [OPTIONS] [LEVEL|VERSION]\n       cargo release <STEP>\n`;
const GLOBAL = /^(-q+|-v+|--quiet|--verbose)$/;

/** `cargo release ...`: the release subcommand's own arguments, then its steps. @param {string[]} args */
function release(args) {
  const rest = args.filter((a) => !GLOBAL.test(a));
  const first = rest[0];
  if (first === "--version" || first === "-V") return void process.stdout.write(`${VERSION_TEXT}\n`);
  if (first === "--help" || first === "-h" || first === "help") return void process.stdout.write(RELEASE_HELP);
  if (first === "version") {
    const step = rest.slice(1);
    if (step.includes("--help") || step.includes("-h"))
      return void process.stdout.write(`Bump crate versions\n\nUsage: ${VERSION_USAGE}\n`);
    return versionStep(args.slice(args.indexOf("version") + 1));
  }
  const what = first !== undefined && STEPS.includes(first) ? `the \`${first}\` step` : "a full `cargo release`";
  throw new CliError(1, `${what} is not supported by the release-kit cargo-release stand-in (only \`version\`)`);
}

/** The `cargo` command of src/bin/cargo-release.rs: only `-h` and the `release` subcommand. @param {string[]} argv */
function main(argv) {
  const logPath = process.env.CARGO_RELEASE_STANDIN_LOG;
  if (logPath) appendFileSync(logPath, `${JSON.stringify({ argv, cwd: process.cwd() })}\n`);
  const first = argv[0];
  // clap's arg_required_else_help: the help on stderr, exit 2.
  if (first === undefined) throw new CliError(2, `${RAW}${TOP_HELP}`);
  if (first === "-h" || first === "--help" || first === "help") return void process.stdout.write(TOP_HELP);
  if (first === "release") return release(argv.slice(1));
  if (first.startsWith("-")) throw usageError(`unexpected argument '${first}' found`, TOP_USAGE);
  throw usageError(`unrecognized subcommand '${first}'`, TOP_USAGE);
}

try {
  main(process.argv.slice(2));
} catch (err) {
  if (!(err instanceof CliError)) throw err;
  if (err.message.startsWith(RAW)) process.stderr.write(err.message.slice(RAW.length));
  else if (err.message) error(err.message);
  process.exitCode = err.code;
}
