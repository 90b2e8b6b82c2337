// Will the tag push really start distribution? Two ways it silently does not: a tag the workflow's
// filters do not match, and a push made with the Actions GITHUB_TOKEN, which starts no workflow.
import { type Check, fail, pass, skip, warn } from "../checks.ts";
import {
  describeFilters,
  describeLooked,
  type TagFilters,
  tagTriggers as triggers,
  WorkflowError,
} from "../workflow/index.ts";
import { cogTomlBroken } from "./cog-checks.ts";
import { workflowAtHead } from "./config-checks.ts";
import type { PreflightContext } from "./context.ts";

export const tagTriggers: Check<PreflightContext> = {
  id: "tag-triggers",
  needs: ["next-version"],
  async run(ctx, deps) {
    // Without a readable cog.toml the tag prefix is unknown: comparing a guess would mislead.
    if (cogTomlBroken(ctx.config)) return skip("cog.toml does not parse, so the tag prefix is unknown (see config)");
    const next = deps["next-version"]?.data as { tag: string } | undefined;
    const tag = next?.tag ?? `${ctx.config.tagPrefix}1.0.0`;
    let wf;
    try {
      wf = await workflowAtHead(ctx, tag);
    } catch (error) {
      if (error instanceof WorkflowError) return skip(`${error.message.split(":")[0]} (see config)`);
      throw error;
    }
    const named = next ? tag : `tags like ${tag}`;
    if (wf.started.length)
      return pass(
        `${named} start${next ? "s" : ""} ${wf.started.map((w) => `${w.path} (${describeFilters(w.filters)})`).join(", ")}`,
      );
    const present = wf.notStarted.filter((w): w is { path: string; filters: TagFilters } => w.filters !== null);
    if (!present.length)
      return skip(
        `${wf.chosenBy === "setting" ? `no ${wf.looked.join(", ")}` : `no workflow file under .github/workflows`}: no tag workflow to start`,
      );
    const phrases: string[] = [];
    const fixes: string[] = [];
    const prefix = ctx.config.tagPrefix;
    for (const { path, filters } of present) {
      if (!filters.onTagPush) {
        phrases.push(`${path} (${describeFilters(filters)})`);
      } else if (filters.tagsIgnore && triggers({ ...filters, tagsIgnore: null }, tag)) {
        // Matched by on.push.tags (or none given), but excluded by tags-ignore.
        phrases.push(`${path}: tags-ignore (${filters.tagsIgnore.join(", ")}) excludes it`);
        fixes.push(
          `remove the pattern that matches ${tag} from on.push.tags-ignore in ${path}, or release a version it does not exclude (--version)`,
        );
      } else {
        phrases.push(`${path} (${describeFilters(filters)})`);
        fixes.push(
          `make cog's tags and the workflow agree: set tag_prefix in cog.toml (now "${prefix}") to match, or add '${prefix}*' to on.push.tags in ${path}`,
        );
      }
    }
    if (!fixes.length)
      fixes.push(
        `add a tag trigger to the workflow that publishes: on: push: tags: ['${prefix}*'] (looked at ${describeLooked(wf)})`,
      );
    return fail(
      `${named} would not start ${phrases.join(", ")}: the tag push would publish nothing`,
      [...new Set(fixes)].join("; "),
    );
  },
};

function decodeHeaderToken(header: string): string | null {
  const basic = /authorization:\s*basic\s+(\S+)/i.exec(header);
  if (basic) {
    const decoded = Buffer.from(basic[1]!, "base64").toString("utf8");
    return decoded.includes(":") ? decoded.slice(decoded.indexOf(":") + 1) : null;
  }
  return /authorization:\s*(?:bearer|token)\s+(\S+)/i.exec(header)?.[1] ?? null;
}

// GitHub's rule (docs: "Triggering a workflow from a workflow"): events made with a workflow's
// GITHUB_TOKEN start no workflow run, except workflow_dispatch and repository_dispatch. A tag push
// is such an event, so a release pushed with it publishes nothing, silently.
const NO_RUN =
  "a tag pushed with it starts no workflow (GitHub starts none for events made with a workflow's GITHUB_TOKEN, workflow_dispatch and repository_dispatch aside), so the release workflow would not run and nothing would be published";
const OTHER_TOKEN_FIX =
  "push with a GitHub App installation token or a PAT that may write contents: give it to actions/checkout (`with: token: ${{ secrets.RELEASE_TOKEN }}`) so git's pushes use it";

export const tokenTriggers: Check<PreflightContext> = {
  id: "token-triggers",
  async run({ r }) {
    if (process.env.GITHUB_ACTIONS !== "true")
      return skip(
        "not running in GitHub Actions: a tag pushed with your own credentials starts workflows (only a push made with a workflow's GITHUB_TOKEN starts none)",
      );
    const headers = (await r.probe`git config --get-regexp ${"^http\\..*\\.extraheader$"}`).stdout
      .split("\n")
      .filter(Boolean);
    const urls = (await r.probe`git config --get-regexp ${"^(remote\\.origin\\.url|url\\..*\\.insteadof)$"}`).stdout;
    const pushTokens = [
      ...headers.map((h) => decodeHeaderToken(h.slice(h.indexOf(" ") + 1))),
      ...[...urls.matchAll(/https?:\/\/[^:@/\s]+:([^@\s]+)@/g)].map((m) => m[1]!),
    ].filter((t): t is string => Boolean(t));
    const actionsToken = process.env.GITHUB_TOKEN;
    if (!pushTokens.length) {
      return warn(
        "running in GitHub Actions, and git's push credential for origin is not a token preflight can see (ssh, or a credential helper)",
        `if the push uses the workflow's GITHUB_TOKEN, ${NO_RUN}: ${OTHER_TOKEN_FIX}`,
      );
    }
    if (actionsToken && pushTokens.includes(actionsToken)) {
      return fail(
        `running in GitHub Actions with the workflow's GITHUB_TOKEN as git's push credential: ${NO_RUN}`,
        OTHER_TOKEN_FIX,
      );
    }
    return pass(
      "running in GitHub Actions, pushing with a token other than the workflow's GITHUB_TOKEN: the tag push starts workflows",
    );
  },
};
