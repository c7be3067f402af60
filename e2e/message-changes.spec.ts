/**
 * Edits, deletions, reactions and replies between two people (issue 15): seen by the other person after they were
 * offline and after a reload; made offline, they wait in the outbox (through a reload) and are applied once, in the
 * order made; a refused edit rolls back and says why.
 */
import type { Browser, BrowserContext, Locator, Page } from "@playwright/test";
import { expect, test } from "./support/test";
import { signUp } from "./support/account-pages";
import { ChatPage } from "./support/chat-page";
import { deleteMessage, editMessage, reactTo } from "./support/message-actions";
import { serverForThisFile } from "./support/tether-server";

const server = serverForThisFile({ env: { SOCKET_PING_INTERVAL_MS: "10000", SOCKET_PING_TIMEOUT_MS: "10000" } });

async function person(browser: Browser, name: string): Promise<{ chat: ChatPage; context: BrowserContext }> {
  const context = await browser.newContext();
  const chat = new ChatPage(await context.newPage());
  await chat.open(server.url, name);
  return { chat, context };
}

const CHANGE_EVENTS = ["message:send", "message:edit", "message:delete", "reaction:add", "reaction:remove"];

/** Every mutation frame the page writes to its WebSockets (across reloads), as "event content-or-emoji-or-id". */
function recordMutations(page: Page, log: string[]): void {
  page.on("websocket", (ws) =>
    ws.on("framesent", ({ payload }) => {
      const match = /^42\d*\["([a-z:]+)",(.*)\]$/s.exec(String(payload));
      if (!match || !CHANGE_EVENTS.includes(match[1]!)) return;
      const body = JSON.parse(match[2]!) as { content?: string; emoji?: string; clientOffset: string };
      log.push(`${match[1]} ${body.content ?? body.emoji ?? ""} ${body.clientOffset}`);
    }),
  );
}

/** A message by its server id: its text changes (or goes) with edits and deletion. */
async function idOf(item: Locator): Promise<string> {
  await expect(item).toHaveAttribute("data-message-id", /^\d+$/);
  return (await item.getAttribute("data-message-id"))!;
}
const byId = (chat: ChatPage, id: string) => chat.log.locator(`[data-message-id="${id}"]`);

test("edit, react, reply and delete while the other person is offline: seen when they are back, and after a reload", async ({ browser }) => {
  const { chat: alice } = await person(browser, "Alice");
  const { chat: bob, context: bobContext } = await person(browser, "Bob");
  await bob.send("mc1 hello");
  await expect(alice.item("mc1 hello")).toBeVisible();
  await alice.send("mc1 mine");
  await alice.send("mc1 doomed");
  await expect(bob.item("mc1 doomed")).toBeVisible();
  const doomed = await idOf(alice.item("mc1 doomed"));

  await bobContext.setOffline(true);
  await expect(bob.status).toContainText("Offline");
  await editMessage(alice, alice.item("mc1 mine"), "mc1 mine, *changed*");
  await expect(alice.item("mc1 mine, changed").getByText("edited", { exact: true })).toBeVisible();
  await reactTo(alice, alice.item("mc1 hello"), "👍");
  await expect(alice.item("mc1 hello").getByRole("button", { name: "👍 1" })).toHaveAttribute("aria-pressed", "true");
  await alice.item("mc1 hello").hover();
  await alice.item("mc1 hello").getByRole("button", { name: "Reply" }).click();
  await expect(alice.page.getByText("Replying to Bob")).toBeVisible();
  await alice.send("mc1 answer");
  await expect(alice.page.getByText("Replying to Bob")).toBeHidden();
  await deleteMessage(alice, alice.item("mc1 doomed"));
  await expect(byId(alice, doomed)).toContainText("This message was deleted");
  await expect(alice.item("mc1 answer")).toHaveAttribute("data-status", "sent");

  await bobContext.setOffline(false);
  await bob.expectConnected();
  const check = async () => {
    await expect(bob.item("mc1 mine, changed").getByText("edited", { exact: true })).toBeVisible();
    await expect(bob.item("mc1 mine")).toHaveCount(0);
    await expect(bob.item("mc1 hello").getByRole("button", { name: "👍 1" })).toHaveAttribute("aria-pressed", "false");
    await expect(bob.item("mc1 answer").getByRole("button", { name: "Jump to message" })).toContainText("mc1 hello");
    await expect(bob.item("mc1 doomed")).toHaveCount(0);
    await expect(byId(bob, doomed)).toContainText("This message was deleted");
  };
  await check();

  // Bob's reaction joins Alice's; both see the count, each their own pressed state.
  await bob.item("mc1 hello").getByRole("button", { name: "👍 1" }).click();
  await expect(bob.item("mc1 hello").getByRole("button", { name: "👍 2" })).toHaveAttribute("aria-pressed", "true");
  await expect(alice.item("mc1 hello").getByRole("button", { name: "👍 2" })).toHaveAttribute("aria-pressed", "true");
  await bob.item("mc1 hello").getByRole("button", { name: "👍 2" }).click();
  await expect(alice.item("mc1 hello").getByRole("button", { name: "👍 1" })).toBeVisible();

  await bob.page.reload();
  await bob.expectConnected();
  await check();
});

