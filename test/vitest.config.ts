import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    root: fileURLToPath(new URL("..", import.meta.url)),
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    // Integration tests drive real git, mise and HTTP servers: seconds, not milliseconds.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    env: { CI: "1" },
  },
});
