// "generated admin contract artifacts are current", and the configuration the release relies on:
// cog.toml, cliff.toml and the workflow parse and agree, and the hooks write what they must.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Check, fail, pass, skip, warn } from "../checks.ts";
import { headSha } from "../git.ts";
import { summarise } from "../output.ts";
import {
  describeLooked,
  describeNotVerified,
  readTagWorkflows,
  type TagWorkflows,
  WorkflowError,
} from "../workflow/index.ts";
import type { PreflightContext } from "./context.ts";
import { type Finding, setupFindings } from "./setup-findings.ts";

const atHead = new WeakMap<PreflightContext, Map<string, Promise<TagWorkflows>>>();

/** The workflows a push of `tag` would start, as they are at HEAD (read once per tag and run). */
export function workflowAtHead(ctx: PreflightContext, tag: string): Promise<TagWorkflows> {
  const cache = atHead.get(ctx) ?? new Map<string, Promise<TagWorkflows>>();
  atHead.set(ctx, cache);
  let found = cache.get(tag);
  if (!found) {
    const { r, config } = ctx;
    const { owner, name } = config.repository;
    found = headSha(r).then((sha) =>
      readTagWorkflows(r, config, "HEAD", { owner, repository: `${owner}/${name}`, tag, sha: sha ?? "0".repeat(40) }),
    );
    cache.set(tag, found);
  }
  return found;
}

export const configCheck: Check<PreflightContext> = {
  id: "config",
  async run(ctx) {
    const { config } = ctx;
    const found: Finding[] = config.problems.map((p) => ({ level: "fail", text: p.message, fix: p.fix }));
    found.push(...(await setupFindings(ctx)));
    let workflowNote = "nothing is published by a tag workflow";
    try {
      const sample = `${config.tagPrefix}1.0.0`;
      const wf = await workflowAtHead(ctx, sample);
      const count = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;
      workflowNote = wf.started.length
        ? `${wf.started.map((w) => w.path).join(", ")}: ${count(wf.images.length, "image")}${wf.artifacts.length ? `, ${count(wf.artifacts.length, "other artifact")}` : ""}`
        : `no workflow starts on tags like ${sample} (looked at ${describeLooked(wf)}): nothing is published by a tag workflow`;
      for (const item of wf.notVerified) {
        found.push({
          level: "warn",
          text: describeNotVerified(item),
          fix: "release:verify will report it as not verified; docs/workflows.md says what release-kit reads",
        });
      }
    } catch (error) {
      if (!(error instanceof WorkflowError)) throw error;
      found.push({ level: "fail", text: error.message, fix: error.fix });
    }
    // What the runbook's flow cannot do here comes first: it is why the rest may not matter.
    found.sort((a, b) => Number(b.text.startsWith("not supported:")) - Number(a.text.startsWith("not supported:")));
    const failures = found.filter((f) => f.level === "fail");
    const fixes = [...new Set(found.map((f) => f.fix))].join("; ");
    if (failures.length) return fail(found.map((f) => f.text).join("; "), fixes);
    if (found.length) return warn(`${found.map((f) => f.text).join("; ")} (${workflowNote})`, fixes);
    return pass(`cog.toml, cliff.toml and the hooks agree (tag prefix "${config.tagPrefix}"); ${workflowNote}`);
  },
};

export const artifactsCurrent: Check<PreflightContext> = {
  id: "artifacts-current",
  // Not while up-to-date fetches: `git worktree add` first writes the new worktree's HEAD as the
  // null id, and fetch's connectivity check (rev-list --all, every worktree's HEAD included) then
  // fails with "did not send all necessary objects".
  needs: ["up-to-date"],
  async run({ r, config }) {
    if (!config.generate)
      return skip("no generator configured (set RELEASE_GENERATE to the command that regenerates committed artifacts)");
    const scratch = mkdtempSync(join(tmpdir(), "release-kit-artifacts-"));
    const tree = join(scratch, "tree");
    const added = await r.scratch`git worktree add --detach --quiet ${tree} HEAD`;
    if (added.exitCode !== 0) {
      rmSync(scratch, { recursive: true, force: true });
      return fail(
        `cannot make a throwaway worktree of HEAD: ${added.stderr.trim()}`,
        "check that git worktree works in this repository",
      );
    }
    try {
      const ran = await r.with({ cwd: tree, timeout: "300s" }).scratch`sh -c ${config.generate}`;
      if (ran.exitCode !== 0) {
        const why = (ran.stderr || ran.stdout).trim().split("\n").slice(-2).join(" ");
        return fail(
          `the generator \`${config.generate}\` failed (exit ${ran.exitCode}) in a clean checkout of HEAD: ${why}`,
          `make \`${config.generate}\` work from a fresh checkout, or fix RELEASE_GENERATE (from ${config.sources.RELEASE_GENERATE})`,
        );
      }
      const changed = (await r.with({ cwd: tree }).read`git status --porcelain=v1 --untracked-files=all`).stdout
        .split("\n")
        .map((l) => l.slice(3).trim())
        .filter(Boolean);
      if (!changed.length) return pass(`\`${config.generate}\` leaves a checkout of HEAD unchanged`);
      return fail(
        `the committed artifacts are stale: \`${config.generate}\` changes ${summarise(changed)}`,
        `run \`${config.generate}\` and commit the result (through review), then run preflight again`,
      );
    } finally {
      await r.scratch`git worktree remove --force ${tree}`;
      rmSync(scratch, { recursive: true, force: true });
      await r.scratch`git worktree prune`;
    }
  },
};
