// A small getopt for the stand-in CLIs: `--flag value`, `--flag=value`, `-f value`, `-fvalue`
// for the options that take a value, boolean switches otherwise, positionals in order.

export interface Parsed {
  values: Map<string, string[]>;
  flags: Set<string>;
  positionals: string[];
}

export class UsageError extends Error {}

/** "--build-arg" → "buildArg": how a parsed option is looked up. */
const keyOf = (long: string) => long.replace(/^--/, "").replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * Reads the options a tool takes from its usage, written as the tool's help lists them: each option
 * by all its names joined with "|", with "=" after those that take a value
 * ("-t|--tag= --platform= -q|--quiet --push"). An option is then looked up by its first long name
 * in camelCase (--build-arg → buildArg). A switch may also be written --push=true|false.
 */
export function parseArgs(args: string[], usage: string): Parsed {
  const byName = new Map<string, { key: string; takesValue: boolean }>();
  for (const option of usage.trim().split(/\s+/)) {
    const takesValue = option.endsWith("=");
    const names = option.replace(/=$/, "").split("|");
    const long = names.find((n) => n.startsWith("--"));
    if (!long) throw new Error(`usage "${option}" has no long name`);
    for (const n of names) byName.set(n, { key: keyOf(long), takesValue });
  }
  const out: Parsed = { values: new Map(), flags: new Set(), positionals: [] };
  const add = (key: string, value: string) => out.values.set(key, [...(out.values.get(key) ?? []), value]);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") {
      out.positionals.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      out.positionals.push(arg);
      continue;
    }
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const name = eq === -1 ? arg : arg.slice(0, eq);
    let known = byName.get(name);
    let inline = eq === -1 ? undefined : arg.slice(eq + 1);
    if (!known && !arg.startsWith("--") && arg.length > 2) {
      // -tvalue
      known = byName.get(arg.slice(0, 2));
      if (known?.takesValue) inline = arg.slice(2);
      else known = undefined;
    }
    if (!known) throw new UsageError(`unknown flag: ${name}`);
    if (known.takesValue) {
      const value = inline ?? args[++i];
      if (value === undefined) throw new UsageError(`flag needs an argument: ${name}`);
      add(known.key, value);
    } else if (inline === undefined || inline === "true") out.flags.add(known.key);
    else out.flags.delete(known.key);
  }
  return out;
}

export const first = (p: Parsed, key: string): string | undefined => p.values.get(key)?.[0];
export const last = (p: Parsed, key: string): string | undefined => p.values.get(key)?.at(-1);
export const all = (p: Parsed, key: string): string[] => p.values.get(key) ?? [];
/** Values that may also be comma-separated: --platform linux/amd64,linux/arm64. */
export const commaList = (p: Parsed, key: string): string[] =>
  all(p, key)
    .flatMap((v) => v.split(","))
    .map((s) => s.trim())
    .filter(Boolean);
