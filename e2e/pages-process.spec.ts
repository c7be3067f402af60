/**
 * With PAGES_PROCESS=true the pages are rendered by a process of their own, which the server hands every connection
 * that asks for a page (lib/server/pages). What that must never cost: a chat connection, when the pages process dies;
 * a process left behind, when the server dies.
 */
import fs from "node:fs";
import { io } from "socket.io-client";
import { expect, test } from "./support/test";
import { TetherServer } from "./support/tether-server";

// Experimental and off by default (PAGES_PROCESS): this spec turns it on.
const server = new TetherServer({ env: { PAGES_PROCESS: "true" } });

test.beforeAll(async () => {
  await server.start();
});

test.afterAll(async () => {
  await server.dispose();
});

const isRunning = (pid: number) => fs.existsSync(`/proc/${pid}`) && !fs.readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z ");

/** The server's pages process (tsx may have started an esbuild process too). */
function pagesPid(): number {
  const pids = server.childPids().filter((pid) => isRunning(pid) && fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("pages-server.ts"));
  expect(pids).toHaveLength(1);
  return pids[0]!;
}

test("pages come from the pages process, one request per connection", async ({ request }) => {
  const page = await request.get(`${server.url}/`);
  expect(page.status()).toBe(200);
  expect(page.headers()["connection"]).toBe("close");
  expect(page.headers()["content-security-policy"]).toContain("frame-ancestors 'none'");
  expect(await page.text()).toContain("<html");
  // The server's own routes, on the same port.
  expect((await request.get(`${server.url}/healthz`)).status()).toBe(200);
});

test("a pages process that dies is started again, and the chat connections never notice", async ({ request }) => {
  const sender = io(server.url, { transports: ["websocket"] });
  const receiver = io(server.url, { transports: ["websocket"] });
  const received: string[] = [];
  receiver.on("message:new", (message: { clientOffset: string }) => received.push(message.clientOffset));
  let disconnects = 0;
  for (const socket of [sender, receiver]) socket.on("disconnect", () => disconnects++);
  try {
    await Promise.all([sender, receiver].map((socket) => new Promise((resolve) => socket.once("session:ready", resolve))));

    const dead = pagesPid();
    process.kill(dead, "SIGKILL");
    await expect.poll(() => isRunning(dead)).toBe(false);
    // The realtime path does not depend on it.
    const ack = await sender.timeout(10_000).emitWithAck("message:send", { channel: "general", content: "still here", clientOffset: "pages-died-1" });
    expect(ack).toMatchObject({ data: { duplicate: false } });
    await expect.poll(() => received).toContain("pages-died-1");

    // Pages answer again once the new process serves (a 503 meanwhile).
    await expect.poll(async () => (await request.get(`${server.url}/`)).status(), { timeout: 30_000 }).toBe(200);
    expect(pagesPid()).not.toBe(dead);
    expect(disconnects).toBe(0);
  } finally {
    sender.disconnect();
    receiver.disconnect();
  }
});

test("the pages process ends with the server, even when the server is killed", async () => {
  const pages = pagesPid();
  await server.kill();
  await expect.poll(() => isRunning(pages), { timeout: 15_000 }).toBe(false);
  // And a new server starts on the same port and database with a pages process of its own.
  await server.start();
  expect(pagesPid()).not.toBe(pages);
});
