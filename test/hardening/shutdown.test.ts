import path from "node:path";
import { afterEach, expect, it } from "vitest";
import { RealtimeServerProcess } from "../support/server-process";
import { makeTempDir, readStoredIds } from "../support/test-server";
import { TestClient, waitFor } from "../support/test-client";

const clients: TestClient[] = [];
let server: RealtimeServerProcess;

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server.stop();
});

it("on SIGTERM finishes in-flight writes and acks, closes sockets, and clients lose nothing", async () => {
  const dbPath = path.join(makeTempDir(), "tether.db");
  server = new RealtimeServerProcess({ DATABASE_URL: `file:${dbPath}` });
  await server.start();
  const senders = Array.from({ length: 3 }, (_, i) => {
    const c = new TestClient(server.url, { name: `S${i}`, socketOptions: { ackTimeout: 1_000, retries: 50 } });
    clients.push(c);
    return c;
  });
  await Promise.all(senders.map((c) => c.ready()));

  const acked = new Map<string, number>();
  const refused: string[] = [];
  const sending = senders.map(async (c, si) => {
    for (let i = 0; i < 100; i++) {
      const clientOffset = `term-${si}-${i}`;
      for (;;) {
        const ack = await c.socket.emitWithAck("message:send", { channel: "general", content: `m ${si}/${i}`, clientOffset });
        if ("data" in ack) {
          acked.set(clientOffset, ack.data.id);
          break;
        }
        // A server that is draining refuses new work with a retryable code; the client tries again.
        refused.push(ack.error.code);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  });

  await waitFor(() => acked.size >= 50, 20_000, "traffic before SIGTERM");
  const disconnects = senders.map((c) => new Promise((resolve) => c.socket.once("disconnect", resolve)));
  await server.stop();
  // Every socket was closed by the server (as a transport close, so clients reconnect on their own).
  expect(await Promise.all(disconnects)).toEqual(["transport close", "transport close", "transport close"]);
  const ackedAtShutdown = new Map(acked);
  await server.start();
  await Promise.all(sending);

  expect(refused.every((code) => code === "unavailable")).toBe(true);
  const rows = readStoredIds(dbPath);
  const stored = new Map(rows.map((r) => [r.clientOffset, r.id]));
  for (const [clientOffset, id] of ackedAtShutdown) expect(stored.get(clientOffset)).toBe(id);
  expect(rows).toHaveLength(300);
  for (const c of senders) {
    await waitFor(() => c.messages.size === 300, 20_000, "every client to catch up");
    expect(c.ordered().map((m) => m.id)).toEqual(rows.map((r) => r.id));
  }
});
