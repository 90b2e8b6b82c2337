// The RELEASE_* settings: the process environment wins, then the target's mise.toml [env], then
// what the kit derived. A bad value names the setting, where it came from, and what was expected.

import { parseRegistryMap } from "./registry/names.ts";

export interface Problem {
  /** The file or variable the problem is in. */
  file: string;
  key: string;
  message: string;
  fix: string;
}

export interface SettingValue {
  value: string;
  /** e.g. "environment variable RELEASE_BRANCH" or "mise.toml [env] RELEASE_BRANCH". */
  source: string;
}

export const SETTING_NAMES = [
  "RELEASE_BRANCH",
  "RELEASE_WORKFLOW",
  "RELEASE_GENERATE",
  "RELEASE_DOCS",
  "RELEASE_REGISTRY_URL",
  "RELEASE_POLL_SECONDS",
] as const;
export type SettingName = (typeof SETTING_NAMES)[number];

export function pickSettings(
  env: NodeJS.ProcessEnv,
  miseEnv: Record<string, unknown>,
  miseFile: string,
): { values: Partial<Record<SettingName, SettingValue>>; problems: Problem[] } {
  const values: Partial<Record<SettingName, SettingValue>> = {};
  const problems: Problem[] = [];
  for (const name of SETTING_NAMES) {
    const fromEnv = env[name];
    const fromMise = miseEnv[name];
    if (fromEnv !== undefined && fromEnv !== "") {
      values[name] = { value: fromEnv, source: `environment variable ${name}` };
    } else if (typeof fromMise === "string" || typeof fromMise === "number" || typeof fromMise === "boolean") {
      values[name] = { value: String(fromMise), source: `${miseFile} [env] ${name}` };
    } else if (fromMise !== undefined) {
      problems.push({
        file: miseFile,
        key: `[env] ${name}`,
        message: `${name} must be a string, not ${Array.isArray(fromMise) ? "a list" : "a table"}`,
        fix: `write it as ${name} = "..." in ${miseFile}`,
      });
    }
  }
  for (const [name, setting] of Object.entries(values) as [SettingName, SettingValue][]) {
    const expected = validate(name, setting.value);
    if (expected) {
      problems.push({
        file: setting.source.startsWith("environment") ? `environment` : miseFile,
        key: name,
        message: `${name}=${JSON.stringify(setting.value)} from ${setting.source} is not valid: expected ${expected}`,
        fix: `set ${name} to ${expected}, or unset it to use the default`,
      });
      delete values[name];
    }
  }
  return { values, problems };
}

const BRANCH = /^(?!-)(?!.*\.\.)(?!.*\/\/)(?!.*@\{)(?!.*[\s~^:?*[\\\x00-\x1f\x7f])[^/].*(?<![/.])(?<!\.lock)$/;

/** What a valid value looks like, or null when the value is fine. */
function validate(name: SettingName, value: string): string | null {
  switch (name) {
    case "RELEASE_BRANCH":
      return BRANCH.test(value) ? null : "a branch name, such as main";
    case "RELEASE_WORKFLOW": {
      const paths = value.split(",").map((p) => p.trim());
      return paths.every((p) => /\.ya?ml$/.test(p) && !p.startsWith("/") && !p.split("/").includes(".."))
        ? null
        : "workflow file paths inside the repository, comma-separated, such as .github/workflows/release.yml,.github/workflows/docker.yml";
    }
    case "RELEASE_GENERATE":
      return value.trim() ? null : "the command that regenerates committed artifacts, such as `npm run generate`";
    case "RELEASE_DOCS": {
      const globs = value.split(",").map((g) => g.trim());
      return globs.every((g) => g && !g.startsWith("/"))
        ? null
        : "comma-separated globs inside the repository, such as docs/**/*.md,README.md";
    }
    case "RELEASE_REGISTRY_URL": {
      const parsed = parseRegistryMap(value);
      return "problem" in parsed ? parsed.problem : null;
    }
    case "RELEASE_POLL_SECONDS": {
      // A floor, so a typo like 0.000001 cannot turn a wait into a flood of requests.
      const n = Number(value);
      return Number.isFinite(n) && n >= 1 && n <= 3600 ? null : "a number of seconds from 1 to 3600, such as 10";
    }
  }
}
