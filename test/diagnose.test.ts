// decide(): the state table of DESIGN.md ("State comes from the world") over hand-made facts. Each
// state holds on its own, and where several rows hold at once the one higher in the table wins.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { decide, type Facts, STATES } from "../scripts/lib/diagnose.ts";
import { statusPath } from "../scripts/lib/hook-output.ts";
import { failedHook } from "../scripts/lib/recover/plan.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const OURS = "a".repeat(40);
const GITHUBS = "b".repeat(40);

const image = (
  ref: string,
  over: Partial<NonNullable<Facts["images"][number]["facts"]>> = {},
): Facts["images"][number] => ({
  ref,
  facts: {
    digest: "sha256:1",
    platforms: ["linux/amd64"],
    missingTags: [],
    digests: { "0.3.0": "sha256:1", "v0.3.0": "sha256:1" },
    missingPlatforms: [],
    extraPlatforms: [],
    ...over,
  },
});

/** A complete release of v0.3.0: pushed, released, built, published. Tests take pieces away. */
function facts(over: Partial<Facts> = {}): Facts {
  return {
    tag: "v0.3.0",
    version: "0.3.0",
    localCommit: OURS,
    remoteCommit: OURS,
    commitOnOrigin: true,
    release: {
      id: 7,
      draft: false,
      immutable: false,
      prerelease: false,
      body: "## [0.3.0]",
      url: "https://github.com/acme/gateway/releases/tag/v0.3.0",
    },
    run: {
      id: 42,
      status: "completed",
      conclusion: "success",
      attempt: 1,
      createdAt: new Date().toISOString(),
      url: "https://github.com/acme/gateway/actions/runs/42",
    },
    failedJobs: [],
    images: [
      image("ghcr.io/acme/gateway"),
      image("ghcr.io/acme/admin-ui", { platforms: ["linux/amd64", "linux/arm64"] }),
    ],
    artifacts: [{ ref: "ghcr.io/acme/charts/gateway", tag: "0.3.0", digest: "sha256:2" }],
    dirty: [],
    stashes: [],
    stash: null,
    hooks: [
      "git-cliff --tag {{version_tag}} -o CHANGELOG.md",
      "cargo release version {{version}} --execute --no-confirm",
    ],
    commitProblems: [],
    commitUnexpected: [],
    headIsTag: true,
    untaggedCommit: null,
    remoteIsRelease: false,
    hookOutput: [],
    otherEdits: [],
    workflowInvalid: null,
    journal: null,
    workflowExpected: true,
    workflowPaths: [".github/workflows/release.yml"],
    ...over,
  };
}

const running = {
  id: 42,
  status: "in_progress",
  conclusion: null,
  attempt: 1,
  createdAt: new Date().toISOString(),
  url: "u",
};
const failed = { ...running, status: "completed", conclusion: "failure" };
const stash = {
  stashes: ["stash@{0}\tOn main: cog_bump_v0.0.0"],
  stash: { ref: "stash@{0}", files: ["Cargo.lock"], base: OURS, hooksAtBase: [] },
};
const localOnly = { remoteCommit: null, release: null, run: null, images: [], artifacts: [], commitOnOrigin: false };
const state = (over: Partial<Facts>) => decide(facts(over)).state;

