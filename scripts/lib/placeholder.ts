// Until a command's issue lands, its entry point still does everything that can fail for real
// (flags, target repository, configuration), then says so and exits 2.
import { StartError, type Context } from "./cli.ts";

export async function notImplementedYet(ctx: Context): Promise<number> {
  const { openTarget } = await import("./target.ts");
  const { loadConfig, requireValidConfig } = await import("./config.ts");
  const { root, r } = await openTarget(ctx);
  requireValidConfig(await loadConfig(r, root));
  throw new StartError(`release:${ctx.command} is not implemented yet`, "follow the project's issues; this command lands in its own issue");
}
