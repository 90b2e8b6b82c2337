// The kit, through its entry points, against the GitHub and GHCR it will really meet: server-side
// push rules preflight must predict, GHCR's answers verify must tell apart, credentials that must
// stay on their host, the anonymous rate limit, and an API that answers garbage. The sandbox's own
// suites (sandbox-api, registry-hosted) hold each behaviour against GitHub's docs; this file holds
// the kit's reaction to it.

import { writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PRESETS } from "../scripts/sandbox/presets.ts";
import { type RegistryStore, type SandboxRegistry, startRegistry } from "../scripts/sandbox/registry.ts";
import type { KitRun } from "./helpers/kit.ts";
import { gitAsync, kitIn, remoteRefs, type Sandbox, sandbox } from "./helpers/sandbox.ts";

const GATEWAY = "ghcr.io/acme/gateway";
const ADMIN = "ghcr.io/acme/admin-ui";

function check(res: KitRun, id: string): { id: string; status: string; detail: string; fix: string } {
  const found = res.json?.checks?.find((c: { id: string }) => c.id === id);
  if (!found) throw new Error(`no check ${id} in:\n${res.stdout}\n${res.stderr}`);
  return found;
}

const occurrences = (text: string, needle: RegExp) => text.split("\n").filter((l) => needle.test(l)).length;

/** A store sharing the sandbox's blobs, holding only the named repositories (copied: tags may be changed). */
function storeWith(from: RegistryStore, names: string[]): RegistryStore {
  const repos = new Map(
    [...from.repos]
      .filter(([n]) => names.includes(n))
      .map(([n, r]) => [n, { ...r, tags: new Map(r.tags), manifests: new Map(r.manifests), blobs: new Set(r.blobs) }]),
  );
  return { blobs: from.blobs, repos, uploads: new Map() };
}

const started: { stop(): Promise<void> }[] = [];
afterAll(async () => {
  for (const s of started.reverse()) await s.stop();
});

describe("server-side push rules are predicted before anything is authored", () => {
  it("protected-branch: mise run release stops at preflight, with no commit, no tag and origin unchanged", async () => {
    const sb = await sandbox({ scenario: PRESETS["protected-branch"]!.scenario });
    started.push(sb);
    const repo = sb.repoPath!;
    const head = await gitAsync(repo, "rev-parse", "HEAD");
    const refs = await remoteRefs(sb);
    const res = await kitIn(sb, "release", ["--yes"]);
    expect(res.code, res.stderr).toBe(1);
    expect(res.stderr).toMatch(/push +FAIL +git push --dry-run is accepted, but GitHub will refuse/);
    const pre = await kitIn(sb, "preflight", ["--json"]);
    expect(check(pre, "push")).toMatchObject({
      status: "fail",
      detail: expect.stringMatching(
        /GitHub will refuse the release: pushing main: changes must go through a pull request \(branch protection\)/,
      ),
      fix: expect.stringMatching(/bypass actor.*release pull request.*token/),
    });
    expect(await gitAsync(repo, "rev-parse", "HEAD")).toBe(head);
    expect(await gitAsync(repo, "tag", "--list", "v0.3.0")).toBe("");
    expect(await gitAsync(repo, "status", "--porcelain")).toBe("");
    expect(await remoteRefs(sb)).toBe(refs);
    expect(sb.api.state.releases.filter((r) => r.tagName === "v0.3.0")).toEqual([]);
  });

  it("tag-ruleset: preflight's push check names the tag a ruleset forbids creating; a bypass lets it pass", async () => {
    const sb = await sandbox({ scenario: structuredClone(PRESETS["tag-ruleset"]!.scenario) });
    started.push(sb);
    const res = await kitIn(sb, "preflight", ["--json"]);
    expect(res.code).toBe(1);
    expect(check(res, "push")).toMatchObject({
      status: "fail",
      detail: expect.stringMatching(/creating v0\.3\.0: tag creation is restricted \(ruleset "release tags"\)/),
    });
    expect(check(res, "push").fix).toMatch(/bypass actor.*release pull request.*token/);
    sb.scenario.rulesets[0]!.bypass = "always";
    const bypassed = await kitIn(sb, "preflight", ["--json"]);
    expect(check(bypassed, "push")).toMatchObject({
      status: "pass",
      detail: expect.stringMatching(/no GitHub rule blocks pushing main or creating v0\.3\.0/),
    });
  });
});

