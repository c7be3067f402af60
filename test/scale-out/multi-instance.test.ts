/**
 * Two Tether instances as real processes on one PostgreSQL database and one Redis stream, with clients on
 * both: cross-instance delivery, clients cut and moved to the other instance at random while everyone writes,
 * and an instance killed with SIGKILL (or stopped with SIGTERM) mid-traffic. Every acknowledged message must be
 * stored once, and every client must end with every stored message exactly once, having never received an id
 * below one it had already processed. Every loop is bounded in count and time.
 */
import { afterEach, describe, expect, it } from "vitest";
import { spawnInstance, type InstanceProcess } from "../support/instance-process";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy";
import { TestClient, waitFor } from "../support/test-client";
import { clusterSkipReason, createTestCluster, type TestCluster } from "../support/test-server";

const skipReason = clusterSkipReason();

interface Harness {
  cluster: TestCluster;
  /**
   * The id of a first message, stored before the clients under test connect. They start from it, as a client
   * that has loaded the history does: an offset of 0 means "new client, nothing to replay".
   */
  seedId: number;
  instances: InstanceProcess[];
  proxies: TcpProxy[];
  clients: TestClient[];
}

let harness: Harness | null = null;

async function startHarness(instanceCount: number): Promise<Harness> {
  const cluster = await createTestCluster();
  const env = { DATABASE_URL: cluster.database.url, REDIS_URL: cluster.redisUrl, REDIS_KEY_PREFIX: cluster.keyPrefix };
  // Started together on purpose: their migrations race unless the advisory lock serialises them.
  const instances = await Promise.all(Array.from({ length: instanceCount }, () => spawnInstance(env)));
  const seeder = new TestClient(instances[0]!.url);
  await seeder.ready();
  const seedId = await sendUntilAcked(seeder, "seed", "seed");
  seeder.close();
  harness = { cluster, instances, seedId, proxies: [], clients: [] };
  return harness;
}

/** A client behind its own TCP proxy (its "network path"), first routed to `instance`. */
async function clientVia(h: Harness, instance: InstanceProcess): Promise<{ client: TestClient; proxy: TcpProxy }> {
  const proxy = await startTcpProxy(instance.port);
  const client = new TestClient(proxy.url, { serverOffset: h.seedId });
  h.proxies.push(proxy);
  h.clients.push(client);
  return { client, proxy };
}

/** Sends until acknowledged, like a careful client: same clientOffset on every attempt. Returns the id. */
async function sendUntilAcked(client: TestClient, content: string, clientOffset: string, deadlineMs = 30_000): Promise<number> {
  const deadline = Date.now() + deadlineMs;
  for (let attempt = 1; attempt <= 200 && Date.now() < deadline; attempt++) {
    if (!client.socket.connected) {
      // Returns at the deadline at the latest; the loop then ends and reports.
      await waitFor(() => client.socket.connected || Date.now() > deadline, deadlineMs + 1_000, "reconnect");
      continue;
    }
    try {
      const ack = await client.send("general", content, clientOffset, 2_000);
      if ("data" in ack) return ack.data.id;
      // A retryable refusal (draining instance, storage hiccup): try again shortly.
      await new Promise((resolve) => setTimeout(resolve, 20));
    } catch (error) {
      // The ack timed out, most likely because the connection was cut: resend the same clientOffset.
      expect(error).toBeInstanceOf(Error);
    }
  }
  throw new Error(`${clientOffset} was not acknowledged within ${deadlineMs} ms`);
}

/** Each client sends `perWriter` messages one after another, all clients at once; records every acknowledged id. */
async function writeConcurrently(clients: TestClient[], prefix: string, perWriter: number, acked: Map<string, number>): Promise<void> {
  await Promise.all(
    clients.map(async (client, w) => {
      for (let i = 0; i < perWriter; i++) {
        const clientOffset = `${prefix}-${w}-${i}`;
        acked.set(clientOffset, await sendUntilAcked(client, `m ${w}/${i}`, clientOffset));
      }
    }),
  );
}

async function storedIds(h: Harness): Promise<Array<{ id: number; clientOffset: string }>> {
  const rows = await h.cluster.database.query<{ id: string; client_offset: string }>("SELECT id, client_offset FROM messages ORDER BY id");
  return rows.map((row) => ({ id: Number(row.id), clientOffset: row.client_offset }));
}

/** Every acknowledged message stored once; every client holds exactly the stored messages and never regressed. */
async function expectEveryoneComplete(h: Harness, acked: Map<string, number>, clients: TestClient[]) {
  const stored = await storedIds(h);
  const byOffset = new Map(stored.map((row) => [row.clientOffset, row.id]));
  expect(byOffset.size).toBe(stored.length);
  for (const [clientOffset, id] of acked) expect(byOffset.get(clientOffset)).toBe(id);
  const ids = stored.map((row) => row.id).filter((id) => id > h.seedId);
  await waitFor(() => clients.every((c) => c.messages.size >= ids.length), 30_000, "every client to hold every message").catch((error: Error) => {
    const report = clients.map((c, i) => {
      const missing = ids.filter((id) => !c.messages.has(id));
      return `client ${i}: connected=${c.socket.connected} sessions=${c.sessions.length} offset=${c.serverOffset} missing=${missing.length} [${missing.slice(0, 10).join(",")}]`;
    });
    throw new Error(`${error.message}\n${report.join("\n")}`);
  });
  for (const c of clients) {
    expect(c.ordered().map((m) => m.id)).toEqual(ids);
    expect(c.outOfOrder).toBe(0);
  }
}

