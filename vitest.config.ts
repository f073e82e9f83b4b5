import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["test/setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Lab tests build network namespaces; running files in parallel is fine because every
    // lab object is named uniquely per run.
    pool: "forks",
  },
});
