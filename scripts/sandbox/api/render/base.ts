import type { components, operations } from "@octokit/openapi-types";

export type Schemas = components["schemas"];
export type Json<Op extends keyof operations> = operations[Op]["responses"] extends {
  200: { content: { "application/json": infer T } };
}
  ? T
  : never;
export type CheckRunList = Json<"checks/list-for-ref">;
export type WorkflowRunList = Json<"actions/list-workflow-runs">;
export type JobList = Json<"actions/list-jobs-for-workflow-run">;
export type AttestationList = Json<"repos/list-attestations">;
export type Attestation = NonNullable<AttestationList["attestations"]>[number];

export interface RenderContext {
  apiUrl: string;
  /** Where GitHub's web pages would be; the sandbox serves none of them. */
  htmlUrl: string;
  owner: string;
  repo: string;
  repoId: number;
  defaultBranch: string;
  workflowId: number;
  /** When the repository was created (fixed at server start). */
  createdAt: string;
  /** The GitHub account a commit author's e-mail belongs to, or null (GitHub matches verified e-mails). */
  accountOf?: (email: string) => { login: string; id: number } | null;
}

export const ACTIONS_APP_ID = 15368;
export const DOCS = "https://docs.github.com/rest";

/** GitHub's timestamps: UTC, whole seconds. */
export function isoSeconds(d: Date | string): string {
  return new Date(d).toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function nodeId(kind: string, id: number | string): string {
  return Buffer.from(`${kind}:${id}`).toString("base64").replace(/=+$/, "");
}

export function repoApi(c: RenderContext): string {
  return `${c.apiUrl}/repos/${c.owner}/${c.repo}`;
}

export function repoHtml(c: RenderContext): string {
  return `${c.htmlUrl}/${c.owner}/${c.repo}`;
}

export function user(c: RenderContext, login: string, id: number, type = "User"): Schemas["simple-user"] {
  const api = `${c.apiUrl}/users/${login}`;
  return {
    login,
    id,
    node_id: nodeId("User", id),
    type,
    site_admin: false,
    gravatar_id: "",
    avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
    url: api,
    html_url: `${c.htmlUrl}/${login}`,
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
  };
}

export function ownerUser(c: RenderContext): Schemas["simple-user"] {
  return user(c, c.owner, 9_000_000 + (c.repoId % 1000), "Organization");
}

/** A stable numeric id for a derived record (check runs, statuses), so ETags stay valid. */
export function derivedId(...parts: string[]): number {
  let h = 7;
  for (const ch of parts.join("\0")) h = (h * 33 + ch.charCodeAt(0)) >>> 0;
  return 1_000_000_000 + (h % 1_000_000_000);
}

/** GitHub's error body. */
export function errorBody(message: string, status: number, docs = DOCS): Schemas["basic-error"] {
  return { message, documentation_url: docs, status: String(status) };
}

export function validationError(
  message: string,
  errors: Schemas["validation-error"]["errors"],
  docs = DOCS,
): Schemas["validation-error"] & { status: string } {
  const body: Schemas["validation-error"] & { status: string } = { message, documentation_url: docs, status: "422" };
  if (errors) body.errors = errors;
  return body;
}

export interface RateCounter {
  limit: number;
  remaining: number;
  reset: number;
  used: number;
}

export function rateLimit(core: RateCounter): Schemas["rate-limit-overview"] {
  const fresh = (limit: number) => ({ limit, remaining: limit, reset: core.reset, used: 0 });
  return {
    resources: {
      core: { ...core },
      search: fresh(30),
      graphql: fresh(5000),
      code_search: fresh(10),
      integration_manifest: fresh(5000),
      source_import: fresh(100),
    },
    rate: { ...core },
  };
}
