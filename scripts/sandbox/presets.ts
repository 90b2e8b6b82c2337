// Named worlds for `mise run sandbox --scenario NAME` and `mise run release:rehearse --scenario NAME`:
// a sandbox knob setting and, where the world is about the repository, an example variant.
import type { ExampleOptions } from "./example.ts";
import type { Scenario } from "./scenario.ts";

export interface Preset {
  summary: string;
  scenario?: Partial<Scenario>;
  example?: ExampleOptions;
}

export const PRESETS: Record<string, Preset> = {
  default: { summary: "a releasable repository, green CI, a tag workflow that publishes everything" },
  "ci-red": { summary: "CI failed for every commit", scenario: { ciDefault: "failure" } },
  "ci-pending": { summary: "CI is still running for every commit", scenario: { ciDefault: "pending" } },
  "no-ci": { summary: "GitHub has no check runs or statuses at all", scenario: { ciDefault: "none" } },
  "nothing-to-release": {
    summary: "only chore and docs commits since the last tag",
    example: { unreleased: "chore-only" },
  },
  "first-release": { summary: "no tag yet: the first release", example: { tags: false } },
  "breaking-change": {
    summary: "a breaking feat since the last tag (0.x: cog makes it a minor)",
    example: { unreleased: "breaking" },
  },
  "stale-artifacts": {
    summary: "the committed admin contract is not what the generator makes",
    example: { staleArtifacts: true },
  },
  "image-job-fails": {
    summary: "the admin-ui image job fails on its first attempt",
    scenario: { failJobs: [{ job: "admin-ui", attempts: 1 }] },
  },
  "missing-platform": {
    summary: "the admin-ui image is published without linux/arm64",
    scenario: { missingPlatforms: [{ image: "ghcr.io/acme/admin-ui", platform: "linux/arm64" }] },
  },
  "rate-limited": {
    summary: "the API answers the first reads with 429 and Retry-After (secondary limit)",
    scenario: {
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
    },
  },
  flaky: {
    summary: "the API answers 502 to the first few requests",
    scenario: { faults: [{ kind: "status", status: 502, times: 3 }] },
  },
  slow: { summary: "100 ms of latency on every API request", scenario: { latencyMs: 100 } },
  immutable: { summary: "releases are immutable: a published tag is final", scenario: { immutableReleases: true } },
  "protected-branch": {
    summary: "main is protected (a pull request with 1 review, admins included): direct pushes are refused with GH006",
    scenario: { branchProtection: { main: { requiredReviews: 1, enforceAdmins: true } } },
  },
  "tag-ruleset": {
    summary: "a tag ruleset restricts creating v* tags, with no bypass for you: the tag push is refused with GH013",
    scenario: {
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
  },
  "fine-grained-token": {
    summary: "a fine-grained token: no scopes header, GET /repos shows your role, writes it lacks are refused",
    scenario: { tokenKind: "fine-grained" },
  },
  "actions-token": {
    summary: "tag pushes start no workflow, as pushes made with the Actions GITHUB_TOKEN",
    scenario: { pushesStartNoRuns: true },
  },
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
