import { expect, test } from "./support/test";
import { TetherServer } from "./support/tether-server";

const server = new TetherServer();

test.beforeAll(async () => {
  await server.start();
});

test.afterAll(async () => {
  await server.dispose();
});

test("the production server serves the page and issues an HTTP-only session cookie", async ({ page, context }) => {
  await page.goto(server.url);
  await expect(page).toHaveTitle(/Tether/);
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === "tether_session");
  expect(session?.httpOnly).toBe(true);
  expect(session?.sameSite).toBe("Lax");
});
