/**
 * Page object for the Tether chat, built only on the accessible names the UI promises (see issue 3), so the
 * specs read as what a person does and sees.
 */
import { expect, type Browser, type Locator, type Page, type TestInfo } from "@playwright/test";
import { recordConnectionDiary } from "./connection-diary";

export class ChatPage {
  readonly messageInput: Locator;
  readonly sendButton: Locator;
  readonly log: Locator;
  readonly items: Locator;
  readonly status: Locator;
  readonly channels: Locator;
  readonly directMessages: Locator;
  readonly displayName: Locator;
  readonly membersPanel: Locator;

  constructor(readonly page: Page) {
    this.messageInput = page.getByRole("textbox", { name: "Message" });
    this.sendButton = page.getByRole("button", { name: "Send" });
    this.log = page.getByRole("log", { name: "Messages" });
    this.items = this.log.getByRole("listitem");
    this.status = page.getByRole("status");
    this.channels = page.getByRole("navigation", { name: "Channels" });
    this.directMessages = page.getByRole("navigation", { name: "Direct messages" });
    this.displayName = page.getByRole("textbox", { name: "Display name" });
    this.membersPanel = page.getByRole("region", { name: "Members" });
  }

  /** Opens the chat, waits until it is live, and sets the display name. */
  async open(url: string, name?: string): Promise<void> {
    await recordConnectionDiary(this.page, name ?? "unnamed");
    await this.page.goto(url);
    await this.expectConnected();
    if (name) {
      await this.displayName.fill(name);
      await expect(this.displayName).toHaveValue(name);
    }
  }

  async expectConnected(): Promise<void> {
    await expect(this.status).toContainText("Connected");
    await expect(this.status).not.toContainText("catching up");
  }

  async send(text: string): Promise<void> {
    await this.messageInput.fill(text);
    await this.messageInput.press("Enter");
    await expect(this.messageInput).toHaveValue("");
  }

  /** The list item showing exactly this text as its message. */
  item(text: string): Locator {
    return this.items.filter({ has: this.page.locator(".message-text", { hasText: new RegExp(`^${escapeRegExp(text)}$`) }) });
  }

  /** The message texts in the DOM now (the list is virtualized: those near the view), top to bottom. */
  async shownTexts(): Promise<string[]> {
    return this.log.locator(".message-text").allTextContents();
  }

  /**
   * Every message text of the current channel's list, top to bottom, as a person sees it scrolling through the
   * whole list: the list is virtualized (only rows near the view are in the DOM), so this scrolls from the top to
   * the bottom, reading each row once by its position, then scrolls back to where it was. Null when the list
   * changed meanwhile (older messages loaded by reaching the top): the caller polls again.
   */
  async scrolledTexts(): Promise<string[] | null> {
    return this.log.evaluate(async (log: HTMLElement) => {
      const frames = () => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
      const wasAtBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 48;
      const startTop = log.scrollTop;
      const rowCount = log.dataset.rows;
      const texts = new Map<number, string | null>();
      const collect = () => {
        for (const slot of log.querySelectorAll<HTMLElement>("[data-index]")) {
          // A gap still to load shows as such: the list is not complete while it is there.
          const gap = slot.querySelector(".history-gap") ? "(a gap: Load older messages)" : null;
          texts.set(Number(slot.dataset.index), slot.querySelector(".message-text")?.textContent ?? gap);
        }
      };
      log.scrollTop = 0;
      await frames();
      collect();
      for (let step = 0; step < 2000 && log.scrollTop + log.clientHeight < log.scrollHeight - 1; step++) {
        log.scrollTop += Math.max(50, log.clientHeight * 0.8);
        await frames();
        collect();
      }
      log.scrollTop = wasAtBottom ? log.scrollHeight : startTop;
      await frames();
      if (log.dataset.rows !== rowCount) return null;
      const shown: string[] = [];
      for (let index = 0; index < Number(rowCount); index++) {
        if (!texts.has(index)) return null;
        const text = texts.get(index);
        if (text !== null && text !== undefined) shown.push(text);
      }
      return shown;
    });
  }

  /** Waits until the shown messages (all of the list, scrolled through), filtered by `keep`, are exactly `expected` in this order. */
  async expectShown(expected: string[], keep: (text: string) => boolean = () => true, { timeout }: { timeout?: number } = {}): Promise<void> {
    await expect.poll(async () => (await this.scrolledTexts())?.filter(keep) ?? "the list changed while it was read", { timeout }).toEqual(expected);
  }

  /** Scrolls the message list by `pixels` (negative: up), as a wheel would. */
  async scrollBy(pixels: number): Promise<void> {
    await this.log.evaluate((el, by) => el.scrollBy({ top: by }), pixels);
  }

