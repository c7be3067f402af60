/**
 * Chatting as people do: two people in two channels, a long history read by scrolling up, and hostile text
 * shown as text. Each test checks the page and the SQLite file.
 */
import type { Browser } from "@playwright/test";
import { expect, test } from "./support/test";
import { ChatPage, openPerson } from "./support/chat-page";
import { createChannel, sendAll, withScriptClient } from "./support/script-client";
import { serverForThisFile } from "./support/tether-server";

const server = serverForThisFile();

const person = (browser: Browser, name: string) => openPerson(browser, server.url, name);

test("two people chat in real time in two channels, with unread counts", async ({ browser }, testInfo) => {
  const alice = await person(browser, "Alice");
  const bob = await person(browser, "Bob");

  await alice.send("Hi Bob!");
  await expect(bob.item("Hi Bob!")).toContainText("Alice");
  await expect(alice.item("Hi Bob!")).toHaveAttribute("data-status", "sent");
  await bob.send("Hello Alice, how are you?");
  await bob.send("Lovely day for a chat.");
  await expect(alice.item("Lovely day for a chat.")).toBeVisible();
  // Bob's two messages in a row are grouped under one name.
  await expect(alice.item("Lovely day for a chat.")).toHaveClass(/continues/);

  await alice.createChannel("random");
  await expect(bob.channel("random")).toBeVisible();
  await alice.send("Anyone here in random?");
  await expect(bob.channel("random")).toContainText("1 unread");
  await bob.switchTo("random");
  await expect(bob.item("Anyone here in random?")).toBeVisible();
  await expect(bob.channel("random")).not.toContainText("unread");
  await bob.send("Me!");
  await expect(alice.item("Me!")).toContainText("Bob");
  // General stayed as it was: switching channels shows each channel's own messages.
  await alice.switchTo("general");
  await alice.expectShown(["Hi Bob!", "Hello Alice, how are you?", "Lovely day for a chat."]);
  await alice.send("Back in general.");
  await expect(bob.channel("general")).toContainText("1 unread");
  await alice.screenshot(testInfo, "chatting");

  expect(server.storedContents("general")).toEqual(["Hi Bob!", "Hello Alice, how are you?", "Lovely day for a chat.", "Back in general."]);
  expect(server.storedContents("random")).toEqual(["Anyone here in random?", "Me!"]);
  expect(server.storedMessages().map((m) => m.authorName)).toEqual(["Alice", "Bob", "Bob", "Alice", "Bob", "Alice"]);
});

test("scrolling up loads older history without gaps or duplicates", async ({ page }) => {
  const contents = Array.from({ length: 130 }, (_, i) => `history message ${i + 1}`);
  await withScriptClient(server.url, "Archivist", async (socket) => {
    await createChannel(socket, "archive");
    await sendAll(socket, "archive", contents, "archive");
  });
  const reader = new ChatPage(page);
  await reader.open(server.url, "Reader");
  await reader.switchTo("archive");
  // The newest page is shown first, pinned to the bottom.
  await expect(reader.item("history message 130")).toBeInViewport();
  expect((await reader.shownTexts()).length).toBeLessThan(contents.length);

  const beginning = reader.log.getByText("This is the beginning of #archive.");
  await expect(async () => {
    await reader.log.evaluate((el) => el.scrollTo({ top: 0 }));
    await expect(beginning).toBeVisible({ timeout: 1000 });
  }).toPass();
  await reader.expectShown(contents);
  expect(server.storedContents("archive")).toEqual(contents);

  // Reading old messages: a new one arriving below does not move the view, it offers a way down.
  const reading = reader.item("history message 5");
  const topBefore = await reading.evaluate((el) => el.getBoundingClientRect().top);
  await withScriptClient(server.url, "Archivist", (socket) => sendAll(socket, "archive", ["a late addition"], "late"));
  const jump = reader.page.getByRole("button", { name: "Jump to latest, 1 new message" });
  await expect(jump).toBeVisible();
  expect(await reading.evaluate((el) => el.getBoundingClientRect().top)).toBe(topBefore);
  await jump.click();
  await expect(reader.item("a late addition")).toBeInViewport();
});

