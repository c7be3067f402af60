/**
 * Accounts as people use them, in Chromium against the production server: sign-up and sign-in, one account on
 * two devices, sign-out, the settings page (sessions and tokens), and the rule for what a browser keeps: one
 * identity's local state is never shown to, nor sent as, another.
 */
import type { Page } from "@playwright/test";
import { expect, test } from "./support/test";
import { fillAccountForm, signIn, signUp, signedInDevice, storageKeys } from "./support/account-pages";
import { ChatPage } from "./support/chat-page";
import { connectWithToken } from "./support/script-client";
import { serverForThisFile } from "./support/tether-server";

const server = serverForThisFile();

async function newPage(page: Page): Promise<Page> {
  return (await page.context().browser()!.newContext()).newPage();
}

test("signs up: the chat opens as the account, with the username and Sign out in the header", async ({ page }) => {
  const chat = await signUp(page, server.url, "alice", "alice-password");
  await chat.send("Hello, I have an account now");
  await expect(chat.item("Hello, I have an account now")).toHaveAttribute("data-status", "sent");
  await expect(chat.item("Hello, I have an account now")).toContainText("alice");
  expect(server.storedMessages().at(-1)).toMatchObject({ content: "Hello, I have an account now", authorName: "alice" });
  // The display name stays for everyone: an account's starts as its username.
  await expect(chat.displayName).toHaveAttribute("placeholder", "alice");
});

test("a failed sign-in or sign-up shows the reason in an alert", async ({ page }) => {
  await signUp(page, server.url, "bruno", "bruno-password");
  const other = await newPage(page);
  await other.goto(`${server.url}/sign-in`);
  await fillAccountForm(other, "bruno", "not the password");
  await other.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(other.getByRole("alert")).toHaveText("Invalid username or password");
  await expect(other).toHaveURL(`${server.url}/sign-in`);

  await other.goto(`${server.url}/sign-up`);
  await fillAccountForm(other, "Bruno", "another password");
  await other.getByRole("button", { name: "Create account" }).click();
  await expect(other.getByRole("alert")).toContainText("already taken");
  await fillAccountForm(other, "no spaces allowed", "another password");
  await other.getByRole("button", { name: "Create account" }).click();
  await expect(other.getByRole("alert")).toContainText("3-32 characters");
});

test("one account on two devices is one identity, and signing out leaves the other device signed in", async ({ page, browser }) => {
  const laptop = await signUp(page, server.url, "carla", "carla-password");
  const phone = await signedInDevice(browser, server.url, "carla", "carla-password");

  await laptop.send("Sent from the laptop");
  await expect(phone.item("Sent from the laptop")).toContainText("carla");
  await phone.send("Sent from the phone");
  await expect(laptop.item("Sent from the phone")).toContainText("carla");
  const stored = server.storedMessages().filter((m) => m.content.startsWith("Sent from the"));
  expect(stored.map((m) => m.authorName)).toEqual(["carla", "carla"]);

  const accountKey = (await storageKeys(laptop.page)).find((key) => key.startsWith("tether:account:"));
  expect(accountKey).toBeDefined();
  await laptop.page.getByRole("button", { name: "Sign out" }).click();
  await expect(laptop.page.getByRole("navigation", { name: "Account" }).getByRole("link", { name: "Sign in" })).toBeVisible();
  await new ChatPage(laptop.page).expectConnected();
  // What the account kept in this browser is gone with it.
  expect(await storageKeys(laptop.page)).not.toContain(accountKey);

  await phone.page.reload();
  await expect(phone.page.getByRole("navigation", { name: "Account" })).toContainText("carla");
  await phone.expectConnected();
});

