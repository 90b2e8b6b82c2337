// release-kit in GitHub Actions (issue 19). GitHub's parser holds action.yml and the example
// workflows. The sandbox's simulated Actions then runs the example repository's copy of
// docs/github-actions/release-verify.yml when its tag workflow completes, and with it the composite
// action's steps as the runner runs them (the variables Actions sets, GITHUB_OUTPUT,
// GITHUB_STEP_SUMMARY, the workflow_run event in GITHUB_EVENT_PATH, the job's own GITHUB_TOKEN with
// the workflow's permissions, GITHUB_API_URL), after a complete release and after one whose image
// job failed. Last, preflight as a pull request's check, and the kit's conduct in a run.
//
// Two worlds are built at once in beforeAll (a release and its tag workflow are most of the cost):
//   complete  the runbook's release, every job green;
//   broken    the same release, the admin UI image job failing.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { defuse, escapeData, escapeProperty, setOutputs, workflowCommand } from "../scripts/lib/actions.ts";
import { reviewGate } from "../scripts/lib/gate.ts";
import { workflowParsers } from "../scripts/lib/workflow/libraries.ts";
import type { JobRecord, RunRecord } from "../scripts/sandbox/api/state.ts";
import { parseKeyValueFile } from "../scripts/sandbox/runner/command-files.ts";
import type { Scenario } from "../scripts/sandbox/scenario.ts";
import { KIT, type KitRun, tempDir } from "./helpers/kit.ts";
import { cloneAs, gitAsync, kitIn, type Sandbox, sandbox } from "./helpers/sandbox.ts";

const ROOT = KIT.replace(/\/$/, "");
const LOCAL_ACTION = ".github/actions/release-kit";
const KIT_USES = "uses: acme/release-kit@RELEASE_KIT_SHA";
const doc = (name: string) => readFileSync(join(ROOT, "docs", "github-actions", name), "utf8");
const GIT = execFileSync("sh", ["-c", "command -v git"], {
  encoding: "utf8",
}).trim();

// ---- what the runner makes of a step's output (actions/runner ActionCommand.cs) ------------------

const REGISTERED = [
  "add-mask",
  "add-matcher",
  "add-path",
  "debug",
  "echo",
  "endgroup",
  "error",
  "group",
  "notice",
  "remove-matcher",
  "save-state",
  "set-env",
  "set-output",
  "stop-commands",
  "warning",
];
const unescape = (s: string, property: boolean) => {
  let out = s.replaceAll("%0D", "\r").replaceAll("%0A", "\n");
  if (property) out = out.replaceAll("%3A", ":").replaceAll("%2C", ",");
  return out.replaceAll("%25", "%");
};

interface RunnerCommand {
  name: string;
  props: Record<string, string>;
  data: string;
}

/** Every workflow command the runner would act on in `output`: `::name props::data` once leading
 *  whitespace is trimmed, else `##[name props]data` anywhere in the line. */
function runnerCommands(output: string): RunnerCommand[] {
  const found: RunnerCommand[] = [];
  for (const line of output.split(/\r\n|\r|\n/)) {
    const t = line.replace(/^[\s\u0085]+/, "");
    const end = t.startsWith("::") ? t.indexOf("::", 2) : -1;
    if (end > 0) {
      const [name, ...rest] = t.slice(2, end).split(" ");
      if (!REGISTERED.includes(name!.toLowerCase())) continue;
      const props = Object.fromEntries(
        rest
          .join(" ")
          .split(",")
          .filter((p) => p.includes("="))
          .map((p) => [p.slice(0, p.indexOf("=")), unescape(p.slice(p.indexOf("=") + 1), true)]),
      );
      found.push({
        name: name!,
        props,
        data: unescape(t.slice(end + 2), false),
      });
      continue;
    }
    const at = line.indexOf("##[");
    const close = at < 0 ? -1 : line.indexOf("]", at);
    if (close < 0) continue;
    const name = line.slice(at + 3, close).split(" ")[0]!;
    if (REGISTERED.includes(name.toLowerCase())) found.push({ name, props: {}, data: line.slice(close + 1) });
  }
  return found;
}

