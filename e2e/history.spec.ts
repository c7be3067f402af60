/**
 * History of any size in the web client (issue 14): a page that was away while a thousand messages arrived shows
 * the newest at once, records what its bounded catch-up skipped as gaps, and loads them as the person scrolls —
 * every message once, in order; unread counts stay exact; "Jump to latest" and search with jump-to-message work;
 * a reload shows the cached conversation at once.
 */
import type { Browser, BrowserContext } from "@playwright/test";
import { expect, test } from "./support/test";
import { ChatPage } from "./support/chat-page";
import { createChannel, sendAll, withScriptClient } from "./support/script-client";
import { serverForThisFile } from "./support/tether-server";

// The script sends hundreds of messages in a row: no send rate limit here.
const server = serverForThisFile({ env: { RATE_LIMIT_PER_SECOND: "0", SEARCH_RATE_LIMIT_PER_SECOND: "0" } });

async function person(browser: Browser, name: string): Promise<{ chat: ChatPage; context: BrowserContext }> {
  const context = await browser.newContext();
  const chat = new ChatPage(await context.newPage());
  await chat.open(server.url, name);
  return { chat, context };
}

const numbered = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix} ${i + 1}`);

test("after a long absence: the newest at once, gaps loaded on scroll, each message once and in order, unread exact", async ({
  browser,
}, testInfo) => {
  test.setTimeout(180_000);
  const tag = (text: string) => text.startsWith("h1 ");
  await withScriptClient(server.url, "Script", (socket) => createChannel(socket, "h1-random"));
  const { chat: reader, context } = await person(browser, "Reader");
  await withScriptClient(server.url, "Script", (socket) => sendAll(socket, "general", ["h1 before"], "h1-before"));
  await expect(reader.item("h1 before")).toBeVisible();

  await context.setOffline(true);
  await expect(reader.status).toContainText("Offline");
  const missed = numbered("h1 missed", 1000);
  const elsewhere = numbered("h1 elsewhere", 250);
  await withScriptClient(server.url, "Script", async (socket) => {
    await sendAll(socket, "general", missed, "h1-missed");
    await sendAll(socket, "h1-random", elsewhere, "h1-elsewhere");
  });
  // Many more than the page asks to be replayed (200 per channel): the rest comes as gaps.
  const gapFrames: string[] = [];
  reader.page.on("websocket", (ws) =>
    ws.on("framereceived", ({ payload }) => String(payload).includes('"message:gaps"') && gapFrames.push(String(payload))),
  );

  await context.setOffline(false);
  await reader.expectConnected();
  await expect(reader.item("h1 missed 1000")).toBeInViewport();
  expect(gapFrames).toHaveLength(1);
  // The other channel's count is exact, gap included, whatever its badge shows.
  await expect(reader.channels.getByRole("button", { name: "h1-random, 250 unread", exact: true })).toBeVisible();
  await reader.screenshot(testInfo, "back-after-1000");

  // Above the 200 replayed messages, the skipped ones wait as a row that loads them.
  const loadOlder = reader.log.getByRole("button", { name: "Load older messages" });
  await expect(async () => {
    await reader.scrollBy(-2000);
    await expect(loadOlder).toBeVisible({ timeout: 500 });
  }).toPass({ timeout: 30_000 });

  await reader.scrollToBeginning("#general");
  await reader.expectShown(["h1 before", ...missed], tag, { timeout: 60_000 });
  expect(server.storedContents("general").filter(tag)).toEqual(["h1 before", ...missed]);

  // Far up in the history, a new message is offered below, not scrolled to.
  await withScriptClient(server.url, "Script", (socket) => sendAll(socket, "general", ["h1 late"], "h1-late"));
  await expect(reader.page.getByRole("button", { name: "Jump to latest, 1 new message" })).toBeVisible();
  await expect(reader.item("h1 late")).not.toBeInViewport();
  await reader.jumpToLatest.click();
  await expect(reader.item("h1 late")).toBeInViewport();
  await expect(reader.jumpToLatest).toHaveCount(0);

  // The other channel: the divider above the first unread (here: above its gap), then all 250 once, in order.
  await reader.switchTo("h1-random");
  await expect(reader.channels.getByRole("button", { name: "h1-random", exact: true })).toBeVisible();
  await expect(reader.item("h1 elsewhere 250")).toBeInViewport();
  await reader.scrollToBeginning("#h1-random");
  await expect(reader.log.getByRole("separator", { name: "New messages" })).toBeVisible();
  await reader.expectShown(elsewhere, tag, { timeout: 60_000 });
});

test("search finds an old message; jumping to it shows it highlighted with its neighbours, and Jump to latest comes back", async ({ browser }) => {
  test.setTimeout(120_000);
  const tag = (text: string) => text.startsWith("s1 ");
  await withScriptClient(server.url, "Script", async (socket) => {
    await createChannel(socket, "s1-archive");
    await sendAll(socket, "s1-archive", ["s1 before the needle", "s1 the quokka plan is ready", "s1 after the needle"], "s1-old");
    await sendAll(socket, "s1-archive", numbered("s1 later", 400), "s1-later");
  });
  const { chat: reader } = await person(browser, "Seeker");
  await reader.switchTo("s1-archive");
  await expect(reader.item("s1 later 400")).toBeInViewport();
  await expect(reader.item("s1 the quokka plan is ready")).toHaveCount(0);

  await reader.search("quokka");
  const results = reader.searchResults.getByRole("listitem");
  await expect(results).toHaveCount(1);
  await expect(results.first().locator("mark")).toHaveText("quokka");
  await results.first().getByRole("button", { name: "Jump to message" }).click();

  const target = reader.item("s1 the quokka plan is ready");
  await expect(target).toBeInViewport();
  await expect(target).toHaveAttribute("aria-current", "true");
  // Its neighbours on both sides are loaded and shown around it, in order.
  await expect(reader.item("s1 before the needle")).toBeVisible();
  await expect(reader.item("s1 after the needle")).toBeVisible();
  await expect(reader.item("s1 later 1")).toBeVisible();

  // Scrolling down from there pages the newer messages in; Jump to latest goes straight back to the newest.
  await expect(reader.jumpToLatest).toBeVisible();
  await reader.jumpToLatest.click();
  await expect(reader.item("s1 later 400")).toBeInViewport();
  await expect(reader.jumpToLatest).toHaveCount(0);
  await reader.scrollToBeginning("#s1-archive");
  await reader.expectShown(["s1 before the needle", "s1 the quokka plan is ready", "s1 after the needle", ...numbered("s1 later", 400)], tag, {
    timeout: 60_000,
  });
});

test("a search result in another channel opens that channel at the message", async ({ browser }) => {
  await withScriptClient(server.url, "Script", async (socket) => {
    await createChannel(socket, "s2-elsewhere");
    await sendAll(socket, "s2-elsewhere", ["s2 the walrus meeting moved"], "s2");
  });
  const { chat: reader } = await person(browser, "Finder");
  await expect(reader.channel("general")).toHaveAttribute("aria-current", "page");
  await reader.search("walrus");
  await reader.searchResults.getByRole("button", { name: "Jump to message" }).click();
  await expect(reader.channel("s2-elsewhere")).toHaveAttribute("aria-current", "page");
  await expect(reader.item("s2 the walrus meeting moved")).toBeInViewport();
});

test("a reload shows the cached conversation at once, many rows, the newest in view", async ({ browser }) => {
  const contents = numbered("r1 cached", 60);
  await withScriptClient(server.url, "Script", async (socket) => {
    await createChannel(socket, "r1-cache");
    await sendAll(socket, "r1-cache", contents, "r1");
  });
  const { chat: reader } = await person(browser, "Reloader");
  await reader.switchTo("r1-cache");
  await expect(reader.item("r1 cached 60")).toBeInViewport();
  await reader.page.reload();
  await expect(reader.channel("r1-cache")).toHaveAttribute("aria-current", "page");
  await expect(reader.item("r1 cached 60")).toBeInViewport();
  await expect.poll(async () => (await reader.shownTexts()).length).toBeGreaterThan(5);
  await reader.expectShown(contents, (text) => text.startsWith("r1 "));
});

test("scrolling up right after sending stays where the person scrolled to; what arrives then waits below", async ({ browser }) => {
  await withScriptClient(server.url, "Script", async (socket) => {
    await createChannel(socket, "rp-channel");
    await sendAll(socket, "rp-channel", numbered("rp", 150), "rp");
  });
  const { chat: reader } = await person(browser, "Scroller");
  await reader.switchTo("rp-channel");
  await expect(reader.item("rp 150")).toBeInViewport();

  // Up at once, while the row just sent is laid out, measured and then confirmed by the server.
  await reader.messageInput.fill("rp mine");
  await reader.messageInput.press("Enter");
  await reader.scrollBy(-900);
  await expect(reader.jumpToLatest).toBeVisible();
  // Once "rp mine" is stored (its ack to the page follows at once), one more message arrives.
  await withScriptClient(server.url, "Script", async (socket) => {
    await expect
      .poll(async () => JSON.stringify(await socket.history({ channel: "rp-channel" })), { message: "rp mine stored" })
      .toContain('"rp mine"');
    await sendAll(socket, "rp-channel", ["rp after"], "rp-after");
  });
  await expect(reader.jumpToLatest).toHaveAccessibleName("Jump to latest, 1 new message");
  await expect(reader.item("rp mine")).not.toBeInViewport();
  await expect(reader.item("rp after")).not.toBeInViewport();

  await reader.jumpToLatest.click();
  await expect(reader.item("rp after")).toBeInViewport();
  await expect(reader.jumpToLatest).toBeHidden();
});

test("scrolling back a screen at a time, what the person reads moves with the scroll and nothing else", async ({ browser }) => {
  test.setTimeout(120_000);
  // Runs of five by two authors: every sixth row or so carries an author line, twice a continuation row's height.
  await withScriptClient(server.url, "Ann", (ann) =>
    withScriptClient(server.url, "Bob", async (bob) => {
      await createChannel(ann, "sb-channel");
      for (let run = 0; run < 40; run++) {
        const contents = Array.from({ length: 5 }, (_, i) => `sb ${run * 5 + i + 1}`);
        await sendAll(run % 2 === 0 ? ann : bob, "sb-channel", contents, `sb-${run}`);
      }
    }),
  );
  const { chat: reader } = await person(browser, "PageUp");
  await reader.switchTo("sb-channel");
  await expect(reader.item("sb 200")).toBeInViewport();

  const moves = await reader.log.evaluate(async (log) => {
    const frame = () => new Promise((done) => requestAnimationFrame(done));
    const settled = async () => {
      // Loaded pages and measured rows: not busy, and two frames for virtua to apply what it measured.
      do await frame();
      while (log.getAttribute("aria-busy") === "true");
      await frame();
      await frame();
    };
    const firstWhollyShown = () => {
      const top = log.getBoundingClientRect().top;
      return [...log.querySelectorAll<HTMLElement>("[data-message-id]")]
        .map((el) => ({ id: el.dataset.messageId!, top: el.getBoundingClientRect().top }))
        .filter((row) => row.top >= top)
        .sort((a, b) => a.top - b.top)[0];
    };
    const found: string[] = [];
    await settled();
    let step = 0;
    for (; step < 40 && log.scrollTop > 0; step++) {
      const ref = firstWhollyShown()!;
      const before = log.scrollTop;
      log.scrollBy({ top: -log.clientHeight * 0.9 });
      const scrolled = before - log.scrollTop;
      await settled();
      const now = log.querySelector<HTMLElement>(`[data-message-id="${ref.id}"]`)?.getBoundingClientRect().top;
      // Moved by the scroll, give or take a pixel of rounding; a row measured on screen above it would add ~30.
      if (now === undefined || Math.abs(now - ref.top - scrolled) > 8)
        found.push(`step ${step}: row ${ref.id} ${now === undefined ? "left the list" : `moved ${Math.round(now - ref.top - scrolled)} px`}`);
    }
    return { steps: step, found };
  });
  // The whole channel, 200 messages, a screen at a time: older pages load on the way.
  expect(moves.steps).toBeGreaterThan(5);
  expect(moves.found).toEqual([]);
});
