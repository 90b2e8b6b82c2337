// Hostile strings in commit messages, branch names, tag messages and remote URLs: no command
// injection (the canary file never appears), output escaped, and the release still correct where
// the input is legal.
import { appendFileSync, existsSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findSection } from "../scripts/lib/changelog.ts";
import { tempDir } from "./helpers/kit.ts";
import { gitAsync, kitIn, type Sandbox, sandbox } from "./helpers/sandbox.ts";

const canaries = tempDir("rk-canary-");
const CANARY = join(canaries.path, "pwned");
afterAll(() => canaries.remove());

// Each would create the canary if any part of the kit put it into a shell string.
const INJECTIONS = [
  `$(touch ${CANARY})`,
  `\`touch ${CANARY}\``,
  `; touch ${CANARY};`,
  `' ; touch ${CANARY} ; '`,
  `" ; touch ${CANARY} ; "`,
  `| touch ${CANARY}`,
];

describe("hostile commit messages", () => {
  let sb: Sandbox;
  let subject: string;
  beforeAll(async () => {
    sb = await sandbox({ history: true });
    const repo = sb.repoPath!;
    subject = `feat(gateway): accept ${INJECTIONS.join(" ")} -n --force ünïcödé ✓ \u001b[2J`;
    appendFileSync(join(repo, "NOTES.md"), "x\n");
    await gitAsync(repo, "add", "NOTES.md");
    // A second line, quotes and a leading dash in the body as well.
    await gitAsync(repo, "commit", "-q", "-m", subject, "-m", `--amend\n"quoted" 'single' $(touch ${CANARY})`);
    await gitAsync(repo, "push", "-q", "origin", "HEAD:refs/heads/main");
  });
  afterAll(() => sb.stop());

  it("runs every command without executing them, and still releases correctly", async () => {
    for (const [command, args] of [
      ["preflight", []],
      ["release", ["--dry-run"]],
      ["release", ["--yes"]],
      ["verify", ["--wait=60"]],
      ["recover", []],
    ] as const) {
      const res = await kitIn(sb, command, [...args, "--json"]);
      expect(res.code, `${command}: ${res.stderr.slice(-1500)}`).toBe(0);
      expect(existsSync(CANARY), `${command} ran an injected command`).toBe(false);
      // A terminal escape in a commit message is shown escaped, never sent to the terminal.
      expect(res.stderr).not.toContain("\u001b[2J");
    }
    const changelog = await gitAsync(sb.remotePath, "show", "v0.3.0:CHANGELOG.md");
    const section = findSection(changelog, "0.3.0")!;
    expect(section).toContain("ünïcödé ✓");
    expect(section).toContain(`$(touch ${CANARY})`);
    expect(sb.api.state.releases.find((r) => r.tagName === "v0.3.0")?.body?.trim()).toBe(section);
  });
});

describe("a hostile branch name and tag message", () => {
  it("releases from a branch whose name holds shell syntax, and reads an annotated tag with a hostile message", async () => {
    const sb = await sandbox({ history: true });
    try {
      const repo = sb.repoPath!;
      const branch = `rel$(touch${"${IFS}"}${CANARY})`;
      await gitAsync(repo, "checkout", "-q", "-b", branch);
      await gitAsync(repo, "push", "-q", "origin", `HEAD:refs/heads/${branch}`);
      writeFileSync(
        join(repo, "cog.toml"),
        (await gitAsync(repo, "show", "HEAD:cog.toml")).replace('branch_whitelist = ["main"]', "branch_whitelist = []"),
      );
      await gitAsync(repo, "commit", "-qam", "chore: release from any branch");
      await gitAsync(repo, "push", "-q", "origin", `HEAD:refs/heads/${branch}`);
      const res = await kitIn(sb, "release", ["--yes", "--json"], { env: { RELEASE_BRANCH: branch } });
      expect(res.code, res.stderr.slice(-2000)).toBe(0);
      expect(existsSync(CANARY)).toBe(false);
      expect(await gitAsync(sb.remotePath, "rev-parse", `refs/heads/${branch}`)).toBe(
        await gitAsync(sb.remotePath, "rev-parse", "refs/tags/v0.3.0"),
      );

      // An annotated tag whose message is hostile: verify peels it and reads the same commit.
      await sb.settle();
      await gitAsync(
        repo,
        "tag",
        "-f",
        "-a",
        "v0.3.0",
        "-m",
        `release $(touch ${CANARY}) \`touch ${CANARY}\``,
        "v0.3.0",
      );
      const verified = await kitIn(sb, "verify", ["--tag", "v0.3.0", "--json"], { env: { RELEASE_BRANCH: branch } });
      expect(existsSync(CANARY)).toBe(false);
      expect(verified.json.commit).toBe(await gitAsync(repo, "rev-parse", "v0.3.0^{commit}"));
    } finally {
      await sb.stop();
    }
  });
});

