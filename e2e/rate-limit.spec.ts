/**
 * With the flood limits on, the web client backs off as the server asks (retryAfterMs) instead of hammering it,
 * and still delivers every message once, in order.
 */
import { expect, test } from "./support/test";
import { openPerson } from "./support/chat-page";
import { serverForThisFile } from "./support/tether-server";

// One message a second with no burst: the outbox below holds 12 messages and sends the next one as soon as the
// previous is acknowledged, so a refusal needs only one acknowledgement to come back within a second of its send
// (typing them one by one, as this test once did, raced the limiter against the typing speed of a loaded machine).
const server = serverForThisFile({ env: { RATE_LIMIT_BURST: "1", RATE_LIMIT_PER_SECOND: "1" } });

test("a fast typist is slowed down, not refused: every message is sent once, in order", async ({ browser }) => {
  const alice = await openPerson(browser, server.url, "Alice");
  const texts = Array.from({ length: 12 }, (_, i) => `quick ${i + 1}`);
  // Written while disconnected, so that all 12 are waiting when the connection returns and go out back to back.
  await alice.page.getByRole("button", { name: "Disconnect" }).click();
  await expect(alice.status).toContainText("Offline");
  for (const text of texts) await alice.send(text);
  await expect(alice.status).toContainText("12 messages waiting to send");
  await alice.page.getByRole("button", { name: "Connect", exact: true }).click();

  await expect(alice.items.and(alice.page.locator('[data-status="sent"]'))).toHaveCount(12, { timeout: 30_000 });
  expect(server.storedContents("general")).toEqual(texts);
  // Refusals did happen, and each was followed by the wait the server asked for, not a burst of retries: the
  // server saw each message once plus about one refused attempt per message (a client retrying at once would
  // be refused hundreds of times).
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  const acks = (code: string) =>
    Number(new RegExp(`^tether_acks_total\\{event="message:send",code="${code}"\\} (\\d+)$`, "m").exec(metrics)?.[1] ?? 0);
  expect(acks("ok")).toBe(texts.length);
  expect(acks("rate_limited")).toBeGreaterThan(0);
  expect(acks("rate_limited")).toBeLessThanOrEqual(2 * texts.length);
});
