import { describe, expect, it } from "vitest";
import type { MessageStore } from "../../lib/storage/message-store";
import { testBackends, type TestServer } from "../support/test-server";
import { useRealtimeHarness } from "../support/harness";
import { gateReads } from "../support/gated-reads";
import { waitFor } from "../support/test-client";

describe.each(testBackends())("on %s", (backend) => {
  let server: TestServer;

  const { start, client } = useRealtimeHarness();

  async function seed(store: MessageStore, count: number, channel = "general"): Promise<number[]> {
    const results = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        store.insertMessage({ clientOffset: `seed-${channel}-${i}`, channel, content: `seed ${i}`, author: { id: "seeder", name: "Seeder" } }),
      ),
    );
    return results.map((r) => r.message.id);
  }

  function expectStrictlyAscending(ids: number[]) {
    for (let i = 1; i < ids.length; i++) {
      if (ids[i]! <= ids[i - 1]!) throw new Error(`id ${ids[i]} arrived after ${ids[i - 1]} (position ${i})`);
    }
  }

  describe("catch-up replay", () => {
    it("replays exactly the messages after the client's offset, in order, after a manual disconnect", async () => {
      server = await start({ backend });
      const alice = client();
      const bob = client();
      await Promise.all([alice.ready(), bob.ready()]);
      await bob.send("general", "before", "before-1");
      await waitFor(() => alice.messages.size === 1);

      alice.socket.disconnect(); // a manual disconnect is never recovered by Socket.IO
      for (let i = 0; i < 30; i++) await bob.send("general", `missed ${i}`, `missed-${i}`);
      alice.socket.connect();
      await alice.ready(2);

      expect(alice.sessions[1]).toMatchObject({ recovered: false, replayed: 30 });
      expect(alice.ordered().map((m) => m.content)).toEqual(["before", ...Array.from({ length: 30 }, (_, i) => `missed ${i}`)]);
      expectStrictlyAscending(alice.wire.map((m) => m.id));
      expect(alice.duplicates).toBe(0);
    });

    it("still delivers new messages to a client whose offset is past the database (reset or restored)", async () => {
      server = await start({ backend });
      const returning = client({ serverOffset: 1000 });
      await returning.ready();
      expect(returning.sessions[0]).toMatchObject({ replayed: 0, latestId: 0 });
      const sender = client();
      await sender.ready();
      const ack = (await sender.send("general", "after the reset", "after-reset")) as { data: { id: number } };
      expect(ack.data.id).toBeLessThan(1000);
      await waitFor(() => returning.wire.length === 1, 5_000, "the new message");
      expect(returning.wire[0]!.content).toBe("after the reset");
    });

    it("sends a fresh client no replay at all", async () => {
      server = await start({ backend });
      await seed(server.store, 20);
      await server.allDelivered();
      const fresh = client();
      await fresh.ready();
      expect(fresh.sessions[0]).toMatchObject({ recovered: false, replayed: 0, latestId: expect.any(Number) });
      expect(fresh.sessions[0]!.latestId).toBeGreaterThanOrEqual(20);
      expect(fresh.wire).toHaveLength(0);
    });

    it("replays a large backlog in several batches, ascending, none missing", async () => {
      server = await start({ backend, replayBatchSize: 100 });
      const ids = await seed(server.store, 1050);
      await server.allDelivered();
      const offset = ids[49]!;
      const late = client({ serverOffset: offset });
      await late.ready();
      expect(late.sessions[0]).toMatchObject({ recovered: false, replayed: 1000 });
      expect(late.ordered().map((m) => m.id)).toEqual(ids.slice(50));
      expectStrictlyAscending(late.wire.map((m) => m.id));
    });

    it("has no gap and no reordering when live traffic races the replay", async () => {
      // The replay's store reads wait at a gate while a sender keeps writing, and the core's in-memory window is
      // too small to hold the backlog: the replay must hand over from the store to live delivery mid-traffic.
      const reads = gateReads();
      server = await start({ backend, replayBatchSize: 20, deliveryWindowSize: 10, wrapStore: reads.wrap });
      await server.realtime.delivery.ready();
      await seed(server.store, 3000);
      const sender = client({ name: "Sender" });
      await sender.ready();

      const late = client({ serverOffset: 1 });
      await reads.waiting();
      for (let i = 0; i < 300; i++) await sender.send("general", `live ${i}`, `live-${i}`);
      expect(late.sessions).toHaveLength(0);
      reads.open();
      await late.ready();

      const all = await server.store.getMessagesAfter(1, 10_000);
      expect(all).toHaveLength(3299);
      await waitFor(() => late.messages.size === all.length, 10_000, "every message");
      expectStrictlyAscending(late.wire.map((m) => m.id));
      expect(late.duplicates).toBe(0);
      expect(late.ordered().map((m) => m.id)).toEqual(all.map((m) => m.id));
    });

    it("delivers every message once, in id order, to every client with concurrent senders in many channels", async () => {
      server = await start({ backend });
      const channels = ["general", "random", "dev", "ops"];
      const creator = client();
      await creator.ready();
      for (const name of channels.slice(1)) {
        expect(await creator.emitRaw("channel:create", { name })).toMatchObject({ data: { channel: { name } } });
      }
      const senders = Array.from({ length: 6 }, (_, i) => client({ name: `S${i}` }));
      await Promise.all(senders.map((s) => s.ready()));

      await Promise.all(
        senders.map(async (s, si) => {
          // Four sends in flight per client at a time.
          for (let batch = 0; batch < 10; batch++) {
            await Promise.all(
              Array.from({ length: 4 }, (_, k) => {
                const n = batch * 4 + k;
                return s.send(channels[(si + n) % channels.length]!, `m ${si}/${n}`, `c-${si}-${n}`);
              }),
            );
          }
        }),
      );

      const stored = await server.store.getMessagesAfter(0, 10_000);
      expect(stored).toHaveLength(240);
      for (const c of [creator, ...senders]) {
        await waitFor(() => c.messages.size === 240, 10_000, "all messages");
        expectStrictlyAscending(c.wire.map((m) => m.id));
        expect(c.ordered().map((m) => m.id)).toEqual(stored.map((m) => m.id));
      }
    });
  });
});
