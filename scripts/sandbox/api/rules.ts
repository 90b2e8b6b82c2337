// Server-side push rules as GitHub enforces them: classic branch protection (GH006) and repository
// rulesets (GH013), plus the tag names immutable releases have burned. One judgement serves the bare
// remote's pre-receive hook, the API's own ref writes and the rules endpoints, so what a push meets
// and what the API shows cannot drift apart.
//   https://docs.github.com/repositories/configuring-branches-and-merges-in-your-repository/managing-protected-branches/about-protected-branches
//   https://docs.github.com/repositories/configuring-branches-and-merges-in-your-repository/managing-rulesets/available-rules-for-rulesets
import picomatch from "picomatch";
import type { ProtectionSpec, RulesetSpec, Scenario } from "../scenario.ts";

export interface RefChange {
  ref: string;
  /** null: the ref is created. */
  oldSha: string | null;
  /** null: the ref is deleted. */
  newSha: string | null;
  /** The update is not a fast-forward (only meaningful for updates). */
  forced?: boolean;
}

export interface Refusal {
  ref: string;
  /** "GH006" (protected branch) or "GH013" (rulesets). */
  code: "GH006" | "GH013";
  /** GitHub's lines after the first, e.g. "Changes must be made through a pull request." */
  reasons: string[];
}

// The bullet GitHub prints for each violated rule type.
const RULE_MESSAGES: Record<string, string> = {
  creation: "Cannot create ref due to creations being restricted.",
  update: "Cannot update this protected ref.",
  deletion: "Cannot delete this protected ref.",
  pull_request: "Changes must be made through a pull request.",
  non_fast_forward: "Cannot force-push to this branch",
  required_signatures: "Commits must have verified signatures.",
};

export function rulesetMatches(rs: RulesetSpec, ref: string, defaultBranch: string): boolean {
  const prefix = rs.target === "tag" ? "refs/tags/" : "refs/heads/";
  if (!ref.startsWith(prefix)) return false;
  const match = (pattern: string): boolean => {
    if (pattern === "~ALL") return true;
    if (pattern === "~DEFAULT_BRANCH") return ref === `refs/heads/${defaultBranch}`;
    // GitHub matches ruleset patterns with fnmatch: `*` stays within one path segment, `**` does not.
    return picomatch.isMatch(ref, pattern.startsWith("refs/") ? pattern : `${prefix}${pattern}`, { dot: true });
  };
  return rs.include.some(match) && !(rs.exclude ?? []).some(match);
}

/** The rules of active rulesets that apply to a ref, each with its ruleset. */
export function rulesFor(
  scenario: Scenario,
  ref: string,
  defaultBranch: string,
): { type: string; ruleset: RulesetSpec }[] {
  return scenario.rulesets
    .filter((rs) => (rs.enforcement ?? "active") === "active" && rulesetMatches(rs, ref, defaultBranch))
    .flatMap((ruleset) => ruleset.rules.map((type) => ({ type, ruleset })));
}

function violated(type: string, change: RefChange): boolean {
  switch (type) {
    case "creation":
      return change.oldSha === null && change.newSha !== null;
    case "deletion":
      return change.newSha === null;
    case "update":
      return change.oldSha !== null && change.newSha !== null;
    case "non_fast_forward":
      return change.oldSha !== null && change.newSha !== null && change.forced === true;
    // A pull request is the only way in; signatures: the sandbox signs nothing, so any new commit fails.
    case "pull_request":
    case "required_signatures":
      return change.newSha !== null;
    default:
      return false;
  }
}

function protectionReasons(p: ProtectionSpec): string[] {
  if (p.requiredReviews !== undefined) return ["Changes must be made through a pull request."];
  return (p.requiredChecks ?? []).map((c) => `Required status check "${c}" is expected.`);
}

/**
 * What GitHub says to one ref change, or null when it lets it through. `burned` are tag names an
 * immutable release used: they can never be created again (GitHub reports it as a creation rule).
 */
export function judge(
  scenario: Scenario,
  change: RefChange,
  defaultBranch: string,
  burned: Set<string>,
): Refusal | null {
  const { ref } = change;
  const isAdmin = scenario.role === "admin";
  if (ref.startsWith("refs/heads/")) {
    const protection = scenario.branchProtection[ref.slice("refs/heads/".length)];
    if (protection && change.newSha !== null && (protection.enforceAdmins || !isAdmin)) {
      const reasons = protectionReasons(protection);
      if (reasons.length) return { ref, code: "GH006", reasons };
    }
  }
  if (
    ref.startsWith("refs/tags/") &&
    change.oldSha === null &&
    change.newSha !== null &&
    burned.has(ref.slice("refs/tags/".length))
  ) {
    return { ref, code: "GH013", reasons: [RULE_MESSAGES.creation!] };
  }
  const reasons = rulesFor(scenario, ref, defaultBranch)
    .filter(({ ruleset }) => (ruleset.bypass ?? "never") !== "always")
    .filter(({ type }) => violated(type, change))
    .map(({ type }) => RULE_MESSAGES[type] ?? `Rule ${type} was violated.`);
  return reasons.length ? { ref, code: "GH013", reasons: [...new Set(reasons)] } : null;
}

/** The lines GitHub's pre-receive prints (git shows each after "remote: "). */
export function refusalText(r: Refusal, repoHtml: string): string {
  if (r.code === "GH006") {
    return [
      `error: GH006: Protected branch update failed for ${r.ref}.`,
      ...r.reasons.map((x) => `error: ${x}`),
      "",
    ].join("\n");
  }
  return [
    `error: GH013: Repository rule violations found for ${r.ref}.`,
    `Review all repository rules at ${repoHtml}/rules?ref=${encodeURIComponent(r.ref)}`,
    "",
    ...r.reasons.map((x) => `- ${x}`),
    "",
    "",
  ].join("\n");
}

/** The `parameters` GitHub sends for a rule type, where its schema requires them. */
export function ruleParameters(type: string): Record<string, unknown> | undefined {
  if (type === "pull_request") {
    return {
      allowed_merge_methods: ["merge", "squash", "rebase"],
      dismiss_stale_reviews_on_push: false,
      require_code_owner_review: false,
      require_last_push_approval: false,
      required_approving_review_count: 1,
      required_review_thread_resolution: false,
    };
  }
  if (type === "update") return { update_allows_fetch_and_merge: false };
  return undefined;
}