describe("decide(): each state of the table", () => {
  test("the states are the table's, in its order: the design's and the README's", () => {
    const states: readonly string[] = STATES;
    expect(states).toContain("complete");
    for (const file of ["docs/design.md", "README.md"]) {
      const rows = [...readFileSync(join(ROOT, file), "utf8").matchAll(/^\| `([a-z-]+)` \|/gm)].map((m) => m[1]!);
      expect(
        rows.filter((name) => states.includes(name)),
        file,
      ).toEqual(states);
    }
  });

  test("complete: published, the run succeeded, every image and artifact is there", () => {
    const d = decide(facts());
    expect(d.state).toBe("complete");
    expect(d.reason).toContain("run 42 succeeded");
    // A workflow that does not trigger on the tag expects no run and no images.
    expect(state({ workflowExpected: false, run: null, images: [], artifacts: [] })).toBe("complete");
  });

  test("images-missing: a tag, a platform, a digest, an artifact, or a registry that cannot be read", () => {
    expect(state({ images: [image("ghcr.io/acme/gateway", { missingTags: ["0.3.0"], digest: null })] })).toBe(
      "images-missing",
    );
    expect(state({ images: [image("ghcr.io/acme/admin-ui", { missingPlatforms: ["linux/arm64"] })] })).toBe(
      "images-missing",
    );
    expect(
      state({
        images: [
          image("ghcr.io/acme/gateway", { digest: null, digests: { "0.3.0": "sha256:1", "v0.3.0": "sha256:9" } }),
        ],
      }),
    ).toBe("images-missing");
    expect(
      state({
        images: [image("ghcr.io/acme/gateway", { digest: null, digests: {}, missingTags: ["0.3.0", "v0.3.0"] })],
      }),
    ).toBe("images-missing");
    expect(state({ images: [{ ref: "ghcr.io/acme/gateway", facts: null, error: "401" }] })).toBe("images-missing");
    const chart = decide(facts({ artifacts: [{ ref: "ghcr.io/acme/charts/gateway", tag: "0.3.0", digest: null }] }));
    expect(chart.state).toBe("images-missing");
    expect(chart.reason).toContain("ghcr.io/acme/charts/gateway:0.3.0 is not published");
  });

  test("workflow-failed: the run ended otherwise than success", () => {
    const d = decide(
      facts({ run: failed, failedJobs: [{ name: "admin-ui", conclusion: "failure", url: "" }], images: [] }),
    );
    expect(d.state).toBe("workflow-failed");
    expect(d.reason).toContain("admin-ui failed");
    expect(state({ run: { ...failed, conclusion: "cancelled" }, images: [] })).toBe("workflow-failed");
  });

  test("workflow-failed: a tag workflow GitHub cannot run (invalid at the tag) published nothing", () => {
    const d = decide(
      facts({
        run: null,
        images: [],
        artifacts: [],
        workflowExpected: false,
        workflowInvalid: "release.yml is not a valid workflow: line 12: Job 'publish' depends on unknown job 'biuld'",
      }),
    );
    expect(d.state).toBe("workflow-failed");
    expect(d.reason).toMatch(/invalid, so GitHub cannot run it \(startup_failure\)/);
  });

  test("workflow-running: the run is queued or in progress, or has not started yet", () => {
    expect(state({ run: running, images: [] })).toBe("workflow-running");
    expect(state({ run: { ...running, status: "queued" }, images: [] })).toBe("workflow-running");
    expect(state({ run: null, images: [] })).toBe("workflow-running");
  });

  test("pushed-no-release: the tag is on GitHub at our commit, with no release or only a draft", () => {
    expect(state({ release: null })).toBe("pushed-no-release");
    expect(state({ release: { ...facts().release!, draft: true } })).toBe("pushed-no-release");
    // A tag on GitHub with no local tag (another clone made it) is still ours to release.
    expect(state({ localCommit: null, release: null, headIsTag: false })).toBe("pushed-no-release");
  });

  test("authored-not-pushed: the release commit and tag exist only locally (or nothing exists yet)", () => {
    expect(state(localOnly)).toBe("authored-not-pushed");
    expect(state({ ...localOnly, localCommit: null, headIsTag: false })).toBe("authored-not-pushed");
  });

  test("release-without-tag: a release with no tag on GitHub, or with a tag GitHub made elsewhere that nothing used", () => {
    expect(state({ ...localOnly, release: facts().release })).toBe("release-without-tag");
    expect(state({ ...localOnly, release: { ...facts().release!, draft: true } })).toBe("release-without-tag");
    expect(state({ remoteCommit: GITHUBS, run: null, images: [], artifacts: [] })).toBe("release-without-tag");
  });

  test("tag-mismatch: the tag on GitHub is elsewhere and a run or an image used it", () => {
    expect(state({ remoteCommit: GITHUBS, run: running, images: [] })).toBe("tag-mismatch");
    expect(state({ remoteCommit: GITHUBS })).toBe("tag-mismatch");
    // Elsewhere, unused, and no release stands in the way: still never moved.
    expect(state({ remoteCommit: GITHUBS, release: null, run: null, images: [], artifacts: [] })).toBe("tag-mismatch");
  });

  test("local-changes-failed: the release commit lacks what the hooks write, or their proven output is left in the tree", () => {
    expect(
      state({ ...localOnly, commitProblems: ["CHANGELOG.md in the release commit has no section for 0.3.0"] }),
    ).toBe("local-changes-failed");
    // Only what running the hooks again proves to be their output counts; other edits are not the release's.
    expect(state({ ...localOnly, hookOutput: ["CHANGELOG.md"], dirty: ["M CHANGELOG.md"] })).toBe(
      "local-changes-failed",
    );
    expect(
      state({ ...localOnly, otherEdits: ["crates/gateway/Cargo.toml"], dirty: ["M crates/gateway/Cargo.toml"] }),
    ).toBe("authored-not-pushed");
    expect(state({ ...localOnly, hookOutput: ["CHANGELOG.md"], headIsTag: false })).toBe("authored-not-pushed");
    // Stopped inside cog bump: hook output and a journal, no tag.
    const journal = { tag: "v0.3.0", version: "0.3.0", base: OURS, started: "2026-01-01T00:00:00Z" };
    expect(state({ ...localOnly, localCommit: null, headIsTag: false, hookOutput: ["Cargo.lock"], journal })).toBe(
      "local-changes-failed",
    );
    expect(
      state({ ...localOnly, localCommit: null, headIsTag: false, hookOutput: ["Cargo.lock"], journal: null }),
    ).toBe("authored-not-pushed");
  });

  test("a finished release stays complete whatever the tree holds later", () => {
    expect(
      state({
        dirty: ["M CHANGELOG.md", "M crates/gateway/Cargo.toml"],
        otherEdits: ["CHANGELOG.md", "crates/gateway/Cargo.toml"],
      }),
    ).toBe("complete");
  });

  test("commit-not-tagged: cog's release commit is HEAD, without its tag (stopped between commit and tag)", () => {
    const journal = { tag: "v0.3.0", version: "0.3.0", base: GITHUBS, started: "2026-01-01T00:00:00Z" };
    const d = decide(facts({ ...localOnly, localCommit: null, untaggedCommit: OURS, journal }));
    expect(d.state).toBe("commit-not-tagged");
    expect(d.reason).toMatch(/has no tag/);
  });

  test("released-elsewhere: origin's tag is another release commit of this version, on origin's branch", () => {
    expect(
      state({
        remoteCommit: GITHUBS,
        remoteIsRelease: true,
        run: null,
        images: [],
        artifacts: [],
        commitOnOrigin: false,
      }),
    ).toBe("released-elsewhere");
    // Even when a run used it, and even when the local one is an untagged commit: theirs is the release.
    expect(state({ remoteCommit: GITHUBS, remoteIsRelease: true, run: running, commitOnOrigin: false })).toBe(
      "released-elsewhere",
    );
    expect(
      state({
        remoteCommit: GITHUBS,
        remoteIsRelease: true,
        localCommit: null,
        untaggedCommit: OURS,
        commitOnOrigin: false,
      }),
    ).toBe("released-elsewhere");
    // A tag GitHub made at some other commit is not a release: the older rows decide.
    expect(state({ remoteCommit: GITHUBS, remoteIsRelease: false, run: null, images: [], artifacts: [] })).toBe(
      "release-without-tag",
    );
  });

  test("bump-stashed: cog's stash and no release commit", () => {
    const d = decide(facts({ ...localOnly, localCommit: null, headIsTag: false, ...stash }));
    expect(d.state).toBe("bump-stashed");
    expect(d.reason).toContain("cog_bump_v0.0.0");
  });
});

