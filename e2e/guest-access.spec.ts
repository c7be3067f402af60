/** GUEST_ACCESS=false: a workspace for accounts only, in Chromium against the production server. */
import { expect, test } from "./support/test";
import { io } from "socket.io-client";
import { signUp } from "./support/account-pages";
import { serverForThisFile } from "./support/tether-server";

const server = serverForThisFile({ env: { GUEST_ACCESS: "false" } });

test("every page but sign-in and sign-up sends a visitor without an account to /sign-in; after signing up the chat opens", async ({ page }) => {
  await page.goto(server.url);
  await expect(page).toHaveURL(`${server.url}/sign-in`);
  await expect(page.getByRole("button", { name: "Sign in", exact: true })).toBeVisible();
  await page.goto(`${server.url}/settings`);
  await expect(page).toHaveURL(`${server.url}/sign-in?next=%2Fsettings`);
  await page.goto(`${server.url}/sign-up`);
  await expect(page).toHaveURL(`${server.url}/sign-up`);

  const chat = await signUp(page, server.url, "ines", "ines-password");
  await chat.send("accounts only in here");
  await expect(chat.item("accounts only in here")).toHaveAttribute("data-status", "sent");
});

test("refuses a socket without an account session or token: connect_error with code unauthorized", async () => {
  const script = io(server.url, { transports: ["websocket"], reconnection: false });
  const refused = await new Promise<Error & { data?: { code?: string } }>((resolve) => script.once("connect_error", resolve));
  expect(refused.data?.code).toBe("unauthorized");
  script.close();
});
