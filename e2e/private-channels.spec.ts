/**
 * Private channels and direct messages as people use them, each person in a browser of their own, against the
 * production server: what members see at once (without reloading), and what everyone else never receives — checked
 * on the WebSocket frames their browsers got, not only on the screen.
 */
import type { Browser, Page } from "@playwright/test";
import { expect, test } from "./support/test";
import { signUp, signedInDevice } from "./support/account-pages";
import { ChatPage, openPerson } from "./support/chat-page";
import { serverForThisFile } from "./support/tether-server";
import { ReceivedFrames } from "./support/websocket-frames";

const server = serverForThisFile();

/** Someone who signs up in a browser of their own; every frame their browser receives is recorded. */
async function person(browser: Browser, username: string): Promise<{ chat: ChatPage; frames: ReceivedFrames }> {
  const page = await (await browser.newContext()).newPage();
  const frames = new ReceivedFrames(page);
  return { chat: await signUp(page, server.url, username, `${username}-password`), frames };
}

/** Sends a message to general: once `frames` carry it, everything sent before it has reached that browser, or never will. */
async function fence(sender: ChatPage, text: string, receivers: ReceivedFrames[]): Promise<void> {
  await sender.switchTo("general");
  await sender.send(text);
  for (const frames of receivers) await frames.waitFor(text);
}

/** The text of an account's local state in this browser: its cache and outbox. */
function storedState(page: Page): Promise<string> {
  return page.evaluate(() =>
    Object.keys(window.localStorage)
      .filter((key) => key.startsWith("tether"))
      .map((key) => window.localStorage.getItem(key))
      .join("\n"),
  );
}

test("a private channel: the invited member sees it at once with its lock, messages flow both ways, and a third account receives nothing of it", async ({
  browser,
}) => {
  const { chat: alice } = await person(browser, "alice");
  const { chat: bob } = await person(browser, "bob");
  const { chat: carol, frames: carolFrames } = await person(browser, "carol");

  await alice.createChannel("secret-plans", { private: true });
  await expect(alice.lockOf("secret-plans")).toBeVisible();
  await expect(alice.channel("secret-plans")).toHaveAccessibleName(/^secret-plans\b.*private/i);
  await expect(bob.channel("secret-plans")).toHaveCount(0);

  await alice.invite("nobody-here");
  await expect((await alice.members()).getByRole("alert")).toContainText('No account has the username "nobody-here"');
  await alice.invite("bob");
  await expect(alice.memberItems()).toHaveCount(2);
  await expect(alice.memberItems().filter({ hasText: "@bob" })).toContainText("bob");
  await expect(alice.memberItems().filter({ hasText: "@alice" })).toContainText("owner");

  // Bob's sidebar shows it without a reload, locked; its messages flow both ways.
  await expect(bob.channel("secret-plans")).toBeVisible();
  await expect(bob.lockOf("secret-plans")).toBeVisible();
  await bob.switchTo("secret-plans");
  await alice.send("plan A: meet at noon");
  await expect(bob.item("plan A: meet at noon")).toBeVisible();
  await bob.send("plan B: bring snacks");
  await expect(alice.item("plan B: bring snacks")).toBeVisible();
  await expect(bob.item("plan B: bring snacks")).toHaveAttribute("data-status", "sent");
  // Bob, a member, sees the members but may not remove anyone: only the creator (and the admin) may.
  await expect((await bob.members()).getByRole("listitem")).toHaveCount(2);
  await expect(bob.membersPanel.getByRole("button", { name: /^Remove / })).toHaveCount(0);

  // Carol: not in her sidebar, and not one frame her browser received carried the channel or its messages.
  await fence(alice, "general, later on", [carolFrames]);
  await expect(carol.item("general, later on")).toBeVisible();
  await expect(carol.channel("secret-plans")).toHaveCount(0);
  for (const secret of ["secret-plans", "plan A", "plan B"]) expect(carolFrames.carrying(secret)).toEqual([]);
  // Nor does her channel list, asked for again on a new page load.
  await carol.page.reload();
  await carol.expectConnected();
  await expect(carol.channel("secret-plans")).toHaveCount(0);
  expect(carolFrames.carrying("secret-plans")).toEqual([]);
});