test("a message with HTML and script is shown as text, nothing executes, links are safe", async ({ browser }) => {
  const alice = await person(browser, "Mallory");
  const bob = await person(browser, "Victim");
  const hostile = `<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script><b>bold?</b> javascript:alert(1) see https://example.com/a?b=1.`;
  await alice.send(hostile);

  for (const chat of [alice, bob]) {
    const item = chat.item(hostile);
    await expect(item).toBeVisible();
    await expect(item.locator("img, script, b")).toHaveCount(0);
    const links = item.getByRole("link");
    await expect(links).toHaveCount(1);
    await expect(links).toHaveAttribute("href", "https://example.com/a?b=1");
    await expect(links).toHaveAttribute("rel", "noopener noreferrer nofollow");
    await expect(links).toHaveAttribute("target", "_blank");
    expect(await chat.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  }
  expect(server.storedContents("general")).toContain(hostile);
});

test("Markdown is formatted for everyone: bold, code, code blocks, quotes, lists", async ({ browser }) => {
  const alice = await person(browser, "Formatter");
  const bob = await person(browser, "Reader");
  await alice.send("**bold** and `code`");
  await alice.send("> quoted\n\n- one\n- two\n\n```\nconst a = 1;\n```");

  for (const chat of [alice, bob]) {
    const inline = chat.item("bold and code");
    await expect(inline.locator("strong")).toHaveText("bold");
    await expect(inline.locator("code")).toHaveText("code");
    const block = chat.items.filter({ has: chat.page.locator("pre") });
    await expect(block.locator("blockquote")).toHaveText("quoted");
    await expect(block.getByRole("listitem")).toHaveText(["one", "two"]);
    await expect(block.locator("pre code")).toHaveText("const a = 1;");
    expect(await block.locator("pre").evaluate((el) => getComputedStyle(el.querySelector("code")!).fontFamily)).toMatch(/mono/i);
  }
  expect(server.storedContents("general")).toContain("**bold** and `code`");
});

test("the composer: Enter sends, Shift+Enter adds a line, and the length limit shows before sending", async ({ page }) => {
  const chat = new ChatPage(page);
  await chat.open(server.url, "Writer");
  await chat.messageInput.fill("first line");
  await chat.messageInput.press("Shift+Enter");
  await chat.messageInput.pressSequentially("second line");
  await expect(chat.messageInput).toHaveValue("first line\nsecond line");
  await chat.messageInput.press("Enter");
  await expect(chat.item("first line\nsecond line")).toHaveAttribute("data-status", "sent");

  await chat.messageInput.fill("é".repeat(4001));
  await expect(page.getByText("1 too many · 4001 / 4000")).toBeVisible();
  await expect(chat.sendButton).toBeDisabled();
  await chat.messageInput.press("Backspace");
  await expect(page.getByText("4000 / 4000")).toBeVisible();
  await chat.sendButton.click();
  await expect(chat.messageInput).toHaveValue("");
  await expect(chat.item("é".repeat(4000))).toHaveAttribute("data-status", "sent");
  expect(server.storedContents("general")).toEqual(expect.arrayContaining(["first line\nsecond line", "é".repeat(4000)]));
});

test("on a phone-sized screen in dark mode, everything fits and works from the keyboard", async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 375, height: 667 }, colorScheme: "dark" });
  const chat = new ChatPage(await context.newPage());
  await chat.open(server.url, "Pocket");
  await expect(chat.channels).toBeInViewport();
  await expect(chat.messageInput).toBeInViewport();
  await expect(chat.sendButton).toBeInViewport();
  expect(await chat.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
  const background = await chat.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  expect(background).toBe("rgb(22, 23, 27)");

  // Tab reaches the composer; Enter sends. Each Tab is checked where it landed before the next (a retry loop with a
  // short focus timeout could step past the composer on a loaded machine and go round the page for a minute).
  await chat.page.locator("body").focus();
  const composerIsFocused = () => chat.messageInput.evaluate((input) => input === document.activeElement);
  let tabs = 0;
  while (!(await composerIsFocused())) {
    expect(++tabs, "Tab presses until the composer has focus").toBeLessThanOrEqual(40);
    await chat.page.keyboard.press("Tab");
  }
  await chat.page.keyboard.type("sent from the keyboard");
  await chat.page.keyboard.press("Enter");
  await expect(chat.item("sent from the keyboard")).toHaveAttribute("data-status", "sent");
  await context.close();
});
