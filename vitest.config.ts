import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    environment: "node",
    // Native SQLite handles and child processes: forks isolate them cleanly.
    pool: "forks",
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
