/**
 * A tab's visibility and the system notifications it shows, for specs of read state and notifications. Headless
 * Chromium keeps every page visible, so hiding a tab is simulated the way the page observes it: `visibilityState`
 * and `hidden` report it and a `visibilitychange` event announces it. Notifications are recorded by an init script
 * that wraps `window.Notification` (each one is still really created).
 */
import type { BrowserContext, Page } from "@playwright/test";

export interface ShownNotification {
  title: string;
  body: string;
  tag: string;
}

declare global {
  interface Window {
    shownNotifications?: Array<ShownNotification & { notification: Notification }>;
  }
}

/** Grants the notification permission to the context and records every notification its pages show. */
export async function recordNotifications(context: BrowserContext, origin: string): Promise<void> {
  await context.grantPermissions(["notifications"], { origin });
  await context.addInitScript(() => {
    const Original = window.Notification;
    const shown: NonNullable<Window["shownNotifications"]> = [];
    window.shownNotifications = shown;
    class Recorded extends Original {
      constructor(title: string, options?: NotificationOptions) {
        super(title, options);
        shown.push({ title, body: options?.body ?? "", tag: options?.tag ?? "", notification: this });
      }
    }
    Object.defineProperty(Recorded, "permission", { get: () => Original.permission });
    Object.defineProperty(Recorded, "requestPermission", { value: Original.requestPermission.bind(Original) });
    window.Notification = Recorded;
  });
}

export function shownNotifications(page: Page): Promise<ShownNotification[]> {
  return page.evaluate(() => (window.shownNotifications ?? []).map(({ title, body, tag }) => ({ title, body, tag })));
}

/** Clicks the `index`th notification the page showed, as the system would on a click. */
export async function clickNotification(page: Page, index: number): Promise<void> {
  await page.evaluate((i) => {
    const notification = window.shownNotifications![i]!.notification;
    notification.onclick?.call(notification, new Event("click"));
  }, index);
}

/** The tab is hidden (another tab in front, or the window minimised) or shown again. */
export async function setTabHidden(page: Page, hidden: boolean): Promise<void> {
  await page.evaluate((isHidden) => {
    Object.defineProperty(document, "visibilityState", { configurable: true, get: () => (isHidden ? "hidden" : "visible") });
    Object.defineProperty(document, "hidden", { configurable: true, get: () => isHidden });
    document.dispatchEvent(new Event("visibilitychange"));
  }, hidden);
}
