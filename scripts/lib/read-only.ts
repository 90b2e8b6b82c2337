// What may run as a declared read. Every command is a write unless it is declared a read, and a
// declaration is checked here: a git or cog command that can change the repository is refused as a
// read, whatever its caller believed. Unknown git subcommands count as writes. Other programs
// (version probes, `command -v`) are the caller's declaration alone.

/** Read whatever their arguments. `fetch` reads origin into remote-tracking refs and changes
 *  nothing of the user's branches, index or working tree. */
const GIT_READS = new Set([
  "blame",
  "cat-file",
  "check-ignore",
  "check-ref-format",
  "cherry",
  "count-objects",
  "describe",
  "diff",
  "diff-tree",
  "fetch",
  "for-each-ref",
  "grep",
  "log",
  "ls-files",
  "ls-remote",
  "ls-tree",
  "merge-base",
  "name-rev",
  "rev-list",
  "rev-parse",
  "shortlog",
  "show",
  "show-ref",
  "status",
  "var",
  "version",
]);

/** Subcommands that read only in some forms. */
const GIT_READ_FORMS: Record<string, (args: string[]) => boolean> = {
  tag: (args) =>
    args.length === 0 ||
    args.some((a) => /^(-l|--list|--merged|--no-merged|--points-at|--contains|--no-contains)(=|$)/.test(a)),
  config: (args) => args.some((a) => /^(--get|--get-all|--get-regexp|--list|-l)$/.test(a)),
  "symbolic-ref": (args) => !args.some((a) => a === "-d" || a === "--delete") && positional(args).length <= 1,
  push: (args) => args.some((a) => a === "--dry-run" || a === "-n"),
  stash: (args) => args[0] === "list" || args[0] === "show",
  worktree: (args) => args[0] === "list",
  branch: (args) => args.some((a) => a === "--show-current" || a === "--list"),
  "hash-object": (args) => !args.includes("-w"),
};

const COG_READS = new Set(["check", "verify", "get-version", "log", "changelog", "--version", "-V", "--help"]);

const positional = (args: string[]) => args.filter((a) => !a.startsWith("-"));

/** The words of a command line as zx quotes it (bare words, '…', $'…'). */
export function words(cmd: string): string[] {
  const out: string[] = [];
  const re = /\$'((?:[^'\\]|\\.)*)'|'([^']*)'|(\S+)/g;
  for (const m of cmd.matchAll(re)) {
    if (m[1] !== undefined) out.push(m[1].replace(/\\(.)/g, "$1"));
    else out.push(m[2] ?? m[3]!);
  }
  return out;
}

/** The command itself when `cmd` changes the repository and so cannot run as a read, else null. */
export function undeclaredWrite(cmd: string): string | null {
  const argv = words(cmd);
  let i = 0;
  const program = argv[i++];
  if (program === "git") {
    // Global options before the subcommand: -C dir, -c key=value, --no-pager, --git-dir=...
    while (i < argv.length && argv[i]!.startsWith("-")) i += argv[i] === "-C" || argv[i] === "-c" ? 2 : 1;
    const sub = argv[i] ?? "";
    const args = argv.slice(i + 1);
    if (GIT_READS.has(sub)) return null;
    const form = GIT_READ_FORMS[sub];
    return form?.(args) ? null : cmd;
  }
  if (program === "cog") {
    // Global options before the subcommand: --config FILE, -v.
    while (i < argv.length && argv[i]!.startsWith("-") && !COG_READS.has(argv[i]!)) i += argv[i] === "--config" ? 2 : 1;
    const rest = argv.slice(i);
    const sub = rest[0] ?? "";
    if (COG_READS.has(sub)) return null;
    return sub === "bump" && rest.includes("--dry-run") ? null : cmd;
  }
  return null;
}

/** Git reads whose answer depends only on this clone (refs, index, tree, objects): the ones a
 *  snapshot may answer twice. Not fetch, ls-remote or push --dry-run, which ask origin. */
const LOCAL_GIT_READS = new Set([
  "cat-file",
  "describe",
  "diff",
  "for-each-ref",
  "log",
  "ls-files",
  "ls-tree",
  "merge-base",
  "rev-list",
  "rev-parse",
  "show",
  "show-ref",
  "status",
  "tag",
  "config",
  "symbolic-ref",
]);

/** What a declared read `cmd` asks of the clone: only local state, or a change of the
 *  remote-tracking refs (fetch), or something else (origin, another program). */
export function readKind(cmd: string): "local" | "fetch" | "other" {
  const argv = words(cmd);
  if (argv[0] !== "git") return "other";
  // Global options before the subcommand (-C dir, -c key=value) may point it elsewhere: never kept.
  let i = 1;
  while (i < argv.length && argv[i]!.startsWith("-")) i += argv[i] === "-C" || argv[i] === "-c" ? 2 : 1;
  const sub = argv[i] ?? "";
  if (sub === "fetch") return "fetch";
  return i === 1 && LOCAL_GIT_READS.has(sub) && undeclaredWrite(cmd) === null ? "local" : "other";
}
