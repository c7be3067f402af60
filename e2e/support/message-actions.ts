/** What a person does to a message in the list (hover, then its buttons): edit it, react to it, delete it. */
import { expect, type Locator } from "@playwright/test";
import type { ChatPage } from "./chat-page";

export async function editMessage(chat: ChatPage, item: Locator, text: string): Promise<void> {
  await item.hover();
  await item.getByRole("button", { name: "Edit" }).click();
  // The message's text becomes the textbox (one message is edited at a time).
  const box = chat.log.getByRole("textbox", { name: "Edit message" });
  await box.fill(text);
  await box.press("Enter");
}

export async function reactTo(chat: ChatPage, item: Locator, emoji: string): Promise<void> {
  await item.hover();
  await item.getByRole("button", { name: "Add reaction" }).click();
  const dialog = chat.page.getByRole("dialog", { name: "Choose a reaction" });
  await dialog.getByRole("button", { name: emoji, exact: true }).click();
  await expect(dialog).toBeHidden();
}

export async function deleteMessage(chat: ChatPage, item: Locator): Promise<void> {
  await item.hover();
  await item.getByRole("button", { name: "Delete" }).click();
  await chat.page.getByRole("dialog").getByRole("button", { name: "Delete" }).click();
}
