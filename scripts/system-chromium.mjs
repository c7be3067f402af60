// Which Chromium Playwright drives where it cannot download its own (no access to its CDN), shared by the
// end-to-end config, scripts/ensure-browser.mjs and the browser bench so the three cannot disagree.
//
// Order: a Playwright-managed browser (returns undefined: let Playwright use it), then Debian's
// chromium-headless-shell (the same lightweight "old headless" build Playwright itself uses for headless runs),
// then Debian's full /usr/bin/chromium. The full browser in new-headless mode runs a browser process, a GPU
// process and a WebUI renderer besides each page; with two test workers on two cores it kept the load average
// near 20 and pushed ordinary tests past their timeout (issue 11). The headless shell runs the same Blink and V8.
import fs from "node:fs";
import { chromium } from "@playwright/test";

/** Debian's packages, in order of preference; `apt-get install` names and the binaries they provide. */
export const SYSTEM_CHROMIUMS = [
  { aptPackage: "chromium-headless-shell", path: "/usr/lib/chromium/chromium-headless-shell" },
  { aptPackage: "chromium", path: "/usr/bin/chromium" },
];

export function hasManagedChromium() {
  try {
    return fs.existsSync(chromium.executablePath());
  } catch {
    // executablePath() throws when no browser revision is registered.
    return false;
  }
}

/** The system Chromium to launch, or undefined when Playwright has its own (or when there is none at all). */
export function systemChromium() {
  if (hasManagedChromium()) return undefined;
  return SYSTEM_CHROMIUMS.find((candidate) => fs.existsSync(candidate.path))?.path;
}

/**
 * The full browser, for what the headless shell lacks: it reports the notification permission as "denied" whatever
 * is granted. Launch options: Playwright's own full Chromium where it manages browsers (`npx playwright install
 * chromium` brings both), else Debian's full chromium, else whatever system Chromium there is.
 */
export function fullChromiumLaunch() {
  if (hasManagedChromium()) return { channel: "chromium" };
  const full = SYSTEM_CHROMIUMS.find((candidate) => candidate.aptPackage === "chromium");
  return { executablePath: full && fs.existsSync(full.path) ? full.path : systemChromium() };
}