describe("an API that answers garbage is never a pass", () => {
  let html: Server;
  let url: string;
  beforeAll(async () => {
    html = createServer((req, res) => {
      if (req.url?.includes("/commits/")) {
        res.writeHead(200, { "content-type": "application/json" });
        res.end('{"total_count": 1, "check_runs": [');
        return;
      }
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end("<!DOCTYPE html><html><body>Sign in to the corporate proxy</body></html>");
    });
    await new Promise<void>((r) => html.listen(0, "127.0.0.1", () => r()));
    url = `http://127.0.0.1:${(html.address() as { port: number }).port}`;
    started.push({
      stop: () =>
        new Promise<void>((r) => {
          html.closeAllConnections();
          html.close(() => r());
        }),
    });
  });

  it("token and ci-green fail saying what came back and from where", async () => {
    const sb = await sandbox();
    started.push(sb);
    const res = await kitIn(sb, "preflight", ["--json"], { env: { GITHUB_API_URL: url } });
    expect(res.code).toBe(1);
    expect(check(res, "token")).toMatchObject({
      status: "fail",
      detail: expect.stringContaining(
        `GET ${url}/repos/acme/gateway answered 200 with text/html; charset=utf-8, not JSON ("<!DOCTYPE html><html><body>Sign in`,
      ),
    });
    expect(check(res, "token").fix).toMatch(/GITHUB_API_URL/);
    expect(check(res, "ci-green")).toMatchObject({
      status: "fail",
      detail: expect.stringMatching(
        new RegExp(`GET ${url}/repos/acme/gateway/commits/[0-9a-f]{40}/check-runs answered 200 with invalid JSON`),
      ),
    });
    expect(res.stderr).not.toMatch(/Cannot use 'in' operator|may push/);
  });
});