test("a DM opened from a username appears at once for the other, named by the opener's display name; leaving it hides it", async ({ browser }) => {
  const { chat: dana } = await person(browser, "dana");
  const { chat: eli, frames: eliFrames } = await person(browser, "eli");
  await dana.displayName.fill("Dana Diaz");
  await expect(dana.displayName).toHaveValue("Dana Diaz");

  await dana.startDirectMessage("zed-nobody");
  await expect(dana.directMessages.getByRole("alert")).toContainText('No account has the username "zed-nobody"');
  await dana.page.getByRole("textbox", { name: "Usernames" }).fill("eli");
  await dana.page.getByRole("button", { name: "Start" }).click();
  await expect(dana.directMessage("eli")).toHaveAttribute("aria-current", "page");
  await dana.send("hi eli, just us");

  // Eli's browser lists it at once, under Direct messages, by Dana's display name.
  await expect(eli.directMessage("Dana Diaz")).toBeVisible();
  await expect(eli.channels.getByRole("button", { name: /Dana Diaz/ })).toHaveCount(0);
  await eli.directMessage("Dana Diaz").click();
  await expect(eli.item("hi eli, just us")).toBeVisible();
  await eli.send("hi dana");
  await expect(dana.item("hi dana")).toBeVisible();

  // Opening it again from the other side is the same conversation.
  await eli.switchTo("general");
  await eli.startDirectMessage("DANA");
  await expect(eli.directMessage("Dana Diaz")).toHaveAttribute("aria-current", "page");
  await expect(eli.directMessages.getByRole("button")).toHaveCount(2); // the DM and "New direct message"
  await expect(eli.item("hi eli, just us")).toBeVisible();

  // Eli leaves: the DM goes from his sidebar and his screen, and nothing more of it reaches his browser.
  await eli.leaveChannel();
  await expect(eli.directMessage("Dana Diaz")).toHaveCount(0);
  await expect(eli.channel("general")).toHaveAttribute("aria-current", "page");
  await expect(eli.item("hi eli, just us")).toHaveCount(0);
  await dana.send("are you still there?");
  await expect(dana.item("are you still there?")).toHaveAttribute("data-status", "sent");
  await fence(dana, "general again", [eliFrames]);
  expect(eliFrames.carrying("are you still there?")).toEqual([]);
  expect(await storedState(eli.page)).not.toContain("hi eli, just us");
});

test("a removed member's channel disappears at once, from the screen and storage, and nothing later reaches their browser", async ({ browser }) => {
  const { chat: fay } = await person(browser, "fay");
  const { chat: gil, frames: gilFrames } = await person(browser, "gil");
  await fay.createChannel("vault", { private: true });
  await fay.invite("gil");
  await expect(gil.channel("vault")).toBeVisible();
  await gil.switchTo("vault");
  await fay.send("before the removal");
  await expect(gil.item("before the removal")).toBeVisible();
  await expect.poll(() => storedState(gil.page)).toContain("before the removal");
  await gil.messageInput.fill("half-written secret");

  await fay.removeMember("gil");
  await expect(fay.memberItems()).toHaveCount(1);
  await expect(gil.channel("vault")).toHaveCount(0);
  await expect(gil.channel("general")).toHaveAttribute("aria-current", "page");
  await expect(gil.item("before the removal")).toHaveCount(0);
  // The draft written for the channel does not follow the view to general.
  await expect(gil.messageInput).toHaveValue("");
  await expect.poll(() => storedState(gil.page)).not.toContain("before the removal");

  await fay.switchTo("vault");
  await fay.send("after the removal");
  await expect(fay.item("after the removal")).toHaveAttribute("data-status", "sent");
  await fence(fay, "general once more", [gilFrames]);
  expect(gilFrames.carrying("after the removal")).toEqual([]);
  // Reloading brings nothing of it back.
  await gil.page.reload();
  await gil.expectConnected();
  await expect(gil.channel("vault")).toHaveCount(0);
});

