// A `run:` step: its shell, working directory and environment, the $GITHUB_OUTPUT / $GITHUB_ENV /
// $GITHUB_PATH / $GITHUB_STEP_SUMMARY files around it, its timeout, and the lines it prints.
import { appendFile, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { ActionFailure } from "./actions/types.ts";
import { parseKeyValueFile } from "./command-files.ts";
import { interpolate, interpolateString, type Scope } from "./expressions.ts";
import type { JobRun, JobState, StepResult, StepRun } from "./job.ts";
import type { JobRuntime } from "./runtime.ts";
import { runShell } from "./shell.ts";
import type { Table } from "./workflow-file.ts";

export async function runStep({ rt, plan, state }: JobRun, s: StepRun): Promise<StepResult> {
  const { frame, step, id, env, scope, defaults } = s;
  const script = interpolateString(step.run, scope);
  // On Windows runners a run step without a shell is PowerShell, which the sandbox does not have.
  const shellRaw =
    step.shell ?? (frame.actionPath ? undefined : (defaults.shell ?? (rt.os === "Windows" ? "pwsh" : undefined)));
  if (frame.actionPath && shellRaw === undefined)
    throw new ActionFailure(
      "Required property is missing: shell (a composite action's run steps must name their shell)",
    );
  const shell = shellRaw === undefined ? undefined : interpolateString(shellRaw, scope);
  const wdRaw = step["working-directory"] ?? (frame.actionPath ? undefined : defaults["working-directory"]);
  const cwd = wdRaw === undefined ? rt.workspace : resolve(rt.workspace, interpolateString(wdRaw, scope));
  const n = ++state.fileCounter;
  const files = {
    GITHUB_OUTPUT: join(rt.temp, "_runner_file_commands", `set_output_${n}`),
    GITHUB_ENV: join(rt.temp, "_runner_file_commands", `set_env_${n}`),
    GITHUB_PATH: join(rt.temp, "_runner_file_commands", `add_path_${n}`),
    GITHUB_STATE: join(rt.temp, "_runner_file_commands", `save_state_${n}`),
    GITHUB_STEP_SUMMARY: join(rt.temp, "_runner_file_commands", `step_summary_${n}`),
  };
  for (const f of Object.values(files)) await writeFile(f, "");
  const processEnv: Record<string, string> = { ...plan.processEnv };
  for (const [k, v] of Object.entries(env)) {
    if (k === "PATH" || k.startsWith("SANDBOX_RUNNER_") || k === "BASH_ENV") {
      rt.log(`sandbox: ${k} from the workflow is not used: the sandbox owns it`);
      continue;
    }
    processEnv[k] = v;
  }
  Object.assign(processEnv, files, {
    GITHUB_ACTION: id,
    PATH: [...state.paths, plan.binDir].join(":"),
    ...(frame.actionPath ? { GITHUB_ACTION_PATH: frame.actionPath } : {}),
  });
  const result = await runShell({
    script,
    shell,
    cwd,
    env: processEnv,
    temp: rt.temp,
    skippedLog: plan.skippedLog,
    timeoutMs: timeoutOf(step, scope, state),
    onLine: (_stream, line) => handleLine(rt, line),
    track: plan.track,
  });
  if (result.kind === "unavailable") {
    rt.log(`sandbox: shell \`${result.shell}\` is not available in the sandbox: step skipped`);
    return { ok: true, outputs: {} };
  }
  if (result.kind === "no-cwd") {
    rt.log(
      `Error: An error occurred trying to start process '/usr/bin/bash' with working directory '${cwd}'. No such file or directory`,
    );
    return { ok: false, outputs: {} };
  }
  const outputs = Object.fromEntries(parseKeyValueFile(await readFile(files.GITHUB_OUTPUT, "utf8"), "GITHUB_OUTPUT"));
  for (const [k, v] of parseKeyValueFile(await readFile(files.GITHUB_ENV, "utf8"), "GITHUB_ENV")) state.exported[k] = v;
  for (const dir of (await readFile(files.GITHUB_PATH, "utf8"))
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)) {
    const full = resolve(rt.workspace, dir);
    if (rt.inside(full)) state.paths.unshift(full);
    else
      rt.log(
        `sandbox: $GITHUB_PATH entry ${dir} is outside the runner's folders: not added (nothing of the machine is reachable)`,
      );
  }
  const summary = await readFile(files.GITHUB_STEP_SUMMARY, "utf8");
  if (summary) await appendFile(join(rt.root, "summary.md"), summary);
  if (result.timedOut) rt.log(`Error: The action '${id}' has timed out.`);
  else if (result.exitCode !== 0) rt.log(`Error: Process completed with exit code ${result.exitCode}.`);
  return { ok: result.exitCode === 0 && !result.timedOut, outputs };
}

function handleLine(rt: JobRuntime, line: string): void {
  const command = /^::([a-z-]+)(?:\s[^:]*)?::(.*)$/.exec(line);
  if (command?.[1] === "add-mask") {
    rt.mask(command[2]!);
    return;
  }
  rt.log(line);
}

function timeoutOf(step: Table, scope: Scope, state: JobState): number {
  const left = Math.max(0, state.deadline - Date.now());
  const raw = step["timeout-minutes"];
  if (raw === undefined) return left;
  const minutes = Number(typeof raw === "string" ? interpolate(raw, scope) : raw);
  return Number.isFinite(minutes) && minutes > 0 ? Math.min(left, minutes * 60_000) : left;
}