test("settings: a token is created, shown once, used by a script, and revoked — which closes the script's connection", async ({ page }) => {
  await signUp(page, server.url, "dora", "dora-password");
  await page.getByRole("link", { name: "Settings" }).click();
  await expect(page).toHaveURL(`${server.url}/settings`);
  await page.getByRole("button", { name: "New token" }).click();
  await page.getByRole("textbox", { name: "Token name" }).fill("deploy bot");
  await page.getByRole("button", { name: "Create token" }).click();
  const shown = page.getByRole("textbox", { name: /Your new token/ });
  const token = await shown.inputValue();
  expect(token).toMatch(/^tether_pat_/);
  await expect(page.getByRole("list", { name: "Access tokens" })).toContainText("deploy bot");

  // Shown once: the list keeps its name and a prefix, never the token.
  await page.reload();
  await expect(page.getByRole("list", { name: "Access tokens" })).toContainText("deploy bot");
  expect(await page.content()).not.toContain(token);

  const script = connectWithToken(server.url, token);
  await script.ready();
  expect(script.sessions[0]!.user.username).toBe("dora");
  const closed = new Promise<string>((resolve) => script.socket.once("disconnect", resolve));
  await page.getByRole("button", { name: "Revoke deploy bot" }).click();
  expect(await closed).toBe("io server disconnect");
  await expect(page.getByRole("list", { name: "Access tokens" })).toHaveCount(0);

  const again = connectWithToken(server.url, token);
  const refused = await new Promise<Error & { data?: { code?: string } }>((resolve) => again.socket.once("connect_error", resolve));
  expect(refused.data?.code).toBe("unauthorized");
  again.close();
});

test("settings: the session list, and Sign out everywhere signs out every device", async ({ page, browser }) => {
  const laptop = await signUp(page, server.url, "emil", "emil-password");
  const phone = await signedInDevice(browser, server.url, "emil", "emil-password");

  await laptop.page.goto(`${server.url}/settings`);
  const sessions = laptop.page.getByRole("list", { name: "Sessions" });
  await expect(sessions.getByRole("listitem")).toHaveCount(2);
  await expect(sessions).toContainText("This browser");
  await laptop.page.getByRole("button", { name: "Sign out everywhere" }).click();
  await expect(laptop.page.getByRole("navigation", { name: "Account" }).getByRole("link", { name: "Sign in" })).toBeVisible();

  // The phone's connection is closed by the server; the page finds itself a guest and starts over as one.
  await expect(phone.page.getByRole("navigation", { name: "Account" }).getByRole("link", { name: "Sign in" })).toBeVisible();
  await phone.expectConnected();
});

test("an account's unsent messages are never shown to, nor sent as, whoever uses the browser next", async ({ page }) => {
  const fay = await signUp(page, server.url, "fay", "fay-password");
  await fay.page.getByRole("button", { name: "Disconnect" }).click();
  await fay.send("fay's unsent draft");
  await expect(fay.item("fay's unsent draft")).toHaveAttribute("data-status", "pending");

  // Fay signs out (her draft is dropped with her local state), and Gus signs in on the same browser.
  await fay.page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("navigation", { name: "Account" }).getByRole("link", { name: "Sign in" })).toBeVisible();
  await page.goto(`${server.url}/sign-up`);
  await fillAccountForm(page, "gus", "gus-password");
  await page.getByRole("button", { name: "Create account" }).click();
  const gus = new ChatPage(page);
  await gus.expectConnected();
  await gus.send("gus was here");
  await expect(gus.item("gus was here")).toHaveAttribute("data-status", "sent");
  await expect(gus.item("fay's unsent draft")).toHaveCount(0);
  expect(server.storedContents("general")).not.toContain("fay's unsent draft");
});

test("a device whose session was ended elsewhere keeps its unsent messages for the account, and sends them as it on sign-in", async ({
  page,
  browser,
}) => {
  const hana = await signUp(page, server.url, "hana", "hana-password");
  const other = await signedInDevice(browser, server.url, "hana", "hana-password");
  await hana.page.getByRole("button", { name: "Disconnect" }).click();
  await hana.send("written while away");
  await expect(hana.item("written while away")).toHaveAttribute("data-status", "pending");

  await other.page.goto(`${server.url}/settings`);
  await other.page.getByRole("button", { name: "Sign out everywhere" }).click();

  // Back online, the first device learns it is a guest now: the page starts over as one, without the draft.
  await hana.page.getByRole("button", { name: "Connect" }).click();
  await expect(page.getByRole("navigation", { name: "Account" }).getByRole("link", { name: "Sign in" })).toBeVisible();
  const guest = new ChatPage(page);
  await guest.expectConnected();
  await expect(guest.item("written while away")).toHaveCount(0);
  expect(server.storedContents("general")).not.toContain("written while away");

  // Hana signs in again on that device: her draft is sent, as her.
  const back = await signIn(page, server.url, "hana", "hana-password");
  await expect(back.item("written while away")).toHaveAttribute("data-status", "sent");
  expect(server.storedMessages("general").find((m) => m.content === "written while away")?.authorName).toBe("hana");
});
