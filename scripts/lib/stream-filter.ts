// Rewriting what this process prints, wherever it comes from (our lines, zx's echo of commands and
// their output): each text chunk written to stdout or stderr passes through a transform first.
// Redaction and the workflow-command guard are two such transforms.

/** From now on, every text chunk written to stdout or stderr is `transform(text)`; other chunks pass as they are. */
export function filterProcessOutput(transform: (text: string) => string): void {
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      const text = typeof chunk === "string" ? chunk : Buffer.isBuffer(chunk) ? chunk.toString("utf8") : null;
      return write(text === null ? chunk : transform(text), ...rest);
    }) as typeof stream.write;
  }
}
