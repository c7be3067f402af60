import path from "node:path";
import { defineConfig, devices } from "@playwright/test";
import { fullChromiumLaunch, systemChromium } from "./scripts/system-chromium.mjs";

// Debian's Chromium (see scripts/system-chromium.mjs) is run without its sandbox and background services.
const SYSTEM_CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

function launchOptions({ channel, executablePath }: { channel?: string; executablePath?: string }) {
  return { ...(channel ? { channel } : {}), launchOptions: executablePath ? { executablePath, args: SYSTEM_CHROMIUM_ARGS } : {} };
}
const NOTIFICATIONS_SPEC = /notifications\.spec\.ts$/;
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
    // DOM snapshots and the action log explain a failure; the per-frame screencast costs a core's worth of CPU
    // across two workers and was part of what pushed tests past their timeout on a loaded machine (issue 11).
    trace: { mode: "retain-on-failure", screenshots: false, snapshots: true },
    screenshot: "only-on-failure",
  },
  projects: [
    // A Playwright-managed Chromium where there is one, else Debian's headless shell (or its full chromium).
    { name: "chromium", testIgnore: NOTIFICATIONS_SPEC, use: launchOptions({ executablePath: systemChromium() }) },
    // The headless shell denies notifications whatever is granted: this one file runs in the full browser.
    { name: "notifications", testMatch: NOTIFICATIONS_SPEC, use: launchOptions(fullChromiumLaunch()) },
  ],
});
