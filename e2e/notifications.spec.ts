/**
 * System notifications as people see them, in Chromium against the production server: a mention reaches a hidden
 * tab as one notification per conversation and as the title count, and clicking it opens the message.
 *
 * Runs in the "notifications" project (playwright.config.ts): Chromium's lightweight headless shell, which the
 * other specs use, reports the notification permission as "denied" whatever is granted, so this file needs the
 * full browser.
 */
import type { Browser } from "@playwright/test";
import { expect, test } from "./support/test";
import { clickNotification, setTabHidden, shownNotifications } from "./support/attention";
import { openDevice, post, type DeviceOptions } from "./support/devices";
import { serverForThisFile } from "./support/tether-server";

const server = serverForThisFile();

const device = (browser: Browser, username: string, options?: DeviceOptions) => openDevice(browser, server.url, username, options);

test("a mention in a hidden tab shows one notification per conversation, counts in the title, and opens its message when clicked", async ({
  browser,
}) => {
  const ula = await device(browser, "ula", { first: true, notifications: true });
  const vic = await device(browser, "vic", { first: true });
  await vic.createChannel("launch");
  await expect(ula.channel("launch")).toBeVisible();
  // Permission is granted by the browser (the test); the button shows notifications are on, and never asked on load.
  await expect(ula.page.getByRole("button", { name: "Enable notifications" })).toHaveAttribute("aria-pressed", "true");

  await setTabHidden(ula.page, true);
  await post(vic, "launch", "no mention here");
  await post(vic, "launch", "@ula the build is green");
  await post(vic, "launch", "@ula and the release notes?");
  await expect(ula.channel("launch")).toHaveAccessibleName("launch, 3 unread, 2 mentions");
  await expect(ula.page).toHaveTitle("(2) Tether");
  await expect
    .poll(() => shownNotifications(ula.page))
    .toEqual([
      { title: "vic in #launch", body: "@ula the build is green", tag: "launch" },
      { title: "vic in #launch", body: "@ula and the release notes?", tag: "launch" },
    ]);
  // A hidden tab reads nothing: the counts stay.
  await expect(ula.channel("launch")).toHaveAccessibleName("launch, 3 unread, 2 mentions");

  await setTabHidden(ula.page, false);
  await clickNotification(ula.page, 0);
  await expect(ula.channel("launch")).toHaveAttribute("aria-current", "page");
  await expect(ula.item("@ula the build is green")).toHaveAttribute("aria-current", "true");
  await expect(ula.page).toHaveTitle("Tether");
  // Visible again: no notification for what is on screen.
  await post(vic, "launch", "@ula seen it?");
  await expect(ula.item("@ula seen it?")).toBeVisible();
  expect(await shownNotifications(ula.page)).toHaveLength(2);
});