describe("verify and recover against GHCR's answers, anonymously and with the token", () => {
  let sb: Sandbox;
  let tag: string;

  beforeAll(async () => {
    sb = await sandbox();
    started.push(sb);
    const res = await kitIn(sb, "release", ["--yes", "--json"]);
    if (res.code !== 0) throw new Error(`release failed:\n${res.stderr}`);
    tag = res.json.tag;
    await sb.settle();
  });

  async function ghcr(opts: Parameters<typeof startRegistry>[0]): Promise<SandboxRegistry> {
    const r = await startRegistry({ flavor: "ghcr", ...opts });
    started.push(r);
    return r;
  }

  it("tells never published, private (needs read:packages) and tag missing apart, each with its own fix", async () => {
    // acme/gateway never published; acme/admin-ui private; the chart published.
    const registry = await ghcr({
      store: storeWith(sb.registry.store, ["acme/admin-ui", "acme/charts/gateway"]),
      knobs: { private: ["acme/admin-ui"] },
      token: sb.token,
    });
    const res = await kitIn(sb, "verify", ["--json"], {
      env: { RELEASE_REGISTRY_URL: registry.url, GITHUB_TOKEN: undefined },
    });
    expect(res.code).toBe(1);
    expect(check(res, `image:${GATEWAY}`)).toMatchObject({
      status: "fail",
      detail: expect.stringMatching(/403 DENIED: the package was never published/),
      fix: expect.stringMatching(
        /nothing was ever pushed to ghcr\.io\/acme\/gateway.*release-kit recover --tag v0\.3\.0 --apply/,
      ),
    });
    expect(check(res, `image:${ADMIN}`)).toMatchObject({
      status: "fail",
      detail: expect.stringMatching(/package is private/),
      fix: expect.stringMatching(/read:packages/),
    });
    // Anonymous, said once, with the limit.
    expect(
      occurrences(res.stderr, /no GitHub token: reading .* anonymously, within GitHub's limit of 60 requests an hour/),
    ).toBe(1);

    // With the token (the mapping is the user's own, from the environment): the private image reads,
    // and a tag missing from a package GHCR has is just that.
    const store = storeWith(sb.registry.store, ["acme/gateway", "acme/admin-ui", "acme/charts/gateway"]);
    store.repos.get("acme/gateway")!.tags.delete("latest");
    const withToken = await ghcr({ store, knobs: { private: ["acme/admin-ui"] }, token: sb.token });
    const res2 = await kitIn(sb, "verify", ["--json"], { env: { RELEASE_REGISTRY_URL: withToken.url } });
    expect(check(res2, `image:${ADMIN}`).status, check(res2, `image:${ADMIN}`).detail).toBe("pass");
    expect(check(res2, `image:${GATEWAY}`)).toMatchObject({
      status: "fail",
      detail: expect.stringMatching(/missing tag latest/),
    });
  });

  it("never sends the GitHub token to a token service on another host: verify and the read-only recover", async () => {
    const foreign = await startRegistry({ address: "127.0.0.2", grants: new Map() });
    started.push(foreign);
    const registry = await ghcr({
      store: sb.registry.store,
      realm: `${foreign.url}/token`,
      knobs: { private: ["acme/admin-ui"] },
      token: sb.token,
    });
    const verify = await kitIn(sb, "verify", ["--json"], { env: { RELEASE_REGISTRY_URL: registry.url } });
    const recover = await kitIn(sb, "recover", ["--json", "--tag", tag], {
      env: { RELEASE_REGISTRY_URL: registry.url },
    });
    expect(verify.json, verify.stderr).toBeTruthy();
    expect(recover.json, recover.stderr).toBeTruthy();
    expect(foreign.requests.get("GET /token 200") ?? 0).toBeGreaterThan(0); // it was asked, anonymously
    expect(foreign.authorizations).toEqual([]);
    expect([...foreign.authorizations, ...registry.authorizations].filter((a) => a.header.startsWith("Basic"))).toEqual(
      [],
    );
  });

  it("never sends the GitHub token where a committed mise.toml points RELEASE_REGISTRY_URL", async () => {
    const registry = await ghcr({ store: sb.registry.store, knobs: { private: ["acme/admin-ui"] }, token: sb.token });
    writeFileSync(join(sb.repoPath!, "mise.toml"), `[env]\nRELEASE_REGISTRY_URL = "${registry.url}"\n`);
    try {
      const verify = await kitIn(sb, "verify", ["--json"], { env: { RELEASE_REGISTRY_URL: undefined } });
      const recover = await kitIn(sb, "recover", ["--json", "--tag", tag], {
        env: { RELEASE_REGISTRY_URL: undefined },
      });
      expect(recover.json, recover.stderr).toBeTruthy();
      expect(check(verify, `image:${ADMIN}`)).toMatchObject({
        status: "fail",
        detail: expect.stringMatching(/package is private/),
      });
      expect(registry.authorizations.filter((a) => a.header.startsWith("Basic"))).toEqual([]);
      expect(registry.requests.get("GET /token 401") ?? 0).toBeGreaterThan(0);
    } finally {
      await gitAsync(sb.repoPath!, "clean", "-fdq", "--", "mise.toml");
    }
  });

  it("recover without a token says once that it runs anonymously, with the limit", async () => {
    const res = await kitIn(sb, "recover", ["--tag", tag], { env: { GITHUB_TOKEN: undefined } });
    expect(
      occurrences(res.stderr, /no GitHub token: reading .* anonymously, within GitHub's limit of 60 requests an hour/),
    ).toBe(1);
  });

  it("verify --wait without a token says so once and stays within the anonymous limit", async () => {
    sb.scenario.anonymousLimit = 24;
    const run = sb.api.state.runs.find((r) => r.headBranch === tag)!;
    const saved = { status: run.status, conclusion: run.conclusion };
    Object.assign(run, { status: "in_progress", conclusion: null });
    try {
      const res = await kitIn(sb, "verify", ["--json", "--wait=4"], { env: { GITHUB_TOKEN: undefined } });
      expect(check(res, "workflow")).toMatchObject({
        status: "fail",
        detail: expect.stringMatching(/in_progress after waiting 4 s/),
      });
      expect(
        occurrences(
          res.stderr,
          /waiting without a GitHub token: every poll counts against GitHub's 24 requests an hour/,
        ),
      ).toBe(1);
      expect(res.stderr).not.toMatch(/rate limit was reached/);
      const rate = (await (await fetch(`${sb.apiUrl}/rate_limit`)).json()) as {
        resources: { core: { used: number; limit: number } };
      };
      expect(rate.resources.core.limit).toBe(24);
      expect(rate.resources.core.used).toBeLessThanOrEqual(24);
      expect(rate.resources.core.used).toBeGreaterThan(3); // it did poll
    } finally {
      Object.assign(run, saved);
    }
  });
});
