import fs from "node:fs";
import path from "node:path";
import { chromium, defineConfig, devices } from "@playwright/test";

/**
 * Prefer a Playwright-managed Chromium; fall back to the system's (Debian's /usr/bin/chromium) where Playwright
 * cannot download its own.
 */
function systemChromium(): string | undefined {
  try {
    if (fs.existsSync(chromium.executablePath())) return undefined;
  } catch {
    // no managed browser registered: fall through to the system one
  }
  return fs.existsSync("/usr/bin/chromium") ? "/usr/bin/chromium" : undefined;
}

const executablePath = systemChromium();
// scripts/test-repeat.mjs sets TEST_REPORT_DIR to collect each run's results as JSON next to its log.
const reportDir = process.env.TEST_REPORT_DIR;

export default defineConfig({
  testDir: "./e2e",
  testMatch: /.*\.spec\.ts/,
  // Each test file starts its own production server on a fresh SQLite file; two workers fit 2 cores.
  workers: 2,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [
    ["list"],
    ["html", { open: "never" }],
    ...(reportDir ? [["json", { outputFile: path.join(reportDir, "playwright.json") }] as const] : []),
  ],
  outputDir: "test-results",
  use: {
    ...devices["Desktop Chrome"],
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: executablePath
      ? {
          executablePath,
          args: [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
          ],
        }
      : {},
  },
});
