// A GitHub sandbox to explore by hand: runs in the foreground until Ctrl-C or SIGTERM, then stops
// everything it started and removes its scratch folder.
import { command, StartError } from "./lib/cli.ts";
import { presetHelp } from "./sandbox/presets.ts";

await command(
  {
    name: "sandbox",
    section: "(tests and exploration)",
    summary: "Start a local GitHub sandbox (REST API, OCI registry, bare origin) on a fresh example repository, and print how to use it.",
    flags: [{ name: "scenario", type: "string", value: "NAME", help: "start in one of the worlds below (default: default)" }],
    more: presetHelp(),
  },
  async (ctx) => {
    if (ctx.flags.repo) throw new StartError("the sandbox always starts on a fresh example repository", "to rehearse your own repository: mise run release:rehearse -- --repo PATH");
    const { PRESETS } = await import("./sandbox/presets.ts");
    const { startSandbox } = await import("./sandbox/index.ts");
    const { write } = await import("./lib/output.ts");
    const name = (ctx.flags.scenario as string | undefined) ?? "default";
    const preset = PRESETS[name];
    if (!preset) throw new StartError(`unknown scenario ${name}`, `pick one of: ${Object.keys(PRESETS).join(", ")}`);

    const sandbox = await startSandbox({ scenario: preset.scenario, example: preset.example ?? {}, history: true });
    const stopped = new Promise<void>((resolve) => {
      process.once("SIGINT", resolve);
      process.once("SIGTERM", resolve);
    });
    if (ctx.json) {
      process.stdout.write(
        JSON.stringify({ api_url: sandbox.apiUrl, token: sandbox.token, repository: sandbox.repository, registry_url: sandbox.registryUrl, repo_path: sandbox.repoPath, path_prepend: sandbox.pathPrepend, images: sandbox.images }) + "\n",
      );
    } else {
      const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
      const lines = [
        `export GITHUB_API_URL=${q(sandbox.apiUrl)}`,
        `export GITHUB_TOKEN=${q(sandbox.token)}`,
        `export GITHUB_REPOSITORY=${q(sandbox.repository)}`,
        `export RELEASE_REGISTRY_URL=${q(sandbox.registryUrl)}`,
        ...(sandbox.pathPrepend ? [`export PATH=${q(sandbox.pathPrepend)}:"$PATH"`] : []),
        `cd ${q(sandbox.repoPath!)}`,
      ];
      process.stdout.write(lines.join("\n") + "\n");
      write(`sandbox "${name}" is ready: paste the lines above into another shell, then run the kit's tasks there (--repo is the example).`);
      if (sandbox.standins.length) write(`stand-ins in use for ${sandbox.standins.join(", ")} (the real tools are not on PATH)`);
      write("Ctrl-C stops it and removes its scratch folder.");
    }
    await stopped;
    await sandbox.stop();
    return 0;
  },
);
