/**
 * With the flood limits on, the web client backs off as the server asks (retryAfterMs) instead of hammering it,
 * and still delivers every message once, in order.
 */
import { expect, test } from "@playwright/test";
import { openPerson } from "./support/chat-page";
import { serverForThisFile } from "./support/tether-server";

// Tight enough that typing a dozen messages outruns it even on a slow machine.
const server = serverForThisFile({ env: { RATE_LIMIT_BURST: "2", RATE_LIMIT_PER_SECOND: "2" } });

test("a fast typist is slowed down, not refused: every message is sent once, in order", async ({ browser }) => {
  const alice = await openPerson(browser, server.url, "Alice");
  const texts = Array.from({ length: 12 }, (_, i) => `quick ${i + 1}`);
  for (const text of texts) await alice.send(text);

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
