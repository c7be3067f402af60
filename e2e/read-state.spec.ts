/**
 * Read state, mentions, notifications, typing and presence as people see them, in Chromium against the production
 * server: one account on two devices (two browser contexts) never shows as unread what it read on the other; a muted
 * channel shows its mentions only; the typing line and presence dots follow the other person. System notifications
 * are in notifications.spec.ts (they need the full Chromium).
 */
import type { Browser } from "@playwright/test";
import { expect, test } from "./support/test";
import { setTabHidden } from "./support/attention";
import { openDevice, post, type DeviceOptions } from "./support/devices";
import { deleteMessage, editMessage } from "./support/message-actions";
import { serverForThisFile } from "./support/tether-server";

const server = serverForThisFile();

/** A device of its own (a browser context) for `username`: signed up the first time, signed in after that. */
const device = (browser: Browser, username: string, options?: DeviceOptions) => openDevice(browser, server.url, username, options);

test("reading on one device clears the badge and the title count on the other", async ({ browser }) => {
  const laptop = await device(browser, "rhea", { first: true });
  const phone = await device(browser, "rhea");
  const sam = await device(browser, "sam", { first: true });

  await sam.createChannel("planning");
  await post(sam, "planning", "agenda for monday");
  await post(sam, "planning", "@rhea can you take the notes?");
  await post(sam, "planning", "thanks all");

  for (const rhea of [laptop, phone]) {
    await expect(rhea.channel("planning")).toHaveAccessibleName("planning, 3 unread, 1 mention");
    await expect(rhea.channel("planning")).toContainText("3 unread");
    await expect(rhea.channel("planning").getByText("1 mention")).toBeAttached();
    await expect(rhea.page).toHaveTitle("(1) Tether");
  }

  // Opening the channel on the phone shows the messages: read there, so read on the laptop too.
  await phone.switchTo("planning");
  await expect(phone.item("thanks all")).toBeVisible();
  await expect(laptop.channel("planning")).toHaveAccessibleName("planning");
  await expect(laptop.page).toHaveTitle("Tether");
  await expect(phone.page).toHaveTitle("Tether");

  // Counts stay exact for what arrives next, and after a reload (from the server, not this browser).
  await phone.switchTo("general");
  await post(sam, "planning", "one more thing");
  await expect(phone.channel("planning")).toHaveAccessibleName("planning, 1 unread");
  await expect(laptop.channel("planning")).toHaveAccessibleName("planning, 1 unread");
  await laptop.page.reload();
  await laptop.expectConnected();
  await expect(laptop.channel("planning")).toHaveAccessibleName("planning, 1 unread");
  await phone.switchTo("planning");
  await expect(phone.item("one more thing")).toBeVisible();
  await expect(laptop.channel("planning")).toHaveAccessibleName("planning");
});

test("@ suggests the channel's members: arrow keys and Enter pick one, Escape dismisses, and a mention of you stands out", async ({ browser }) => {
  const jon = await device(browser, "jon", { first: true });
  const joy = await device(browser, "joy", { first: true });
  const ivy = await device(browser, "ivy", { first: true });
  const suggestions = ivy.page.getByRole("listbox", { name: "Mention suggestions" });
  const option = (username: string) => suggestions.getByRole("option", { name: new RegExp(`^@${username}\\b`) });

  // Escape dismisses the suggestions for that `@` and leaves the text alone.
  await ivy.messageInput.pressSequentially("cc @j");
  await expect(suggestions.getByRole("option")).toHaveText([/^@jon/, /^@joy/]);
  await ivy.messageInput.press("Escape");
  await expect(suggestions).toBeHidden();
  await expect(ivy.messageInput).toHaveValue("cc @j");
  await ivy.messageInput.clear();

  // Members other than oneself, matching what follows the `@`; the first is chosen, arrows move and wrap round.
  await ivy.messageInput.pressSequentially("thanks @j");
  await expect(suggestions.getByRole("option")).toHaveText([/^@jon/, /^@joy/]);
  await expect(option("jon")).toHaveAttribute("aria-selected", "true");
  await ivy.messageInput.press("ArrowDown");
  await expect(option("joy")).toHaveAttribute("aria-selected", "true");
  await expect(option("jon")).toHaveAttribute("aria-selected", "false");
  await ivy.messageInput.press("ArrowDown");
  await expect(option("jon")).toHaveAttribute("aria-selected", "true");
  await ivy.messageInput.press("ArrowUp");
  await expect(option("joy")).toHaveAttribute("aria-selected", "true");
  // Enter picks (it does not send), and the caret is after the inserted mention.
  await ivy.messageInput.press("Enter");
  await expect(suggestions).toBeHidden();
  await expect(ivy.messageInput).toHaveValue("thanks @joy ");
  await ivy.messageInput.pressSequentially("for the review");
  await expect(ivy.messageInput).toHaveValue("thanks @joy for the review");
  await ivy.messageInput.press("Enter");
  await expect(ivy.item("thanks @joy for the review")).toHaveAttribute("data-status", "sent");

  // Highlighted for everyone; it stands out only for the person mentioned.
  for (const reader of [jon, joy, ivy]) await expect(reader.item("thanks @joy for the review").locator(".mention")).toHaveText("@joy");
  await expect(joy.item("thanks @joy for the review").locator(".mention-me")).toHaveText("@joy");
  for (const reader of [jon, ivy]) await expect(reader.item("thanks @joy for the review").locator(".mention-me")).toHaveCount(0);
});

