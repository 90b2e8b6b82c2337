// The kit as mise tasks: listed, flags passed through, --help fast and light, the target found from
// where the task was run, another repository wired as the README says, and no network on `mise run`.
import { mkdirSync } from "node:fs";
import { join, relative as relative_ } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBareRemote, createExample } from "../scripts/sandbox/example.ts";
import { cleanEnv, git, KIT, MISE, run, tempDir } from "./helpers/kit.ts";

const tmp = tempDir("rk-wiring-");
let example = "";
beforeAll(async () => {
  const remote = await createBareRemote(join(tmp.path, "remote.git"));
  example = (await createExample(join(tmp.path, "gateway"), { remote, kitPath: KIT })).path;
});
afterAll(() => tmp.remove());

// CI=1 trusts every config, as in CI; a fresh folder for mise's state keeps runs independent.
const miseEnv = (extra: Record<string, string> = {}) =>
  cleanEnv({
    MISE_DATA_DIR: join(tmp.path, "mise-data"),
    MISE_STATE_DIR: join(tmp.path, "mise-state"),
    MISE_CACHE_DIR: join(tmp.path, "mise-cache"),
    ...extra,
  });

describe("mise tasks", () => {
  it("lists every task with a one-line description", async () => {
    const res = await run(MISE, ["tasks"], { cwd: KIT, env: miseEnv() });
    expect(res.code, res.stderr).toBe(0);
    for (const task of [
      "release",
      "release:preflight",
      "release:verify",
      "release:recover",
      "release:rehearse",
      "sandbox",
      "test",
    ]) {
      expect(res.stdout).toMatch(new RegExp(`^${task.replace(":", "\\:")}\\s+\\S.+$`, "m"));
    }
  });

  it.each(["release:preflight", "release", "release:verify", "release:recover", "release:rehearse", "sandbox"])(
    "passes flags through: %s -- --help",
    async (task) => {
      const res = await run(MISE, ["run", task, "--", "--help"], { cwd: KIT, env: miseEnv() });
      expect(res.code, res.stderr).toBe(0);
      expect(res.stdout).toContain(`mise run ${task} -- [flags]`);
      expect(res.stdout).toContain("--json");
    },
  );

  it("loads nothing heavy for --help", async () => {
    // A module hook that reports every module the process resolves.
    const { writeFileSync } = await import("node:fs");
    writeFileSync(
      join(tmp.path, "hooks.mjs"),
      'import { writeSync } from "node:fs";\nexport async function resolve(s, c, next) { const r = await next(s, c); writeSync(2, `LOADED ${r.url}\\n`); return r; }\n',
    );
    writeFileSync(
      join(tmp.path, "register.mjs"),
      'import { register } from "node:module";\nregister("./hooks.mjs", import.meta.url);\n',
    );
    const loaded = async (args: string[]) => {
      const res = await run(
        "node",
        [
          "--import",
          join(tmp.path, "register.mjs"),
          "--import",
          join(KIT, "node_modules/tsx/dist/esm/index.mjs"),
          join(KIT, "scripts/verify.mts"),
          ...args,
        ],
        { cwd: KIT, env: cleanEnv() },
      );
      return res.stderr
        .split("\n")
        .filter(
          (l) => l.startsWith("LOADED ") && !l.includes("/node_modules/tsx/") && !l.includes("/node_modules/esbuild/"),
        )
        .join("\n");
    };
    const help = await loaded(["--help"]);
    expect(help).toContain("scripts/lib/cli.ts");
    for (const heavy of ["@octokit", "/yaml/", "/zx/", "smol-toml", "/semver/"])
      expect(help, heavy).not.toContain(heavy);
    // The probe can see heavy modules: a real run loads them.
    expect(await loaded(["--repo", tmp.path])).toContain("/zx/");
  });

  it("never downloads or warns about the pinned tools on a machine without network", async () => {
    const res = await run(MISE, ["run", "release:verify", "--", "--help"], { cwd: KIT, env: miseEnv() });
    expect(res.code).toBe(0);
    expect(res.stderr).not.toMatch(/WARN|error sending request|missing|install/i);
  });
});

describe("the target repository", () => {
  it("is the git root of the directory the task was run from (MISE_ORIGINAL_CWD), and --repo is relative to it", async () => {
    const sub = join(example, "crates", "gateway");
    const fromSub = await run(join(KIT, "scripts/release-kit"), ["verify", "--tag", "v9.9.9", "--json"], {
      cwd: KIT,
      env: cleanEnv({ MISE_ORIGINAL_CWD: sub }),
    });
    expect(fromSub.json.error.message).toContain("there is no tag v9.9.9");
    // As the README's `npx mise run release:preflight -- --repo ../gateway` from the kit's folder.
    const relative = await run(
      MISE,
      ["run", "release:verify", "--", "--repo", relative_(KIT, example), "--tag", "v9.9.9", "--json"],
      { cwd: KIT, env: miseEnv() },
    );
    expect(relative.code).toBe(2);
    expect(relative.json.error.message).toContain("there is no tag v9.9.9");
    const notRepo = await run(MISE, ["run", "release:verify", "--", "--repo", tmp.path, "--json"], {
      cwd: KIT,
      env: miseEnv(),
    });
    expect(notRepo.code).toBe(2);
    expect(notRepo.json.error.message).toBe(`${tmp.path} is not a git repository`);
  });

  it("works from another repository's own mise.toml, wired as the README says", async () => {
    const res = await run(MISE, ["run", "release:verify", "--", "--tag", "v0.2.0", "--json"], {
      cwd: join(example, "crates"),
      env: miseEnv({ GITHUB_API_URL: "http://127.0.0.1:9" }),
    });
    // The kit ran against the example (its v0.2.0 and its workflow), not against the kit's checkout.
    expect(res.json?.command).toBe("verify");
    expect(res.json.tag).toBe("v0.2.0");
    expect(res.json.commit).toBe(git(example, "rev-parse", "v0.2.0"));
    expect(res.json.checks.map((c: any) => c.id)).toContain("image:ghcr.io/acme/admin-ui");
  });

  it("names the file, key and fix when configuration does not parse, with exit 2 and no stack", async () => {
    const broken = join(tmp.path, "broken");
    mkdirSync(broken);
    git(broken, "init", "-q", "-b", "main");
    git(broken, "remote", "add", "origin", "https://github.com/acme/broken.git");
    (await import("node:fs")).writeFileSync(join(broken, "cog.toml"), 'tag_prefix = "v\n');
    for (const command of ["release", "verify", "recover"]) {
      const res = await run(join(KIT, "scripts/release-kit"), [command, "--repo", broken, "--json"], {
        env: cleanEnv(),
      });
      expect(res.code, command).toBe(2);
      expect(res.json.error.message).toMatch(/cog.toml is not valid TOML \(line 1/);
      expect(res.json.error.fix).toMatch(/fix the syntax of cog.toml/);
      expect(res.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
