import { afterEach, describe, expect, it } from "vitest";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy";
import { testBackends, type TestServer } from "../support/test-server";
import { useRealtimeHarness } from "../support/harness";
import { TestClient, waitFor } from "../support/test-client";

describe.each(testBackends())("on %s", (backend) => {
  // Socket.IO's recovery gives a returning client its session back on one instance only; on a cluster every
  // reconnection is caught up from the shared database (docs/architecture.md). Either way the delivery core
  // catches the client up from the offset it presents: from memory after a short blip.
  const recoveryOn = backend === "sqlite";
  let server: TestServer;
  let proxy: TcpProxy;

  const { start, clientAt: client } = useRealtimeHarness();

  afterEach(async () => {
    await proxy.close();
  });

  async function sendMany(sender: TestClient, prefix: string, count: number) {
    for (let i = 0; i < count; i++) await sender.send("general", `${prefix} ${i}`, `${prefix}-${i}`);
  }

  /** Alice talks to the server through the proxy, Bob directly; Alice has received one broadcast (recovery needs one). */
  async function aliceBehindProxy() {
    proxy = await startTcpProxy(server.port);
    const alice = client(proxy.url);
    const bob = client(server.url);
    await Promise.all([alice.ready(), bob.ready()]);
    await sendMany(bob, "before", 1);
    await waitFor(() => alice.messages.size === 1);
    return { alice, bob };
  }

  /**
   * Cuts every connection through the proxy and keeps refusing new ones until `proxy.resume()`; returns once both
   * ends have seen the cut (the server has then saved the session a reconnection may recover).
   */
  async function cutOff(victim: TestClient) {
    const socketId = victim.socket.id!;
    proxy.pause();
    proxy.cut();
    await waitFor(() => !victim.socket.connected, 5_000, "the client to notice the cut");
    await waitFor(() => !server.realtime.io.of("/").sockets.has(socketId), 5_000, "the server to notice the cut");
  }

  describe("connection cuts", () => {
    it("recovers a short blip through Socket.IO without touching the database", async () => {
      server = await start({ backend });
      const { alice, bob } = await aliceBehindProxy();

      await cutOff(alice);
      await sendMany(bob, "during", 10);
      proxy.resume();
      await alice.ready(2);

      expect(Boolean(alice.socket.recovered)).toBe(recoveryOn);
      expect(alice.sessions[1]).toMatchObject(recoveryOn ? { recovered: true, replayed: 0 } : { recovered: false, replayed: 10 });
      expect(alice.ordered().map((m) => m.content)).toEqual(["before 0", ...Array.from({ length: 10 }, (_, i) => `during ${i}`)]);
      expect(alice.outOfOrder).toBe(0);
    });

    it("catches up from the database when the session can no longer be recovered", async () => {
      // A window of 1 ms: once the server has seen the cut (and saved the session), the ten sends alone outlast it.
      server = await start({ backend, recoveryWindowMs: 1 });
      const { alice, bob } = await aliceBehindProxy();

      await cutOff(alice);
      await sendMany(bob, "during", 10);
      proxy.resume();
      await alice.ready(2);

      expect(alice.socket.recovered).toBeFalsy();
      expect(alice.sessions[1]).toMatchObject({ recovered: false, replayed: 10 });
      expect(alice.ordered().map((m) => m.content)).toEqual(["before 0", ...Array.from({ length: 10 }, (_, i) => `during ${i}`)]);
      expect(alice.outOfOrder).toBe(0);
      expect(alice.duplicates).toBe(0);
    });

    it("keeps a recovered connection live when an abandoned connection of the same session dies after it", async () => {
      server = await start({ backend, pingIntervalMs: 300, pingTimeoutMs: 300 });
      const { alice, bob } = await aliceBehindProxy();
      // A blip: the server keeps Alice's session, and she recovers it (the server reuses her socket id).
      await cutOff(alice);
      proxy.resume();
      await alice.ready(2);
      expect(Boolean(alice.socket.recovered)).toBe(recoveryOn);
      // Then her network dies without a reset reaching the server, and she comes back another way at once, as on a
      // switch from Wi-Fi to 4G, with the same session, while the server still holds the dead connection under
      // her socket id.
      proxy.freeze();
      alice.socket.io.engine.close();
      await alice.ready(3);
      // The server drops the dead connection at its next heartbeat; Alice's live one must keep receiving.
      await waitFor(() => server.realtime.io.engine.clientsCount === 2, 5_000, "the server to drop the dead connection");
      await sendMany(bob, "after", 1);
      await waitFor(() => alice.ordered().some((m) => m.content === "after 0"), 5_000, "alice to receive the next message");
      expect(alice.ordered().map((m) => m.content)).toEqual(["before 0", "after 0"]);
      expect(alice.outOfOrder + alice.duplicates).toBe(0);
    });

    it("gives a connection whose replay was lost on the wire everything on the next one, recovered or not", async () => {
      server = await start({ backend, replayBatchSize: 50 });
      proxy = await startTcpProxy(server.port);
      const bob = client(server.url);
      const alice = client(proxy.url);
      await Promise.all([alice.ready(), bob.ready()]);
      // Alice holds a Socket.IO session (she received a broadcast), then leaves for a while.
      await sendMany(bob, "before", 1);
      await waitFor(() => alice.messages.size === 1);
      alice.socket.disconnect();
      // A large backlog arrives meanwhile.
      await Promise.all(
        Array.from({ length: 5000 }, (_, i) =>
          server.store.insertMessage({ clientOffset: `seed-${i}`, channel: "general", content: `seed ${i}`, author: { id: "s", name: "S" } }),
        ),
      );
      // The network silently loses most of the replay: the server finishes it, the client never sees the end.
      proxy.dropDownstreamAfter(60_000);
      alice.socket.connect();
      await waitFor(() => alice.socket.connected, 5_000, "alice's new connection");
      const socketId = alice.socket.id!;
      await waitFor(() => server.realtime.delivery.phaseOf(socketId) === "live", 10_000, "the server to finish alice's replay");
      expect(alice.sessions).toHaveLength(1);
      expect(alice.messages.size).toBeLessThan(5001);

      proxy.dropDownstreamAfter(null);
      proxy.cut();
      await waitFor(() => !alice.socket.connected, 5_000, "alice to notice the cut");
      await sendMany(bob, "during", 5);
      await alice.ready(2, 20_000);

      const all = await server.store.getMessagesAfter(0, 100_000);
      await waitFor(() => alice.messages.size === all.length, 10_000, "every message");
      expect(alice.sessions[1]).toMatchObject({ recovered: recoveryOn });
      expect(alice.ordered().map((m) => m.id)).toEqual(all.map((m) => m.id));
      expect(alice.outOfOrder).toBe(0);
    });

    it("recovers through Socket.IO after a confirmed catch-up", async () => {
      server = await start({ backend, replayBatchSize: 50 });
      proxy = await startTcpProxy(server.port);
      const bob = client(server.url);
      await bob.ready();
      await sendMany(bob, "old", 3);
      const alice = client(proxy.url, { serverOffset: 1 });
      await alice.ready();
      expect(alice.sessions[0]).toMatchObject({ recovered: false, replayed: 2 });
      await sendMany(bob, "live", 1);
      await waitFor(() => alice.messages.size === 3);

      await cutOff(alice);
      await sendMany(bob, "during", 3);
      proxy.resume();
      await alice.ready(2);
      expect(Boolean(alice.socket.recovered)).toBe(recoveryOn);
      expect(alice.sessions[1]).toMatchObject(recoveryOn ? { recovered: true, replayed: 0 } : { recovered: false, replayed: 3 });
      await waitFor(() => alice.messages.size === 6);
      expect(alice.outOfOrder + alice.duplicates).toBe(0);
    });

    it("with a recovery window of 0, never recovers and always catches up from the database", async () => {
      server = await start({ backend, recoveryWindowMs: 0 });
      const { alice, bob } = await aliceBehindProxy();
      // Alice stays cut off until all three are stored, so all three come from the replay.
      await cutOff(alice);
      await sendMany(bob, "during", 3);
      proxy.resume();
      await alice.ready(2);
      expect(alice.socket.recovered).toBeFalsy();
      expect(alice.sessions[1]).toMatchObject({ recovered: false, replayed: 3 });
      expect(alice.ordered().map((m) => m.content)).toEqual(["before 0", "during 0", "during 1", "during 2"]);
    });
  });
});
