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

it("keeps every acknowledged message through a SIGKILL, and clients catch up after the restart", async () => {
  const dbPath = path.join(makeTempDir(), "tether.db");
  server = new RealtimeServerProcess({ DATABASE_URL: `file:${dbPath}` });
  await server.start();

  // Clients retry unacknowledged sends after reconnecting, as Tether's own client does.
  const senders = Array.from({ length: 8 }, (_, i) => {
    const c = new TestClient(server.url, { name: `Sender ${i}`, socketOptions: { ackTimeout: 1_000, retries: 50 } });
    clients.push(c);
    return c;
  });
  await Promise.all(senders.map((c) => c.ready()));

  const acked = new Map<string, number>();
  let killed = false;
  const sending = senders.map(async (c, si) => {
    for (let i = 0; i < 60; i++) {
      const clientOffset = `crash-${si}-${i}`;
      const ack = await c.socket.emitWithAck("message:send", { channel: "general", content: `m ${si}/${i}`, clientOffset });
      if ("data" in ack) acked.set(clientOffset, ack.data.id);
      else throw new Error(`send refused: ${ack.error.code}`);
    }
  });

  await waitFor(() => acked.size >= 150, 20_000, "heavy traffic before the kill");
  await server.kill();
  killed = true;
  const ackedBeforeKill = new Map(acked);
  await server.start(); // same port, same file
  await Promise.all(sending);

  expect(killed).toBe(true);
  expect(ackedBeforeKill.size).toBeGreaterThan(0);
  const rows = readStoredIds(dbPath);
  const stored = new Map(rows.map((r) => [r.clientOffset, r.id]));
  // Every acknowledged message is stored, once, under the id its ack named.
  for (const [clientOffset, id] of ackedBeforeKill) expect(stored.get(clientOffset)).toBe(id);
  expect(rows).toHaveLength(480);
  expect(stored.size).toBe(480);

  for (const c of senders) {
    await waitFor(() => c.messages.size === 480, 20_000, "every client to catch up");
    expect(c.ordered().map((m) => m.id)).toEqual(rows.map((r) => r.id));
    expect(c.outOfOrder).toBe(0);
  }
});
