// recover's human report: the state, why, the evidence as short labelled lines (the whole of it
// stays in --json), and the one next action with its commands, each on a line of its own.
import type { Diagnosis, Facts } from "../diagnose.ts";
import { bold, dim, green, red, say, write, writeProse } from "../output.ts";
import type { Plan } from "./plan.ts";

const short = (sha: string | null) => (sha ? sha.slice(0, 7) : "none");
const list = (items: string[], max = 6) =>
  items.length > max ? `${items.slice(0, max).join(", ")} and ${items.length - max} more` : items.join(", ");

/** The facts that matter for a maintainer reading the state, as [label, text] pairs; empty facts are left out. */
export function evidenceLines(f: Facts): [string, string][] {
  const lines: [string, string | null][] = [
    [
      "local tag",
      f.localCommit
        ? `${f.tag} → ${short(f.localCommit)}${f.headIsTag ? " (HEAD)" : ""}${f.commitOnOrigin ? ", on origin's branch" : ""}`
        : f.untaggedCommit
          ? `none; HEAD ${short(f.untaggedCommit)} is cog's untagged release commit`
          : "none",
    ],
    [
      "origin's tag",
      f.remoteCommit
        ? `${f.tag} → ${short(f.remoteCommit)}${f.remoteIsRelease && f.remoteCommit !== f.localCommit ? " (a release commit of this version, made elsewhere)" : ""}`
        : "none",
    ],
    [
      "GitHub release",
      f.release
        ? `${f.release.draft ? "draft" : "published"}${f.release.immutable ? ", immutable" : ""}: ${f.release.url}`
        : "none",
    ],
    [
      "tag workflow",
      f.run
        ? `run ${f.run.id}, ${f.run.status}${f.run.conclusion ? ` (${f.run.conclusion})` : ""}, attempt ${f.run.attempt}: ${f.run.url}`
        : f.workflowExpected
          ? "no run yet"
          : "none expected for this tag",
    ],
    ["failed jobs", f.failedJobs.length ? list(f.failedJobs.map((j) => j.name)) : null],
    ...f.images.map((i): [string, string] => [
      `image`,
      `${i.ref}: ${i.error ? `cannot be read (${i.error})` : i.facts?.digest ? `${short(i.facts.digest.replace(/^sha256:/, ""))}, ${i.facts.platforms.join(", ")}` : `missing ${list([...(i.facts?.missingTags ?? []).map((t) => `tag ${t}`), ...(i.facts?.missingPlatforms ?? [])])}`}`,
    ]),
    ...f.artifacts.map((a): [string, string] => [
      "artifact",
      `${a.ref}:${a.tag}: ${a.digest ? short(a.digest.replace(/^sha256:/, "")) : a.error ? `cannot be read (${a.error})` : "not published"}`,
    ]),
    ["release commit", f.commitProblems.length ? `incomplete: ${f.commitProblems.join("; ")}` : null],
    ["also changes", f.commitUnexpected.length ? list(f.commitUnexpected) : null],
    ["hook output", f.hookOutput.length ? `${list(f.hookOutput)} (what the hooks write again)` : null],
    [
      "other edits",
      f.otherEdits.length ? `${list(f.otherEdits)} (not the release's; never committed or discarded by recover)` : null,
    ],
    ["cog stash", f.stash ? `${f.stash.ref}: ${list(f.stash.files) || "empty"}` : null],
    ["journal", f.journal ? `${f.journal.tag} started ${f.journal.started} from ${short(f.journal.base)}` : null],
  ];
  return lines.filter((l): l is [string, string] => l[1] !== null);
}

export function printDiagnosis(d: Diagnosis, plan: Plan): void {
  say.step(`Failure Recovery: ${d.facts.tag} is ${d.state === "complete" ? green(d.state) : red(d.state)}`);
  writeProse("", d.reason);
  const lines = evidenceLines(d.facts);
  const width = Math.max(...lines.map(([label]) => label.length));
  for (const [label, text] of lines) write(`    ${dim(label.padEnd(width))}  ${text}`);
  writeProse(bold("next:"), plan.action);
  for (const c of plan.commands) write(`    ${c}`);
  if (plan.human) writeProse(bold("needs a human:"), plan.human);
}
