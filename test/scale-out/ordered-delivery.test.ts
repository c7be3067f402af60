/**
 * Cross-instance ordering on two in-process instances sharing one PostgreSQL database and one Redis stream.
 * The faults that make ids arrive out of order between instances are produced deterministically: a message
 * committed by an instance that never tells the others (it died in between: here a store of its own on the same
 * database, attached to no server), and notifications arriving in the wrong order. Every client must still see
 * every message once, in id order, and be live afterwards.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { MessageStore } from "../../lib/storage/message-store";
import { openPgMessageStore } from "../../db/pg-message-store";
import type { ChatMessage } from "../../lib/shared/dto";
import { startTcpProxy } from "../support/tcp-proxy";
import { TestClient, waitFor } from "../support/test-client";
import { clusterSkipReason, createTestCluster, startTestServer, type TestCluster, type TestServer } from "../support/test-server";

const skipReason = clusterSkipReason();
const author = { id: "ghost", name: "Ghost" };

function expectInOrderOnce(c: TestClient, ids: number[]) {
  const seen = c.wire.map((m) => m.id).filter((id) => ids.includes(id));
  expect(seen).toEqual(ids);
  expect(c.duplicates).toBe(0);
  expect(c.outOfOrder).toBe(0);
}

describe.skipIf(skipReason !== null)(`ordered delivery across instances${skipReason ? ` (SKIPPED: ${skipReason})` : ""}`, () => {
  let cluster: TestCluster;
  let a: TestServer;
  let b: TestServer;
  let ghost: MessageStore;
  const clients: TestClient[] = [];
  let sequence = 0;

  function client(server: TestServer, serverOffset?: number) {
    const c = new TestClient(server.url, { serverOffset });
    clients.push(c);
    return c;
  }

  /** Stores a message the way an instance does, but tells nobody (as an instance that died right after its commit). */
  function storeSilently(): Promise<ChatMessage> {
    sequence++;
    return ghost
      .insertMessage({ clientOffset: `silent-${sequence}`, channel: "general", author, content: `silent ${sequence}` })
      .then((result) => result.message);
  }

  beforeAll(async () => {
    cluster = await createTestCluster();
    // The tail check is slowed down so that the gap-filling path, not the poll, is what the first tests prove.
    a = await startTestServer({ backend: "postgres", joinCluster: cluster, tailCheckIntervalMs: 60_000 });
    b = await startTestServer({ backend: "postgres", joinCluster: cluster, tailCheckIntervalMs: 60_000 });
    ghost = await openPgMessageStore(cluster.database.url);
  });

  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });

  afterAll(async () => {
    await ghost?.close();
    await a?.close();
    await b?.close();
    await cluster?.close();
  });

  it("delivers a message sent on one instance to clients of both, once, with a numeric id", async () => {
    const onA = client(a);
    const onB = client(b);
    await Promise.all([onA.ready(), onB.ready()]);
    const ack = await onA.send("general", "across", `across-${Date.now()}`);
    const id = (ack as { data: { id: number } }).data.id;
    expect(typeof id).toBe("number");
    await waitFor(() => onB.messages.has(id));
    expect(onB.messages.get(id)!.content).toBe("across");
    expectInOrderOnce(onA, [id]);
    expectInOrderOnce(onB, [id]);
  });

  it("fills in a committed message whose broadcast never came, before the next one", async () => {
    const onA = client(a);
    const onB = client(b);
    await Promise.all([onA.ready(), onB.ready()]);
    const lost = await storeSilently();
    const ack = await onA.send("general", "after the lost one", `after-lost-${Date.now()}`);
    const next = (ack as { data: { id: number } }).data.id;
    expect(next).toBe(lost.id + 1);
    await waitFor(() => onA.messages.has(next) && onB.messages.has(next));
    expectInOrderOnce(onA, [lost.id, next]);
    expectInOrderOnce(onB, [lost.id, next]);
  });

  it("delivers in id order when notifications arrive in the wrong order", async () => {
    const onA = client(a);
    const onB = client(b);
    await Promise.all([onA.ready(), onB.ready()]);
    const first = await storeSilently();
    const second = await storeSilently();
    // Each instance hears of the two commits from the other one, the later first.
    for (const from of [a, b]) {
      from.realtime.io.serverSideEmit("tether:committed", [{ offset: second.id, message: second }]);
      from.realtime.io.serverSideEmit("tether:committed", [{ offset: first.id, message: first }]);
    }
    await waitFor(() => [onA, onB].every((c) => c.messages.has(first.id) && c.messages.has(second.id)));
    // A later message proves the late broadcast of `first` was dropped, not delivered a second time.
    const ack = await onB.send("general", "marker", `marker-${Date.now()}`);
    const marker = (ack as { data: { id: number } }).data.id;
    await waitFor(() => onA.messages.has(marker) && onB.messages.has(marker));
    expectInOrderOnce(onA, [first.id, second.id, marker]);
    expectInOrderOnce(onB, [first.id, second.id, marker]);
  });

  it("catches a reconnecting client up on the other instance while live messages keep coming", async () => {
    const writer = client(a);
    await writer.ready();
    const before: number[] = [];
    for (let i = 0; i < 30; i++)
      before.push(((await writer.send("general", `b${i}`, `gate-before-${Date.now()}-${i}`)) as { data: { id: number } }).data.id);
    // Present an offset in the middle, on instance B, while A keeps writing.
    const reader = client(b, before[9]);
    const during = Promise.all(Array.from({ length: 30 }, (_, i) => writer.send("general", `d${i}`, `gate-during-${Date.now()}-${i}`)));
    await reader.ready();
    const duringIds = (await during).map((ack) => (ack as { data: { id: number } }).data.id);
    const expected = [...before.slice(10), ...duringIds].sort((x, y) => x - y);
    await waitFor(() => expected.every((id) => reader.messages.has(id)));
    expectInOrderOnce(reader, expected);
    expect(reader.wire.every((m, i, all) => i === 0 || all[i - 1]!.id < m.id)).toBe(true);
  });
});

