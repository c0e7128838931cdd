import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    environment: "node",
    // Native SQLite handles and child processes: forks isolate them cleanly.
    pool: "forks",
    // Timeouts catch hangs; they are not budgets (benchmarks measure those). A shared
    // 2-core CI machine ran the 100,000-input BLE fuzz in 20.1 s once, three times its
    // usual time, so a test gets a minute.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
