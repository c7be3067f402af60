import { beforeEach, describe, expect, it } from "vitest";
import type { ChatMessage } from "../../lib/shared/dto";
import { testBackends, type TestServer } from "../support/test-server";
import { useRealtimeHarness } from "../support/harness";
import { waitFor } from "../support/test-client";

describe.each(testBackends())("on %s", (backend) => {
  let server: TestServer;

  const { start, client } = useRealtimeHarness();

  type HistoryAck = { data: { messages: ChatMessage[]; hasMore: boolean } };

  beforeEach(async () => {
    server = await start({ backend });
  });

  async function seed(count: number, channel: string) {
    for (let i = 0; i < count; i++) {
      await server.store.insertMessage({ clientOffset: `${channel}-${i}`, channel, content: `${channel} ${i}`, author: { id: "s", name: "S" } });
    }
  }

  describe("history:fetch", () => {
    it("pages backwards through one channel without gaps or overlaps, ascending within each page", async () => {
      await server.store.createChannel("random", "s");
      await seed(120, "general");
      await seed(30, "random");
      const alice = client();
      await alice.ready();

      const newest = (await alice.emitRaw("history:fetch", { channel: "general" })) as HistoryAck;
      expect(newest.data.messages).toHaveLength(50);
      expect(newest.data.hasMore).toBe(true);
      expect(newest.data.messages.at(-1)!.content).toBe("general 119");

      const seen: ChatMessage[] = [...newest.data.messages];
      let before = newest.data.messages[0]!.id;
      for (;;) {
        const page = (await alice.emitRaw("history:fetch", { channel: "general", before, limit: 50 })) as HistoryAck;
        seen.unshift(...page.data.messages);
        if (!page.data.hasMore) break;
        before = page.data.messages[0]!.id;
      }
      expect(seen.map((m) => m.content)).toEqual(Array.from({ length: 120 }, (_, i) => `general ${i}`));
      expect(seen.every((m) => m.channel === "general" && typeof m.id === "number")).toBe(true);
    });

    it("defaults the limit to 50 and clamps it to 500 instead of refusing", async () => {
      await seed(600, "general");
      const alice = client();
      await alice.ready();
      const big = (await alice.emitRaw("history:fetch", { channel: "general", limit: 10_000 })) as HistoryAck;
      expect(big.data.messages).toHaveLength(500);
      expect(big.data.hasMore).toBe(true);
      const small = (await alice.emitRaw("history:fetch", { channel: "general", limit: 0 })) as HistoryAck;
      expect(small.data.messages).toHaveLength(1);
    });

    it("rejects an unknown channel and malformed payloads", async () => {
      const alice = client();
      await alice.ready();
      expect(await alice.emitRaw("history:fetch", { channel: "nowhere" })).toMatchObject({ error: { code: "unknown_channel" } });
      expect(await alice.emitRaw("history:fetch", { channel: "general", before: "10" })).toMatchObject({ error: { code: "invalid_payload" } });
      expect(await alice.emitRaw("history:fetch", null)).toMatchObject({ error: { code: "invalid_payload" } });
    });
  });

  describe("channels", () => {
    it("lists general, creates channels once, and tells every client", async () => {
      const alice = client();
      const bob = client();
      await Promise.all([alice.ready(), bob.ready()]);
      const created: string[] = [];
      bob.socket.on("channel:created", (channel) => created.push(channel.name));

      expect(await alice.emitRaw("channel:list")).toEqual({
        data: { channels: [{ name: "general", createdAt: expect.any(String), visibility: "public" }] },
      });
      expect(await alice.emitRaw("channel:create", { name: " Design " })).toMatchObject({ data: { channel: { name: "design" } } });
      expect(await bob.emitRaw("channel:create", { name: "design" })).toMatchObject({ error: { code: "channel_exists" } });
      expect(await bob.emitRaw("channel:create", { name: "no spaces allowed" })).toMatchObject({ error: { code: "invalid_channel_name" } });
      expect(await bob.emitRaw("channel:create", {})).toMatchObject({ error: { code: "invalid_payload" } });
      await waitFor(() => created.length === 1);
      expect(created).toEqual(["design"]);

      const ack = await bob.send("design", "first in design", "d-1");
      expect(ack).toMatchObject({ data: { duplicate: false } });
      const list = (await bob.emitRaw("channel:list")) as { data: { channels: Array<{ name: string }> } };
      expect(list.data.channels.map((c) => c.name)).toEqual(["general", "design"]);
    });
  });
});
