// A repository as GitHub renders it (minimal and full), its rulesets, branch protection and branches.
import type { ProtectionSpec, RulesetSpec } from "../../scenario.ts";
import type { CommitInfo } from "../git.ts";
import { nodeId, ownerUser, type RenderContext, repoApi, repoHtml, type Schemas } from "./base.ts";
import { commit } from "./git.ts";

export function minimalRepository(c: RenderContext): Schemas["minimal-repository"] {
  return repoCore(c);
}

// The fields minimal and full repositories share; left untyped so both can spread it.
function repoCore(c: RenderContext) {
  const api = repoApi(c);
  return {
    id: c.repoId,
    node_id: nodeId("Repository", c.repoId),
    name: c.repo,
    full_name: `${c.owner}/${c.repo}`,
    owner: ownerUser(c),
    private: false,
    html_url: repoHtml(c),
    description: null,
    fork: false,
    url: api,
    archive_url: `${api}/{archive_format}{/ref}`,
    assignees_url: `${api}/assignees{/user}`,
    blobs_url: `${api}/git/blobs{/sha}`,
    branches_url: `${api}/branches{/branch}`,
    collaborators_url: `${api}/collaborators{/collaborator}`,
    comments_url: `${api}/comments{/number}`,
    commits_url: `${api}/commits{/sha}`,
    compare_url: `${api}/compare/{base}...{head}`,
    contents_url: `${api}/contents/{+path}`,
    contributors_url: `${api}/contributors`,
    deployments_url: `${api}/deployments`,
    downloads_url: `${api}/downloads`,
    events_url: `${api}/events`,
    forks_url: `${api}/forks`,
    git_commits_url: `${api}/git/commits{/sha}`,
    git_refs_url: `${api}/git/refs{/sha}`,
    git_tags_url: `${api}/git/tags{/sha}`,
    hooks_url: `${api}/hooks`,
    issue_comment_url: `${api}/issues/comments{/number}`,
    issue_events_url: `${api}/issues/events{/number}`,
    issues_url: `${api}/issues{/number}`,
    keys_url: `${api}/keys{/key_id}`,
    labels_url: `${api}/labels{/name}`,
    languages_url: `${api}/languages`,
    merges_url: `${api}/merges`,
    milestones_url: `${api}/milestones{/number}`,
    notifications_url: `${api}/notifications{?since,all,participating}`,
    pulls_url: `${api}/pulls{/number}`,
    releases_url: `${api}/releases{/id}`,
    stargazers_url: `${api}/stargazers`,
    statuses_url: `${api}/statuses/{sha}`,
    subscribers_url: `${api}/subscribers`,
    subscription_url: `${api}/subscription`,
    tags_url: `${api}/tags`,
    teams_url: `${api}/teams`,
    trees_url: `${api}/git/trees{/sha}`,
  };
}

export interface RepoPermissions {
  admin: boolean;
  maintain: boolean;
  push: boolean;
  triage: boolean;
  pull: boolean;
}

/** `permissions` is left out for anonymous callers, as GitHub does. */
export function fullRepository(
  c: RenderContext,
  permissions: RepoPermissions | undefined,
  pushedAt: string,
): Schemas["full-repository"] {
  const html = repoHtml(c);
  const host = new URL(c.htmlUrl).host;
  const repo: Schemas["full-repository"] = {
    ...repoCore(c),
    git_url: `git://${host}/${c.owner}/${c.repo}.git`,
    ssh_url: `git@${host}:${c.owner}/${c.repo}.git`,
    clone_url: `${html}.git`,
    svn_url: html,
    mirror_url: null,
    homepage: null,
    language: "Rust",
    forks_count: 0,
    forks: 0,
    stargazers_count: 0,
    watchers_count: 0,
    watchers: 0,
    size: 0,
    default_branch: c.defaultBranch,
    open_issues_count: 0,
    open_issues: 0,
    has_issues: true,
    has_projects: false,
    has_wiki: false,
    has_pages: false,
    has_discussions: false,
    archived: false,
    disabled: false,
    visibility: "public",
    pushed_at: pushedAt,
    created_at: c.createdAt,
    updated_at: pushedAt,
    subscribers_count: 0,
    network_count: 0,
    license: null,
    topics: [],
  };
  if (permissions) repo.permissions = permissions;
  return repo;
}

