// @ts-check
// Command-line parsing, clap-like: long flags (`--x v`, `--x=v`), short clusters, usage errors.

import { readFileSync } from "node:fs";
import { UsageError } from "./core.mjs";

/** One text for both answers: the wrapper's own (bin/cog/cog) and this one. */
export const VERSION_TEXT = readFileSync(new URL("./VERSION", import.meta.url), "utf8").trim();

/**
 * @typedef {{ long: string, short?: string, value?: boolean | "optional" }} Flag
 * @param {string[]} args @param {Flag[]} flags @param {number} maxPositionals @param {string} usage
 * @returns {{ opts: Record<string, string | boolean>, positionals: string[] }}
 */
export function parseFlags(args, flags, maxPositionals, usage) {
  /** @type {Record<string, string | boolean>} */
  const opts = {};
  /** @type {string[]} */
  const positionals = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    /** @type {Flag | undefined} */
    let flag;
    /** @type {string | undefined} */
    let inline;
    if (arg.startsWith("--") && arg.length > 2) {
      const eq = arg.indexOf("=");
      const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq === -1 ? undefined : arg.slice(eq + 1);
      flag = flags.find((f) => f.long === name);
      if (!flag) throw new UsageError(`unexpected argument '${arg}' found`, usage);
    } else if (arg.startsWith("-") && arg.length > 1 && arg !== "-") {
      // A short cluster: every letter is a switch until one takes a value (the rest of the word).
      for (let j = 1; j < arg.length; j++) {
        const f = flags.find((x) => x.short === arg[j]);
        if (!f) throw new UsageError(`unexpected argument '-${arg[j]}' found`, usage);
        if (!f.value) {
          opts[f.long] = true;
          continue;
        }
        flag = f;
        inline = j + 1 < arg.length ? arg.slice(j + 1) : undefined;
        break;
      }
      if (!flag) continue;
    } else {
      if (positionals.length >= maxPositionals) throw new UsageError(`unexpected argument '${arg}' found`, usage);
      positionals.push(arg);
      continue;
    }
    if (!flag.value) {
      if (inline !== undefined)
        throw new UsageError(`unexpected value '${inline}' for '--${flag.long}' found; no more were expected`, usage);
      opts[flag.long] = true;
    } else if (inline !== undefined) {
      opts[flag.long] = inline;
    } else if (flag.value === "optional") {
      const next = args[i + 1];
      opts[flag.long] = next !== undefined && !next.startsWith("-") ? args[++i] : "";
    } else {
      const next = args[i + 1];
      if (next === undefined) {
        throw new UsageError(
          `a value is required for '--${flag.long} <${flag.long.toUpperCase()}>' but none was supplied`,
          usage,
        );
      }
      opts[flag.long] = args[++i];
    }
  }
  return { opts, positionals };
}

/** @param {Record<string, string | boolean>} opts @param {string} key */
export const optString = (opts, key) => (typeof opts[key] === "string" ? /** @type {string} */ (opts[key]) : undefined);

/** clap prints help and exits; no trailing newline from `main`. @param {string} usage @returns {"help"} */
export function help(usage) {
  process.stdout.write(
    `${VERSION_TEXT}\nA command line tool for the conventional commits and semver specifications\n\nUsage: ${usage}\n`,
  );
  return "help";
}
