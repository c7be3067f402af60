import { expect, test } from "./support/test";
import { io } from "socket.io-client";
import { TetherServer } from "./support/tether-server";

const server = new TetherServer();

test.beforeAll(async () => {
  await server.start();
});

test.afterAll(async () => {
  await server.dispose();
});

test("pages carry the security headers", async ({ request }) => {
  const res = await request.get(`${server.url}/`);
  const headers = res.headers();
  expect(headers["content-security-policy"]).toContain("frame-ancestors 'none'");
  expect(headers["content-security-policy"]).toContain("object-src 'none'");
  expect(headers["content-security-policy"]).not.toContain("unsafe-eval");
  expect(headers["x-content-type-options"]).toBe("nosniff");
  expect(headers["x-frame-options"]).toBe("DENY");
});

test("GET /healthz reports the database as reachable", async ({ request }) => {
  const res = await request.get(`${server.url}/healthz`);
  expect(res.status()).toBe(200);
  expect(await res.json()).toEqual({ status: "ok", checks: { database: "ok" } });
});

test("GET /metrics exposes Prometheus counters that move with traffic", async ({ request }) => {
  const socket = io(server.url, { transports: ["websocket"] });
  const ack = await socket.timeout(10_000).emitWithAck("message:send", { channel: "general", content: "count me", clientOffset: "metrics-1" });
  await socket.timeout(10_000).emitWithAck("message:send", { channel: "general", content: "count me", clientOffset: "metrics-1" });
  expect(ack).toMatchObject({ data: { duplicate: false } });
  const text = await (await request.get(`${server.url}/metrics`)).text();
  socket.disconnect();
  expect(text).toMatch(/^tether_connections \d+$/m);
  expect(text).toMatch(/^tether_messages_stored_total 1$/m);
  expect(text).toMatch(/^tether_duplicates_absorbed_total 1$/m);
  expect(text).toMatch(/^tether_acks_total\{event="message:send",code="ok"\} 2$/m);
  expect(text).toContain("tether_process_resident_memory_bytes");
});
