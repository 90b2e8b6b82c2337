// The facts layer: what the world says (tags, the GitHub release, workflow runs, images, the tree,
// stashes, the journal), read here and only here. Checks (preflight, verify) and diagnose() read
// facts; none of them asks git, GitHub or the registry for the same thing again.
export { type ImageFacts, inspectImage } from "./images.ts";
export { findReleaseInProgress } from "./in-progress.ts";
export { type RegistryAccess, type RegistrySettings, registryAccess } from "./registry-access.ts";
export { findRelease, type ReleaseFacts, tagOnGitHub } from "./release.ts";
export { type Facts, type FactsInput, gatherFacts, type StashFacts } from "./release-state.ts";
export { failedJobs, findRun, type RunFacts, waitForRun } from "./run.ts";
export { noWorkflows, tagWorkflowsAt } from "./workflows.ts";
