// The fault matrix: a fault at every step boundary of the release (the process killed after each
// step) and at every API write (5xx, timeout, connection reset, 422, 403, 429), generated from the
// lists of steps and writes so a new one is covered automatically. For each, the documented fix
// must reach `complete` or a clean un-released state, and the safety rules must hold throughout.

import { parse as parseToml } from "smol-toml";
import { afterAll, describe, expect, it } from "vitest";
import { findSection } from "../scripts/lib/changelog.ts";
import { RELEASE_STEPS } from "../scripts/lib/release/run.ts";
import type { Fault } from "../scripts/sandbox/scenario.ts";
import { cloneAs, gitAsync, kitIn, type Sandbox, sandbox } from "./helpers/sandbox.ts";

type Kind = "5xx" | "timeout" | "reset" | "422" | "403" | "429";
const KINDS: Kind[] = ["5xx", "timeout", "reset", "422", "403", "429"];

function fault(kind: Kind, method: string, route: string): Fault {
  const base = { method, route, times: Infinity };
  switch (kind) {
    case "5xx":
      return { ...base, kind: "status", status: 502 };
    case "timeout":
      return { ...base, kind: "hang" };
    case "reset":
      return { ...base, kind: "reset" };
    case "422":
      return {
        ...base,
        kind: "status",
        status: 422,
        body: {
          message: "Validation Failed",
          errors: [{ resource: "Release", code: "custom", field: "tag_name", message: "tag_name is not valid" }],
          documentation_url: "https://docs.github.com/rest",
          status: "422",
        },
      };
    case "403":
      return {
        ...base,
        kind: "status",
        status: 403,
        body: {
          message: "Resource not accessible by personal access token",
          documentation_url: "https://docs.github.com/rest",
          status: "403",
        },
      };
    case "429":
      return {
        ...base,
        kind: "status",
        status: 429,
        headers: { "retry-after": "1" },
        body: {
          message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
          documentation_url: "https://docs.github.com/rest",
          status: "429",
        },
      };
  }
}

interface Scenario {
  name: string;
  /** Breaks the world and runs the command that meets the fault. */
  inject(sb: Sandbox): Promise<void>;
  /** The documented fix, run once the fault is gone. */
  fix: "release" | "recover";
  /** The state recover must name right after the fault, where it is not obvious. */
  diagnosed?: string;
  /** Uncommitted edits that are not the release's: they must survive the fix, byte for byte. */
  edits?: Record<string, string>;
  /** What else must hold once the fix ran: `base` is origin's main before the fault. */
  after?(sb: Sandbox, fixed: { stderr: string }, base: string): Promise<void>;
}

/** Appends `text` to files of the example repository, as someone working in the tree would. */
async function edit(sb: Sandbox, edits: Record<string, string>): Promise<void> {
  const { appendFileSync } = await import("node:fs");
  for (const [file, text] of Object.entries(edits)) appendFileSync(`${sb.repoPath}/${file}`, text);
}

const EDITS = {
  "crates/gateway/Cargo.toml": '\n[dependencies.serde]\nversion = "1"\n',
  "CHANGELOG.md": "\nA note for the next release.\n",
};

// The API writes of a release and of its recovery: each meets every kind of fault.
const WRITES = [
  {
    name: "create the GitHub release",
    method: "POST",
    route: "/repos/{owner}/{repo}/releases",
    before: async () => {},
    command: ["release", "--yes"],
  },
  {
    name: "re-run the failed jobs",
    method: "POST",
    route: "/repos/{owner}/{repo}/actions/runs/{run_id}/rerun-failed-jobs",
    before: brokenRelease,
    command: ["recover", "--apply", "--yes"],
  },
] as const;

async function brokenRelease(sb: Sandbox): Promise<void> {
  sb.scenario.failJobs = [{ job: "admin-ui", attempts: 1 }];
  const res = await kitIn(sb, "release", ["--yes"]);
  if (res.code !== 0) throw new Error(res.stderr);
  await sb.settle();
}

