// The one push a release makes, wherever it is made (the release's push step, and recover): branch
// and tag together, `--atomic`, so both land or neither does. And the proof, asked before anything
// irreversible, that origin will take it.
import { isAncestor } from "../git.ts";
import type { Runner } from "../run.ts";

/** As the maintainer would type it. */
export const pushCommandLine = (branch: string, tag: string) => `git push --atomic origin ${branch} ${tag}`;

export function pushRelease(r: Runner, branch: string, tag: string) {
  return r.with({ timeout: "120s" })
    .write`git push --atomic origin ${`refs/heads/${branch}:refs/heads/${branch}`} ${`refs/tags/${tag}:refs/tags/${tag}`}`;
}

/**
 * Null when origin will accept `commit` as the new tip of `branch` (a fast-forward, and git's own
 * dry run of the push is accepted); else why not. Reads origin afresh; changes no ref.
 */
export async function branchPushRefusal(r: Runner, branch: string, commit: string): Promise<string | null> {
  const net = r.with({ timeout: "120s" });
  const listed = await net.probe`git ls-remote origin ${`refs/heads/${branch}`}`;
  if (listed.exitCode !== 0) return `cannot read origin: ${listed.stderr.trim().split("\n").pop() ?? ""}`;
  const tip = listed.stdout.split(/\s+/)[0] || null;
  if (tip) {
    if ((await r.probe`git cat-file -e ${`${tip}^{commit}`}`).exitCode !== 0) {
      await net.probe`git fetch --quiet --no-tags --no-write-fetch-head origin ${`refs/heads/${branch}`}`;
    }
    if (!(await isAncestor(r, tip, commit)))
      return `origin's ${branch} (${tip.slice(0, 7)}) is not contained in ${commit.slice(0, 7)}: the push would not be a fast-forward`;
  }
  const dry = await net.probe`git push --dry-run --porcelain origin ${`${commit}:refs/heads/${branch}`}`;
  if (dry.exitCode !== 0)
    return `git push --dry-run to ${branch} is refused: ${
      `${dry.stdout}\n${dry.stderr}`
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => /rejected|denied|error|fatal|!/.test(l))[0] ?? dry.stderr.trim()
    }`;
  return null;
}
