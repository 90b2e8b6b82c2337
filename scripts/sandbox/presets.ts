// Named worlds for `mise run sandbox --scenario NAME` and `mise run release:rehearse --scenario NAME`:
// a sandbox knob setting and, where the world is about the repository, an example variant.
import type { ExampleOptions } from "./example.ts";
import type { Scenario } from "./scenario.ts";

export interface Preset {
  summary: string;
  scenario?: Partial<Scenario>;
  example?: ExampleOptions;
}

/** A world that differs from the default in how GitHub answers. */
const github = (summary: string, scenario: Partial<Scenario>): Preset => ({ summary, scenario });
/** A world that differs from the default in the example repository. */
const repository = (summary: string, example: ExampleOptions): Preset => ({ summary, example });

export const PRESETS: Record<string, Preset> = {
  default: { summary: "a releasable repository, green CI, a tag workflow that publishes everything" },
  "ci-red": github("CI failed for every commit", { ciDefault: "failure" }),
  "ci-pending": github("CI is still running for every commit", { ciDefault: "pending" }),
  "no-ci": github("GitHub has no check runs or statuses at all", { ciDefault: "none" }),
  "nothing-to-release": repository("only chore and docs commits since the last tag", { unreleased: "chore-only" }),
  "first-release": repository("no tag yet: the first release", { tags: false }),
  "breaking-change": repository("a breaking feat since the last tag (0.x: cog makes it a minor)", {
    unreleased: "breaking",
  }),
  "stale-artifacts": repository("the committed admin contract is not what the generator makes", {
    staleArtifacts: true,
  }),
  "image-job-fails": github("the admin-ui image job fails on its first attempt", {
    failJobs: [{ job: "admin-ui", attempts: 1 }],
  }),
  "missing-platform": github("the admin-ui image is published without linux/arm64", {
    missingPlatforms: [{ image: "ghcr.io/acme/admin-ui", platform: "linux/arm64" }],
  }),
  "rate-limited": github("the API answers the first reads with 429 and Retry-After (secondary limit)", {
    faults: [
      {
        method: "GET",
        kind: "status",
        status: 429,
        headers: { "retry-after": "1" },
        body: {
          message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
        },
        times: 2,
      },
    ],
  }),
  flaky: github("the API answers 502 to the first few requests", {
    faults: [{ kind: "status", status: 502, times: 3 }],
  }),
  slow: github("100 ms of latency on every API request", { latencyMs: 100 }),
  immutable: github("releases are immutable: a published tag is final", { immutableReleases: true }),
  "protected-branch": github(
    "main is protected (a pull request with 1 review, admins included): direct pushes are refused with GH006",
    { branchProtection: { main: { requiredReviews: 1, enforceAdmins: true } } },
  ),
  "tag-ruleset": github(
    "a tag ruleset restricts creating v* tags, with no bypass for you: the tag push is refused with GH013",
    {
      rulesets: [
        {
          id: 4_200_001,
          name: "release tags",
          target: "tag",
          include: ["refs/tags/v*"],
          rules: ["creation", "update", "deletion"],
        },
      ],
    },
  ),
  "fine-grained-token": github(
    "a fine-grained token: no scopes header, GET /repos shows your role, writes it lacks are refused",
    { tokenKind: "fine-grained" },
  ),
  "actions-token": github("tag pushes start no workflow, as pushes made with the Actions GITHUB_TOKEN", {
    pushesStartNoRuns: true,
  }),
};

/**
 * The worlds the rehearsal runs the whole runbook in. The others (a job that keeps failing, a
 * platform never built, tags that start no workflow) are for exploring with `mise run sandbox`.
 */
export const REHEARSABLE = [
  "default",
  "ci-red",
  "ci-pending",
  "no-ci",
  "nothing-to-release",
  "stale-artifacts",
  "first-release",
  "breaking-change",
  "rate-limited",
  "flaky",
  "slow",
  "immutable",
];

export function presetHelp(names: string[] = Object.keys(PRESETS)): string {
  const width = Math.max(...names.map((n) => n.length));
  return ["Scenarios:", ...names.map((name) => `  ${name.padEnd(width)}  ${PRESETS[name]!.summary}`)].join("\n");
}