  /**
   * Scrolls up a screen at a time, as a person reading back would, until the list shows the channel's beginning
   * with no gap left near it: older pages load as the top comes near, and a gap once the view rests on it. Both are
   * judged at one instant (a gap's page moves the view as it lands).
   */
  async scrollToBeginning(title: string, { timeout = 120_000 }: { timeout?: number } = {}): Promise<void> {
    await expect(async () => {
      const done = await this.log.evaluate((el, text) => {
        const view = el.getBoundingClientRect();
        const start = [...el.querySelectorAll(".history-marker")].find((marker) => marker.textContent === text);
        const box = start?.getBoundingClientRect();
        const startShown = !!box && box.bottom > view.top && box.top < view.bottom;
        if (startShown && el.querySelector(".history-gap") === null) return true;
        el.scrollBy({ top: -el.clientHeight * 0.9 });
        return false;
      }, `This is the beginning of ${title}.`);
      expect(done, "the channel's beginning shown, no gap near it").toBe(true);
      // A screen at a time, without the default back-off: each attempt is one step up.
    }).toPass({ timeout, intervals: [50] });
  }

  /** The search box, its results, and the way to a result's message. */
  get searchBox(): Locator {
    return this.page.getByRole("searchbox", { name: "Search messages" });
  }

  get searchResults(): Locator {
    return this.page.getByRole("list", { name: "Search results" });
  }

  async search(query: string): Promise<void> {
    await this.searchBox.fill(query);
    await this.searchBox.press("Enter");
  }

  /** The "Jump to latest" button shown while the view is away from the newest message. */
  get jumpToLatest(): Locator {
    return this.page.getByRole("button", { name: /^Jump to latest/ });
  }

  channel(name: string): Locator {
    return this.channels.getByRole("button", { name: new RegExp(`^#?\\s*${escapeRegExp(name)}\\b`) });
  }

  async switchTo(name: string): Promise<void> {
    await this.channel(name).click();
    await expect(this.channel(name)).toHaveAttribute("aria-current", "page");
  }

  async createChannel(name: string, { private: isPrivate = false } = {}): Promise<void> {
    await this.page.getByRole("button", { name: "New channel" }).click();
    await this.page.getByRole("textbox", { name: "Channel name" }).fill(name);
    if (isPrivate) await this.page.getByRole("checkbox", { name: "Private" }).check();
    await this.page.getByRole("button", { name: "Create" }).click();
    await expect(this.channel(name)).toHaveAttribute("aria-current", "page");
  }

  /** The lock a private channel shows in the sidebar. */
  lockOf(name: string): Locator {
    return this.channel(name).getByRole("img", { name: "Private channel" });
  }

  /** A DM in the sidebar, by its other participants' display names. */
  directMessage(names: string): Locator {
    return this.directMessages.getByRole("button", { name: new RegExp(`^${escapeRegExp(names)}\\b`) });
  }

  /** New direct message → Usernames → Start; the DM opens. */
  async startDirectMessage(usernames: string): Promise<void> {
    await this.directMessages.getByRole("button", { name: "New direct message" }).click();
    await this.page.getByRole("textbox", { name: "Usernames" }).fill(usernames);
    await this.page.getByRole("button", { name: "Start" }).click();
  }

  /** Opens the open channel's Members panel (if it is not open yet) and returns it. */
  async members(): Promise<Locator> {
    const button = this.page.getByRole("button", { name: "Members", exact: true });
    if ((await button.getAttribute("aria-expanded")) !== "true") await button.click();
    await expect(this.membersPanel).toBeVisible();
    return this.membersPanel;
  }

  /** The members listed in the open panel, each as its list item's text. */
  memberItems(): Locator {
    return this.membersPanel.getByRole("listitem");
  }

  async invite(username: string): Promise<void> {
    const panel = await this.members();
    await panel.getByRole("textbox", { name: "Invite by username" }).fill(username);
    await panel.getByRole("button", { name: "Invite", exact: true }).click();
  }

  async removeMember(username: string): Promise<void> {
    const panel = await this.members();
    await panel.getByRole("button", { name: `Remove ${username}`, exact: true }).click();
  }

  async leaveChannel(): Promise<void> {
    const panel = await this.members();
    await panel.getByRole("button", { name: "Leave channel" }).click();
  }

  async screenshot(testInfo: TestInfo, name: string): Promise<Buffer> {
    const body = await this.page.screenshot({ path: testInfo.outputPath(`${name}.png`) });
    await testInfo.attach(name, { body, contentType: "image/png" });
    return body;
  }
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A person in their own browser context (own cookie, own storage), with the chat open and live. */
export async function openPerson(browser: Browser, url: string, name?: string): Promise<ChatPage> {
  const context = await browser.newContext();
  const chat = new ChatPage(await context.newPage());
  await chat.open(url, name);
  return chat;
}
