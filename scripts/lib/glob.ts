// Path globs, as in settings such as RELEASE_DOCS and GitHub's ref-name patterns: `**` crosses
// folders, `*` and `?` do not, dot files match. picomatch does the matching.
import picomatch from "picomatch";

/** Whether `path` matches one of `globs`. */
export function matchAny(globs: string[], path: string): boolean {
  return globs.length > 0 && picomatch(globs, { dot: true })(path);
}
