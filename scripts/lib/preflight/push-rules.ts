// What GitHub itself will say to the release's two pushes (the release commit to the branch, the new
// tag), read from its rules API before anything is authored: `git push --dry-run` never reaches the
// server's hooks, so only the API can predict a GH006 (branch protection) or GH013 (rulesets).
//   https://docs.github.com/rest/repos/rules#get-rules-for-a-branch
//   https://docs.github.com/rest/repos/rules#get-a-repository-ruleset (current_user_can_bypass)
//   https://docs.github.com/rest/branches/branch-protection#get-branch-protection

import { describeApiError, type GitHub } from "../github.ts";
import { matchAny } from "../glob.ts";

export interface PushRules {
  /** What will refuse a push, in words: "pushing main: changes must go through a pull request (ruleset "main")". */
  blocked: string[];
  /** What could not be read (the check cannot promise the push then). */
  unknown: string[];
}

// Rule types that refuse a direct push of a new release commit (a fast-forward, unsigned, with no
// checks or deployments yet), and a tag's creation.
const BRANCH_BLOCKERS: Record<string, string> = {
  pull_request: "changes must go through a pull request",
  update: "updates are restricted",
  required_status_checks: "status checks must pass first, and a new release commit has none",
  required_deployments: "deployments must succeed first",
  required_signatures: "commits must have verified signatures",
  merge_queue: "changes must go through the merge queue",
};

interface RuleSummary {
  type: string;
  ruleset_id?: number;
}

interface Ruleset {
  id: number;
  name: string;
  target?: string;
  enforcement: string;
  current_user_can_bypass?: string;
  conditions?: { ref_name?: { include?: string[]; exclude?: string[] } } | null;
  rules?: { type: string }[];
}

const status = (e: unknown) => (e as { status?: number }).status ?? 0;

/** GitHub's ref-name patterns (fnmatch) for a full ref, with ~ALL and ~DEFAULT_BRANCH. */
function matches(pattern: string, ref: string, prefix: string, defaultBranch: string): boolean {
  if (pattern === "~ALL") return true;
  if (pattern === "~DEFAULT_BRANCH") return ref === `refs/heads/${defaultBranch}`;
  return matchAny([pattern.startsWith("refs/") ? pattern : `${prefix}${pattern}`], ref);
}

/** What the three readings share: the repository, the findings, and each ruleset read once. */
interface Reading {
  gh: GitHub;
  out: PushRules;
  ruleset(id: number): Promise<Ruleset | null>;
  /** An API answer's data; null when GitHub answered 404 (no such feature or branch), or when it could not be read (noted). */
  read<T>(what: string, request: () => Promise<{ data: unknown }>): Promise<T | null>;
}

export async function readPushRules(gh: GitHub, branch: string, tag: string | null): Promise<PushRules> {
  const { octokit, owner, repo } = gh;
  const out: PushRules = { blocked: [], unknown: [] };
  const rulesets = new Map<number, Promise<Ruleset | null>>();
  const reading: Reading = {
    gh,
    out,
    ruleset(id) {
      if (!rulesets.has(id)) {
        rulesets.set(
          id,
          octokit.request("GET /repos/{owner}/{repo}/rulesets/{ruleset_id}", { owner, repo, ruleset_id: id }).then(
            (r) => r.data as unknown as Ruleset,
            () => null,
          ),
        );
      }
      return rulesets.get(id)!;
    },
    async read<T>(what: string, request: () => Promise<{ data: unknown }>) {
      try {
        return (await request()).data as T;
      } catch (error) {
        // No rulesets feature (an older GitHub Enterprise Server) is no rule at all.
        if (status(error) !== 404) out.unknown.push(describeApiError(error, `reading ${what}`).message);
        return null;
      }
    },
  };
  await Promise.all([branchRules(reading, branch), protection(reading, branch), tag ? tagRules(reading, tag) : null]);
  return out;
}

async function branchRules({ gh, out, ruleset, read }: Reading, branch: string): Promise<void> {
  const { octokit, owner, repo } = gh;
  const rules = await read<RuleSummary[]>(`the rules for ${branch}`, () =>
    octokit.request("GET /repos/{owner}/{repo}/rules/branches/{branch}", { owner, repo, branch, per_page: 100 }),
  );
  for (const rule of rules ?? []) {
    const why = BRANCH_BLOCKERS[rule.type];
    if (!why) continue;
    const rs = rule.ruleset_id ? await ruleset(rule.ruleset_id) : null;
    if (rs?.current_user_can_bypass === "always") continue;
    out.blocked.push(`pushing ${branch}: ${why}${rs ? ` (ruleset "${rs.name}")` : ""}`);
  }
}

async function protection({ gh, out, read }: Reading, branch: string): Promise<void> {
  const { octokit, owner, repo } = gh;
  const b = await read<{ protected: boolean }>(`${branch} on GitHub`, () =>
    octokit.rest.repos.getBranch({ owner, repo, branch }),
  );
  if (!b?.protected) return;
  try {
    const [p, r] = await Promise.all([
      octokit.rest.repos.getBranchProtection({ owner, repo, branch }),
      octokit.rest.repos.get({ owner, repo }),
    ]);
    const reasons: string[] = [];
    if (p.data.required_pull_request_reviews) reasons.push("changes must go through a pull request");
    if (p.data.required_status_checks?.contexts?.length || p.data.required_status_checks?.checks?.length)
      reasons.push("status checks must pass first, and a new release commit has none");
    if (p.data.restrictions) reasons.push("only listed people, teams and apps may push");
    // Admins pass classic protection unless it is enforced for them too.
    const admin = r.data.permissions?.admin === true && p.data.enforce_admins?.enabled !== true;
    if (reasons.length && !admin) out.blocked.push(`pushing ${branch}: ${reasons.join("; ")} (branch protection)`);
  } catch (error) {
    // Only admins may read protection; everyone else learns only that the branch is protected.
    if (status(error) === 403 || status(error) === 404)
      out.blocked.push(
        `pushing ${branch}: the branch is protected, and only admins may read how (a protected branch normally takes changes through pull requests only)`,
      );
    else out.unknown.push(describeApiError(error, `reading ${branch}'s protection`).message);
  }
}

async function tagRules({ gh, out, ruleset, read }: Reading, tag: string): Promise<void> {
  const { octokit, owner, repo } = gh;
  const list = await read<Ruleset[]>("the tag rulesets", () =>
    octokit.request("GET /repos/{owner}/{repo}/rulesets", {
      owner,
      repo,
      targets: "tag",
      includes_parents: true,
      per_page: 100,
    }),
  );
  const ref = `refs/tags/${tag}`;
  for (const summary of (list ?? []).filter((x) => (x.target ?? "tag") === "tag" && x.enforcement === "active")) {
    const rs = await ruleset(summary.id);
    if (!rs) {
      out.unknown.push(`could not read tag ruleset "${summary.name}"`);
      continue;
    }
    const cond = rs.conditions?.ref_name;
    const applies =
      (cond?.include ?? []).some((p) => matches(p, ref, "refs/tags/", "")) &&
      !(cond?.exclude ?? []).some((p) => matches(p, ref, "refs/tags/", ""));
    if (!applies || rs.current_user_can_bypass === "always") continue;
    if ((rs.rules ?? []).some((r) => r.type === "creation"))
      out.blocked.push(`creating ${tag}: tag creation is restricted (ruleset "${rs.name}")`);
  }
}

export const PUSH_RULES_FIX =
  "add the account that releases as a bypass actor of the ruleset (or let admins bypass the branch protection), release through a release pull request instead of a direct push, or run the release with a token of an account that may bypass these rules";
