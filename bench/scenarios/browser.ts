/**
 * The web client after a long absence (issue 14): real Chromium, driven by Playwright, against the production
 * build. A page with `general` open goes offline; N messages are sent to `general` and 10,000 to another channel;
 * the page comes back online. Measured in the page:
 * - time from the browser's `online` event to the newest message being on screen;
 * - JS heap after the catch-up (after a forced GC), and the longest main-thread task (PerformanceObserver
 *   `longtask`) from going online until the catch-up is done;
 * - time from pressing Enter on a new message to it showing as sent (acknowledged);
 * - whether the other channel's button names its unread count exactly;
 * - scrolling up through 5,000 older messages a screen at a time: each shown once, in order, none missing, and how
 *   far (px) the content moved other than by the scroll itself (0: no visible jump). What is followed is a message's
 *   text, what a person reads: a message's author line goes when an older page brings an earlier message of the
 *   same author (they are grouped), and that takes the line away without moving the text.
 */
import { chromium, type Browser, type Page } from "@playwright/test";
import type { Ack } from "../../lib/shared/ack";
import { GENERAL_CHANNEL } from "../../lib/shared/limits";
import { connectClient, sendMessage, type BenchSocket } from "../support/clients";
import { round } from "../support/stats";
import { startTether, type Target } from "../support/targets";
import { systemChromium } from "../../scripts/system-chromium.mjs";

export interface BrowserResult {
  missed: number;
  otherMissed: number;
  newestVisibleMs: number;
  heapMb: number;
  longestTaskMs: number;
  longTasksTotalMs: number;
  ackMs: number;
  otherUnreadExact: boolean;
  otherChannelName: string;
  scrolledBack: number;
  scrollEachOnceInOrder: boolean;
  scrollProblems: string[];
  maxScrollJumpPx: number;
  scrollSeconds: number;
  domRowsAfterCatchUp: number;
}

const OTHER_CHANNEL = "elsewhere";
const SENDERS = 4;
const SEND_WINDOW = 32;

/** Sends `count` messages to `channel` over several connections, each keeping a window of unacknowledged sends. */
async function sendMany(sockets: readonly BenchSocket[], channel: string, count: number, prefix: string): Promise<number[]> {
  const ids: number[] = [];
  let next = 0;
  await Promise.all(
    sockets.map(async (socket) => {
      const lanes = Array.from({ length: SEND_WINDOW }, async () => {
        while (next < count) {
          const offset = `${prefix}-${next++}`;
          ids.push(await sendMessage(socket, offset, 60_000, channel));
        }
      });
      await Promise.all(lanes);
    }),
  );
  return ids.sort((a, b) => a - b);
}

/** Installed before the page loads: long tasks, the `online` moment, and a probe for "this message is on screen". */
function instrument(): void {
  const bench = { onlineAt: 0, longTasks: [] as { start: number; duration: number }[], visibleAt: 0, sendAt: 0, sentAt: 0 };
  (window as unknown as { __bench: typeof bench }).__bench = bench;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) bench.longTasks.push({ start: entry.startTime, duration: entry.duration });
  }).observe({ type: "longtask", buffered: true });
  window.addEventListener("online", () => (bench.onlineAt = performance.now()), { capture: true });
  document.addEventListener("keydown", (event) => event.key === "Enter" && (bench.sendAt = performance.now()), { capture: true });
}

/** Resolves in the page when the element matching `selector` is inside the message list's visible area. */
function watchVisible(page: Page, selector: string, field: "visibleAt" | "sentAt"): Promise<void> {
  return page.evaluate(
    ([css, key]) =>
      new Promise<void>((resolve) => {
        const bench = (window as unknown as { __bench: Record<string, number> }).__bench;
        const check = () => {
          const log = document.querySelector('[role="log"]');
          const el = document.querySelector(css);
          if (log && el) {
            const box = el.getBoundingClientRect();
            const view = log.getBoundingClientRect();
            if (box.bottom > view.top && box.top < view.bottom) {
              bench[key] = performance.now();
              resolve();
              return;
            }
          }
          requestAnimationFrame(check);
        };
        check();
      }),
    [selector, field] as const,
  );
}

interface ScrollCheck {
  seen: number;
  problems: string[];
  maxJumpPx: number;
}

/**
 * Scrolls the list up a screen at a time until `wanted` older messages than those first on screen were shown,
 * waiting at each step for what loads (history pages, gaps). Checks every snapshot: ids ascending down the list,
 * none twice; and that all ids seen are exactly the newest of `expected` (nothing skipped).
 */