/** The annotations the kit owes for a report: one per failed check, one per warning, with what to do. */
function expectAnnotations(
  commands: RunnerCommand[],
  checks: { id: string; status: string; detail: string; fix: string }[],
): void {
  const owed = checks.filter((c) => c.status === "fail" || c.status === "warn");
  const given = commands.filter((c) => c.name === "error" || c.name === "warning");
  expect(given.map((c) => `${c.name} ${c.props.title}`).sort()).toEqual(
    owed.map((c) => `${c.status === "fail" ? "error" : "warning"} ${c.id}`).sort(),
  );
  for (const c of owed) {
    const a = given.find((g) => g.props.title === c.id)!;
    expect(a.data.startsWith(c.detail.replace(/[.\s]+$/, ""))).toBe(true);
    if (c.fix) expect(a.data).toContain(`. What to do: ${c.fix}`);
  }
}

// ---- the worlds -----------------------------------------------------------------------------------

/** The example repository's copy of release-verify.yml: release-kit is its local action (a link to
 *  this checkout, where GitHub would fetch acme/release-kit), ghcr.io is the sandbox's registry, and
 *  a last step prints the action's outputs for this test. Nothing else differs. */
function sandboxCopy(text: string, registryUrl: string): string {
  const once = (t: string, from: string, to: string) => {
    expect(t.split(from).length - 1, from).toBe(1);
    return t.replace(from, to);
  };
  let copy = once(text, KIT_USES, `uses: ./${LOCAL_ACTION}`);
  copy = once(
    copy,
    "    runs-on: ubuntu-latest\n",
    `    runs-on: ubuntu-latest\n    env:\n      RELEASE_REGISTRY_URL: ${registryUrl}\n`,
  );
  return `${copy}
      - name: Outputs
        if: always()
        env:
          OUTPUTS: \${{ toJSON(steps.verify.outputs) }}
        run: printf 'outputs %s\\n' "$(jq -c . <<< "$OUTPUTS")"
`;
}

interface World {
  sb: Sandbox;
  tag: string;
  run: RunRecord;
  job: JobRecord;
  log: string;
  outputs: Record<string, string>;
  summary: string;
  report: any;
}

const started: Sandbox[] = [];
afterAll(async () => {
  for (const sb of started) await sb.stop();
});

/** The runbook's project adopts release-verify.yml, releases, and its tag workflow runs, then the verification. */
async function adopt(scenario: Partial<Scenario>): Promise<World> {
  const sb = await sandbox({
    scenario: { queuedMs: 0, runMs: 0, ...scenario },
    hostTools: { node: process.execPath, git: GIT },
  });
  started.push(sb);
  const repo = sb.repoPath!;
  mkdirSync(join(repo, ".github", "actions"), { recursive: true });
  symlinkSync(ROOT, join(repo, LOCAL_ACTION));
  writeFileSync(
    join(repo, ".github", "workflows", "release-verify.yml"),
    sandboxCopy(doc("release-verify.yml"), sb.registryUrl),
  );
  await gitAsync(repo, "add", "-A");
  await gitAsync(repo, "commit", "-q", "-m", "ci: verify each release when its tag workflow completes");
  await gitAsync(repo, "push", "-q", "origin", "HEAD:refs/heads/main");
  const released = await kitIn(sb, "release", ["--yes", "--json"]);
  if (released.code !== 0) throw new Error(`release failed (${released.code}):\n${released.stderr}`);
  await sb.settle();
  const run = sb.api.state.runs.find((r) => r.name === "Release verify");
  if (!run)
    throw new Error(
      `no Release verify run; runs: ${sb.api.state.runs.map((r) => `${r.name} ${r.conclusion}`).join(", ")}`,
    );
  const job = run.jobs[0]!;
  const log = sb.jobLog(job.id);
  const line = log.split("\n").find((l) => l.startsWith("outputs {"));
  if (!line) throw new Error(`no outputs in the job's log:\n${log}`);
  const outputs = JSON.parse(line.slice("outputs ".length)) as Record<string, string>;
  // The runner keeps each job's step summaries in its folder (runner/job.ts).
  const summaryFile = join(sb.dir, "actions-runner", `run-${run.id}-${run.runAttempt}`, `job-${job.id}`, "summary.md");
  const summary = existsSync(summaryFile) ? readFileSync(summaryFile, "utf8") : "";
  const report = outputs.report && existsSync(outputs.report) ? JSON.parse(readFileSync(outputs.report, "utf8")) : null;
  return {
    sb,
    tag: released.json.tag,
    run,
    job,
    log,
    outputs,
    summary,
    report,
  };
}

let complete: World;
let broken: World;

// ---- helpers for the stories below --------------------------------------------------------------

