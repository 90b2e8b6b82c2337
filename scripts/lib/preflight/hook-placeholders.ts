// cog's hook placeholders as its grammar reads them (cocogitto crates/cocogitto/src/hook/version_dsl.pest):
// every `{{` must open one of
//   {{version}} {{version_tag}} {{latest}} {{latest_tag}}, each optionally with |default (a version),
//   +Nmajor|+Nminor|+Npatch steps, -pre-release, +build, then optionally .major|.minor|.patch;
//   {{package}}
// with no whitespace anywhere. cog parses a hook only when it reaches it (command/bump/mod.rs
// `run_hooks`), so a bad one stops the bump after the hooks before it have changed files.

const IDS = "[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*";
const SPAN = new RegExp(
  `^\\{\\{(?:(?:version_tag|version|latest_tag|latest)(?:\\|${IDS})?(?:\\+\\d?(?:major|minor|patch))*(?:-${IDS})?(?:\\+${IDS})?|package)(?:\\.(?:major|minor|patch))?\\}\\}`,
);

export interface PlaceholderProblem {
  /** The placeholder as written, from its `{{` to its `}}` (or to the end of the hook). */
  written: string;
  /** The same without whitespace, when that is a placeholder cog reads. */
  meant: string | null;
}

/** The placeholders in `hook` that cog cannot parse; none for a hook that is fine. */
export function placeholderProblems(hook: string): PlaceholderProblem[] {
  const problems: PlaceholderProblem[] = [];
  for (let at = hook.indexOf("{{"); at !== -1; ) {
    const span = SPAN.exec(hook.slice(at));
    if (span) {
      at = hook.indexOf("{{", at + span[0].length);
      continue;
    }
    const close = hook.indexOf("}}", at);
    const written = close === -1 ? hook.slice(at) : hook.slice(at, close + 2);
    const squeezed = written.replace(/\s+/g, "");
    problems.push({ written, meant: SPAN.exec(squeezed)?.[0] === squeezed ? squeezed : null });
    at = hook.indexOf("{{", at + written.length);
  }
  return problems;
}

/** Hooks whose `{{...}}` cog's grammar refuses: the hook named, and the spelling it meant. */
export function placeholderFindings(hooks: string[], key: string): { level: "fail"; text: string; fix: string }[] {
  return hooks.flatMap((hook) => {
    const bad = placeholderProblems(hook);
    if (!bad.length) return [];
    const spaced = bad.every((b) => b.meant !== null);
    const meant = bad.reduce((h, b) => (b.meant ? h.replace(b.written, b.meant) : h), hook);
    return [
      {
        level: "fail" as const,
        text: `the ${key} hook "${hook}" has ${bad.map((b) => b.written).join(", ")}, which cog cannot parse${spaced ? " (cog's placeholders take no spaces inside {{ }})" : ""}: cog would stop the bump at that hook, after the hooks before it changed files, and stash them`,
        fix: spaced
          ? `write it without spaces in cog.toml: "${meant}"`
          : `use cog's placeholders in that hook: {{version}}, {{version_tag}}, {{latest}}, {{latest|0.0.0}}, {{version+1minor}}, {{version.major}}, {{package}}`,
      },
    ];
  });
}