test("changes made offline wait in the outbox through a reload, then are applied once, in the order made", async ({ browser }) => {
  const { chat: alice } = await person(browser, "Alice");
  const { chat: bob } = await person(browser, "Bob");
  const sent: string[] = [];
  recordMutations(alice.page, sent);
  await alice.send("mc2 old");
  await expect(bob.item("mc2 old")).toBeVisible();
  const old = await idOf(alice.item("mc2 old"));

  await alice.page.getByRole("button", { name: "Disconnect" }).click();
  await expect(alice.status).toContainText("Offline");
  await alice.send("mc2 draft");
  // A change to a message that is itself still unsent waits behind it.
  await editMessage(alice, alice.item("mc2 draft"), "mc2 final");
  await reactTo(alice, alice.item("mc2 final"), "🎉");
  await deleteMessage(alice, alice.item("mc2 old"));
  await expect(alice.status).toContainText("3 changes waiting to be saved");
  await expect(alice.item("mc2 final").getByText("Saving…")).toBeVisible();

  await alice.page.reload();
  await alice.expectConnected();
  for (const chat of [alice, bob]) {
    await expect(chat.item("mc2 final").getByText("edited", { exact: true })).toBeVisible();
    await expect(chat.item("mc2 final").getByRole("button", { name: "🎉 1" })).toBeVisible();
    await expect(byId(chat, old)).toContainText("This message was deleted");
  }
  await expect(alice.status).not.toContainText("waiting");
  const tagged = sent.filter((line) => !line.startsWith("message:send mc2 old"));
  // Each once, in the order made: the send, then the edit (it needed the send's id), the reaction, the deletion.
  expect(tagged.map((line) => line.split(" ").slice(0, 2).join(" "))).toEqual([
    "message:send mc2",
    "message:edit mc2",
    "reaction:add 🎉",
    "message:delete ",
  ]);
  expect(server.storedContents("general")).toContain("mc2 final");
});

test("a refused edit rolls back with the reason; the admin may delete anyone's message", async ({ browser }) => {
  const admin = await signUp(await (await browser.newContext()).newPage(), server.url, "mcadmin", "correct horse battery");
  const bob = await signUp(await (await browser.newContext()).newPage(), server.url, "mcbob", "correct horse battery");
  await bob.send("mc3 by bob");
  await expect(admin.item("mc3 by bob")).toBeVisible();
  const bobs = await idOf(bob.item("mc3 by bob"));

  await bob.page.getByRole("button", { name: "Disconnect" }).click();
  await expect(bob.status).toContainText("Offline");
  await editMessage(bob, bob.item("mc3 by bob"), "mc3 edited offline");
  await expect(bob.item("mc3 edited offline")).toBeVisible();

  await deleteMessage(admin, admin.item("mc3 by bob"));
  await expect(byId(admin, bobs)).toContainText("This message was deleted");

  await bob.page.getByRole("button", { name: "Connect" }).click();
  await bob.expectConnected();
  await expect(byId(bob, bobs)).toContainText("This message was deleted");
  await expect(bob.item("mc3 edited offline")).toHaveCount(0);
  await expect(bob.page.getByRole("alert").filter({ hasText: "Edit not saved" })).toBeVisible();
});
