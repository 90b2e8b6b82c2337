// What every preflight check is given: the target, its configuration, the maintainer's version
// choice, and GitHub (connected once, on first use).
import type { VersionChoice } from "../cog.ts";
import type { Config } from "../config.ts";
import { connectGitHub, type GitHub } from "../github.ts";
import type { Runner } from "../run.ts";

export interface PreflightContext {
  r: Runner;
  config: Config;
  choice: VersionChoice;
  github(): Promise<GitHub>;
}

export function preflightContext(r: Runner, config: Config, choice: VersionChoice): PreflightContext {
  let connecting: Promise<GitHub> | null = null;
  return {
    r,
    config,
    choice,
    github: () => (connecting ??= connectGitHub(config.repository)),
  };
}
