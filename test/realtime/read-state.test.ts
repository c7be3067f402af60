/**
 * Read state (issue 16): per identity and channel, kept by the server, the same on every connection — positions
 * that never move back, reads and mutes that reach the identity's other connections, and unread and mention counts
 * that are exact after a catch-up, after a recovery and with live traffic racing the connection, as a client keeps
 * them by the protocol's rule (TestClient.counts). On SQLite and on PostgreSQL + Redis.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Channel, ChannelReadState } from "../../lib/shared/dto";
import { accountsHttp } from "../support/accounts-http";
import { SESSION_COOKIE } from "../../lib/server/identity/session-cookie";
import { gateReads } from "../support/gated-reads";
import { useRealtimeHarness } from "../support/harness";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy";
import { waitFor, type TestClient } from "../support/test-client";
import { testBackends, type StartTestServerOptions, type TestServer } from "../support/test-server";

describe.each(testBackends())("on %s", (backend) => {
  let server: TestServer;
  let proxy: TcpProxy | undefined;
  const { start, client, clientAt } = useRealtimeHarness();
  const cookies = new Map<string, string>();

  async function startServer(options: StartTestServerOptions = {}) {
    server = await start({ backend, ...options });
    const http = accountsHttp(server.url);
    for (const name of ["alice", "bob", "carol"]) cookies.set(name, await http.account(name));
  }

  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
  });

  async function as(name: string, options: { serverOffset?: number; via?: string } = {}): Promise<TestClient> {
    const c = options.via ? clientAt(options.via, { cookie: cookies.get(name)!, ...options }) : client({ cookie: cookies.get(name)!, ...options });
    await c.ready(c.sessions.length + 1);
    return c;
  }

  async function send(sender: TestClient, channel: string, content: string): Promise<number> {
    const ack = await sender.send(channel, content, `m-${Math.random().toString(36).slice(2)}`);
    if (!("data" in ack)) throw new Error(`send refused: ${JSON.stringify(ack)}`);
    return ack.data.id;
  }

  async function mark(reader: TestClient, channel: string, upTo: number) {
    return reader.request<{ channel: string; readUpTo: number }>("read:mark", { channel, upTo });
  }

  /** What a brand-new connection of this account is told: the server's counts now. */
  async function freshCounts(name: string, channel: string) {
    const probe = await as(name);
    const state = probe.sessions[0]!.channels!.find((c) => c.channel === channel);
    probe.close();
    return state && { readUpTo: state.readUpTo, unread: state.unread, mentions: state.mentions, muted: state.muted };
  }

  describe("positions and pushes", () => {
    beforeEach(() => startServer());

    it("moves a position forward only, clamped to the channel's newest message, and refuses bad input", async () => {
      const alice = await as("alice");
      const bob = await as("bob");
      const ids = [await send(bob, "general", "one"), await send(bob, "general", "two"), await send(bob, "general", "three")];
      expect(await mark(alice, "general", ids[1]!)).toEqual({ data: { channel: "general", readUpTo: ids[1] } });
      // A stale device cannot move it back; a position beyond the channel's newest message stops there.
      expect(await mark(alice, "general", ids[0]!)).toEqual({ data: { channel: "general", readUpTo: ids[1] } });
      expect(await mark(alice, "general", ids[2]! + 1_000)).toEqual({ data: { channel: "general", readUpTo: ids[2] } });
      expect(await mark(alice, "general", 0)).toEqual({ data: { channel: "general", readUpTo: ids[2] } });

      for (const payload of [{ channel: "general", upTo: -1 }, { channel: "general", upTo: 1.5 }, { channel: "general" }, "general", null]) {
        expect(await alice.request("read:mark", payload)).toMatchObject({ error: { code: "invalid_payload" } });
      }
      expect(await alice.request("read:mark", { channel: "nowhere", upTo: 1 })).toMatchObject({ error: { code: "unknown_channel" } });
      expect(await alice.request("channel:mute", { channel: "general", muted: "yes" })).toMatchObject({ error: { code: "invalid_payload" } });
      const rows = await server.rows<{ read_up_to: number }>("SELECT read_up_to FROM read_states");
      expect(rows.map((row) => Number(row.read_up_to))).toEqual([ids[2]]);
    });

    it("tells every connection of the identity, and no one else, of a read and a mute", async () => {
      const laptop = await as("alice");
      const phone = await as("alice");
      const bob = await as("bob");
      const ids = [await send(bob, "general", "hi @alice"), await send(bob, "general", "anyone?")];
      await waitFor(() => ids.every((id) => phone.messages.has(id) && laptop.messages.has(id)), 5_000, "the messages");
      expect(phone.countsOf("general")).toEqual({ readUpTo: 0, unread: 2, mentions: 1, muted: false });

      await mark(laptop, "general", ids[0]!);
      for (const device of [laptop, phone]) {
        await waitFor(() => device.countsOf("general")?.readUpTo === ids[0], 5_000, "the read on every device");
        expect(device.countsOf("general")).toEqual({ readUpTo: ids[0], unread: 1, mentions: 0, muted: false });
      }
      await mark(phone, "general", ids[1]!);
      await waitFor(() => laptop.countsOf("general")?.unread === 0, 5_000, "the phone's read on the laptop");

      expect(await phone.request("channel:mute", { channel: "general", muted: true })).toEqual({ data: { channel: "general", muted: true } });
      await waitFor(() => laptop.countsOf("general")?.muted === true, 5_000, "the mute on the laptop");
      expect(bob.readStates).toEqual([]);
      expect(await freshCounts("alice", "general")).toEqual({ readUpTo: ids[1], unread: 0, mentions: 0, muted: true });
      expect(await freshCounts("bob", "general")).toEqual({ readUpTo: 0, unread: 0, mentions: 0, muted: false });
    });

    it("keeps a browser guest's state across its connections; a script guest starts with everything before it read", async () => {
      const bob = await as("bob");
      const before = [await send(bob, "general", "one"), await send(bob, "general", "two @channel")];
      const cookie = `${SESSION_COOKIE}=${encodeURIComponent(server.signer.sign("u_guestbrowser01"))}`;
      const browser = client({ cookie });
      const script = client();
      await Promise.all([browser.ready(), script.ready()]);
      expect(browser.countsOf("general")).toEqual({ readUpTo: 0, unread: 2, mentions: 1, muted: false });
      expect(script.countsOf("general")).toEqual({ readUpTo: before[1], unread: 0, mentions: 0, muted: false });
      expect(await script.request("read:mark", { channel: "general", upTo: before[0] })).toEqual({
        data: { channel: "general", readUpTo: before[1] },
      });

      const after = await send(bob, "general", "three @channel");
      await waitFor(() => script.messages.has(after) && browser.messages.has(after), 5_000, "the new message");
      expect(script.countsOf("general")).toEqual({ readUpTo: before[1], unread: 1, mentions: 1, muted: false });
      await browser.request("read:mark", { channel: "general", upTo: before[1] });
      browser.close();
      const again = client({ cookie });
      await again.ready();
      expect(again.countsOf("general")).toEqual({ readUpTo: before[1], unread: 1, mentions: 1, muted: false });
    });

    it("counts @username, @channel and every DM message as mentions, never the reader's own messages", async () => {
      const alice = await as("alice");
      const bob = await as("bob");
      await send(alice, "general", "hello @bob and @carol"); // not alice's own mention
      await send(bob, "general", "@ALICE, look"); // any case
      await send(bob, "general", "mail alice@example.com"); // no mention
      await send(bob, "general", "@channel standup");
      await send(bob, "general", "@alicex is someone else");
      const dm = (await alice.request<{ channel: Channel }>("dm:open", { usernames: ["bob"] })).data!.channel.name;
      await waitFor(() => alice.joined.some((c) => c.name === dm), 5_000, "the DM");
      await send(bob, dm, "psst");
      await send(bob, dm, "still there?");
      await send(alice, dm, "yes");

      expect(await freshCounts("alice", "general")).toEqual({ readUpTo: 0, unread: 4, mentions: 2, muted: false });
      expect(await freshCounts("alice", dm)).toEqual({ readUpTo: 0, unread: 2, mentions: 2, muted: false });
      expect(await freshCounts("carol", "general")).toEqual({ readUpTo: 0, unread: 5, mentions: 2, muted: false });
      // What alice's connection counted from the live messages agrees with the server.
      await waitFor(() => alice.countsOf(dm)?.unread === 2, 5_000, "the DM counts");
      expect(alice.countsOf("general")).toEqual({ readUpTo: 0, unread: 4, mentions: 2, muted: false });
      expect(alice.countsOf(dm)).toEqual({ readUpTo: 0, unread: 2, mentions: 2, muted: false });
    });

    it("keeps private channels out of an outsider's states, and gives a new member the channel's state", async () => {
      const alice = await as("alice");
      const bob = await as("bob");
      expect(await alice.request("channel:create", { name: "secret", visibility: "private" })).toMatchObject({ data: {} });
      await send(alice, "secret", "before bob @bob");
      await send(alice, "secret", "again");
      expect(await bob.request("read:mark", { channel: "secret", upTo: 1 })).toMatchObject({ error: { code: "forbidden" } });
      expect(await bob.request("channel:mute", { channel: "secret", muted: true })).toMatchObject({ error: { code: "forbidden" } });
      expect((await as("bob")).sessions[0]!.channels!.map((c) => c.channel)).not.toContain("secret");

      await alice.request("channel:invite", { channel: "secret", username: "bob" });
      await waitFor(() => bob.countsOf("secret") !== undefined, 5_000, "the new channel's state");
      expect(bob.countsOf("secret")).toEqual({ readUpTo: 0, unread: 2, mentions: 1, muted: false });
      expect(bob.joined.map((c) => c.name)).toContain("secret");
    });

    it("leaves deleted messages out of the counts, follows whom an edit mentions, and sends every reader the new counts", async () => {
      const alice = await as("alice");
      const bob = await as("bob");
      const laptop = await as("carol");
      const phone = await as("carol");
      const ping = await send(bob, "general", "@alice @carol ping");
      const plain = await send(bob, "general", "plain");
      const later = await send(bob, "general", "later");
      await waitFor(() => [alice, laptop, phone].every((c) => c.messages.has(later)), 5_000, "the messages");
      for (const reader of [alice, laptop, phone]) expect(reader.countsOf("general")).toEqual({ readUpTo: 0, unread: 3, mentions: 1, muted: false });

      // A delete: one unread and its mention fewer, on every connection of every reader, and for a new connection.
      const readStatesBefore = bob.readStates.length;
      expect(await bob.delete(ping, "delete-ping")).toMatchObject({ data: { duplicate: false } });
      for (const reader of [alice, laptop, phone]) {
        await waitFor(() => reader.countsOf("general")?.unread === 2, 5_000, "the counts after the delete");
        expect(reader.countsOf("general")).toEqual({ readUpTo: 0, unread: 2, mentions: 0, muted: false });
      }
      expect(await freshCounts("carol", "general")).toEqual({ readUpTo: 0, unread: 2, mentions: 0, muted: false });

      // An edit that names carol mentions her (and not alice); one that drops her mention no longer does.
      expect(await bob.edit(plain, "plain, @carol", "edit-plain")).toMatchObject({ data: { duplicate: false } });
      for (const carol of [laptop, phone]) await waitFor(() => carol.countsOf("general")?.mentions === 1, 5_000, "the mention an edit added");
      expect(await freshCounts("carol", "general")).toEqual({ readUpTo: 0, unread: 2, mentions: 1, muted: false });
      expect(await freshCounts("alice", "general")).toEqual({ readUpTo: 0, unread: 2, mentions: 0, muted: false });
      expect(await bob.edit(plain, "plain again", "edit-plain-again")).toMatchObject({ data: { duplicate: false } });
      for (const carol of [laptop, phone]) await waitFor(() => carol.countsOf("general")?.mentions === 0, 5_000, "the mention an edit removed");
      expect(await freshCounts("carol", "general")).toEqual({ readUpTo: 0, unread: 2, mentions: 0, muted: false });

      // An edit that mentions no one, before or after, changes no count: readers are sent nothing for it. The next
      // edit adds a mention, and its state is the first (and only) one to arrive.
      const statesBefore = laptop.readStates.length;
      expect(await bob.edit(later, "later, edited", "edit-later")).toMatchObject({ data: { duplicate: false } });
      expect(await bob.edit(later, "later, @carol", "edit-later-mention")).toMatchObject({ data: { duplicate: false } });
      await waitFor(() => laptop.countsOf("general")?.mentions === 1, 5_000, "the mention the second edit added");
      expect(laptop.readStates.slice(statesBefore)).toEqual([{ channel: "general", readUpTo: 0, unread: 2, mentions: 1, muted: false }]);
      expect(await bob.edit(later, "later", "edit-later-again")).toMatchObject({ data: { duplicate: false } });
      await waitFor(() => laptop.countsOf("general")?.mentions === 0, 5_000, "the mention removed again");

      // The author's counts never included their own messages, and a deleted message is no mention row any more.
      expect(await freshCounts("bob", "general")).toEqual({ readUpTo: 0, unread: 0, mentions: 0, muted: false });
      expect(bob.readStates.length).toBe(readStatesBefore);
      const rows = await server.rows<{ message_id: number }>("SELECT message_id FROM message_mentions");
      expect(rows).toEqual([]);
    });

    it("keeps an @channel through an edit without a second token, and refuses a new one over the limit", async () => {
      await server.close();
      await startServer({ channelMentionRateLimit: { burst: 1, perSecond: 0.001 } });
      const alice = await as("alice");
      const carol = await as("carol");
      const everyone = await send(alice, "general", "@channel standup at 10");
      const plain = await send(alice, "general", "agenda soon");
      expect(await alice.edit(everyone, "@channel standup at 11", "fix-time")).toMatchObject({ data: { duplicate: false } });
      expect(await alice.edit(plain, "@channel agenda soon", "add-channel")).toMatchObject({ error: { code: "rate_limited" } });
      await waitFor(() => carol.messages.get(everyone)?.content === "@channel standup at 11", 5_000, "the edit");
      expect(await freshCounts("carol", "general")).toEqual({ readUpTo: 0, unread: 2, mentions: 1, muted: false });
    });

    it("refuses an @channel over its limit and stores nothing", async () => {
      await server.close();
      await startServer({ channelMentionRateLimit: { burst: 1, perSecond: 0.001 } });
      const alice = await as("alice");
      await send(alice, "general", "@channel first");
      const refused = await alice.send("general", "@channel second", "second-channel-mention");
      expect(refused).toMatchObject({ error: { code: "rate_limited", retryAfterMs: expect.any(Number) } });
      expect(await server.countMessages("second-channel-mention")).toBe(0);
      await send(alice, "general", "no mention, still fine");
    });
  });

  describe("counts through reconnections", () => {
    beforeEach(() => startServer());

    it("are exact after a catch-up from the database and after a recovery", async () => {
      proxy = await startTcpProxy(server.port);
      const bob = await as("bob");
      // Alice has received a broadcast: Socket.IO recovers only such a session.
      const alice = await as("alice", { via: proxy.url });
      const first = await send(bob, "general", "first");
      await waitFor(() => alice.serverOffset >= first, 5_000, "alice to be current");
      await mark(alice, "general", first);
      await waitFor(() => alice.countsOf("general")?.unread === 0, 5_000, "alice's read");

      // A blip: recovered on one instance, caught up from the database on a cluster. Same counts either way.
      proxy.pause();
      proxy.cut();
      await waitFor(() => !alice.socket.connected, 5_000, "the cut");
      await send(bob, "general", "during the blip, @alice");
      await send(bob, "general", "during the blip, again");
      proxy.resume();
      await alice.ready(2);
      expect(alice.sessions[1]!.recovered).toBe(backend === "sqlite");
      expect(alice.countsOf("general")).toEqual({ readUpTo: first, unread: 2, mentions: 1, muted: false });

      // A manual disconnect and a new connection from the offset: a catch-up from the database.
      alice.close();
      await send(bob, "general", "while alice was away");
      const back = await as("alice", { serverOffset: alice.serverOffset });
      expect(back.sessions[0]).toMatchObject({ recovered: false, replayed: 1 });
      expect(back.countsOf("general")).toEqual({ readUpTo: first, unread: 3, mentions: 1, muted: false });
    });

    it("stay exact when messages and reads race the connection's catch-up", async () => {
      const bob = await as("bob");
      const laptop = await as("alice");
      for (let i = 0; i < 30; i++) await send(bob, "general", `backlog ${i}${i % 5 === 0 ? " @alice" : ""}`);
      // Phones connect while bob keeps sending and the laptop keeps reading: each phone's counts, carried on by
      // the rule, must end where the server's do.
      const phones: TestClient[] = [];
      const traffic = (async () => {
        for (let i = 0; i < 30; i++) {
          const id = await send(bob, "general", `live ${i}${i % 7 === 0 ? " @alice" : ""}`);
          if (i % 4 === 0) await mark(laptop, "general", id - 3);
        }
      })();
      for (let i = 0; i < 4; i++) phones.push(client({ cookie: cookies.get("alice")!, serverOffset: i * 5 }));
      await Promise.all([traffic, ...phones.map((phone) => phone.ready())]);
      const last = await send(bob, "general", "the end");
      await waitFor(() => phones.every((phone) => phone.messages.has(last)), 5_000, "the last message");
      const truth = await freshCounts("alice", "general");
      expect(truth!.unread).toBeGreaterThan(0);
      for (const phone of [laptop, ...phones]) await waitFor(() => same(phone.counts.get("general"), truth), 5_000, "the phone's counts");
    });

    it("stay exact for messages and reads that arrive while the catch-up waits on the store", async () => {
      const reads = gateReads();
      reads.open();
      await server.close();
      // A window smaller than the backlog: the replay reads the store, and waits at the gate.
      await startServer({ deliveryWindowSize: 20, replayBatchSize: 10, wrapStore: (store) => reads.wrap(store) });
      const bob = await as("bob");
      const laptop = await as("alice");
      const start = await send(bob, "general", "start");
      for (let i = 0; i < 50; i++) await send(bob, "general", `backlog ${i}${i % 10 === 0 ? " @alice" : ""}`);

      // Messages only: session:ready's own counts take in what was delivered while the replay waited.
      reads.close();
      const tablet = client({ cookie: cookies.get("alice")!, serverOffset: start });
      await reads.waiting();
      const during: number[] = [];
      for (let i = 0; i < 5; i++) during.push(await send(bob, "general", `during ${i} @alice`));
      reads.open();
      await tablet.ready();
      expect(tablet.sessions[0]!.latestId).toBe(during[4]);
      expect(tablet.sessions[0]!.channels!.find((c) => c.channel === "general")).toEqual({
        channel: "general",
        readUpTo: 0,
        unread: 56,
        mentions: 10,
        muted: false,
      });

      // A read on another device while the replay waits: the connection hears of it once live.
      reads.close();
      const phone = client({ cookie: cookies.get("alice")!, serverOffset: start });
      await reads.waiting();
      expect(await mark(laptop, "general", during[1]!)).toMatchObject({ data: { readUpTo: during[1] } });
      const unseen = await send(bob, "general", "after the read @alice");
      reads.open();
      await phone.ready();
      const truth = await freshCounts("alice", "general");
      expect(truth).toEqual({ readUpTo: during[1], unread: 4, mentions: 4, muted: false });
      expect(phone.messages.has(unseen)).toBe(true);
      await waitFor(() => same(phone.counts.get("general"), truth), 5_000, "the phone's counts");
    });
  });
});

function same(state: ChannelReadState | undefined, expected: Omit<ChannelReadState, "channel"> | undefined): boolean {
  return (
    state !== undefined &&
    expected !== undefined &&
    state.readUpTo === expected.readUpTo &&
    state.unread === expected.unread &&
    state.mentions === expected.mentions
  );
}
