// What the maintainer sees at the review gate: the version, the commits it includes, the changelog
// section, the files the release commit changes, and what happens next.

import type { CommitInfo } from "../git.ts";
import { kitCommand } from "../hint.ts";
import { bold, dim, summarise, write } from "../output.ts";
import type { ReleaseContext } from "./steps.ts";

export function printReview(
  ctx: ReleaseContext,
  included: CommitInfo[],
  section: string | null,
  files: string[],
): void {
  const { config, tag, version } = ctx;
  write(`  ${bold("Version:")} ${version} (tag ${tag}${ctx.commit ? ` on ${ctx.commit.slice(0, 7)}` : ""})`);
  const shown = included.filter((c) => !/^chore\(version\)/.test(c.subject));
  write(`  ${bold("Commits:")} ${shown.length}`);
  for (const c of shown.slice(0, 30)) write(`    ${dim(c.sha.slice(0, 7))} ${c.subject}`);
  if (shown.length > 30) write(`    … and ${shown.length - 30} more`);
  write(`  ${bold("Changelog:")}`);
  for (const line of (section ?? "(no section rendered)").split("\n")) write(`    ${line}`);
  if (files.length) write(`  ${bold("Files changed by the release commit:")} ${summarise(files, 10)}`);
  const { owner, name } = config.repository;
  write(`  ${bold("Next:")}`);
  write(`    1. git push --atomic origin ${config.branch} ${tag}`);
  write(
    `    2. create the GitHub release ${tag} on ${owner}/${name}, once GitHub shows the tag at the release commit (not a draft, marked latest)`,
  );
  write(
    `    3. the tag starts ${config.workflowPaths?.join(", ") ?? "its tag workflows (.github/workflows)"}, which builds, attests and publishes; then: ${kitCommand("release:verify", ["--wait"])}`,
  );
}
