import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { StartError } from "../scripts/lib/cli.ts";
import { loadConfig, parseRemoteUrl, requireValidConfig } from "../scripts/lib/config.ts";
import { createRunner } from "../scripts/lib/run.ts";
import { cleanEnv, initRepo, tempDir } from "./helpers/kit.ts";

const tmp = tempDir();
afterAll(() => tmp.remove());
let n = 0;
function repo(files: Record<string, string>, origin: string | null = "https://github.com/acme/gateway.git") {
  const dir = join(tmp.path, `r${n++}`);
  mkdirSync(dir);
  initRepo(dir, origin ? { origin } : {});
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}
const load = (dir: string, env: Record<string, string> = {}) =>
  loadConfig(createRunner(dir, false), dir, cleanEnv(env));

describe("parseRemoteUrl", () => {
  it.each([
    ["https://github.com/acme/gateway.git", "github.com", "acme", "gateway"],
    ["https://github.com/acme/gateway", "github.com", "acme", "gateway"],
    ["git@github.com:acme/gateway.git", "github.com", "acme", "gateway"],
    ["ssh://git@github.com/acme/gate.way.git", "github.com", "acme", "gate.way"],
    ["https://ghe.example.com/team/svc.git", "ghe.example.com", "team", "svc"],
  ])("%s", (url, host, owner, name) => expect(parseRemoteUrl(url)).toEqual({ host, owner, name }));

  it.each(["/srv/git/gateway.git", "file:///srv/gateway.git", "https://github.com/acme", "https://github.com/a/b/c"])(
    "rejects %s",
    (url) => {
      expect(parseRemoteUrl(url)).toBeNull();
    },
  );
});

describe("loadConfig", () => {
  it("derives everything for a repository shaped like the runbook's", async () => {
    const dir = repo({
      "cog.toml":
        'tag_prefix = "v"\ndisable_changelog = true\npre_bump_hooks = ["git-cliff --tag {{version_tag}} -o CHANGELOG.md"]\n',
      "cliff.toml": '[changelog]\nbody = "x"\n',
      "Cargo.toml": '[workspace]\nmembers = ["crates/*"]\n[workspace.package]\nversion = "0.2.0"\n',
      "crates/gateway/Cargo.toml": '[package]\nname = "gateway"\nversion = "0.2.0"\n',
      "crates/admin-ui/Cargo.toml": '[package]\nname = "admin-ui"\nversion.workspace = true\n',
    });
    const c = await load(dir);
    expect(c.repository).toMatchObject({ owner: "acme", name: "gateway" });
    expect(c.branch).toBe("main");
    expect(c.tagPrefix).toBe("v");
    expect(c.cog?.disableChangelog).toBe(true);
    expect(c.cliff).toEqual({ output: null, tagPattern: null });
    expect(c.workflowPaths).toBeNull();
    expect(c.docs).toEqual(["docs/**/*.md", "README.md"]);
    expect(c.workspace).toEqual({
      kind: "cargo",
      workspaceVersion: "0.2.0",
      members: [
        { name: "admin-ui", manifest: "crates/admin-ui/Cargo.toml", version: "0.2.0", inheritsVersion: true },
        { name: "gateway", manifest: "crates/gateway/Cargo.toml", version: "0.2.0", inheritsVersion: false },
      ],
    });
    expect(c.problems).toEqual([]);
  });

  it("prefers GITHUB_REPOSITORY, reads package.json workspaces", async () => {
    const c = await load(repo({ "package.json": '{"name":"kit","version":"1.2.3"}' }), {
      GITHUB_REPOSITORY: "other/name",
    });
    expect(c.repository).toEqual({ owner: "other", name: "name", source: "GITHUB_REPOSITORY" });
    expect(c.workspace).toEqual({ kind: "npm", name: "kit", version: "1.2.3" });
  });

  it("takes settings from the environment over mise.toml [env], and says where they came from", async () => {
    const dir = repo({
      "mise.toml": '[env]\nRELEASE_BRANCH = "trunk"\nRELEASE_DOCS = "ops/*.md"\nRELEASE_POLL_SECONDS = 3\n',
    });
    const c = await load(dir, { RELEASE_BRANCH: "release" });
    expect(c.branch).toBe("release");
    expect(c.sources.RELEASE_BRANCH).toBe("environment variable RELEASE_BRANCH");
    expect(c.docs).toEqual(["ops/*.md"]);
    expect(c.sources.RELEASE_DOCS).toBe("mise.toml [env] RELEASE_DOCS");
    expect(c.pollSeconds).toBe(3);
  });

  it("names the file, key and fix for configuration that does not parse or holds a wrong value", async () => {
    const c = await load(
      repo({
        "cog.toml": 'tag_prefix = "v"\npre_bump_hooks = "not a list"\n',
        "cliff.toml": "[changelog\n",
        "mise.toml": '[env]\nRELEASE_POLL_SECONDS = "soon"\nRELEASE_REGISTRY_URL = "ftp://x"\n',
      }),
    );
    const byKey = Object.fromEntries(c.problems.map((p) => [`${p.file}:${p.key}`, p]));
    expect(byKey["cog.toml:pre_bump_hooks"]?.message).toMatch(/must be a list of strings/);
    expect(byKey["cliff.toml:(syntax)"]?.message).toMatch(/cliff.toml is not valid TOML \(line 1/);
    expect(byKey["mise.toml:RELEASE_POLL_SECONDS"]?.message).toMatch(
      /"soon" from mise.toml \[env\] RELEASE_POLL_SECONDS is not valid: expected a number of seconds/,
    );
    expect(byKey["mise.toml:RELEASE_REGISTRY_URL"]?.fix).toMatch(/http/);
    expect(() => requireValidConfig(c)).toThrow(StartError);
  });

  it("cannot start without a GitHub repository to name", async () => {
    await expect(load(repo({}, null))).rejects.toThrow(/no origin remote and GITHUB_REPOSITORY is not set/);
    await expect(load(repo({}, "/srv/git/gateway.git"))).rejects.toThrow(/is not a GitHub repository URL/);
    await expect(load(repo({}), { GITHUB_REPOSITORY: "just-a-name" })).rejects.toThrow(/is not owner\/name/);
  });
});
