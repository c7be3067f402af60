/** Devices (one browser context each) signed in to a spec's server, and posting as one of them. */
import { expect, type Browser } from "@playwright/test";
import { signIn, signUp } from "./account-pages";
import { recordNotifications } from "./attention";
import type { ChatPage } from "./chat-page";

export interface DeviceOptions {
  /** Sign up (the account's first device) rather than sign in. */
  first?: boolean;
  /** Grant the notification permission and record the notifications shown (see attention.ts). */
  notifications?: boolean;
}

/** A device of its own (a browser context) for `username`: signed up the first time, signed in after that. */
export async function openDevice(
  browser: Browser,
  url: string,
  username: string,
  { first = false, notifications = false }: DeviceOptions = {},
): Promise<ChatPage> {
  const context = await browser.newContext();
  if (notifications) await recordNotifications(context, url);
  const page = await context.newPage();
  const password = `${username}-password`;
  return first ? signUp(page, url, username, password) : signIn(page, url, username, password);
}

/** Sends in `channel` and waits until the server stored it. */
export async function post(chat: ChatPage, channel: string, text: string): Promise<void> {
  await chat.switchTo(channel);
  await chat.send(text);
  await expect(chat.item(text)).toHaveAttribute("data-status", "sent");
}
