import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    root: fileURLToPath(new URL("..", import.meta.url)),
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    // Integration tests drive real git, mise and HTTP servers: seconds, not milliseconds, and many
    // times that on a loaded machine. The limits catch a hang; they never measure speed.
    testTimeout: 600_000,
    hookTimeout: 600_000,
    pool: "forks",
    // Much of a test's time is spent waiting on the processes it drives (the kit, git, the sandbox's
    // workflow runs), so files run side by side even on two cores: five at a time keep both cores
    // busy (measured: 604 s with three, 545 s with five, on a quiet 2-core machine).
    maxWorkers: 5,
    env: { CI: "1" },
    // GitHub's workflow parser imports its JSON schema without an import attribute: Node refuses that,
    // so vite transforms the package as the kit's build (esbuild) and tsx do.
    server: { deps: { inline: ["@actions/workflow-parser"] } },
  },
});