/** The lines the kit printed in the job, without the sandbox runner's own `##[group]` markers. */
function kitLines(log: string): string {
  return log
    .split("\n")
    .filter((l) => !/^##\[(end)?group\]/.test(l))
    .join("\n");
}

/** A pull request's checkout, as release-preflight.yml asks actions/checkout for it: the pull
 *  request's head commit, detached, with every branch of origin and every tag. */
async function pullRequestCheckout(sb: Sandbox, subject: string): Promise<{ path: string; remove(): void }> {
  const dir = tempDir("rk-pr-");
  const path = await cloneAs(sb.remotePath, join(dir.path, "repo"), {
    name: "Contributor",
    email: "contributor@example.com",
  });
  await gitAsync(path, "switch", "-q", "-c", "feature");
  writeFileSync(join(path, "NOTES.md"), "a change\n");
  await gitAsync(path, "add", "NOTES.md");
  await gitAsync(path, "commit", "-q", "-m", subject);
  await gitAsync(path, "switch", "-q", "--detach", "feature");
  await gitAsync(path, "branch", "-q", "-D", "main", "feature");
  return { path, remove: dir.remove };
}

function actionsEnv(dir: string, extra: Record<string, string> = {}): Record<string, string> {
  mkdirSync(dir, { recursive: true });
  for (const f of ["output", "summary.md"]) writeFileSync(join(dir, f), "");
  return {
    GITHUB_ACTIONS: "true",
    CI: "true",
    GITHUB_OUTPUT: join(dir, "output"),
    GITHUB_STEP_SUMMARY: join(dir, "summary.md"),
    RUNNER_TEMP: dir,
    ...extra,
  };
}

function outputsOf(dir: string): Record<string, string> {
  return Object.fromEntries(parseKeyValueFile(readFileSync(join(dir, "output"), "utf8"), "GITHUB_OUTPUT"));
}

const SKIPPED_IN_A_PULL_REQUEST = [
  "release-branch",
  "up-to-date",
  "merged",
  "next-version",
  "ci-green",
  "token",
  "push",
  "token-triggers",
];

// ---- GitHub's parser ------------------------------------------------------------------------------

describe("action.yml and the example workflows, as GitHub reads them", () => {
  const files = {
    "action.yml": readFileSync(join(ROOT, "action.yml"), "utf8"),
    "release-verify.yml": doc("release-verify.yml"),
    "release-preflight.yml": doc("release-preflight.yml"),
  };
  // GitHub's parser, loaded as the kit loads it (its schema is a JSON import).
  const workflowErrors = async (name: string, text: string) => {
    const { parser } = await workflowParsers();
    const parsed = parser.parseWorkflow({ name, content: text }, new parser.NoOperationTraceWriter());
    const errors = parsed.context.errors.getErrors().map((e) => e.message);
    if (errors.length || !parsed.value) return errors;
    const template = await parser.convertWorkflowTemplate(parsed.context, parsed.value);
    return (template.errors ?? []).map((e) => e.Message);
  };
  const actionErrors = async (text: string) => {
    const { parser } = await workflowParsers();
    const { parseAction } = await import("@actions/workflow-parser/actions/index");
    return parseAction({ name: "action.yml", content: text }, new parser.NoOperationTraceWriter())
      .context.errors.getErrors()
      .map((e) => e.message);
  };

  it("parse with @actions/workflow-parser without errors (and its errors show when there are some)", async () => {
    expect(await actionErrors(files["action.yml"])).toEqual([]);
    expect(await workflowErrors("release-verify.yml", files["release-verify.yml"])).toEqual([]);
    expect(await workflowErrors("release-preflight.yml", files["release-preflight.yml"])).toEqual([]);
    // The same parser refuses what GitHub refuses: a composite run step without its shell, a bad trigger.
    expect(
      (
        await actionErrors(
          files["action.yml"].replace("      id: npm-cache\n      shell: bash\n", "      id: npm-cache\n"),
        )
      ).join("\n"),
    ).toMatch(/Required property is missing: shell/);
    expect(
      (
        await workflowErrors(
          "release-verify.yml",
          files["release-verify.yml"].replace("types: [completed]", "types: [finished]"),
        )
      ).length,
    ).toBeGreaterThan(0);
  });

  it("pin every action to a full commit SHA with its release in a comment, and ask only the permissions they use", () => {
    for (const [name, text] of Object.entries(files)) {
      const uses = [...text.matchAll(/^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/gm)];
      expect(uses.length, name).toBeGreaterThan(0);
      for (const [, ref, comment] of uses) {
        // release-kit itself is the reader's own copy, at the commit they adopted.
        if (`uses: ${ref}` === KIT_USES) continue;
        expect(ref, name).toMatch(/^[a-z-]+\/[a-z-]+@[0-9a-f]{40}$/);
        expect(comment, `${name}: ${ref}`).toMatch(/^ # v\d+\.\d+\.\d+$/);
      }
    }
    const verify = parseYaml(files["release-verify.yml"]);
    expect(verify.on).toEqual({
      workflow_run: { workflows: ["Release"], types: ["completed"] },
    });
    expect(verify.permissions).toEqual({
      contents: "read",
      actions: "read",
      attestations: "read",
      packages: "read",
    });
    expect(verify.jobs.verify.steps.at(-1).with).toEqual({
      command: "verify",
      tag: "${{ github.event.workflow_run.head_branch }}",
    });
    const preflight = parseYaml(files["release-preflight.yml"]);
    expect(preflight.on).toEqual({
      pull_request: { branches: ["main"] },
      push: { branches: ["main"] },
    });
    expect(preflight.permissions).toEqual({ contents: "read" });
    const action = parseYaml(files["action.yml"]);
    expect(Object.keys(action.inputs)).toEqual(["command", "tag", "wait", "token", "registry-token"]);
    expect(action.inputs.token.default).toBe("${{ github.token }}");
    expect(Object.keys(action.outputs)).toEqual(["ok", "tag", "receipt", "report"]);
    expect(action.runs.using).toBe("composite");
  });

  it("are the ones the README shows", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    for (const name of ["release-verify.yml", "release-preflight.yml"] as const)
      expect(readme).toContain(files[name].slice(files[name].indexOf("name: ")).trimEnd());
  });
});

// ---- release-verify.yml, run by the sandbox after the tag workflow --------------------------------

describe("against the sandbox", () => {
  beforeAll(async () => {
    [complete, broken] = await Promise.all([adopt({}), adopt({ failJobs: [{ job: "admin-ui", attempts: 1 }] })]);
  }, 240_000);

  describe("release-verify.yml runs itself when the tag workflow completes, and the action reports on the run", () => {
    it("runs the composite action's steps in order, on the workflow_run event, against GITHUB_API_URL", () => {
      for (const w of [complete, broken]) {
        expect(w.run).toMatchObject({
          event: "workflow_run",
          headBranch: "main",
          status: "completed",
        });
        const steps = [
          "Set up Node.js for release-kit",
          "Locate the npm cache",
          "Restore the npm cache",
          "Install release-kit's dependencies",
          "release-kit verify",
          "Outputs",
        ];
        const at = steps.map((s) => w.log.indexOf(`##[group]${s}`));
        expect(
          at.every((i) => i >= 0),
          w.log,
        ).toBe(true);
        expect([...at].sort((a, b) => a - b)).toEqual(at);
        // What the sandbox does not do, it says: no setup-node or cache (node is this machine's), no npm.
        expect(w.log).toMatch(/actions\/setup-node@[0-9a-f]{40} is not simulated: skipped/);
        expect(w.log).toContain("skipped `npm ci --no-audit --no-fund`");
        // preflight's tools step is not a verify step.
        expect(w.log).not.toContain("##[group]Install the runbook's tools");
        // From inside the job the kit read the release at GITHUB_API_URL, the sandbox's API.
        expect(w.report.checks.find((c: any) => c.id === "release").status).toBe("pass");
      }
    });

    it("a complete release: the run succeeds; ok, tag, receipt and report outputs; the summary; no error annotation", async () => {
      const w = complete;
      expect(w.run.conclusion, w.log).toBe("success");
      expect(w.outputs.ok).toBe("true");
      expect(w.outputs.tag).toBe(w.tag);
      expect(w.tag).toMatch(/^v\d+\.\d+\.\d+$/);
      expect(w.report).toMatchObject({
        command: "verify",
        ok: true,
        tag: w.tag,
      });
      expect(JSON.parse(w.outputs.receipt!)).toEqual(w.report.receipt);
      // The receipt names what the registry holds.
      for (const image of w.report.receipt.images) {
        const name = image.ref.replace(/^ghcr\.io\//, "");
        expect(w.sb.registry.store.repos.get(name)!.tags.get(w.tag), image.ref).toBe(image.digest);
      }
      expect(w.report.receipt.images.map((i: any) => i.ref)).toEqual(["ghcr.io/acme/admin-ui", "ghcr.io/acme/gateway"]);
      expect(w.summary).toContain(`### release:verify ${w.tag} ✅`);
      for (const c of w.report.checks)
        expect(w.summary).toMatch(new RegExp(`^\\| \`${c.id.replace(/[.]/g, "\\.")}\` \\| .* ${c.status} \\| `, "m"));
      const commands = runnerCommands(kitLines(w.log));
      expectAnnotations(commands, w.report.checks);
      expect(commands.filter((c) => c.name === "error")).toEqual([]);
    });

    it("the image job failed: the run fails; annotations name the failed job and the missing image tags, with what to do", async () => {
      const w = broken;
      expect(w.run.conclusion).toBe("failure");
      expect(w.outputs.ok).toBe("false");
      expect(w.outputs.tag).toBe(w.tag);
      expect(w.report).toMatchObject({
        command: "verify",
        ok: false,
        tag: w.tag,
      });
      const commands = runnerCommands(kitLines(w.log));
      expectAnnotations(commands, w.report.checks);
      const errors = commands.filter((c) => c.name === "error");
      const workflow = errors.find((c) => c.props.title === "workflow")!;
      expect(workflow.data).toMatch(
        /ended failure: Admin UI image failure \S+\/acme\/gateway\/actions\/runs\/\d+\/job\/\d+/,
      );
      expect(workflow.data).toMatch(
        /What to do: fix the cause, then re-run the failed jobs for the same tag: .*recover.* --tag v\d+\.\d+\.\d+ --apply/,
      );
      const image = errors.find((c) => c.props.title === "image:ghcr.io/acme/admin-ui")!;
      expect(image.data).toContain(`ghcr.io/acme/admin-ui has none of its tags (${w.tag}, latest)`);
      expect(image.data).toMatch(/What to do: the admin-ui job did not publish it/);
      // The gateway image was published: no annotation for it.
      expect(errors.some((c) => c.props.title === "image:ghcr.io/acme/gateway")).toBe(false);
      // On the page, as the runner shows the command: the check id's colon escaped as a property's is.
      expect(w.log).toContain("::error title=image%3Aghcr.io/acme/admin-ui::");
      expect(w.summary).toContain(`### release:verify ${w.tag} ❌`);
      expect(w.summary).toContain(`**${w.tag} is not fully released**`);
    });

    it("the kit reads with the job's own token, holding only what permissions: grants", async () => {
      // The same workflow without actions: read, and the tag workflow's run re-run: the verification
      // that runs after it is refused the run's details, and says so.
      const { sb } = complete;
      const repo = sb.repoPath!;
      const file = join(repo, ".github", "workflows", "release-verify.yml");
      writeFileSync(
        file,
        readFileSync(file, "utf8").replace("  actions: read # the tag workflow's run and its jobs\n", ""),
      );
      await gitAsync(repo, "commit", "-q", "-am", "ci: verify without reading Actions");
      await gitAsync(repo, "push", "-q", "origin", "HEAD:refs/heads/main");
      const release = sb.api.state.runs.find((r) => r.name === "Release")!;
      const rerun = await fetch(`${sb.apiUrl}/repos/acme/gateway/actions/runs/${release.id}/rerun`, {
        method: "POST",
        headers: { authorization: `Bearer ${sb.token}` },
      });
      expect(rerun.status).toBe(201);
      await sb.settle();
      const run = sb.api.state.runs.filter((r) => r.name === "Release verify").at(-1)!;
      expect(run.id).not.toBe(complete.run.id);
      expect(run.conclusion).toBe("failure");
      const commands = runnerCommands(kitLines(sb.jobLog(run.jobs[0]!.id)));
      const errors = commands.filter((c) => c.name === "error").map((c) => `${c.props.title}: ${c.data}`);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(
        /^workflow: .*403 Resource not accessible by integration.*What to do: give the token the actions=read permission/,
      );
      // Everything the other permissions allow still passed: the release, its notes, the images.
      expect(commands.some((c) => c.name === "error" && /^(release|notes|image:)/.test(c.props.title ?? ""))).toBe(
        false,
      );
    });
  });

  // ---- preflight as a pull request's check --------------------------------------------------------

  describe("release-preflight.yml: preflight as a check", () => {
    it("in a pull_request run, the checks of the commit run and those that need a checkout of main skip with the reason", async () => {
      const pr = await pullRequestCheckout(complete.sb, "feat: a feature for the next release");
      const temp = join(pr.path, "..", "runner-temp");
      try {
        const res = await kitIn(complete.sb, "preflight", ["--json"], {
          repo: pr.path,
          env: actionsEnv(temp, { GITHUB_EVENT_NAME: "pull_request" }),
        });
        expect(res.code, res.stderr).toBe(0);
        const byId = Object.fromEntries(res.json.checks.map((c: any) => [c.id, c]));
        for (const id of SKIPPED_IN_A_PULL_REQUEST) expect(byId[id].status, `${id}: ${byId[id].detail}`).toBe("skip");
        expect(byId["release-branch"].detail).toMatch(
          /^a pull_request run checks out the pull request, not main: checked when you release$/,
        );
        expect(byId["next-version"].detail).toMatch(/cog bumps only on main \(cog\.toml's branch_whitelist\)/);
        expect(byId["token-triggers"].detail).toMatch(/a tag pushed with a workflow's GITHUB_TOKEN starts no workflow/);
        for (const id of ["clean-tree", "conventional-commits", "versions", "tag-triggers", "tools", "config"])
          expect(byId[id].status, `${id}: ${byId[id].detail}`).toBe("pass");
        // Outputs and the summary, as for verify; a preflight has no receipt.
        const outputs = outputsOf(temp);
        expect(outputs).toMatchObject({ ok: "true", receipt: "" });
        expect(JSON.parse(readFileSync(outputs.report!, "utf8"))).toEqual(res.json);
        expect(readFileSync(join(temp, "summary.md"), "utf8")).toContain("### release:preflight acme/gateway ✅");
        // The same checkout without the event: preflight checks it as a release would, and fails.
        const plain = await kitIn(complete.sb, "preflight", ["--json"], {
          repo: pr.path,
          env: { GITHUB_ACTIONS: "true" },
        });
        expect(plain.code).toBe(1);
        expect(plain.json.checks.find((c: any) => c.id === "release-branch")).toMatchObject({
          status: "fail",
          detail: "HEAD is detached, not on main",
        });
      } finally {
        pr.remove();
      }
    });

    it("in a push run of main, the release-branch checks run too; CI's and the releaser's still skip", async () => {
      // A feat lands on main, and the push's checkout is main at that commit (actions/checkout's -B main).
      const dir = tempDir("rk-push-");
      const path = join(dir.path, "repo");
      try {
        await cloneAs(complete.sb.remotePath, path, { name: "Maintainer", email: "maintainer@example.com" });
        writeFileSync(join(path, "NOTES.md"), "merged\n");
        await gitAsync(path, "add", "NOTES.md");
        await gitAsync(path, "commit", "-q", "-m", "feat: a merged feature");
        await gitAsync(path, "push", "-q", "origin", "HEAD:refs/heads/main");
        const res = await kitIn(complete.sb, "preflight", ["--json"], {
          repo: path,
          env: actionsEnv(join(dir.path, "runner-temp"), { GITHUB_EVENT_NAME: "push" }),
        });
        expect(res.code, res.stderr).toBe(0);
        const status = Object.fromEntries(res.json.checks.map((c: any) => [c.id, c.status]));
        for (const id of ["release-branch", "up-to-date", "merged", "next-version", "tag-free"])
          expect(status[id], id).toBe("pass");
        for (const id of ["ci-green", "token", "push", "token-triggers"]) expect(status[id], id).toBe("skip");
        expect(res.json.checks.find((c: any) => c.id === "ci-green").detail).toBe(
          "this push run is part of the commit's CI, which runs alongside it: checked when you release",
        );
      } finally {
        dir.remove();
      }
    });

    it("a failing check is an annotation with what to do; text from outside issues no workflow command", async () => {
      // A commit subject written to mask a word of the log and forge an annotation, if printed raw.
      const forged = "##[add-mask]main ::error title=forged::all good";
      const pr = await pullRequestCheckout(complete.sb, forged);
      const temp = join(pr.path, "..", "runner-temp");
      try {
        const res = await kitIn(complete.sb, "preflight", ["--json"], {
          repo: pr.path,
          env: actionsEnv(temp, { GITHUB_EVENT_NAME: "pull_request" }),
        });
        expect(res.code).toBe(1);
        const failed = res.json.checks.filter((c: any) => c.status === "fail").map((c: any) => c.id);
        expect(failed).toEqual(["conventional-commits"]);
        const commands = runnerCommands(`${res.stderr}\n${res.stdout}`);
        expectAnnotations(commands, res.json.checks);
        // Only the kit's own commands: the annotation, and the table folded in a group.
        expect(commands.map((c) => c.name)).toEqual(["group", "endgroup", "error"]);
        const skipped = res.json.checks.filter((c: any) => c.status === "skip").length;
        expect(commands[0]!.data).toBe(
          `${res.json.checks.length} checks: ${res.json.checks.length - 1 - skipped} passed, 1 failed, ${skipped} skipped`,
        );
        expect(outputsOf(temp).ok).toBe("false");
      } finally {
        pr.remove();
      }
    });
  });

  // ---- the kit's conduct in a run -------------------------------------------------------------------

  describe("in a GitHub Actions run", () => {
    it("a command that cannot start says why in an annotation and in its outputs (exit 2)", async () => {
      const temp = tempDir("rk-start-");
      try {
        const res: KitRun = await kitIn(complete.sb, "verify", ["--tag", "v9.9.9"], { env: actionsEnv(temp.path) });
        expect(res.code).toBe(2);
        const [error] = runnerCommands(res.stderr).filter((c) => c.name === "error");
        expect(error).toMatchObject({ props: { title: "release-kit verify" } });
        expect(error!.data).toMatch(
          /^there is no tag v9\.9\.9 in this repository\. What to do: git fetch --tags origin/,
        );
        const outputs = outputsOf(temp.path);
        expect(outputs).toMatchObject({ ok: "false", tag: "", receipt: "" });
        expect(JSON.parse(readFileSync(outputs.report!, "utf8"))).toMatchObject({
          command: "verify",
          ok: false,
          error: { message: "there is no tag v9.9.9 in this repository" },
        });
      } finally {
        temp.remove();
      }
    });
  });
});

describe("in a GitHub Actions run, without the sandbox", () => {
  it("the review gate never waits for an answer", async () => {
    const saved = process.env.GITHUB_ACTIONS;
    process.env.GITHUB_ACTIONS = "true";
    try {
      expect(await reviewGate("Publish?", false)).toEqual({
        ok: false,
        reason: "in GitHub Actions there is no one to answer the review gate, and --yes was not given",
      });
      expect(await reviewGate("Publish?", true)).toEqual({
        ok: true,
        reason: "--yes",
      });
    } finally {
      if (saved === undefined) delete process.env.GITHUB_ACTIONS;
      else process.env.GITHUB_ACTIONS = saved;
    }
  });

  it("commands and outputs are escaped as the Actions toolkit escapes them, and the runner reads them back whole", () => {
    const data = "50% done\r\nline two: a, b";
    expect(escapeData(data)).toBe("50%25 done%0D%0Aline two: a, b");
    expect(escapeProperty("image:ghcr.io/a,b%")).toBe("image%3Aghcr.io/a%2Cb%25");
    const [read] = runnerCommands(workflowCommand("error", { title: "image:ghcr.io/acme/x, y" }, data));
    expect(read).toEqual({
      name: "error",
      props: { title: "image:ghcr.io/acme/x, y" },
      data,
    });
    // Outside text, defused, is no command at all, and reads the same but for zero-width spaces.
    const hostile = [
      "::add-mask::main",
      "  ::error::forged",
      "\u0085::warning::x",
      "text ##[add-mask]main",
      "a\r::group::g",
    ].join("\n");
    expect(runnerCommands(hostile).length).toBe(5);
    expect(runnerCommands(defuse(hostile))).toEqual([]);
    expect(defuse(hostile).replaceAll("\u200B", "")).toBe(hostile);
    // Outputs in the runner's file syntax, multi-line values whole.
    const dir = tempDir("rk-output-");
    try {
      const file = join(dir.path, "output");
      writeFileSync(file, "");
      setOutputs({ ok: "true", receipt: '{\n  "a": "b=c"\n}', empty: "" }, file);
      expect(Object.fromEntries(parseKeyValueFile(readFileSync(file, "utf8"), "GITHUB_OUTPUT"))).toEqual({
        ok: "true",
        receipt: '{\n  "a": "b=c"\n}',
        empty: "",
      });
    } finally {
      dir.remove();
    }
  });
});
