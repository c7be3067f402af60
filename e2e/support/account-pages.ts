/**
 * Accounts in the browser, by the accessible names the UI promises: the /sign-up and /sign-in forms ("Username",
 * "Password", "Create account" / "Sign in"), the header ("Sign out", "Sign in"), and /settings.
 */
import { expect, type Browser, type Page } from "@playwright/test";
import { ChatPage } from "./chat-page";
import { recordConnectionDiary } from "./connection-diary";

export async function fillAccountForm(page: Page, username: string, password: string): Promise<void> {
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
}

/** Signs up on /sign-up and waits for the chat to open as the new account, live. */
export async function signUp(page: Page, url: string, username: string, password: string): Promise<ChatPage> {
  await recordConnectionDiary(page, username);
  await page.goto(`${url}/sign-up`);
  await fillAccountForm(page, username, password);
  await page.getByRole("button", { name: "Create account" }).click();
  return chatOpenedAs(page, url, username);
}

export async function signIn(page: Page, url: string, username: string, password: string): Promise<ChatPage> {
  await recordConnectionDiary(page, username);
  await page.goto(`${url}/sign-in`);
  await fillAccountForm(page, username, password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  return chatOpenedAs(page, url, username);
}

export async function chatOpenedAs(page: Page, url: string, username: string): Promise<ChatPage> {
  await expect(page).toHaveURL(`${url}/`);
  const account = page.getByRole("navigation", { name: "Account" });
  await expect(account).toContainText(username);
  await expect(account.getByRole("button", { name: "Sign out" })).toBeVisible();
  const chat = new ChatPage(page);
  await chat.expectConnected();
  return chat;
}

/** A browser context of its own (a second device), signed in as `username`. */
export async function signedInDevice(browser: Browser, url: string, username: string, password: string): Promise<ChatPage> {
  const context = await browser.newContext();
  return signIn(await context.newPage(), url, username, password);
}

/** The localStorage entries of a page's origin. */
export function storageKeys(page: Page): Promise<string[]> {
  return page.evaluate(() => Object.keys(window.localStorage));
}
