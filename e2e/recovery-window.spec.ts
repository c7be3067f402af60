/**
 * Socket.IO's recovery window: a short outage is restored from the server's buffer; an outage longer than the
 * window is caught up from the database by the client's offset.
 *
 * Every step waits for a condition the servers expose, never for time: the server has seen the drop (its
 * connection gauge; only then is the session saved), the missed messages are acknowledged to their sender (the
 * server acknowledges after the broadcast, which puts them in the recovery buffer), and each reconnection is
 * counted as a recovery that succeeded or missed. "Longer than the window" is made certain by a window of 1 ms
 * on a server of its own, rather than by waiting for a longer window to pass.
 */
import type { Browser, BrowserContext } from "@playwright/test";
import { expect, test } from "./support/test";
import { ChatPage, openPerson } from "./support/chat-page";
import { serverForThisFile, type TetherServer } from "./support/tether-server";

const recovering = serverForThisFile();
const forgetful = serverForThisFile({ env: { RECOVERY_WINDOW_MS: "1" } });

/** Alice and Bob chatting on `server`, Bob in a context that can go offline; both have seen `greeting`. */
async function aliceAndBob(browser: Browser, server: TetherServer, greeting: string) {
  const alice = await openPerson(browser, server.url, "Alice");
  const bobContext = await browser.newContext();
  const bob = new ChatPage(await bobContext.newPage());
  await bob.open(server.url, "Bob");
  await alice.send(greeting);
  await expect(bob.item(greeting)).toBeVisible();
  return { alice, bob, bobContext };
}

/** Bob's network goes, and the server has closed his connection (so his session is saved). */
async function bobDrops(bob: ChatPage, bobContext: BrowserContext, server: TetherServer) {
  await bobContext.setOffline(true);
  await expect(bob.status).toContainText("Offline");
  await expect.poll(() => server.metric("tether_connections")).toBe(1);
}

/** Alice sends each text, and each is acknowledged: stored and broadcast. */
async function aliceSends(alice: ChatPage, texts: string[]) {
  for (const text of texts) await alice.send(text);
  for (const text of texts) await expect(alice.item(text)).toHaveAttribute("data-status", "sent");
}

test("a short outage is recovered from the buffer, and the missed message is counted", async ({ browser }) => {
  const { alice, bob, bobContext } = await aliceAndBob(browser, recovering, "w8 hello");
  const tag = (t: string) => t.startsWith("w8 ");

  await bobDrops(bob, bobContext, recovering);
  await aliceSends(alice, ["w8 short outage"]);
  await bobContext.setOffline(false);
  await bob.expectConnected();
  await expect(bob.status).toContainText("session recovered, 1 new message");
  await bob.expectShown(["w8 hello", "w8 short outage"], tag);
});

test("an outage longer than the window is caught up from the database", async ({ browser }) => {
  const { alice, bob, bobContext } = await aliceAndBob(browser, forgetful, "w9 hello");
  const tag = (t: string) => t.startsWith("w9 ");

  // The session saved at the drop outlives the 1 ms window long before Bob is back: the sends alone take longer.
  await bobDrops(bob, bobContext, forgetful);
  const missed = ["w9 long outage 1", "w9 long outage 2", "w9 long outage 3"];
  await aliceSends(alice, missed);
  await bobContext.setOffline(false);
  await bob.expectConnected();
  await expect(bob.status).toContainText("caught up, 3 new messages");
  // Bob's client asked to be restored and was refused: the window, not a missing session id, decided it.
  expect(await forgetful.metric('tether_recoveries_total{result="missed"}')).toBeGreaterThanOrEqual(1);
  expect(await forgetful.metric('tether_recoveries_total{result="succeeded"}')).toBe(0);
  const expected = ["w9 hello", ...missed];
  await bob.expectShown(expected, tag);
  expect(forgetful.storedContents("general").filter(tag)).toEqual(expected);
});