const SCENARIOS: Scenario[] = [
  // A re-run after a kill ends as an uninterrupted run would: one release commit on the base, its tag, one release.
  ...RELEASE_STEPS.map((step) => ({
    name: `killed after ${step}`,
    fix: "release" as const,
    inject: async (sb: Sandbox) =>
      void (await kitIn(sb, "release", ["--yes"], { env: { RELEASE_KIT_KILL_AFTER: step } })),
    after: async (sb: Sandbox, fixed: { stderr: string }, base: string) => {
      if (step !== "preflight" && step !== "version")
        expect(fixed.stderr).toMatch(/stopped without finishing; taking over its lock/);
      const head = await gitAsync(sb.remotePath, "rev-parse", "refs/heads/main");
      expect(await gitAsync(sb.remotePath, "rev-parse", `${head}^`)).toBe(base);
      expect(await gitAsync(sb.remotePath, "rev-parse", "refs/tags/v0.3.0")).toBe(head);
      expect(sb.api.state.releases.filter((r) => r.tagName === "v0.3.0" && !r.draft)).toHaveLength(1);
    },
  })),
  ...WRITES.flatMap((write) =>
    KINDS.map((kind) => ({
      name: `${write.name}: ${kind}`,
      fix: "recover" as const,
      inject: async (sb: Sandbox) => {
        await write.before(sb);
        sb.scenario.faults = [fault(kind, write.method, write.route)];
        // A request that hangs is given up after RELEASE_API_TIMEOUT: short here, so the retries end soon.
        const env = kind === "timeout" ? { RELEASE_API_TIMEOUT: "2" } : {};
        await kitIn(sb, write.command[0], [...write.command.slice(1)], { timeoutMs: 90_000, env });
        sb.scenario.faults = [];
      },
    })),
  ),
  {
    name: "someone else released the same version meanwhile",
    fix: "recover",
    diagnosed: "released-elsewhere",
    inject: async (sb) => {
      await kitIn(sb, "release", []); // the gate refuses without a terminal: authored locally
      const other = await cloneAs(sb.remotePath, `${sb.dir}/other-clone`, { name: "B", email: "b@example.com" });
      const theirs = await kitIn(sb, "release", ["--yes"], { repo: other });
      if (theirs.code !== 0) throw new Error(theirs.stderr);
    },
  },
  {
    name: "uncommitted edits during recover",
    fix: "recover",
    diagnosed: "authored-not-pushed",
    edits: { "crates/gateway/Cargo.toml": EDITS["crates/gateway/Cargo.toml"] },
    inject: async (sb) => {
      await kitIn(sb, "release", []);
      await edit(sb, { "crates/gateway/Cargo.toml": EDITS["crates/gateway/Cargo.toml"] });
    },
  },
  {
    name: "killed between cog's commit and its tag",
    fix: "recover",
    diagnosed: "commit-not-tagged",
    inject: async (sb) => {
      await kitIn(sb, "release", ["--yes"], { env: { RELEASE_KIT_KILL_AFTER: "bump" } });
      await gitAsync(sb.repoPath!, "tag", "-d", "v0.3.0");
    },
  },
  {
    name: "complete, then an ordinary edit in the tree",
    fix: "release",
    diagnosed: "complete",
    edits: EDITS,
    inject: async (sb) => {
      await kitIn(sb, "release", ["--yes"]);
      await sb.settle();
      await edit(sb, EDITS);
    },
  },
  {
    name: "git push rejected by origin",
    fix: "recover",
    inject: async (sb) => {
      const hook = `${sb.remotePath}/hooks/pre-receive`;
      const { writeFileSync, chmodSync, rmSync } = await import("node:fs");
      writeFileSync(hook, "#!/bin/sh\necho 'protected branch: pushes are refused' >&2\nexit 1\n");
      chmodSync(hook, 0o755);
      await kitIn(sb, "release", ["--yes"]);
      rmSync(hook);
    },
  },
];

interface Row {
  scenario: string;
  diagnosed: string;
  end: string;
}
const table: Row[] = [];
afterAll(() => {
  const w = Math.max(...table.map((r) => r.scenario.length), 8);
  console.log(
    [
      "",
      `${"scenario".padEnd(w)}  ${"state diagnosed".padEnd(20)}  end state`,
      ...table.map((r) => `${r.scenario.padEnd(w)}  ${r.diagnosed.padEnd(20)}  ${r.end}`),
    ].join("\n"),
  );
});

