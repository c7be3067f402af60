import path from "node:path";
import { defineConfig } from "vitest/config";

// scripts/test-repeat.mjs sets TEST_REPORT_DIR to collect each run's results as JSON next to its log.
const reportDir = process.env.TEST_REPORT_DIR;

export default defineConfig({
  test: {
    // Playwright specs live in e2e/ and run under Playwright, not here.
    include: ["lib/**/*.test.ts", "db/**/*.test.ts", "test/**/*.test.ts", "components/**/*.test.tsx"],
    // Probes PostgreSQL/Redis once: the scale-out suite runs, is skipped with a reason, or fails under CI.
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    maxWorkers: 2,
    reporters: reportDir ? ["default", ["json", { outputFile: path.join(reportDir, "vitest.json") }]] : ["default"],
  },
});
