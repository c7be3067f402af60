import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, expect, it } from "vitest";
import { accountsHttp } from "../support/accounts-http";
import { expectConverged, newLedger, runScript } from "../support/change-chaos";
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

it("keeps every acknowledged edit, delete and reaction through a SIGKILL mid-traffic, each stored once, and clients converge", async () => {
  const dbPath = path.join(makeTempDir(), "tether.db");
  server = new RealtimeServerProcess({ DATABASE_URL: `file:${dbPath}` });
  await server.start();
  const http = accountsHttp(server.url);
  const names = ["ann", "ben", "cat"];
  const cookies = await Promise.all(names.map((name) => http.account(name)));
  const scripted = cookies.map((cookie) => {
    const c = new TestClient(server.url, { cookie });
    clients.push(c);
    return c;
  });
  await Promise.all(scripted.map((c) => c.ready()));
  const seed = await scripted[0]!.send("general", "seed", "seed");
  const seedId = "data" in seed ? seed.data.id : 0;
  await waitFor(() => scripted.every((c) => c.messages.has(seedId)), 5_000, "the seed everywhere");

  const ledger = newLedger();
  const scripts = Promise.all(scripted.map((c, i) => runScript(c, names[i]!, 3000 + i, 40, ledger)));
  await waitFor(() => ledger.changes.size >= 6, 20_000, "changes before the kill");
  await server.kill();
  await server.start(); // same port, same file
  await scripts;

  const rows = async <T extends Record<string, unknown>>(sql: string) => {
    const db = new Database(dbPath, { readonly: true });
    try {
      return db.prepare(sql).all() as T[];
    } finally {
      db.close();
    }
  };
  await expectConverged(scripted, scripted[0]!, ledger, rows, seedId);
});