test("a message written offline to a channel one is removed from meanwhile is kept, refused when sent, and shown with the reason", async ({
  browser,
}) => {
  const { chat: hal } = await person(browser, "hal");
  const { chat: ida } = await person(browser, "ida");
  await hal.createChannel("hideout", { private: true });
  await hal.invite("ida");
  await ida.switchTo("hideout");
  await ida.page.getByRole("button", { name: "Disconnect" }).click();
  await ida.send("written while away");
  await expect(ida.item("written while away")).toHaveAttribute("data-status", "pending");

  await hal.removeMember("ida");
  await expect(hal.memberItems()).toHaveCount(1);
  await ida.page.getByRole("button", { name: "Connect" }).click();
  await ida.expectConnected();

  // The channel is gone; the message is not lost: it is shown with the server's refusal, and can be discarded.
  await expect(ida.channel("hideout")).toHaveCount(0);
  const unsent = ida.page.getByRole("region", { name: "Messages to channels you left" });
  await expect(unsent).toContainText("written while away");
  await expect(unsent.getByRole("alert")).toHaveText("Only members can read this channel.");
  expect(server.storedContents("hideout")).not.toContain("written while away");
  await unsent.getByRole("button", { name: "Discard" }).click();
  await expect(unsent).toHaveCount(0);
});

test("one account on two devices sees the same channels and DMs, as they change", async ({ browser }) => {
  const { chat: laptop } = await person(browser, "joan");
  const phone = await signedInDevice(browser, server.url, "joan", "joan-password");
  const { chat: kim } = await person(browser, "kim");

  await laptop.createChannel("joan-notes", { private: true });
  await expect(phone.channel("joan-notes")).toBeVisible();
  await expect(phone.lockOf("joan-notes")).toBeVisible();

  await kim.startDirectMessage("joan");
  await expect(kim.directMessage("joan")).toHaveAttribute("aria-current", "page");
  await kim.send("hello joan");
  for (const device of [laptop, phone]) await expect(device.directMessage("kim")).toBeVisible();
  await phone.directMessage("kim").click();
  await expect(phone.item("hello joan")).toBeVisible();
  await phone.send("hello from my phone");
  await laptop.directMessage("kim").click();
  await expect(laptop.item("hello from my phone")).toBeVisible();

  // A device signed in later lists the same channels and DMs.
  const tablet = await signedInDevice(browser, server.url, "joan", "joan-password");
  await expect(tablet.lockOf("joan-notes")).toBeVisible();
  await tablet.directMessage("kim").click();
  await expect(tablet.item("hello from my phone")).toBeVisible();

  // Leaving on one device leaves on all of them.
  await laptop.switchTo("joan-notes");
  await laptop.leaveChannel();
  await expect(laptop.channel("joan-notes")).toHaveCount(0);
  await expect(phone.channel("joan-notes")).toHaveCount(0);
  await expect(tablet.channel("joan-notes")).toHaveCount(0);
});

test("a guest is offered neither private channels nor direct messages", async ({ browser }) => {
  const guest = await openPerson(browser, server.url, "Guest Gwen");
  await guest.page.getByRole("button", { name: "New channel" }).click();
  await expect(guest.page.getByRole("textbox", { name: "Channel name" })).toBeVisible();
  await expect(guest.page.getByRole("checkbox", { name: "Private" })).toHaveCount(0);
  await expect(guest.directMessages.getByRole("button", { name: "New direct message" })).toHaveCount(0);
  await expect(guest.directMessages).toContainText("need an account");
  // A public channel of a guest's is as it was.
  await guest.page.getByRole("textbox", { name: "Channel name" }).fill("guests-welcome");
  await guest.page.getByRole("button", { name: "Create" }).click();
  await expect(guest.channel("guests-welcome")).toHaveAttribute("aria-current", "page");
  await expect(guest.lockOf("guests-welcome")).toHaveCount(0);
});
