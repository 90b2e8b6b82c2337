// The repository and its settings: what GET /repos reports for the user's role, branches and their
// protection, rulesets, pull requests (none), and the caller's rate limit.
import { ROLE_PERMISSIONS, rateOf } from "../context.ts";
import { DOCS, fail, invalid, notFound, pageReply, type Route } from "../http.ts";
import * as render from "../render.ts";
import { ruleParameters, rulesFor } from "../rules.ts";

export const repositoryRoutes: Route[] = [
  {
    method: "GET",
    template: "/repos/{owner}/{repo}",
    async handle(c, r) {
      const head = await c.git.resolveCommit(`refs/heads/${c.opts.defaultBranch}`);
      const pushedAt = head ? render.isoSeconds((await c.git.commit(head)).committerDate) : c.render.createdAt;
      // The user's role, not the token's grants: a fine-grained token without Contents: write still
      // reports push: true for a maintainer (only its writes are refused).
      const perms = r.caller.token ? { ...ROLE_PERMISSIONS[c.scenario.role]! } : undefined;
      return { status: 200, body: render.fullRepository(c.render, perms, pushedAt) };
    },
  },
  {
    // The sandbox has no pull requests: every list is empty, as on a repository that never had one.
    method: "GET",
    template: "/repos/{owner}/{repo}/pulls",
    perm: "pull_requests:read",
    async handle(_c, r) {
      const st = r.query.get("state");
      if (st !== null && !["open", "closed", "all"].includes(st))
        throw invalid(`Invalid request.\n\nFor 'properties/state', "${st}" is not a valid value.`, DOCS.pulls);
      return { status: 200, body: [] };
    },
  },
  {
    method: "GET",
    template: "/repos/{owner}/{repo}/branches/{branch}/protection",
    perm: "administration:read",
    async handle(c, r) {
      // Reading protection is an admin's: others hear so (as GitHub words it), whatever the branch.
      if (c.scenario.role !== "admin") throw fail(403, "Must have admin rights to Repository.", DOCS.protection);
      const p = c.scenario.branchProtection[r.params.branch];
      if (!p) throw fail(404, "Branch not protected", DOCS.protection);
      return { status: 200, body: render.branchProtection(c.render, r.params.branch, p) };
    },
  },
  {
    method: "GET",
    template: "/repos/{owner}/{repo}/branches/{branch}",
    perm: "contents:read",
    async handle(c, r) {
      const { branch } = r.params;
      const head = await c.git.resolveCommit(`refs/heads/${branch}`);
      if (!head) throw fail(404, "Branch not found", DOCS.branches);
      const body = render.branch(c.render, branch, await c.git.commit(head), c.scenario.branchProtection[branch]);
      return { status: 200, body };
    },
  },
  {
    // https://docs.github.com/rest/repos/rules#get-rules-for-a-branch: every active rule that would
    // apply to a branch of that name (it need not exist), with the ruleset it comes from.
    method: "GET",
    template: "/repos/{owner}/{repo}/rules/branches/{branch}",
    perm: "metadata:read",
    async handle(c, r) {
      const rules = rulesFor(c.scenario, `refs/heads/${r.params.branch}`, c.opts.defaultBranch).map(
        ({ type, ruleset }) => render.ruleDetailed(c.render, ruleset, type, ruleParameters(type)),
      );
      return pageReply(c.render.apiUrl, r, rules);
    },
  },
  {
    method: "GET",
    template: "/repos/{owner}/{repo}/rulesets",
    perm: "metadata:read",
    async handle(c, r) {
      const targets = (r.query.get("targets") ?? "branch,tag,push").split(",").map((t) => t.trim());
      const list = c.scenario.rulesets
        .filter((rs) => targets.includes(rs.target))
        .map((rs) => render.ruleset(c.render, rs, false, []));
      return pageReply(c.render.apiUrl, r, list);
    },
  },
  {
    method: "GET",
    template: "/repos/{owner}/{repo}/rulesets/{ruleset_id}",
    perm: "metadata:read",
    async handle(c, r) {
      const rs = c.scenario.rulesets.find((x) => String(x.id) === r.params.ruleset_id);
      if (!rs) throw notFound(DOCS.rules);
      const rules = rs.rules.map((type) => {
        const parameters = ruleParameters(type);
        return { type, ...(parameters ? { parameters } : {}) };
      });
      return { status: 200, body: render.ruleset(c.render, rs, true, rules) };
    },
  },
  {
    method: "GET",
    template: "/rate_limit",
    async handle(c, r) {
      return { status: 200, body: render.rateLimit(rateOf(c, r.caller)) };
    },
  },
];
