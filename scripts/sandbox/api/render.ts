// Turns the sandbox's records and git data into GitHub's JSON. Each builder returns the type
// @octokit/openapi-types declares for that schema, so the compiler holds every required field.
// One module per kind of resource, under render/.
export * from "./render/actions.ts";
export * from "./render/base.ts";
export * from "./render/git.ts";
export * from "./render/repository.ts";
