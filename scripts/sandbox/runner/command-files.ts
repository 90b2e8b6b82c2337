// The files a step writes to talk to the runner ($GITHUB_ENV, $GITHUB_OUTPUT, $GITHUB_PATH), in
// the runner's syntax: `NAME=value` lines, or `NAME<<DELIMITER` followed by the value's lines and
// the delimiter alone on a line.

export class CommandFileError extends Error {}

export function parseKeyValueFile(text: string, file: string): [string, string][] {
  const out: [string, string][] = [];
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, "");
    if (line === "") continue;
    const heredoc = line.indexOf("<<");
    const eq = line.indexOf("=");
    if (heredoc > 0 && (eq === -1 || heredoc < eq)) {
      const name = line.slice(0, heredoc);
      const delimiter = line.slice(heredoc + 2);
      if (!delimiter) throw new CommandFileError(`Invalid format '${line}' in ${file}: the delimiter is empty`);
      const value: string[] = [];
      let closed = false;
      for (i++; i < lines.length; i++) {
        const l = lines[i]!.replace(/\r$/, "");
        if (l === delimiter) {
          closed = true;
          break;
        }
        value.push(l);
      }
      if (!closed) throw new CommandFileError(`Invalid value. Matching delimiter not found '${delimiter}' in ${file}`);
      out.push([name, value.join("\n")]);
    } else if (eq > 0) {
      out.push([line.slice(0, eq), line.slice(eq + 1)]);
    } else {
      throw new CommandFileError(`Invalid format '${line}' in ${file}`);
    }
  }
  return out;
}