test("a deleted mention leaves the badges on every device; an edit that names you adds one", async ({ browser }) => {
  const laptop = await device(browser, "uma", { first: true });
  const phone = await device(browser, "uma");
  const lee = await device(browser, "lee", { first: true });

  await lee.createChannel("launch");
  await post(lee, "launch", "@uma the date moved");
  await post(lee, "launch", "see the doc");
  for (const uma of [laptop, phone]) await expect(uma.channel("launch")).toHaveAccessibleName("launch, 2 unread, 1 mention");

  await deleteMessage(lee, lee.item("@uma the date moved"));
  for (const uma of [laptop, phone]) {
    await expect(uma.channel("launch")).toHaveAccessibleName("launch, 1 unread");
    await expect(uma.page).toHaveTitle("Tether");
  }
  await editMessage(lee, lee.item("see the doc"), "see the doc, @uma");
  for (const uma of [laptop, phone]) {
    await expect(uma.channel("launch")).toHaveAccessibleName("launch, 1 unread, 1 mention");
    await expect(uma.page).toHaveTitle("(1) Tether");
  }
  // From the server, not this browser: the same after a reload.
  await phone.page.reload();
  await expect(phone.channel("launch")).toHaveAccessibleName("launch, 1 unread, 1 mention");
});

test("a muted channel shows no unread count on any device, only its mentions", async ({ browser }) => {
  const laptop = await device(browser, "wes", { first: true });
  const phone = await device(browser, "wes");
  const xena = await device(browser, "xena", { first: true });
  await xena.createChannel("chatter");
  await expect(laptop.channel("chatter")).toBeVisible();

  await laptop.switchTo("chatter");
  const mute = laptop.page.getByRole("button", { name: "Mute channel" });
  await expect(mute).toHaveAttribute("aria-pressed", "false");
  await mute.click();
  await expect(mute).toHaveAttribute("aria-pressed", "true");
  await laptop.switchTo("general");

  await post(xena, "chatter", "small talk");
  await post(xena, "chatter", "more small talk");
  for (const wes of [laptop, phone]) await expect(wes.channel("chatter")).toHaveAccessibleName("chatter, muted");
  await post(xena, "chatter", "@wes a question for you");
  for (const wes of [laptop, phone]) {
    await expect(wes.channel("chatter")).toHaveAccessibleName("chatter, 1 mention, muted");
    await expect(wes.page).toHaveTitle("(1) Tether");
  }

  // Unmuted on the phone: the laptop shows the count again (the server kept counting).
  await phone.switchTo("chatter");
  await phone.page.getByRole("button", { name: "Mute channel" }).click();
  await expect(phone.page.getByRole("button", { name: "Mute channel" })).toHaveAttribute("aria-pressed", "false");
  await expect(laptop.channel("chatter")).toHaveAccessibleName("chatter");
  // Away from the channel on both devices, or the phone reads the next message the moment it arrives.
  await phone.switchTo("general");
  await post(xena, "chatter", "back to normal");
  await expect(laptop.channel("chatter")).toHaveAccessibleName("chatter, 1 unread");
});

test("the typing line follows the person typing: shown while they type, gone when they clear, send, or leave", async ({ browser }) => {
  const yan = await device(browser, "yan", { first: true });
  const zoe = await device(browser, "zoe", { first: true });
  const typing = yan.page.getByRole("status", { name: "Typing" });
  await expect(typing).toHaveText("");

  await zoe.messageInput.fill("I am writ");
  await expect(typing).toHaveText("zoe is typing…");
  await zoe.messageInput.fill("");
  await expect(typing).toHaveText("");

  await zoe.messageInput.fill("Hello yan");
  await expect(typing).toHaveText("zoe is typing…");
  await zoe.messageInput.press("Enter");
  await expect(yan.item("Hello yan")).toBeVisible();
  await expect(typing).toHaveText("");

  // A third person typing too.
  const amy = await device(browser, "amy", { first: true });
  await zoe.messageInput.fill("Another");
  await amy.messageInput.fill("Me too");
  await expect(typing).toHaveText(/^(zoe and amy|amy and zoe) are typing…$/);
  // Closing a tab mid-sentence ends that indicator (no ghost typing).
  await amy.page.context().close();
  await expect(typing).toHaveText("zoe is typing…");
});

test("presence dots: online, away while every tab is hidden, offline once gone", async ({ browser }) => {
  const bea = await device(browser, "bea", { first: true });
  const cal = await device(browser, "cal", { first: true });
  await bea.startDirectMessage("cal");
  const dm = bea.directMessage("cal");
  await expect(dm.getByRole("img", { name: "online" })).toBeVisible();

  const panel = await bea.members();
  await expect(panel.getByRole("listitem").filter({ hasText: "cal" }).getByRole("img", { name: "online" })).toBeVisible();

  await setTabHidden(cal.page, true);
  await expect(dm.getByRole("img", { name: "away" })).toBeVisible();
  await setTabHidden(cal.page, false);
  await expect(dm.getByRole("img", { name: "online" })).toBeVisible();

  await cal.page.context().close();
  await expect(dm.getByRole("img", { name: "offline" })).toBeVisible();
});
