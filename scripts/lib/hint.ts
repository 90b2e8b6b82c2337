// Commands the kit prints for the maintainer to paste. Every word is quoted for a POSIX shell (a
// branch named `main;rm` must stay one harmless word), and the kit's own commands are written the
// way the maintainer started this one: through mise, through npx, or by the launcher's path, with
// --repo when it was given, so a pasted hint acts on the same repository from the same place.
import { isAbsolute, join, resolve } from "node:path";
import { KIT_ROOT } from "./kit-root.ts";

// A command inside a message is marked (two private-use characters no outside text holds once it is
// sanitized), so the printer can keep it whole on a line of its own; every output strips the marks.
export const COMMAND_OPEN = "\u{E001}";
export const COMMAND_CLOSE = "\u{E002}";
const MARKS = /[\u{E001}\u{E002}]/gu;

/** Marks `text` as a command to paste. */
export const asCommand = (text: string): string => `${COMMAND_OPEN}${text.replace(MARKS, "")}${COMMAND_CLOSE}`;

/** The text as a person or a JSON reader gets it: command marks removed. */
export const plain = (text: string): string => text.replace(MARKS, "");

export function shellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** A shell command from its words, each quoted as needed. */
export const sh = (...words: string[]): string => asCommand(words.map(shellWord).join(" "));

export type KitTask =
  | "release"
  | "release:preflight"
  | "release:verify"
  | "release:recover"
  | "release:rehearse"
  | "sandbox";

interface Invocation {
  /** How the maintainer started the kit: `mise run`, `npx mise run`, or the launcher's path. */
  via: "mise" | "npx mise" | "launcher";
  /** --repo as given, made absolute, or null when the repository was the working directory. */
  repo: string | null;
}

let invocation: Invocation = { via: "mise", repo: null };

/** Called once at start-up with the command's environment and its --repo flag. */
export function setInvocation(env: NodeJS.ProcessEnv, repoFlag: string | undefined, cwd: string): void {
  // In GitHub Actions a hint is read on the run's page by a maintainer who acts in their own clone:
  // the runner's paths mean nothing there, the documented task does.
  if (env.GITHUB_ACTIONS === "true") {
    invocation = { via: "mise", repo: null };
    return;
  }
  const via = env.MISE_TASK_NAME
    ? env.npm_command === "exec" || env.npm_lifecycle_event === "npx"
      ? "npx mise"
      : "mise"
    : "launcher";
  invocation = { via, repo: repoFlag === undefined ? null : isAbsolute(repoFlag) ? repoFlag : resolve(cwd, repoFlag) };
}

/** One of the kit's commands, as the maintainer would type it now: `mise run release:recover -- --tag v1.2.0`. */
export function kitCommand(task: KitTask, args: string[] = []): string {
  const all = invocation.repo ? [...args, "--repo", invocation.repo] : args;
  if (invocation.via === "launcher")
    return sh(
      join(KIT_ROOT, "scripts", "release-kit"),
      task === "release" || task === "sandbox" ? task : task.slice("release:".length),
      ...all,
    );
  const prefix = invocation.via === "npx mise" ? ["npx", "mise", "run"] : ["mise", "run"];
  return sh(...prefix, task, ...(all.length ? ["--", ...all] : []));
}
