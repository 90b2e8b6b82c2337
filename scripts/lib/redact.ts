// Secrets never reach the terminal, a JSON report, a journal or a step summary. Known tokens are
// registered as they are read; GitHub's token formats are caught even when nobody registered them
// (an API error echoing a token back, a token pasted into a commit message).
import { filterProcessOutput } from "./stream-filter.ts";

const REPLACEMENT = "***";
const TOKEN_SHAPES = /\b(?:gh[pousr]_[A-Za-z0-9_]{16,}|github_pat_[A-Za-z0-9_]{20,})/g;
/** A password in a URL (`https://user:pass@host`, as an origin URL may hold): the user stays. */
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s/:@]*):[^\s/@]*@/gi;

const known = new Set<string>();

export function addSecret(value: string | undefined | null): void {
  const secret = value?.trim();
  // Short values would redact ordinary words; real tokens are long.
  if (secret && secret.length >= 8) known.add(secret);
}

export function redact(text: string): string {
  let out = text;
  for (const secret of known) out = out.split(secret).join(REPLACEMENT);
  return out.replace(TOKEN_SHAPES, REPLACEMENT).replace(URL_PASSWORD, `$1:${REPLACEMENT}@`);
}

/** Redacts every string inside a JSON-able value. */
export function redactDeep<T>(value: T): T {
  return JSON.parse(redact(JSON.stringify(value))) as T;
}

let installed = false;

/**
 * Wraps process.stdout and process.stderr so that whatever this process prints is redacted:
 * our own lines, zx's verbose echo of commands and their output, Node's uncaught-error report.
 */
export function installRedaction(): void {
  if (installed) return;
  installed = true;
  filterProcessOutput(redact);
  // Node reports an uncaught error straight to fd 2, past the wrapped stream: report it ourselves.
  const report = (error: unknown) => {
    const text =
      error instanceof Error
        ? process.env.RELEASE_KIT_DEBUG
          ? (error.stack ?? error.message)
          : `${error.name}: ${error.message}`
        : String(error);
    process.stderr.write(`${redact(`release-kit: ${text}`)}\n`);
    process.exit(1);
  };
  process.on("uncaughtException", report);
  process.on("unhandledRejection", report);
}

/** Registers the tokens gh would use, from the environment (gh's own `auth token` is added when read). */
export function addEnvironmentSecrets(env: NodeJS.ProcessEnv = process.env): void {
  for (const name of ["GH_TOKEN", "GITHUB_TOKEN", "GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN"]) {
    addSecret(env[name]);
  }
}
