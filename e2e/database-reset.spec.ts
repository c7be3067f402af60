/**
 * The server comes back with an empty database (reset, or restored from an older backup) while a browser still
 * holds a higher offset: the page drops the conversation the server no longer has, and chatting works again,
 * from the new ids on.
 */
import { expect, test } from "./support/test";
import { openPerson } from "./support/chat-page";
import { serverForThisFile } from "./support/tether-server";

const server = serverForThisFile();

test("a browser that saw more than the server now holds starts over instead of missing new messages", async ({ browser }) => {
  const alice = await openPerson(browser, server.url, "Alice");
  for (const text of ["old 1", "old 2", "old 3"]) await alice.send(text);
  await expect(alice.items.and(alice.page.locator('[data-status="sent"]'))).toHaveCount(3);

  await server.stop();
  server.wipeDatabase();
  await server.start();
  await alice.expectConnected();

  // Without the reset, ids 1..3 of the new database would be at or below the page's offset and look like
  // messages it already has.
  const bob = await openPerson(browser, server.url, "Bob");
  await bob.send("new 1");
  await expect(alice.item("new 1")).toBeVisible();
  await expect(alice.item("old 1")).toHaveCount(0);
  await alice.send("new 2");
  await expect(bob.item("new 2")).toBeVisible();
  expect(server.storedContents("general")).toEqual(["new 1", "new 2"]);
});
