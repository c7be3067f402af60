/**
 * A bounded catch-up (`auth.replay.perChannel`): per channel at most the newest N missed messages, every skipped
 * range announced first as an exact gap, everything newer than the catch-up's start replayed in full — against the
 * real server on both backends, from the core's window and from the store.
 */
import { describe, expect, it } from "vitest";
import type { ChatMessage, Gap } from "../../lib/shared/dto";
import type { MessageStore } from "../../lib/storage/message-store";
import { testBackends, type TestServer } from "../support/test-server";
import { useRealtimeHarness } from "../support/harness";
import { gateReads } from "../support/gated-reads";
import { waitFor, type TestClient } from "../support/test-client";

/** What a bounded catch-up from `offset` must send when it started at `through`: the reference model. */
function expectedCatchUp(all: readonly ChatMessage[], offset: number, through: number, perChannel: number) {
  const missed = new Map<string, number[]>();
  for (const m of all) if (m.id > offset && m.id <= through) missed.set(m.channel, [...(missed.get(m.channel) ?? []), m.id]);
  const gaps: Gap[] = [];
  const sent: number[] = [];
  for (const [channel, ids] of missed) {
    const skipped = Math.max(0, ids.length - perChannel);
    if (skipped > 0) gaps.push({ channel, afterId: offset, beforeId: ids[skipped]!, count: skipped });
    sent.push(...ids.slice(skipped));
  }
  sent.push(...all.filter((m) => m.id > through).map((m) => m.id));
  return { gaps: byChannel(gaps), sent: sent.sort((a, b) => a - b) };
}

const byChannel = (gaps: readonly Gap[]) => [...gaps].sort((a, b) => a.channel.localeCompare(b.channel));

function expectStrictlyAscending(ids: number[]) {
  for (let i = 1; i < ids.length; i++) {
    if (ids[i]! <= ids[i - 1]!) throw new Error(`id ${ids[i]} arrived after ${ids[i - 1]} (position ${i})`);
  }
}

/** Stores `count` messages per entry of `plan` ({ channel: count }), interleaved round-robin. */
async function seed(store: MessageStore, plan: Record<string, number>, prefix = "seed"): Promise<void> {
  const left = { ...plan };
  const inserts: Array<Promise<unknown>> = [];
  for (let i = 0; Object.values(left).some((n) => n > 0); i++) {
    for (const channel of Object.keys(left)) {
      if (left[channel]! <= 0) continue;
      left[channel]!--;
      inserts.push(
        store.insertMessage({ clientOffset: `${prefix}-${channel}-${i}`, channel, content: `${channel} ${i}`, author: { id: "s", name: "S" } }),
      );
    }
    // In chunks: one PostgreSQL statement takes at most 65,535 parameters (7 a message).
    if (inserts.length >= 2000) await Promise.all(inserts.splice(0));
  }
  await Promise.all(inserts);
}