describe.skipIf(skipReason !== null)(`moving between instances${skipReason ? ` (SKIPPED: ${skipReason})` : ""}`, () => {
  it("catches a client that moves to the other instance up from the database, once and in order", async () => {
    const cluster = await createTestCluster();
    const a = await startTestServer({ backend: "postgres", joinCluster: cluster });
    const b = await startTestServer({ backend: "postgres", joinCluster: cluster });
    const proxy = await startTcpProxy(a.port);
    const moving = new TestClient(proxy.url);
    const writer = new TestClient(b.url);
    try {
      await Promise.all([moving.ready(), writer.ready()]);
      const first = ((await writer.send("general", "first", "move-0")) as { data: { id: number } }).data.id;
      await waitFor(() => moving.messages.has(first));

      proxy.pause();
      proxy.cut();
      await waitFor(() => !moving.socket.connected, 5_000, "the cut to be noticed");
      const missed: number[] = [];
      for (let i = 1; i <= 5; i++) missed.push(((await writer.send("general", `missed ${i}`, `move-${i}`)) as { data: { id: number } }).data.id);
      proxy.retarget(b.port);
      proxy.resume();

      await moving.ready(2);
      // On a cluster, Socket.IO's recovery is off: the delivery core catches every reconnection up.
      expect(moving.sessions[1]).toMatchObject({ recovered: false, replayed: 5 });
      await waitFor(() => missed.every((id) => moving.messages.has(id)));
      expectInOrderOnce(moving, [first, ...missed]);
    } finally {
      moving.close();
      writer.close();
      await proxy.close();
      await a.close();
      await b.close();
      await cluster.close();
    }
  });
});

describe.skipIf(skipReason !== null)(`tail check${skipReason ? ` (SKIPPED: ${skipReason})` : ""}`, () => {
  it("delivers a committed message whose broadcast never came, even when nothing follows it", async () => {
    const cluster = await createTestCluster();
    const a = await startTestServer({ backend: "postgres", joinCluster: cluster, tailCheckIntervalMs: 100 });
    const dead = await openPgMessageStore(cluster.database.url);
    const c = new TestClient(a.url);
    try {
      await c.ready();
      // Committed by an instance that died before telling anyone.
      const { message } = await dead.insertMessage({ clientOffset: "tail-1", channel: "general", author, content: "quiet" });
      await waitFor(() => c.messages.has(message.id), 5_000, "the tail check to deliver the silent message");
      expect(c.wire.map((m) => m.id)).toEqual([message.id]);
    } finally {
      c.close();
      await dead.close();
      await a.close();
      await cluster.close();
    }
  });
});
