/**
 * The server is killed with SIGKILL (no shutdown code runs) and started again on the same SQLite file while two
 * people keep typing.
 */
import { expect, test } from "./support/test";
import { openPerson } from "./support/chat-page";
import { serverForThisFile } from "./support/tether-server";

const server = serverForThisFile();

test("a SIGKILL and restart loses nothing acknowledged and shows nothing twice; both catch up", async ({ browser }, testInfo) => {
  const alice = await openPerson(browser, server.url, "Alice");
  const bob = await openPerson(browser, server.url, "Bob");
  const tag = (t: string) => t.startsWith("k6 ");
  await alice.send("k6 before the crash");
  await expect(bob.item("k6 before the crash")).toBeVisible();

  // Alice types a burst and the server dies under it: some of these may be acknowledged, some not.
  const burst = ["k6 burst 1", "k6 burst 2", "k6 burst 3", "k6 burst 4"];
  for (const text of burst) await alice.send(text);
  await server.kill();
  const acknowledged = await alice.items.and(alice.page.locator('[data-status="sent"]')).locator(".message-text").allTextContents();

  await expect(alice.status).toContainText("Reconnecting");
  await expect(bob.status).toContainText("Reconnecting");
  await alice.send("k6 while down (Alice)");
  await bob.send("k6 while down (Bob)");
  await expect(bob.item("k6 while down (Bob)")).toHaveAttribute("data-status", "pending");

  await server.start();
  await alice.expectConnected();
  await bob.expectConnected();
  await expect(alice.status).toContainText("caught up");
  await alice.send("k6 after the restart");

  const stored = () => server.storedContents("general").filter(tag);
  await expect.poll(() => stored().length).toBe(8);
  const expected = stored();
  expect(new Set(expected).size).toBe(expected.length);
  expect(expected).toEqual(
    expect.arrayContaining(["k6 before the crash", ...burst, "k6 while down (Alice)", "k6 while down (Bob)", "k6 after the restart"]),
  );
  // Alice's own messages are stored in the order she wrote them.
  expect(expected.filter((t) => t.startsWith("k6 burst") || t.includes("Alice") || t.includes("after"))).toEqual([
    ...burst,
    "k6 while down (Alice)",
    "k6 after the restart",
  ]);
  for (const text of acknowledged.filter(tag)) expect(expected).toContain(text);
  for (const chat of [alice, bob]) {
    await chat.expectShown(expected, tag);
    for (const text of expected) {
      const own = await chat.item(text).getAttribute("data-status");
      if (own !== null) await expect(chat.item(text)).toHaveAttribute("data-status", "sent");
    }
  }
  await bob.screenshot(testInfo, "after-restart");
});
