// Will the tag push really start distribution? Two ways it silently does not: a tag the workflow's
// filters do not match, and a push made with the Actions GITHUB_TOKEN, which starts no workflow.
import { fail, pass, skip, warn, type Check } from "../checks.ts";
import { describeFilters, tagTriggers as triggers, WorkflowError } from "../workflow.ts";
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
      if (error instanceof WorkflowError) return skip(`${ctx.config.workflowPath} does not parse (see config)`);
      throw error;
    }
    if (!wf) return skip(`no ${ctx.config.workflowPath}: no tag workflow to start`);
    const filters = describeFilters(wf.filters);
    const named = next ? tag : `tags like ${tag}`;
    if (triggers(wf.filters, tag)) return pass(`${named} start${next ? "s" : ""} ${wf.path} (${filters})`);
    if (!wf.filters.onTagPush) {
      return fail(`no tag push starts ${wf.path} (${filters}): the tag push would publish nothing`, `add a tag trigger to ${wf.path}: on: push: tags: ['${ctx.config.tagPrefix}*']`);
    }
    // Matched by on.push.tags (or none given), but excluded by tags-ignore.
    if (wf.filters.tagsIgnore && triggers({ ...wf.filters, tagsIgnore: null }, tag)) {
      return fail(
        `${named} would not start ${wf.path}: tags-ignore (${wf.filters.tagsIgnore.join(", ")}) excludes it, so the tag push would publish nothing`,
        `remove the pattern that matches ${tag} from on.push.tags-ignore in ${wf.path}, or release a version it does not exclude (--version)`,
      );
    }
    return fail(
      `${named} would not start ${wf.path} (${filters}): the tag push would publish nothing`,
      `make cog's tags and the workflow agree: set tag_prefix in cog.toml (now "${ctx.config.tagPrefix}") to match, or add '${ctx.config.tagPrefix}*' to on.push.tags in ${wf.path}`,
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

export const tokenTriggers: Check<PreflightContext> = {
  id: "token-triggers",
  async run({ r }) {
    if (process.env.GITHUB_ACTIONS !== "true") return skip("not running in GitHub Actions: nothing to check (a tag pushed with your own credentials starts workflows; only the Actions GITHUB_TOKEN's pushes do not)");
    const headers = (await r.probe`git config --get-regexp ${"^http\\..*\\.extraheader$"}`).stdout.split("\n").filter(Boolean);
    const urls = (await r.probe`git config --get-regexp ${"^(remote\\.origin\\.url|url\\..*\\.insteadof)$"}`).stdout;
    const pushTokens = [
      ...headers.map((h) => decodeHeaderToken(h.slice(h.indexOf(" ") + 1))),
      ...[...urls.matchAll(/https?:\/\/[^:@/\s]+:([^@\s]+)@/g)].map((m) => m[1]!),
    ].filter((t): t is string => Boolean(t));
    const actionsToken = process.env.GITHUB_TOKEN;
    if (!pushTokens.length) {
      return warn("running in GitHub Actions, and git's push credential for origin is not a persisted token (ssh or a credential helper)", "if the push uses the Actions GITHUB_TOKEN, the tag will start no workflow: push with a GitHub App token or a PAT (actions/checkout `token:`)");
    }
    if (actionsToken && pushTokens.includes(actionsToken)) {
      return fail(
        "running in GitHub Actions with the workflow's GITHUB_TOKEN as git's push credential: a tag pushed with it starts no workflow, so nothing would be published",
        "give actions/checkout a GitHub App installation token or a PAT (`with: token: ${{ secrets.RELEASE_TOKEN }}`) so the tag push starts the release workflow",
      );
    }
    return pass("running in GitHub Actions, pushing with a token other than the workflow's GITHUB_TOKEN: the tag push starts workflows");
  },
};