describe("a hostile remote URL", () => {
  it("refuses an origin whose name is not a GitHub name, without running it", async () => {
    const sb = await sandbox();
    try {
      const repo = sb.repoPath!;
      await gitAsync(repo, "remote", "set-url", "origin", `https://github.com/acme/gate$(touch ${CANARY}).git`);
      for (const command of ["preflight", "release", "verify", "recover"]) {
        const res = await kitIn(sb, command, ["--json"], { env: { GITHUB_REPOSITORY: undefined } });
        expect(res.code, command).toBe(2);
        expect(res.json.error.message).toMatch(/is not a GitHub repository URL/);
      }
      expect(existsSync(CANARY)).toBe(false);
    } finally {
      await sb.stop();
    }
  });
});

describe("the user's shell start-up files", () => {
  it("never run: not over ssh, not as a top-level shell, not with the kit's stdin a socket", async () => {
    // bash -c reads ~/.bashrc when it thinks rshd or sshd started it (stdin a socket, or SSH_CLIENT
    // set) and SHLVL says it is top-level, which is what a `bash -c '...; mise run ...'` leaves.
    const home = tempDir("rk-home-");
    const sb = await sandbox();
    try {
      const rc = `echo 'rc output on stdout'; echo 'rc output on stderr' >&2; touch '${CANARY}'\n`;
      for (const file of [".bashrc", ".bash_profile", ".profile", ".bash_login"])
        writeFileSync(join(home.path, file), rc);
      writeFileSync(join(home.path, ".gitconfig"), "[user]\n\tname = Rc Tester\n\temail = rc@example.com\n");
      const env = {
        HOME: home.path,
        SHLVL: "0",
        SSH_CLIENT: "192.0.2.1 50000 22",
        // rustup's cargo finds its toolchains through HOME unless told where they are.
        RUSTUP_HOME: process.env.RUSTUP_HOME ?? join(homedir(), ".rustup"),
        CARGO_HOME: process.env.CARGO_HOME ?? join(homedir(), ".cargo"),
      };
      for (const [command, args] of [
        ["preflight", []],
        ["release", ["--yes"]],
        ["recover", []],
      ] as const) {
        const res = await kitIn(sb, command, [...args, "--json"], { env });
        expect(res.code, `${command}: ${res.stderr.slice(-1500)}`).toBe(0);
        expect(res.json, `${command} printed JSON only`).toBeDefined();
        expect(existsSync(CANARY), `${command} ran ~/.bashrc`).toBe(false);
        expect(res.stderr).not.toContain("rc output");
      }
      expect(await gitAsync(sb.remotePath, "rev-parse", "refs/tags/v0.3.0")).toMatch(/^[0-9a-f]{40}$/);
      // Values bash does not take as a level (it counts from 0 then), and one it resets to 1.
      for (const SHLVL of ["1.5", "0x10", "abc", "", "999"]) {
        const res = await kitIn(sb, "recover", ["--json"], { env: { ...env, SHLVL } });
        expect(res.code, `SHLVL=${SHLVL}: ${res.stderr.slice(-800)}`).toBe(0);
        expect(existsSync(CANARY), `SHLVL=${SHLVL}: ~/.bashrc ran`).toBe(false);
        expect(res.stderr).not.toMatch(/rc output|shell level/);
      }
    } finally {
      await sb.stop();
      home.remove();
    }
  });
});
