/**
 * A timeline of what a page's connection did — every WebSocket opened and closed, the frames it carried (heartbeats
 * left out), the browser's online/offline events and each change of the status line — recorded inside the page and
 * attached to a failed test. Reconnection races are invisible in a final screenshot; this shows their order.
 */
import type { Page, TestInfo } from "@playwright/test";

declare global {
  interface Window {
    __tetherDiary?: string[];
  }
}

/** Runs in the page before any of its scripts, so socket.io-client picks up the recording WebSocket. */
function recordConnection(): void {
  const diary: string[] = [];
  window.__tetherDiary = diary;
  const note = (line: string) => diary.push(`${performance.now().toFixed(0).padStart(7)} ms  ${line}`);
  const brief = (data: unknown) => (typeof data === "string" ? data.slice(0, 120) : "[binary]");
  const isHeartbeat = (data: unknown) => data === "2" || data === "3";

  const NativeWebSocket = window.WebSocket;
  let opened = 0;
  class RecordedWebSocket extends NativeWebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      const n = ++opened;
      note(`ws#${n} created`);
      this.addEventListener("open", () => note(`ws#${n} open`));
      this.addEventListener("error", () => note(`ws#${n} error`));
      this.addEventListener("close", (event) => note(`ws#${n} closed (code ${event.code})`));
      this.addEventListener("message", (event) => {
        if (!isHeartbeat(event.data)) note(`ws#${n} ← ${brief(event.data)}`);
      });
      const send = this.send.bind(this);
      this.send = (data) => {
        if (!isHeartbeat(data)) note(`ws#${n} → ${brief(data)}`);
        send(data);
      };
    }
  }
  window.WebSocket = RecordedWebSocket;
  window.addEventListener("online", () => note("browser online"));
  window.addEventListener("offline", () => note("browser offline"));

  let lastStatus = "";
  const observeStatus = () => {
    new MutationObserver(() => {
      const text = document.querySelector('[role="status"]')?.textContent ?? "";
      if (text !== lastStatus) note(`status: ${(lastStatus = text)}`);
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  };
  if (document.body) observeStatus();
  else document.addEventListener("DOMContentLoaded", observeStatus);
}

/** The pages recording in the current test, by the name of the person using them. */
const recording = new Map<Page, string>();

export async function recordConnectionDiary(page: Page, person: string): Promise<void> {
  if (recording.has(page)) return;
  recording.set(page, person);
  await page.addInitScript(recordConnection);
}

/** After a test: attaches every recording page's diary if the test failed, and forgets the pages either way. */
export async function attachConnectionDiaries(testInfo: TestInfo): Promise<void> {
  const pages = [...recording];
  recording.clear();
  if (testInfo.status === testInfo.expectedStatus) return;
  for (const [page, person] of pages) {
    if (page.isClosed()) continue;
    const lines = await page.evaluate(() => window.__tetherDiary ?? []).catch((error: unknown) => [`(unreadable: ${String(error)})`]);
    await testInfo.attach(`connection diary (${person})`, { body: lines.join("\n"), contentType: "text/plain" });
  }
}
