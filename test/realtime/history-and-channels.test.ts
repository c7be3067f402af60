import { beforeEach, describe, expect, it } from "vitest";
import type { ChatMessage } from "../../lib/shared/dto";
import { testBackends, type TestServer } from "../support/test-server";
import { useRealtimeHarness } from "../support/harness";
import { waitFor } from "../support/test-client";

describe.each(testBackends())("on %s", (backend) => {
  let server: TestServer;

  const { start, client } = useRealtimeHarness();

  type HistoryAck = { data: { messages: ChatMessage[]; hasMore: boolean; hasMoreBefore: boolean; hasMoreAfter: boolean } };

  beforeEach(async () => {
    server = await start({ backend });
  });

  async function seed(count: number, channel: string) {
    for (let i = 0; i < count; i++) {
      await server.store.insertMessage({ clientOffset: `${channel}-${i}`, channel, content: `${channel} ${i}`, author: { id: "s", name: "S" } });
    }
  }

  /** `count` messages in each channel, round-robin: "<channel> <i>". */
  async function seedInterleaved(count: number, channels: string[]) {
    for (let i = 0; i < count; i++) {
      for (const channel of channels) {
        await server.store.insertMessage({ clientOffset: `${channel}-${i}`, channel, content: `${channel} ${i}`, author: { id: "s", name: "S" } });
      }
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

    it("says on every page whether older and newer messages exist outside it", async () => {
      await seed(120, "general");
      const alice = client();
      await alice.ready();
      const newest = (await alice.emitRaw("history:fetch", { channel: "general" })) as HistoryAck;
      expect(newest.data).toMatchObject({ hasMore: true, hasMoreBefore: true, hasMoreAfter: false });
      const older = (await alice.emitRaw("history:fetch", { channel: "general", before: newest.data.messages[0]!.id, limit: 70 })) as HistoryAck;
      expect(older.data).toMatchObject({ hasMore: false, hasMoreBefore: false, hasMoreAfter: true });
      expect(older.data.messages.map((m) => m.content)).toEqual(Array.from({ length: 70 }, (_, i) => `general ${i}`));
    });

    it("pages forward with `after`, from the first message to the last, without gaps or overlaps", async () => {
      await server.store.createChannel("random", "s");
      await seedInterleaved(120, ["general", "random"]);
      const alice = client();
      await alice.ready();
      const seen: ChatMessage[] = [];
      let after = 0;
      for (let pages = 1; ; pages++) {
        const page = (await alice.emitRaw("history:fetch", { channel: "general", after, limit: 50 })) as HistoryAck;
        expect(page.data.hasMoreBefore).toBe(pages > 1);
        expect(page.data.hasMore).toBe(page.data.hasMoreAfter);
        seen.push(...page.data.messages);
        if (!page.data.hasMoreAfter) {
          expect(pages).toBe(3);
          break;
        }
        after = page.data.messages.at(-1)!.id;
      }
      expect(seen.map((m) => m.content)).toEqual(Array.from({ length: 120 }, (_, i) => `general ${i}`));
      const last = seen.at(-1)!.id;
      expect(await alice.emitRaw("history:fetch", { channel: "general", after: last })).toEqual({
        data: { messages: [], hasMore: false, hasMoreBefore: true, hasMoreAfter: false },
      });
      // An id of another channel: the page starts at this channel's next message.
      const firstRandom = ((await alice.emitRaw("history:fetch", { channel: "random", after: 0, limit: 1 })) as HistoryAck).data.messages[0]!;
      expect(firstRandom.content).toBe("random 0");
      const afterRandom = (await alice.emitRaw("history:fetch", { channel: "general", after: firstRandom.id, limit: 2 })) as HistoryAck;
      expect(afterRandom.data).toMatchObject({ hasMoreBefore: true, hasMoreAfter: true });
      expect(afterRandom.data.messages.map((m) => m.content)).toEqual(["general 1", "general 2"]);
    });

    it("centres a page on a message with `around`, at the edges too and for an id of another channel", async () => {
      await server.store.createChannel("random", "s");
      await seedInterleaved(40, ["general", "random"]);
      const alice = client();
      await alice.ready();
      const all = ((await alice.emitRaw("history:fetch", { channel: "general", limit: 500 })) as HistoryAck).data.messages;
      const around = async (id: number, limit?: number) =>
        ((await alice.emitRaw("history:fetch", { channel: "general", around: id, ...(limit !== undefined && { limit }) })) as HistoryAck).data;
      const contents = (page: { messages: ChatMessage[] }) => page.messages.map((m) => m.content);

      expect(await around(all[20]!.id, 10)).toEqual({ messages: all.slice(15, 25), hasMore: true, hasMoreBefore: true, hasMoreAfter: true });
      expect(await around(all[20]!.id, 1)).toMatchObject({ messages: [all[20]], hasMoreBefore: true, hasMoreAfter: true });
      expect(await around(all[0]!.id, 10)).toEqual({ messages: all.slice(0, 10), hasMore: true, hasMoreBefore: false, hasMoreAfter: true });
      expect(await around(all[39]!.id, 10)).toEqual({ messages: all.slice(30), hasMore: true, hasMoreBefore: true, hasMoreAfter: false });
      expect(await around(all[20]!.id)).toEqual({ messages: all, hasMore: false, hasMoreBefore: false, hasMoreAfter: false });
      // random's message between general 20 and general 21: the page centres on where it would be.
      const randomPage = ((await alice.emitRaw("history:fetch", { channel: "random", around: all[20]!.id + 1, limit: 1 })) as HistoryAck).data;
      expect(randomPage.messages[0]!.channel).toBe("random");
      expect(contents(await around(randomPage.messages[0]!.id, 4))).toEqual(["general 19", "general 20", "general 21", "general 22"]);
      expect(await around(all[39]!.id + 1000, 3)).toMatchObject({ messages: all.slice(37), hasMoreBefore: true, hasMoreAfter: false });
    });

    it("refuses more than one of before, after and around, and ids that are not positive integers", async () => {
      const alice = client();
      await alice.ready();
      for (const payload of [
        { channel: "general", before: 5, after: 1 },
        { channel: "general", after: 1, around: 3 },
        { channel: "general", before: 5, around: 3 },
        { channel: "general", before: 5, after: 1, around: 3 },
        { channel: "general", after: -1 },
        { channel: "general", after: 1.5 },
        { channel: "general", around: 0 },
        { channel: "general", around: "5" },
        { channel: "general", around: 2 ** 53 },
        { channel: "general", before: null },
      ]) {
        expect(await alice.emitRaw("history:fetch", payload), JSON.stringify(payload)).toMatchObject({ error: { code: "invalid_payload" } });
      }
      expect(await alice.emitRaw("history:fetch", { channel: "nowhere", around: 3 })).toMatchObject({ error: { code: "unknown_channel" } });
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
      for (const position of [{ after: 0 }, { around: big.data.messages[0]!.id }]) {
        const clamped = (await alice.emitRaw("history:fetch", { channel: "general", ...position, limit: 10_000 })) as HistoryAck;
        expect(clamped.data.messages, JSON.stringify(position)).toHaveLength(500);
        const one = (await alice.emitRaw("history:fetch", { channel: "general", ...position, limit: -3 })) as HistoryAck;
        expect(one.data.messages, JSON.stringify(position)).toHaveLength(1);
        const byDefault = (await alice.emitRaw("history:fetch", { channel: "general", ...position })) as HistoryAck;
        expect(byDefault.data.messages, JSON.stringify(position)).toHaveLength(50);
      }
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