describe("decide(): where several rows hold, the first in the table wins", () => {
  test("bump-stashed before local-changes-failed (the stash and hook output in the tree)", () => {
    const journal = { tag: "v0.3.0", version: "0.3.0", base: OURS, started: "2026-01-01T00:00:00Z" };
    expect(
      state({ ...localOnly, localCommit: null, headIsTag: false, hookOutput: ["Cargo.lock"], journal, ...stash }),
    ).toBe("bump-stashed");
  });

  test("a stash next to a release commit is not bump-stashed: the commit was made", () => {
    expect(state({ ...localOnly, ...stash })).toBe("authored-not-pushed");
    expect(state({ ...stash })).toBe("complete");
  });

  test("local-changes-failed before tag-mismatch and everything after it", () => {
    expect(state({ remoteCommit: GITHUBS, run: running, commitProblems: ["no CHANGELOG.md"] })).toBe(
      "local-changes-failed",
    );
    expect(state({ commitProblems: ["Cargo.lock still locks gateway at 0.2.0"] })).toBe("local-changes-failed");
  });

  test("tag-mismatch before release-without-tag: a release exists, but a run used GitHub's tag", () => {
    expect(state({ remoteCommit: GITHUBS, run: { ...running, status: "completed", conclusion: "success" } })).toBe(
      "tag-mismatch",
    );
  });

  test("release-without-tag before authored-not-pushed: the local-only release is blocked by a GitHub release", () => {
    expect(state({ ...localOnly, release: facts().release })).toBe("release-without-tag");
  });

  test("pushed-no-release before workflow-running and workflow-failed", () => {
    expect(state({ release: null, run: running, images: [] })).toBe("pushed-no-release");
    expect(state({ release: null, run: failed, images: [] })).toBe("pushed-no-release");
  });

  test("workflow-failed before images-missing (a failed run published only part)", () => {
    expect(
      state({ run: failed, images: [image("ghcr.io/acme/admin-ui", { missingTags: ["v0.3.0"], digest: null })] }),
    ).toBe("workflow-failed");
  });
});

describe("reading the world's details", () => {
  test("statusPath: porcelain lines, trimmed or not, renames by their new name", () => {
    expect(statusPath(" M CHANGELOG.md")).toBe("CHANGELOG.md");
    expect(statusPath("M CHANGELOG.md")).toBe("CHANGELOG.md");
    expect(statusPath("MM Cargo.lock")).toBe("Cargo.lock");
    expect(statusPath("?? crates/gateway/Cargo.toml")).toBe("crates/gateway/Cargo.toml");
    expect(statusPath("R  old.md -> docs/new.md")).toBe("docs/new.md");
  });

  test("failedHook: the first hook whose output is not in cog's stash", () => {
    const cliff = "git-cliff --tag {{version_tag}} -o CHANGELOG.md";
    const cargo = "cargo release version {{version}} --execute --no-confirm";
    expect(failedHook([cargo, cliff], ["Cargo.lock", "crates/gateway/Cargo.toml"])).toBe(cliff);
    expect(failedHook([cliff, cargo], ["CHANGELOG.md"])).toBe(cargo);
    expect(failedHook([cliff, cargo], [])).toBe(cliff);
    // A hook whose output cannot be told: no guess.
    expect(failedHook(["./scripts/stamp.sh", cliff], [])).toBeNull();
  });
});