export function ruleset(
  c: RenderContext,
  rs: RulesetSpec,
  withDetails: boolean,
  rules: { type: string; parameters?: Record<string, unknown> }[],
): Schemas["repository-ruleset"] {
  const out: Schemas["repository-ruleset"] = {
    id: rs.id,
    name: rs.name,
    target: rs.target,
    source_type: "Repository",
    source: `${c.owner}/${c.repo}`,
    enforcement: rs.enforcement ?? "active",
    node_id: nodeId("RepositoryRuleset", rs.id),
    _links: { self: { href: `${repoApi(c)}/rulesets/${rs.id}` }, html: { href: `${repoHtml(c)}/rules/${rs.id}` } },
    created_at: c.createdAt,
    updated_at: c.createdAt,
  };
  if (withDetails) {
    out.current_user_can_bypass = rs.bypass ?? "never";
    out.conditions = { ref_name: { include: rs.include, exclude: rs.exclude ?? [] } };
    out.rules = rules as Schemas["repository-ruleset"]["rules"];
  }
  return out;
}

export function ruleDetailed(
  c: RenderContext,
  rs: RulesetSpec,
  type: string,
  parameters?: Record<string, unknown>,
): Schemas["repository-rule-detailed"] {
  return {
    type,
    ...(parameters ? { parameters } : {}),
    ruleset_source_type: "Repository",
    ruleset_source: `${c.owner}/${c.repo}`,
    ruleset_id: rs.id,
  } as Schemas["repository-rule-detailed"];
}

export function branchProtection(c: RenderContext, branch: string, p: ProtectionSpec): Schemas["branch-protection"] {
  const url = `${repoApi(c)}/branches/${encodeURIComponent(branch)}/protection`;
  const flag = (enabled: boolean) => ({ enabled });
  const out: Schemas["branch-protection"] = {
    url,
    enabled: true,
    enforce_admins: { url: `${url}/enforce_admins`, enabled: p.enforceAdmins === true },
    required_linear_history: flag(false),
    allow_force_pushes: flag(false),
    allow_deletions: flag(false),
    block_creations: flag(false),
    required_conversation_resolution: flag(false),
    lock_branch: flag(false),
    allow_fork_syncing: flag(false),
    required_signatures: { url: `${url}/required_signatures`, enabled: false },
  };
  if (p.requiredChecks?.length) {
    out.required_status_checks = {
      url: `${url}/required_status_checks`,
      enforcement_level: p.enforceAdmins ? "everyone" : "non_admins",
      strict: false,
      contexts: p.requiredChecks,
      checks: p.requiredChecks.map((context) => ({ context, app_id: null })),
      contexts_url: `${url}/required_status_checks/contexts`,
    };
  }
  if (p.requiredReviews !== undefined) {
    out.required_pull_request_reviews = {
      url: `${url}/required_pull_request_reviews`,
      dismiss_stale_reviews: false,
      require_code_owner_reviews: false,
      required_approving_review_count: p.requiredReviews,
      require_last_push_approval: false,
    };
  }
  return out;
}

export function branch(
  c: RenderContext,
  name: string,
  head: CommitInfo,
  p: ProtectionSpec | undefined,
): Schemas["branch-with-protection"] {
  const url = `${repoApi(c)}/branches/${encodeURIComponent(name)}`;
  const checks = p?.requiredChecks ?? [];
  return {
    name,
    commit: commit(c, head),
    _links: { html: `${repoHtml(c)}/tree/${encodeURIComponent(name)}`, self: url },
    protected: p !== undefined,
    protection: {
      enabled: p !== undefined,
      required_status_checks: {
        enforcement_level: checks.length ? (p?.enforceAdmins ? "everyone" : "non_admins") : "off",
        contexts: checks,
        checks: checks.map((context) => ({ context, app_id: null })),
      },
    },
    protection_url: `${url}/protection`,
  };
}
