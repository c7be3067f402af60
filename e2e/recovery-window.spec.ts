/**
 * An outage longer than Socket.IO's recovery window: the session cannot be restored from the server's buffer,
 * so the client is caught up from the database by its offset. The window is shortened for this server.
 */
import { expect, test } from "@playwright/test";
import { ChatPage, openPerson } from "./support/chat-page";
import { serverForThisFile } from "./support/tether-server";

const RECOVERY_WINDOW_MS = 3000;
const server = serverForThisFile({ env: { RECOVERY_WINDOW_MS: String(RECOVERY_WINDOW_MS) } });

test("a short outage is recovered from the buffer; one longer than the window is caught up from the database", async ({ browser }) => {
  const alice = await openPerson(browser, server.url, "Alice");
  const bobContext = await browser.newContext();
  const bob = new ChatPage(await bobContext.newPage());
  await bob.open(server.url, "Bob");
  const tag = (t: string) => t.startsWith("w8 ");
  await alice.send("w8 hello");
  await expect(bob.item("w8 hello")).toBeVisible();

  // Within the window: restored by Socket.IO.
  await bobContext.setOffline(true);
  await expect(bob.status).toContainText("Offline");
  await alice.send("w8 short outage");
  await bobContext.setOffline(false);
  await bob.expectConnected();
  await expect(bob.status).toContainText("session recovered, 1 new message");

  // Longer than the window: the condition waited for is the outage outlasting it.
  await bobContext.setOffline(true);
  await expect(bob.status).toContainText("Offline");
  const offlineSince = Date.now();
  const missed = ["w8 long outage 1", "w8 long outage 2", "w8 long outage 3"];
  for (const text of missed) await alice.send(text);
  await expect.poll(() => server.storedContents("general").filter(tag).length).toBe(5);
  await expect.poll(() => Date.now() - offlineSince, { intervals: [250] }).toBeGreaterThan(RECOVERY_WINDOW_MS * 2);
  await bobContext.setOffline(false);
  await bob.expectConnected();
  await expect(bob.status).toContainText("caught up, 3 new messages");
  const expected = ["w8 hello", "w8 short outage", ...missed];
  await bob.expectShown(expected, tag);
  expect(server.storedContents("general").filter(tag)).toEqual(expected);
});