/** The published releases and pushed tags at a moment, to prove none is deleted or moved later. */
async function published(sb: Sandbox) {
  const tags = new Map(
    (await gitAsync(sb.remotePath, "for-each-ref", "--format=%(refname:short) %(objectname)", "refs/tags"))
      .split("\n")
      .filter(Boolean)
      .map((l) => l.split(" ") as [string, string]),
  );
  return { releases: sb.api.state.releases.filter((r) => !r.draft).map((r) => r.id), tags };
}

async function assertAgreement(sb: Sandbox, tag: string): Promise<void> {
  const version = tag.slice(1);
  const changelog = await gitAsync(sb.remotePath, "show", `${tag}:CHANGELOG.md`);
  expect(findSection(changelog, version), `${tag}'s CHANGELOG.md`).not.toBeNull();
  const top = /^## \[([^\]]+)\]/m.exec(changelog)?.[1];
  expect(top).toBe(version);
  for (const manifest of ["crates/gateway/Cargo.toml", "crates/admin-ui/Cargo.toml"]) {
    expect(
      (parseToml(await gitAsync(sb.remotePath, "show", `${tag}:${manifest}`)) as any).package.version,
      manifest,
    ).toBe(version);
  }
}

describe.concurrent("fault matrix", () => {
  expect(SCENARIOS.length).toBeGreaterThanOrEqual(20);

  // Concurrent sandboxes on two cores, and timeouts that must expire: generous, not a benchmark.
  it.for(SCENARIOS)("$name", { timeout: 900_000 }, async (scenario, { onTestFinished }) => {
    const sb = await sandbox({ history: true });
    onTestFinished(() => sb.stop());
    const before = await published(sb);
    const base = await gitAsync(sb.remotePath, "rev-parse", "refs/heads/main");
    await scenario.inject(sb);
    await sb.settle();
    // recover's reading of the fault, where the scenario names it (the fix reads it again itself).
    let diagnosed = "-";
    if (scenario.diagnosed) {
      const diagnosis = await kitIn(sb, "recover", ["--json"]);
      diagnosed = diagnosis.json?.state ?? `exit ${diagnosis.code}`;
      expect(diagnosed, diagnosis.stderr.slice(-2000)).toBe(scenario.diagnosed);
    }
    const during = await published(sb);

    const fixed =
      scenario.fix === "release"
        ? await kitIn(sb, "release", ["--yes", "--json"])
        : await kitIn(sb, "recover", ["--apply", "--yes", "--json"], { timeoutMs: 90_000 });
    await sb.settle();
    const end = await kitIn(sb, "recover", ["--json"]);
    table.push({ scenario: scenario.name, diagnosed, end: end.json?.state ?? `exit ${end.code}` });
    expect(fixed.code, fixed.stderr.slice(-2000)).toBe(0);
    expect(end.json?.state).toBe("complete");

    // Never: a published release deleted, a pushed tag moved.
    const after = await published(sb);
    for (const id of [...before.releases, ...during.releases])
      expect(after.releases, `release ${id} was deleted`).toContain(id);
    for (const [tag, sha] of [...before.tags, ...during.tags]) expect(after.tags.get(tag), `${tag} moved`).toBe(sha);
    // The new tag is on the commit holding the bump and the changelog, and they agree.
    const newest = [...after.tags.keys()].filter((t) => !before.tags.has(t));
    expect(newest.length).toBeGreaterThan(0);
    for (const tag of newest) await assertAgreement(sb, tag);
    await scenario.after?.(sb, fixed, base);
    // Edits that are not the release's are neither published nor lost: still in the tree, as made.
    const edited = Object.keys(scenario.edits ?? {});
    const status = (await gitAsync(sb.repoPath!, "status", "--porcelain"))
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean)
      .sort();
    expect(status).toEqual(edited.map((f) => `M ${f}`).sort());
    for (const file of edited) {
      expect(await gitAsync(sb.repoPath!, "diff", "--", file)).toContain(
        scenario.edits![file]!.trim().split("\n").pop(),
      );
      for (const tag of newest)
        expect(await gitAsync(sb.remotePath, "show", `${tag}:${file}`)).not.toContain(
          scenario.edits![file]!.trim().split("\n").pop(),
        );
    }
  });
});