async function scrollBack(page: Page, wanted: number, expected: readonly number[]): Promise<ScrollCheck> {
  // What the page shows: the missed messages and, newest, the one it just sent.
  const result = await page.evaluate(async (want) => {
    const log = document.querySelector<HTMLElement>('[role="log"]')!;
    const frame = () => new Promise((done) => requestAnimationFrame(done));
    const seen = new Set<number>();
    const problems: string[] = [];
    const jumps: string[] = [];
    let maxJump = 0;
    const snapshot = () => {
      // Rows virtua has laid out; one not measured yet is hidden at an estimated place.
      const rows = [...log.querySelectorAll<HTMLElement>("[data-message-id]")]
        .filter((el) => el.closest<HTMLElement>("[data-index]")?.style.visibility !== "hidden")
        .map((el) => ({ id: Number(el.dataset.messageId), top: (el.querySelector(".message-body") ?? el).getBoundingClientRect().top }));
      rows.sort((a, b) => a.top - b.top);
      for (let i = 1; i < rows.length; i++) {
        if (rows[i]!.id === rows[i - 1]!.id) problems.push(`id ${rows[i]!.id} shown twice`);
        else if (rows[i]!.id < rows[i - 1]!.id) problems.push(`id ${rows[i]!.id} below ${rows[i - 1]!.id}`);
      }
      return rows;
    };
    const settled = async () => {
      // What a person waits for: the list done loading, and no gap row left on screen.
      for (let i = 0; i < 600; i++) {
        await frame();
        const view = log.getBoundingClientRect();
        const gapOnScreen = [...log.querySelectorAll(".history-gap")].some((gap) => {
          const box = gap.getBoundingClientRect();
          return box.bottom > view.top && box.top < view.bottom;
        });
        if (log.getAttribute("aria-busy") !== "true" && !gapOnScreen && i >= 2) return;
      }
      problems.push("the list did not settle within 600 frames");
    };
    const started = performance.now();
    await settled();
    const first = snapshot();
    const startId = Math.min(...first.map((r) => r.id));
    for (const row of first) seen.add(row.id);
    let steps = 0;
    while ([...seen].filter((id) => id < startId).length < want && steps++ < 5000) {
      const before = snapshot();
      // The reference is a row the person sees: the first one wholly on screen.
      const viewTop = log.getBoundingClientRect().top;
      const ref = before.find((row) => row.top >= viewTop);
      const scrollTopBefore = log.scrollTop;
      log.scrollBy({ top: -log.clientHeight * 0.9 });
      const scrolled = scrollTopBefore - log.scrollTop;
      await settled();
      const after = snapshot();
      const same = ref && after.find((r) => r.id === ref.id);
      if (ref && same) {
        const jump = Math.abs(same.top - ref.top - scrolled);
        maxJump = Math.max(maxJump, jump);
        if (jump > 50)
          jumps.push(
            `step ${steps}: ${Math.round(jump)} px (scrolled ${Math.round(scrolled)}, scrollTop ${Math.round(log.scrollTop)}, ref ${ref.id})`,
          );
      }
      for (const row of after) seen.add(row.id);
      if (log.scrollTop === 0 && scrolled === 0 && log.querySelector(".history-marker")?.textContent?.startsWith("This is the beginning")) break;
    }
    return { seen: [...seen], problems: problems.slice(0, 10), jumps: jumps.slice(0, 10), maxJump, seconds: (performance.now() - started) / 1000 };
  }, wanted);
  const seen = result.seen.sort((a, b) => a - b);
  const newest = expected.slice(-seen.length);
  const problems = [...result.problems, ...result.jumps.map((jump) => `content moved ${jump}`)];
  if (seen.length !== newest.length || seen.some((id, i) => id !== newest[i])) {
    const missing = newest.filter((id) => !seen.includes(id));
    problems.push(`not the newest ${seen.length} messages in order: ${missing.length} missing (first ${missing.slice(0, 5).join(", ")})`);
  }
  return { seen: seen.length, problems, maxJumpPx: round(result.maxJump, 1), seconds: result.seconds } as ScrollCheck & { seconds: number };
}

