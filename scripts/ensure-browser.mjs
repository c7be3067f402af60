// Makes sure Playwright has a Chromium to drive before the end-to-end suite runs.
// Order: a Playwright-managed browser (what most machines have after `npx playwright install`), then the
// system's /usr/bin/chromium, then an install: Playwright's own download, and where that is impossible (no
// access to its CDN) Debian's chromium package when running as root.
import { execSync } from "node:child_process";
import fs from "node:fs";
import { chromium } from "@playwright/test";

const SYSTEM_CHROMIUM = "/usr/bin/chromium";

function hasBrowser() {
  try {
    if (fs.existsSync(chromium.executablePath())) return true;
  } catch {
    // executablePath() throws when no browser revision is registered; the system browser may still exist.
  }
  return fs.existsSync(SYSTEM_CHROMIUM);
}

function attempt(command) {
  try {
    console.log(`[ensure-browser] ${command}`);
    execSync(command, { stdio: "inherit", timeout: 300_000 });
    return true;
  } catch {
    return false;
  }
}

if (hasBrowser()) process.exit(0);
console.log("[ensure-browser] No Chromium found for Playwright; installing one.");
if (attempt("npx playwright install chromium") && hasBrowser()) process.exit(0);
const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
if (isRoot && fs.existsSync("/usr/bin/apt-get")) {
  attempt("apt-get update -qq");
  if (attempt("DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium") && hasBrowser()) process.exit(0);
}
console.error(
  "[ensure-browser] Could not install a browser. Run `npx playwright install chromium`, or install your " +
    "distribution's chromium package so that /usr/bin/chromium exists, then run the tests again.",
);
process.exit(1);
