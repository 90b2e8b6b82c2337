// A GitHub sandbox to explore by hand: runs in the foreground until Ctrl-C or SIGTERM, then stops
// everything it started and removes its scratch folder.
import { command, StartError } from "./lib/cli.ts";
import { presetHelp } from "./sandbox/presets.ts";

void command(
  {
    name: "sandbox",
    section: "(tests and exploration)",
    summary:
      "Start a local GitHub sandbox (REST API, OCI registry, bare origin) on a fresh example repository, and print how to use it.",
    flags: [
      { name: "scenario", type: "string", value: "NAME", help: "start in one of the worlds below (default: default)" },
    ],
    more: presetHelp(),
  },
  async (ctx) => {
    if (ctx.flags.repo)
      throw new StartError(
        "the sandbox always starts on a fresh example repository",
        `to rehearse your own repository: ${(await import("./lib/hint.ts")).kitCommand("release:rehearse", ["--repo", "PATH"])}`,
      );
    const { PRESETS } = await import("./sandbox/presets.ts");
    const { REMOVE, startSandbox } = await import("./sandbox/index.ts");
    const { write } = await import("./lib/output.ts");
    const name = (ctx.flags.scenario as string | undefined) ?? "default";
    const preset = PRESETS[name];
    if (!preset) throw new StartError(`unknown scenario ${name}`, `pick one of: ${Object.keys(PRESETS).join(", ")}`);

    const sandbox = await startSandbox({ scenario: preset.scenario, example: preset.example ?? {}, history: true });
    // Stops on Ctrl-C, on SIGTERM or SIGHUP, and when whoever started it is gone.
    const { removeWhenGone, watchAncestors } = await import("./sandbox/lifeline.ts");
    removeWhenGone(sandbox.dir);
    const lifeline = watchAncestors();
    const stopped = new Promise<string>((resolve) => {
      for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.once(signal, () => resolve(signal));
      void lifeline.gone.then((pid) => resolve(`process ${pid}, which started the sandbox, is gone`));
    });
    if (ctx.json) {
      process.stdout.write(
        `${JSON.stringify({
          api_url: sandbox.apiUrl,
          token: sandbox.token,
          repository: sandbox.repository,
          registry_url: sandbox.registryUrl,
          repo_path: sandbox.repoPath,
          path_prepend: sandbox.pathPrepend,
          images: sandbox.images,
        })}\n`,
      );
    } else {
      const { sh } = await import("./lib/hint.ts");
      const { KIT_ROOT } = await import("./lib/kit-root.ts");
      const { join } = await import("node:path");
      const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
      const launcher = join(KIT_ROOT, "scripts", "release-kit");
      const exports = [
        `export GITHUB_API_URL=${q(sandbox.apiUrl)}`,
        `export GITHUB_TOKEN=${q(sandbox.token)}`,
        `export GITHUB_REPOSITORY=${q(sandbox.repository)}`,
        `export RELEASE_REGISTRY_URL=${q(sandbox.registryUrl)}`,
        ...(sandbox.pathPrepend ? [`export PATH=${q(sandbox.pathPrepend)}:"$PATH"`] : []),
      ];
      process.stdout.write(`${exports.join("\n")}\n`);
      write(`sandbox "${name}" is ready. Paste the export lines above into another shell; then, from any folder:`);
      for (const command of ["preflight", "release", "verify", "recover"])
        write(`  ${sh(launcher, command, "--repo", sandbox.repoPath!)}`);
      write(`(the example repository is ${sandbox.repoPath}; add --help to any command for its flags)`);
      if (sandbox.standins.length)
        write(`stand-ins in use for ${sandbox.standins.join(", ")} (the real tools are not on PATH)`);
      write("Ctrl-C stops it and removes its scratch folder.");
    }
    const why = await stopped;
    // Whoever read our output may be gone already (mise exits on Ctrl-C before we do): a write to a
    // closed pipe must not stop the cleanup half-way.
    for (const stream of [process.stdout, process.stderr]) stream.on("error", () => {});
    lifeline.stop();
    // Stopping is bounded: whatever still holds on, the scratch folder goes and the process ends,
    // even if stopping itself fails (its error is reported, and the process still ends).
    try {
      const { rmSync } = await import("node:fs");
      await Promise.race([sandbox.stop(), new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
      rmSync(sandbox.dir, REMOVE);
    } finally {
      // A connection some client left open must not keep the process alive once everything is stopped.
      setTimeout(() => process.exit(), 1_000).unref();
    }
    if (!ctx.json) write(`sandbox stopped (${why}); its scratch folder is removed`);
    return 0;
  },
);