describe.each(testBackends())("on %s", (backend) => {
  let server: TestServer;
  const { start, client } = useRealtimeHarness();

  async function createChannels(...names: string[]) {
    for (const name of names) await server.store.createChannel(name, "s");
  }

  /**
   * A client that was live and up to date, went away (a manual disconnect: never recovered), and comes back after
   * `whileAway`; its offset is the newest message before it left (one is stored if there is none).
   */
  async function comesBack(options: Parameters<typeof client>[0], whileAway: () => Promise<void>): Promise<TestClient> {
    if ((await server.store.getLatestOffset()) === 0) await seed(server.store, { general: 1 }, "first");
    const returning = client({ ...options, serverOffset: await server.store.getLatestOffset() });
    await returning.ready();
    expect(returning.events).toEqual(["session:ready"]);
    returning.socket.disconnect();
    await whileAway();
    await server.allDelivered();
    returning.socket.connect();
    await returning.ready(2);
    return returning;
  }

  describe.each([
    ["the core's window", 10_000],
    ["the store", 10],
  ])("from %s", (_source, deliveryWindowSize) => {
    it("replays the newest N per channel, after one exact gap per channel that has more, sent before any batch", async () => {
      server = await start({ backend, deliveryWindowSize, replayBatchSize: 7 });
      await createChannels("random", "dev");
      await seed(server.store, { general: 5 }, "before");
      const offset = await server.store.getLatestOffset();
      const returning = await comesBack({ replay: { perChannel: 20 } }, () => seed(server.store, { general: 120, random: 33, dev: 20 }));

      const all = await server.store.getMessagesAfter(0, 10_000);
      const expected = expectedCatchUp(all, offset, all.at(-1)!.id, 20);
      expect(expected.gaps.map((gap) => [gap.channel, gap.count])).toEqual([
        ["general", 100],
        ["random", 13],
      ]);
      // The first connection had nothing to catch up, hence no gaps; the second one got exactly one event.
      expect(returning.gaps).toHaveLength(1);
      expect(byChannel(returning.gaps[0]!)).toEqual(expected.gaps);
      const second = returning.events.slice(returning.events.indexOf("session:ready") + 1);
      expect(second[0]).toBe("message:gaps");
      expect(second.filter((event) => event === "message:gaps")).toHaveLength(1);
      expect(second.at(-1)).toBe("session:ready");

      expect(returning.wire.map((m) => m.id)).toEqual(expected.sent);
      expect(returning.sessions[1]).toMatchObject({ recovered: false, replayed: 60 });
      // Each gap holds exactly what it says: counted in the database, not by the server's own arithmetic.
      for (const gap of returning.gaps[0]!) {
        const [row] = await server.rows<{ n: number | string }>(
          `SELECT count(*) AS n FROM messages WHERE channel = '${gap.channel}' AND id > ${gap.afterId} AND id < ${gap.beforeId}`,
        );
        expect(Number(row!.n)).toBe(gap.count);
      }
    });
  });

  it("sends no gaps and replays everything when no channel has more than N", async () => {
    server = await start({ backend });
    await createChannels("random");
    const returning = await comesBack({ replay: { perChannel: 30 } }, () => seed(server.store, { general: 30, random: 12 }));
    expect(returning.gaps).toEqual([]);
    expect(returning.events).not.toContain("message:gaps");
    expect(returning.wire.map((m) => m.id)).toEqual((await server.store.getMessagesAfter(1, 1000)).map((m) => m.id));
  });

  it("replays everything, with no gaps event, to a client that does not ask for a bound", async () => {
    server = await start({ backend, deliveryWindowSize: 10, replayBatchSize: 50 });
    await createChannels("random");
    const returning = await comesBack({}, () => seed(server.store, { general: 300, random: 40 }));
    expect(returning.events).not.toContain("message:gaps");
    expect(returning.wire.map((m) => m.id)).toEqual((await server.store.getMessagesAfter(1, 1000)).map((m) => m.id));
    expect(returning.sessions[1]).toMatchObject({ replayed: 340 });
  });

  it("gives a fresh client (offset 0) that asks for a bound no replay and no gaps", async () => {
    server = await start({ backend });
    await seed(server.store, { general: 50 });
    await server.allDelivered();
    const fresh = client({ replay: { perChannel: 5 } });
    await fresh.ready();
    expect(fresh.events).toEqual(["session:ready"]);
    expect(fresh.sessions[0]).toMatchObject({ replayed: 0 });
  });

  it("refuses a handshake whose replay is not { perChannel: 1-10,000 }", async () => {
    server = await start({ backend });
    for (const replay of [{ perChannel: 0 }, { perChannel: 10_001 }, { perChannel: 2.5 }, { perChannel: "5" }, {}, 20, "all", [20]]) {
      const bad = client({ socketOptions: { auth: { serverOffset: 1, replay }, reconnection: false } });
      const error = await new Promise<Error & { data?: unknown }>((resolve) => bad.socket.once("connect_error", resolve));
      expect(error.message, JSON.stringify(replay)).toBe("invalid_handshake");
      expect(error.data, JSON.stringify(replay)).toMatchObject({ code: "invalid_payload" });
    }
    const good = client({ serverOffset: 1, replay: { perChannel: 10_000 } });
    await good.ready();
  });

  it("keeps the gaps exact and loses nothing when live traffic races a bounded replay", async () => {
    // The replay's per-channel store reads wait at a gate while a sender keeps writing, and the core's window is
    // too small to hold the backlog: the bound ends at the catch-up's start, the live messages all come after it.
    const reads = gateReads();
    server = await start({ backend, replayBatchSize: 20, deliveryWindowSize: 10, wrapStore: reads.wrap });
    await server.realtime.delivery.ready();
    await createChannels("random");
    await seed(server.store, { general: 1500, random: 400 });
    await server.allDelivered();
    const through = await server.store.getLatestOffset();
    const sender = client({ name: "Sender" });
    await sender.ready();

    const late = client({ serverOffset: 1, replay: { perChannel: 50 } });
    await reads.waiting();
    for (let i = 0; i < 300; i++) await sender.send(i % 3 ? "general" : "random", `live ${i}`, `live-${i}`);
    expect(late.sessions).toHaveLength(0);
    reads.open();
    await late.ready();

    const all = await server.store.getMessagesAfter(0, 10_000);
    const expected = expectedCatchUp(all, 1, through, 50);
    await waitFor(() => late.messages.size === expected.sent.length, 10_000, "every kept and live message");
    expect(byChannel(late.gaps.flat())).toEqual(expected.gaps);
    expect(late.events[0]).toBe("message:gaps");
    expect(late.wire.map((m) => m.id)).toEqual(expected.sent);
    expectStrictlyAscending(late.wire.map((m) => m.id));
    expect(late.duplicates).toBe(0);
  });

  it("reads from the store only the rows it replays, however large the backlog", async () => {
    let rowsRead = 0;
    const counting = (store: MessageStore): MessageStore => ({
      ...store,
      async getMessagesAfter(offset, limit, upTo) {
        const rows = await store.getMessagesAfter(offset, limit, upTo);
        if (upTo !== undefined) rowsRead += rows.length;
        return rows;
      },
      async getChannelMessagesAfter(channel, after, limit, upTo) {
        const rows = await store.getChannelMessagesAfter(channel, after, limit, upTo);
        rowsRead += rows.length;
        return rows;
      },
    });
    server = await start({ backend, deliveryWindowSize: 10, wrapStore: counting });
    await createChannels("random");
    const first = (await server.store.getLatestOffset()) + 1;
    await seed(server.store, { general: 8000, random: 2000 });
    await server.allDelivered();
    const late = client({ serverOffset: first, replay: { perChannel: 50 } });
    await late.ready();
    expect(late.wire).toHaveLength(100);
    expect(late.gaps.flat().reduce((sum, gap) => sum + gap.count, 0)).toBe(10_000 - 1 - 100);
    expect(rowsRead).toBe(100);
  });
});
