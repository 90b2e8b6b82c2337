// Long histories for the scale figure, made fast with git fast-import: the example repository's
// files, then `commits` commits with `tags` release tags spread over all but the last 50, so both
// histories end the same way and only the kit's own cost of history can differ.
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export function growHistory(repo: string, commits: number, tags: number): string {
  const tagged = commits - 50;
  const every = Math.max(1, Math.floor(tagged / tags));
  const lines: string[] = [];
  const base = spawnSync("git", ["rev-parse", "HEAD"], { cwd: repo, encoding: "utf8" }).stdout.trim();
  let date = 1_780_000_000;
  let version = 0;
  for (let i = 1; i <= commits; i++) {
    const message = i % 3 === 0 ? `fix: correct case ${i}` : `feat: add case ${i}`;
    const content = `case ${i}\n`;
    lines.push(
      "commit refs/heads/main",
      `mark :${i}`,
      `committer Bench <bench@example.com> ${date++} +0000`,
      `data ${Buffer.byteLength(message)}`,
      message,
      ...(i === 1 ? [`from ${base}`] : []),
      `M 100644 inline history/case.txt`,
      `data ${Buffer.byteLength(content)}`,
      content,
    );
    if (i <= tagged && i % every === 0 && version < tags) {
      version++;
      lines.push(`reset refs/tags/v1.${version}.0`, `from :${i}`, "");
    }
  }
  const imported = spawnSync("git", ["fast-import", "--quiet", "--force"], {
    cwd: repo,
    input: `${lines.join("\n")}\n`,
    encoding: "utf8",
  });
  if (imported.status !== 0) throw new Error(`git fast-import failed: ${imported.stderr}`);
  spawnSync("git", ["reset", "--hard", "-q", "main"], { cwd: repo });
  const latest = `1.${version}.0`;
  // The versions check wants the crates at the latest tag's version: commit that on top.
  for (const manifest of ["crates/gateway/Cargo.toml", "crates/admin-ui/Cargo.toml", "Cargo.lock"]) {
    const path = join(repo, manifest);
    writeFileSync(path, readFileSync(path, "utf8").replace(/version = "0\.\d+\.\d+"/g, `version = "${latest}"`));
  }
  spawnSync("git", ["commit", "-qam", "chore: align versions"], { cwd: repo });
  return latest;
}