function clientsOf(paths: Array<{ client: TestClient }>): TestClient[] {
  return paths.map(({ client }) => client);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

afterEach(async () => {
  const h = harness;
  harness = null;
  if (!h) return;
  for (const c of h.clients) c.close();
  for (const proxy of h.proxies) await proxy.close();
  for (const instance of h.instances) instance.kill("SIGKILL");
  await Promise.all(h.instances.map((instance) => instance.exited));
  await h.cluster.close();
});

// Real processes on a machine that may be busy: generous per-test limits (every wait inside is bounded too).
describe.skipIf(skipReason !== null)(`two instances as real processes${skipReason ? ` (SKIPPED: ${skipReason})` : ""}`, { timeout: 150_000 }, () => {
  it("delivers across instances in id order, and measures the cross-instance latency", async () => {
    const h = await startHarness(2);
    const [a, b] = h.instances as [InstanceProcess, InstanceProcess];
    const onA = [new TestClient(a.url, { serverOffset: h.seedId }), new TestClient(a.url, { serverOffset: h.seedId })];
    const onB = [new TestClient(b.url, { serverOffset: h.seedId }), new TestClient(b.url, { serverOffset: h.seedId })];
    h.clients.push(...onA, ...onB);
    await Promise.all(h.clients.map((c) => c.ready()));

    // Arrival times on B of messages sent on A: the cross-instance path (A → PostgreSQL → Redis → B).
    const sentAt = new Map<string, number>();
    const latencies: number[] = [];
    onB[0]!.socket.on("message:new", (message) => {
      const start = sentAt.get(message.clientOffset);
      if (start !== undefined) latencies.push(performance.now() - start);
    });

    const acked = new Map<string, number>();
    const writers = [...onA, ...onB].map(async (writer, w) => {
      for (let i = 0; i < 50; i++) {
        const clientOffset = `x-${w}-${i}`;
        if (w < onA.length) sentAt.set(clientOffset, performance.now());
        acked.set(clientOffset, await sendUntilAcked(writer, `m ${w}/${i}`, clientOffset));
      }
    });
    await Promise.all(writers);
    await expectEveryoneComplete(h, acked, h.clients);
    for (const c of h.clients) {
      // Live delivery only here, so the wire itself is strictly ascending: nothing arrived twice or late.
      expect(c.wire.map((m) => m.id)).toEqual(c.ordered().map((m) => m.id));
    }

    const sorted = [...latencies].sort((x, y) => x - y);
    expect(sorted.length).toBe(100);
    console.log(
      `[tether] cross-instance delivery latency over ${sorted.length} messages (4 concurrent writers): ` +
        `p50 ${percentile(sorted, 50).toFixed(1)} ms, p99 ${percentile(sorted, 99).toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms`,
    );
  });

  it("loses and duplicates nothing while clients are cut and moved to the other instance at random", async () => {
    const h = await startHarness(2);
    const paths = await Promise.all(Array.from({ length: 6 }, (_, i) => clientVia(h, h.instances[i % 2]!)));
    await Promise.all(paths.map(({ client }) => client.ready()));

    const acked = new Map<string, number>();
    let writing = true;
    const writers = writeConcurrently(clientsOf(paths), "cut", 40, acked);
    const chaos = (async () => {
      let seed = 42;
      const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
      for (let cut = 0; cut < 40 && writing; cut++) {
        const { proxy } = paths[Math.floor(random() * paths.length)]!;
        proxy.retarget(h.instances[Math.floor(random() * 2)]!.port);
        proxy.cut();
        await new Promise((resolve) => setTimeout(resolve, 30 + random() * 70));
      }
    })();
    await writers;
    writing = false;
    await chaos;

    expect(acked.size).toBe(240);
    await expectEveryoneComplete(h, acked, clientsOf(paths));
  });

  it("loses nothing acknowledged when an instance is killed with SIGKILL mid-traffic; its clients catch up on the survivor", async () => {
    const h = await startHarness(2);
    const [a, b] = h.instances as [InstanceProcess, InstanceProcess];
    const paths = await Promise.all(Array.from({ length: 6 }, (_, i) => clientVia(h, i % 2 === 0 ? a : b)));
    await Promise.all(paths.map(({ client }) => client.ready()));

    const acked = new Map<string, number>();
    const writers = writeConcurrently(clientsOf(paths), "kill", 40, acked);
    // Kill A once traffic is flowing; the load balancer (the proxies) sends its clients to B from then on.
    await waitFor(() => acked.size >= 60, 30_000, "traffic before the kill");
    for (const { proxy } of paths) proxy.retarget(b.port);
    a.kill("SIGKILL");
    expect(await a.exited).toBeNull();
    await writers;

    expect(acked.size).toBe(240);
    await expectEveryoneComplete(h, acked, clientsOf(paths));
  });

  it("stops gracefully on SIGTERM: in-flight writes are acknowledged, clients move to the other instance", async () => {
    const h = await startHarness(2);
    const [a, b] = h.instances as [InstanceProcess, InstanceProcess];
    const paths = await Promise.all(Array.from({ length: 4 }, () => clientVia(h, a)));
    const watcher = new TestClient(b.url, { serverOffset: h.seedId });
    h.clients.push(watcher);
    await Promise.all([...paths.map(({ client }) => client.ready()), watcher.ready()]);

    const acked = new Map<string, number>();
    const writers = writeConcurrently(clientsOf(paths), "term", 30, acked);
    await waitFor(() => acked.size >= 20, 30_000, "traffic before SIGTERM");
    for (const { proxy } of paths) proxy.retarget(b.port);
    a.kill("SIGTERM");
    expect(await a.exited).toBe(0);
    await writers;

    expect(acked.size).toBe(120);
    await expectEveryoneComplete(h, acked, [...clientsOf(paths), watcher]);
  });
});
