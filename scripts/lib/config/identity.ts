// Which GitHub repository this is: GITHUB_REPOSITORY, else origin's URL.
import { StartError } from "../cli.ts";
import { configValue } from "../git.ts";
import { parseRemoteUrl } from "../remote-url.ts";
import type { Runner } from "../run.ts";

export interface Repository {
  owner: string;
  name: string;
  /** Where owner/name came from, for messages. */
  source: string;
}

const NAME = /^[A-Za-z0-9_.-]+$/;

export async function resolveRepository(r: Runner, env: NodeJS.ProcessEnv): Promise<Repository> {
  const fromEnv = env.GITHUB_REPOSITORY;
  if (fromEnv) {
    const [owner, name, ...rest] = fromEnv.split("/");
    if (!owner || !name || rest.length || !NAME.test(owner) || !NAME.test(name)) {
      throw new StartError(
        `GITHUB_REPOSITORY=${JSON.stringify(fromEnv)} is not owner/name`,
        "set GITHUB_REPOSITORY to owner/name, e.g. acme/gateway, or unset it to use origin",
      );
    }
    return { owner, name, source: "GITHUB_REPOSITORY" };
  }
  const url = await configValue(r, "remote.origin.url");
  if (!url) {
    throw new StartError(
      "this repository has no origin remote and GITHUB_REPOSITORY is not set, so there is no GitHub repository to release to",
      "add the GitHub remote (git remote add origin https://github.com/OWNER/NAME.git) or set GITHUB_REPOSITORY=OWNER/NAME",
    );
  }
  const parsed = parseRemoteUrl(url);
  const enterprise = Boolean(env.GITHUB_API_URL) && !/api\.github\.com/.test(env.GITHUB_API_URL ?? "");
  const named = parsed && NAME.test(parsed.owner) && NAME.test(parsed.name);
  if (!parsed || !named || (parsed.host !== "github.com" && !parsed.host.endsWith(".github.com") && !enterprise)) {
    throw new StartError(
      `origin (${url}) is not a GitHub repository URL`,
      "point origin at GitHub (https://github.com/OWNER/NAME.git or git@github.com:OWNER/NAME.git), or set GITHUB_REPOSITORY=OWNER/NAME (and GITHUB_API_URL for GitHub Enterprise)",
    );
  }
  return { owner: parsed.owner, name: parsed.name, source: `origin (${url})` };
}
