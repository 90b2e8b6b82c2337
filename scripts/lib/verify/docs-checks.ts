// "the deploy docs still match the image reality", and the runbook's "If the release changed
// admin- or user-visible behavior, update the canonical docs in the same pass".

import { type Check, fail, pass, skip, warn } from "../checks.ts";
import type { ImageFacts } from "../facts/index.ts";
import { changedFiles, commits, filesAt, showFile } from "../git.ts";
import { matchAny } from "../glob.ts";
import { kitCommand } from "../hint.ts";
import { summarise } from "../output.ts";
import { previousTag } from "../tags.ts";
import type { ImageSpec } from "../workflow/index.ts";
import type { VerifyContext } from "./context.ts";
import { noTagWorkflow } from "./workflow-checks.ts";

const PLATFORM = /\blinux\/[a-z0-9]+(?:\/v[0-9]+)?\b/g;

/** Lines of the docs that name an image and state platforms: file, line number, platforms. */
export function platformClaims(text: string, ref: string): { line: number; platforms: string[] }[] {
  const names = new RegExp(`${ref.replace(/[.]/g, "\\.")}(?![\\w./-])`, "i");
  const claims: { line: number; platforms: string[] }[] = [];
  text.split("\n").forEach((line, i) => {
    if (!names.test(line)) return;
    const platforms = [...new Set(line.match(PLATFORM) ?? [])].sort();
    if (platforms.length) claims.push({ line: i + 1, platforms });
  });
  return claims;
}

export function docsCheck(images: ImageSpec[]): Check<VerifyContext> {
  return {
    id: "docs",
    needs: images.map((i) => i.id),
    async run({ r, config, commit, tag, workflows }, deps) {
      if (!workflows.started.length)
        return skip(`${noTagWorkflow(workflows, tag)}: no images to compare the docs with`);
      if (!images.length)
        return skip(
          `${workflows.started.map((w) => w.path).join(", ")} publish${workflows.started.length > 1 ? "" : "es"} no images verify could read`,
        );
      const files = (await filesAt(r, commit)).filter((f) => matchAny(config.docs, f));
      if (!files.length) return skip(`no deploy docs at ${tag} (${config.docs.join(", ")})`);
      const same = (a: string[], b: string[]) => a.length === b.length && a.every((p) => b.includes(p));
      const docsWrong: { file: string; line: number; text: string }[] = [];
      const registryWrong: { file: string; line: number; text: string }[] = [];
      let checked = 0;
      for (const file of files) {
        const text = (await showFile(r, commit, file)) ?? "";
        for (const image of images) {
          const registry = (deps[image.id]?.data as ImageFacts | undefined)?.platforms ?? [];
          // The workflow says what must be built; when it does not say, the registry is all we know.
          const truth = image.platforms ?? registry;
          if (!truth.length) continue;
          for (const claim of platformClaims(text, image.ref)) {
            checked++;
            const says = `${file}:${claim.line} says ${image.ref} is ${claim.platforms.join(", ")}`;
            const has = registry.length ? ` and the registry has ${registry.join(", ")}` : "";
            if (!same(claim.platforms, truth))
              docsWrong.push({
                file,
                line: claim.line,
                text: `${says}, but the workflow builds ${truth.join(", ")}${has}`,
              });
            else if (registry.length && !same(claim.platforms, registry)) {
              registryWrong.push({
                file,
                line: claim.line,
                text: `${says}, as the workflow builds, but the registry has ${registry.join(", ")} (see ${image.id})`,
              });
            }
          }
        }
      }
      if (docsWrong.length || registryWrong.length) {
        const byPlace = (a: { file: string; line: number }, b: { file: string; line: number }) =>
          a.file.localeCompare(b.file) || a.line - b.line;
        const fixes = [
          ...(docsWrong.length
            ? ["correct the deploy docs to the platforms the workflow builds, in the same pass as the release"]
            : []),
          ...(registryWrong.length
            ? [
                `the docs match the workflow but not the registry: re-run the image's job (${kitCommand("release:recover", ["--tag", tag, "--apply"])})`,
              ]
            : []),
        ];
        return fail(
          [...docsWrong, ...registryWrong]
            .sort(byPlace)
            .map((w) => w.text)
            .join("; "),
          fixes.join("; "),
        );
      }
      if (!checked) return skip(`no line in ${summarise(files)} names an image with its platforms`);
      return pass(
        `${checked} line${checked > 1 ? "s" : ""} in ${files.length} doc${files.length > 1 ? "s" : ""} state the platforms the workflow builds and the registry holds`,
      );
    },
  };
}

export const docsChanged: Check<VerifyContext> = {
  id: "docs-changed",
  async run({ r, config, tag }) {
    const previous = await previousTag(r, config.tagPrefix, tag);
    const range = previous ? `${previous}..${tag}` : tag;
    const visible = (await commits(r, range)).filter(
      (c) =>
        /^feat(\(.+\))?!?:/.test(c.subject) || /^\w+(\(.+\))?!:/.test(c.subject) || /BREAKING[ -]CHANGE:/.test(c.body),
    );
    if (!visible.length)
      return pass(`no feat or breaking commits ${previous ? `since ${previous}` : "in this release"}`);
    const changed = previous ? await changedFiles(r, previous, tag) : await filesAt(r, tag);
    const docs = changed.filter((f) => matchAny(config.docs, f));
    if (docs.length)
      return pass(
        `${visible.length} feat/breaking commit${visible.length > 1 ? "s" : ""}, and ${summarise(docs)} changed`,
      );
    return warn(
      `${tag} holds ${visible.length} feat or breaking commit${visible.length > 1 ? "s" : ""} (${visible
        .slice(0, 3)
        .map((c) => c.subject)
        .join("; ")}), but no deploy doc changed ${previous ? `since ${previous}` : ""}`.trim(),
      "if the release changed admin- or user-visible behaviour, update the canonical docs in the same pass",
    );
  },
};
