// Makes sure Playwright has a Chromium to drive before the end-to-end suite runs.
// A Playwright-managed browser (what most machines have after `npx playwright install chromium`) is enough.
// Otherwise Debian's two packages (see system-chromium.mjs): the headless shell most specs run in, and the full
// chromium that notifications.spec.ts needs; when running as root, missing ones are installed with apt. With
// neither and no apt, Playwright's own download is tried.
import { execSync } from "node:child_process";
import fs from "node:fs";
import { SYSTEM_CHROMIUMS, hasManagedChromium, systemChromium } from "./system-chromium.mjs";

function attempt(command) {
  try {
    console.log(`[ensure-browser] ${command}`);
    execSync(command, { stdio: "inherit", timeout: 300_000 });
    return true;
  } catch {
    return false;
  }
}

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
const canApt = isRoot && fs.existsSync("/usr/bin/apt-get");
const aptInstall = (pkg) => attempt(`DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${pkg}`);

if (hasManagedChromium()) process.exit(0);
const missing = SYSTEM_CHROMIUMS.filter((candidate) => !fs.existsSync(candidate.path));
if (missing.length > 0 && canApt) {
  console.log(`[ensure-browser] Installing ${missing.map((c) => c.aptPackage).join(" and ")} for Playwright.`);
  if (!missing.every(({ aptPackage }) => aptInstall(aptPackage))) {
    attempt("apt-get update -qq");
    for (const { aptPackage, path } of missing) if (!fs.existsSync(path)) aptInstall(aptPackage);
  }
}
if (systemChromium() !== undefined) process.exit(0);
console.log("[ensure-browser] No Chromium found for Playwright; trying its own download.");
if (attempt("npx playwright install chromium") && hasManagedChromium()) process.exit(0);
console.error(
  "[ensure-browser] Could not install a browser. Run `npx playwright install chromium`, or install your " +
    `distribution's ${SYSTEM_CHROMIUMS.map((c) => c.aptPackage).join(" and ")} packages, then run the tests again.`,
);
process.exit(1);
