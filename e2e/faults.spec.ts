/**
 * A connection cut between a send and its ack, and the Disconnect/Connect toggle.
 */
import type { Browser } from "@playwright/test";
import { expect, test } from "./support/test";
import { ChatPage, openPerson } from "./support/chat-page";
import { serverForThisFile } from "./support/tether-server";

const server = serverForThisFile();

const person = (browser: Browser, name: string) => openPerson(browser, server.url, name);

/**
 * Relays every WebSocket of the page. The first connection that carries a send of `text` is cut as soon as the
 * server answers it: the server has stored the message, the page has neither its ack nor its broadcast. With
 * `loseReplayedCopy`, later connections also drop the server's copies of that message (the buffered broadcast
 * or the catch-up batch), so the only way the page can learn the fate of its message is to send it again.
 */
async function cutAfterSend(chat: ChatPage, text: string, loseReplayedCopy: boolean) {
  const seen = { sends: 0, cut: false };
  await chat.page.routeWebSocket(/\/socket\.io\//, (ws) => {
    const toServer = ws.connectToServer();
    let cutting = false;
    ws.onMessage((frame) => {
      if (String(frame).startsWith("42") && String(frame).includes(JSON.stringify(text))) {
        seen.sends++;
        if (!seen.cut) cutting = true;
      }
      toServer.send(frame);
    });
    toServer.onMessage((frame) => {
      const data = String(frame);
      if (cutting) {
        if (data.startsWith("43")) {
          seen.cut = true;
          cutting = false;
          void ws.close();
          void toServer.close();
        }
        return;
      }
      if (seen.cut && loseReplayedCopy && data.startsWith("42") && data.includes(JSON.stringify(text))) return;
      ws.send(frame);
    });
  });
  return seen;
}

/**
 * Alice sends `text` through a relay that cuts her connection before the ack, then sends one more; both people
 * must end up showing both once, in order, and the database must hold each once. Returns what the relay saw.
 */
async function sendAcrossCut(browser: Browser, tag: string, loseReplayedCopy: boolean) {
  const alice = new ChatPage(await (await browser.newContext()).newPage());
  const bob = await person(browser, "Bob");
  const text = `${tag} cut before the ack`;
  const seen = await cutAfterSend(alice, text, loseReplayedCopy);
  await alice.open(server.url, "Alice");

  await alice.send(text);
  await expect.poll(() => seen.cut).toBe(true);
  await alice.expectConnected();
  await expect(alice.item(text)).toHaveAttribute("data-status", "sent");
  const after = `${tag} after`;
  await alice.send(after);
  const mine = (t: string) => t.startsWith(`${tag} `);
  await alice.expectShown([text, after], mine);
  await bob.expectShown([text, after], mine);
  expect(server.storedContents("general").filter(mine)).toEqual([text, after]);
  return seen;
}

test("a connection cut after a send, before its ack, stores nothing twice and nobody sees a duplicate", async ({ browser }) => {
  // The page learns of its message from the catch-up (or recovered buffer) on reconnecting.
  await sendAcrossCut(browser, "c4", false);
});

test("a resend of a message the server already stored is acknowledged as a duplicate and counts as sent", async ({ browser }) => {
  const seen = await sendAcrossCut(browser, "c4b", true);
  // It really went out again, with the same clientOffset, and the server kept the first copy only.
  expect(seen.sends).toBeGreaterThanOrEqual(2);
});

test("the Disconnect/Connect toggle really disconnects, and catches up what arrived meanwhile", async ({ browser }) => {
  const alice = await person(browser, "Alice");
  const bob = await person(browser, "Bob");
  const tag = (t: string) => t.startsWith("c7 ");
  await bob.send("c7 hello");
  await expect(alice.item("c7 hello")).toBeVisible();

  await alice.page.getByRole("button", { name: "Disconnect" }).click();
  await expect(alice.status).toContainText("Offline");
  await expect(alice.page.getByRole("button", { name: "Connect", exact: true })).toBeVisible();
  const missed = ["c7 while you were away 1", "c7 while you were away 2", "c7 while you were away 3"];
  for (const text of missed) await bob.send(text);
  await expect.poll(() => server.storedContents("general").filter(tag)).toEqual(["c7 hello", ...missed]);
  await expect(bob.item(missed[2]!)).toHaveAttribute("data-status", "sent");
  // Disconnected means disconnected: nothing arrives.
  await alice.expectShown(["c7 hello"], tag);

  await alice.page.getByRole("button", { name: "Connect", exact: true }).click();
  await alice.expectConnected();
  await expect(alice.status).toContainText("caught up, 3 new messages");
  await expect(alice.page.getByRole("button", { name: "Disconnect" })).toBeVisible();
  await alice.expectShown(["c7 hello", ...missed], tag);
});

test("a message the server refuses for good is marked failed with the reason, and can be retried or discarded", async ({ page }) => {
  const tooLong = "z".repeat(4001);
  // A message written earlier (say under a larger limit) waits in the stored outbox when the page opens.
  await page.addInitScript((content) => {
    if (localStorage.getItem("tether")) return;
    const entry = { clientOffset: "refused-entry-1", channel: "general", content, createdAt: Date.now(), seq: 0, status: "pending" };
    localStorage.setItem("tether", JSON.stringify({ version: 1, state: { outbox: [entry], settled: [] } }));
  }, tooLong);
  const chat = new ChatPage(page);
  await chat.open(server.url, "Refused");
  const item = chat.items.and(page.locator('[data-status="failed"]'));
  await expect(item).toContainText("at most 4000 characters");
  await item.getByRole("button", { name: "Retry" }).click();
  // Permanent means permanent: the retry fails again instead of looping.
  await expect(item).toContainText("at most 4000 characters");
  await item.getByRole("button", { name: "Discard" }).click();
  await expect(chat.items.filter({ hasText: "zzzz" })).toHaveCount(0);
  await chat.send("c9 works after a refusal");
  await expect(chat.item("c9 works after a refusal")).toHaveAttribute("data-status", "sent");
  expect(server.storedContents("general").filter((t) => t.startsWith("zzz"))).toEqual([]);
});