async function oneRun(browser: Browser, missed: number, otherMissed: number, log: (text: string) => void): Promise<BrowserResult> {
  const target: Target = await startTether({ env: { SEARCH_RATE_LIMIT_PER_SECOND: "0" } });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const senders: BenchSocket[] = [];
  try {
    for (let i = 0; i < SENDERS; i++) senders.push((await connectClient(target.url, { timeoutMs: 60_000 })).socket);
    const created = (await senders[0]!.timeout(10_000).emitWithAck("channel:create", { name: OTHER_CHANNEL })) as Ack<unknown>;
    if ("error" in created) throw new Error(`channel:create: ${created.error.message}`);

    const page = await context.newPage();
    // tsx (esbuild's keepNames) wraps named functions in `__name(…)`, which the page's copy of them then calls.
    await page.addInitScript({ content: "window.__name = (fn) => fn;" });
    await page.addInitScript(instrument);
    await page.goto(target.url);
    const status = page.getByRole("status");
    await status.getByText("Connected").waitFor({ timeout: 30_000 });
    await page
      .getByRole("navigation", { name: "Channels" })
      .getByRole("button", { name: new RegExp(`^${OTHER_CHANNEL}\\b`) })
      .waitFor();

    await context.setOffline(true);
    await status.getByText("Offline").waitFor();
    log(`browser: page offline; sending ${missed.toLocaleString("en")} + ${otherMissed.toLocaleString("en")} messages`);
    const generalIds = await sendMany(senders, GENERAL_CHANNEL, missed, `b${missed}-g`);
    await sendMany(senders, OTHER_CHANNEL, otherMissed, `b${missed}-o`);
    const newestId = generalIds[generalIds.length - 1]!;

    const visible = watchVisible(page, `[data-message-id="${newestId}"]`, "visibleAt");
    await context.setOffline(false);
    await visible;
    await page.waitForFunction(() => {
      const text = document.querySelector('[role="status"]')?.textContent ?? "";
      return text.includes("Connected") && !text.includes("catching up");
    });
    const otherButton = page.getByRole("navigation", { name: "Channels" }).getByRole("button", { name: new RegExp(`^${OTHER_CHANNEL}\\b`) });
    const expectedName = `${OTHER_CHANNEL}, ${otherMissed.toLocaleString("en-US")} unread`;
    const otherChannelName = (await otherButton.getAttribute("aria-label")) ?? "";
    const timing = await page.evaluate(() => {
      const bench = (window as unknown as { __bench: { onlineAt: number; visibleAt: number; longTasks: { start: number; duration: number }[] } })
        .__bench;
      const during = bench.longTasks.filter((task) => task.start + task.duration >= bench.onlineAt);
      return {
        newestVisibleMs: bench.visibleAt - bench.onlineAt,
        longestTaskMs: Math.max(0, ...during.map((task) => task.duration)),
        longTasksTotalMs: during.reduce((sum, task) => sum + task.duration, 0),
        rows: document.querySelectorAll("[data-index]").length,
      };
    });
    const cdp = await context.newCDPSession(page);
    await cdp.send("HeapProfiler.collectGarbage");
    const heap = (await cdp.send("Runtime.getHeapUsage")) as { usedSize: number };

    // The next message typed, from Enter to shown as sent (its ack arrived).
    const ping = `bench ping after ${missed}`;
    await page.getByRole("textbox", { name: "Message" }).fill(ping);
    const sent = page.evaluate(
      (text) =>
        new Promise<number>((resolve) => {
          const bench = (window as unknown as { __bench: { sendAt: number } }).__bench;
          const check = () => {
            const own = [...document.querySelectorAll('[data-status="sent"]')].find((el) => el.querySelector(".message-text")?.textContent === text);
            if (own) resolve(performance.now() - bench.sendAt);
            else requestAnimationFrame(check);
          };
          check();
        }),
      ping,
    );
    await page.getByRole("textbox", { name: "Message" }).press("Enter");
    const ackMs = await sent;
    const pingId = Number(await page.locator('[data-status="sent"]').filter({ hasText: ping }).getAttribute("data-message-id"));

    log(`browser: scrolling back through 5,000 older messages`);
    const scroll = (await scrollBack(page, 5000, [...generalIds, pingId])) as ScrollCheck & { seconds: number };
    return {
      missed,
      otherMissed,
      newestVisibleMs: round(timing.newestVisibleMs, 0),
      heapMb: round(heap.usedSize / 1024 / 1024, 1),
      longestTaskMs: round(timing.longestTaskMs, 0),
      longTasksTotalMs: round(timing.longTasksTotalMs, 0),
      ackMs: round(ackMs, 0),
      otherUnreadExact: otherChannelName === expectedName,
      otherChannelName,
      scrolledBack: scroll.seen,
      scrollEachOnceInOrder: scroll.problems.length === 0,
      scrollProblems: scroll.problems,
      maxScrollJumpPx: scroll.maxJumpPx,
      scrollSeconds: round(scroll.seconds, 1),
      domRowsAfterCatchUp: timing.rows,
    };
  } finally {
    for (const socket of senders) socket.close();
    await context.close();
    await target.stop();
  }
}

export async function runBrowser(options: { sizes: number[]; other: number }, log: (text: string) => void): Promise<BrowserResult[]> {
  const executablePath = systemChromium();
  const browser = await chromium.launch({
    executablePath,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--enable-precise-memory-info"],
  });
  try {
    const results: BrowserResult[] = [];
    for (const missed of options.sizes) {
      log(`browser: a page that missed ${missed.toLocaleString("en")} messages`);
      results.push(await oneRun(browser, missed, options.other, log));
    }
    return results;
  } finally {
    await browser.close();
  }
}
