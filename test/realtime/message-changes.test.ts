/**
 * Messages that change (issue 15) over the wire: message:edit, message:delete, reaction:add, reaction:remove and
 * replies — every rule, idempotency by clientOffset, live `message:update` to exactly the readers of the channel,
 * catch-up interleaving updates with batches in log order, a bounded catch-up's rule for changes in a gap, and
 * history and search in current state. On SQLite and on PostgreSQL + Redis.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Ack } from "../../lib/shared/ack";
import type { ChatMessage, MessageChangeResult, SendMessageResult } from "../../lib/shared/dto";
import { accountsHttp } from "../support/accounts-http";
import { useRealtimeHarness } from "../support/harness";
import { waitFor, type TestClient } from "../support/test-client";
import { startTestServer, testBackends, type StartTestServerOptions, type TestServer } from "../support/test-server";

let sequence = 0;
const offset = (label: string) => `${label}-${++sequence}`;

describe.each(testBackends())("on %s", (backend) => {
  // One server for the file (accounts are slow to create: password hashing); every test works on messages of its
  // own and counts rows relative to where it started. Tests that need other settings start a server of their own.
  let shared: TestServer;
  let server: TestServer;
  const { start, clientAt } = useRealtimeHarness();
  const sharedCookies = new Map<string, string>();
  let cookies = sharedCookies;

  async function withAccounts(started: TestServer, into: Map<string, string>): Promise<TestServer> {
    const http = accountsHttp(started.url);
    // The first account is the workspace admin.
    for (const name of ["admin", "alice", "bob"]) into.set(name, await http.account(name));
    return started;
  }

  beforeAll(async () => {
    shared = await withAccounts(await startTestServer({ backend }), sharedCookies);
  });
  afterAll(() => shared.close());
  beforeEach(() => {
    server = shared;
    cookies = sharedCookies;
  });

  /** A server of this test's own (closed after it), for other settings. */
  async function startServer(options: StartTestServerOptions) {
    cookies = new Map();
    server = await withAccounts(await start({ backend, ...options }), cookies);
  }

  const client = (options: Parameters<typeof clientAt>[1] = {}) => clientAt(server.url, options);

  async function as(name: string, serverOffset?: number): Promise<TestClient> {
    const c = client({ cookie: cookies.get(name)!, serverOffset });
    await c.ready();
    return c;
  }

  async function send(sender: TestClient, content: string, channel = "general", replyTo?: number): Promise<number> {
    const ack: Ack<SendMessageResult> = await sender.socket
      .timeout(5_000)
      .emitWithAck("message:send", { channel, content, clientOffset: offset("send"), replyTo });
    if (!("data" in ack)) throw new Error(`send refused: ${JSON.stringify(ack)}`);
    return ack.data.id;
  }

  /** Every client holds message `id` at `version` (or above). */
  const reachVersion = (clients: TestClient[], id: number, version: number) =>
    waitFor(() => clients.every((c) => (c.messages.get(id)?.version ?? 0) >= version), 5_000, `version ${version} of ${id}`);

  async function historyOf(reader: TestClient, channel = "general"): Promise<ChatMessage[]> {
    const page = await reader.history({ channel, limit: 500 });
    if (!("data" in page)) throw new Error(JSON.stringify(page));
    return page.data.messages;
  }

  const countChanges = async () => Number((await server.rows<{ n: number | string }>("SELECT count(*) AS n FROM message_changes"))[0]!.n);
  /** Changes stored since the test started (tests share the server). */
  let changesBefore = 0;
  let messagesBefore = 0;
  beforeEach(async () => {
    changesBefore = await countChanges();
    messagesBefore = await server.countMessages();
  });
  const changeRows = async () => (await countChanges()) - changesBefore;

  describe("edits and deletes", () => {
    it("lets the author edit: acked with the change's offset, sent live as message:update, current in history and search", async () => {
      const alice = await as("alice");
      const bob = await as("bob");
      const id = await send(alice, "the aardvark sleeps");
      const ack = await alice.edit(id, "the pangolin sleeps", "edit-1");
      expect(ack).toEqual({ data: { offset: expect.any(Number), duplicate: false } });
      const changeOffset = "data" in ack ? ack.data.offset! : 0;
      expect(changeOffset).toBeGreaterThan(id);
      // The sender's own update arrives before its ack.
      expect(alice.updates.map((u) => u.offset)).toEqual([changeOffset]);
      await reachVersion([bob], id, changeOffset);
      expect(bob.updates).toEqual([
        {
          offset: changeOffset,
          message: expect.objectContaining({
            id,
            content: "the pangolin sleeps",
            version: changeOffset,
            editedAt: expect.any(String),
            deletedAt: null,
            reactions: [],
            replyTo: null,
          }),
        },
      ]);
      const stored = (await historyOf(bob)).find((m) => m.id === id);
      expect(stored).toEqual(bob.updates[0]!.message);
      expect(await bob.search({ query: "aardvark" })).toEqual({ data: { messages: [], hasMore: false } });
      expect(await bob.search({ query: "pangolin" })).toMatchObject({ data: { messages: [{ id, version: changeOffset }] } });
    });

    it("refuses an edit by anyone but the author (the admin included), and every change to an unknown or unreadable id", async () => {
      const admin = await as("admin");
      const alice = await as("alice");
      const bob = await as("bob");
      const id = await send(alice, "mine");
      expect(await bob.edit(id, "hijacked", "e-bob")).toMatchObject({ error: { code: "forbidden" } });
      expect(await admin.edit(id, "hijacked", "e-admin")).toMatchObject({ error: { code: "forbidden" } });
      expect(await bob.delete(id, "d-bob")).toMatchObject({ error: { code: "forbidden" } });
      expect(await alice.edit(999_999, "x", "e-unknown")).toMatchObject({ error: { code: "unknown_message" } });
      expect(await alice.react(999_999, "👍", "r-unknown")).toMatchObject({ error: { code: "unknown_message" } });

      // A message of a private channel is unknown to a non-member: nothing tells it exists.
      expect(await alice.request("channel:create", { name: "secret", visibility: "private" })).toMatchObject({ data: {} });
      const secret = await send(alice, "hidden", "secret");
      for (const attempt of [
        bob.edit(secret, "x", "e-s"),
        bob.delete(secret, "d-s"),
        bob.react(secret, "👍", "r-s"),
        admin.delete(secret, "d-admin-s"),
      ]) {
        expect(await attempt).toMatchObject({ error: { code: "unknown_message" } });
      }
      expect(await changeRows()).toBe(0);
      expect(bob.updates).toEqual([]);
    });

    it("lets the author or the admin delete; a deleted message is empty, keeps its id, author and time, and takes no edit or reaction", async () => {
      const admin = await as("admin");
      const alice = await as("alice");
      const bob = await as("bob");
      const mine = await send(alice, "to be obliterated by me");
      const theirs = await send(bob, "to be obliterated by the admin");
      await alice.react(mine, "👍", "r-before");
      const deleted = await alice.delete(mine, "del-1");
      expect(deleted).toMatchObject({ data: { offset: expect.any(Number), duplicate: false } });
      expect(await admin.delete(theirs, "del-2")).toMatchObject({ data: { offset: expect.any(Number), duplicate: false } });
      const deletedOffset = "data" in deleted ? deleted.data.offset! : 0;
      await reachVersion([bob], mine, deletedOffset);
      const original = bob.wire.find((m) => m.id === mine)!;
      expect(bob.messages.get(mine)).toEqual({ ...original, content: "", reactions: [], deletedAt: expect.any(String), version: deletedOffset });

      expect(await alice.delete(mine, "del-again")).toEqual({ data: { offset: null, duplicate: false } });
      expect(await alice.edit(mine, "back", "edit-deleted")).toMatchObject({ error: { code: "message_deleted" } });
      expect(await bob.react(mine, "🎉", "react-deleted")).toMatchObject({ error: { code: "message_deleted" } });
      expect(await alice.react(mine, "👍", "unreact-deleted", true)).toMatchObject({ error: { code: "message_deleted" } });
      expect(await bob.search({ query: "obliterated" })).toEqual({ data: { messages: [], hasMore: false } });
      const history = await historyOf(alice);
      expect(history.filter((m) => m.id >= mine && m.deletedAt !== null).map((m) => [m.id, m.content])).toEqual([
        [mine, ""],
        [theirs, ""],
      ]);
      // The reaction, the two deletes: nothing else was stored.
      expect(await changeRows()).toBe(3);
    });

    it("lets a guest delete only its own messages", async () => {
      const alice = await as("alice");
      const guest = client({ name: "Visitor" });
      await guest.ready();
      const own = await send(guest, "guest says hi");
      const other = await send(alice, "alice says hi");
      expect(await guest.delete(other, "g-del-other")).toMatchObject({ error: { code: "forbidden" } });
      expect(await guest.edit(own, "guest says hello", "g-edit")).toMatchObject({ data: { duplicate: false } });
      expect(await guest.delete(own, "g-del-own")).toMatchObject({ data: { duplicate: false } });
    });

    it("stores a retried change once and acknowledges the retry with the original offset, broadcasting nothing more", async () => {
      const alice = await as("alice");
      const bob = await as("bob");
      const id = await send(alice, "typo hree");
      const first = await alice.edit(id, "typo here", "edit-retry");
      const again = await alice.edit(id, "typo here", "edit-retry");
      const firstOffset = "data" in first ? first.data.offset : null;
      expect(again).toEqual({ data: { offset: firstOffset, duplicate: true } });
      // Even after later changes, and even with another payload: the clientOffset names the change.
      await alice.edit(id, "typo fixed", "edit-later");
      expect(await alice.edit(id, "something else", "edit-retry")).toEqual({ data: { offset: firstOffset, duplicate: true } });
      await send(alice, "fence");
      await waitFor(() => bob.messages.size === 2, 5_000, "the fence");
      expect(bob.updates).toHaveLength(2);
      expect(await changeRows()).toBe(2);
    });

    it("answers an edit that changes nothing with offset null, storing and sending nothing", async () => {
      const alice = await as("alice");
      const id = await send(alice, "same");
      expect(await alice.edit(id, "same", "edit-same")).toEqual({ data: { offset: null, duplicate: false } });
      expect(await changeRows()).toBe(0);
      expect(alice.updates).toEqual([]);
    });

    it("validates every payload with a clear code and stores nothing", async () => {
      const alice = await as("alice");
      const id = await send(alice, "valid");
      const cases: Array<[string, unknown, string]> = [
        ["message:edit", { id, content: "x" }, "invalid_client_offset"],
        ["message:edit", { id, content: "x", clientOffset: "bad offset!" }, "invalid_client_offset"],
        ["message:edit", { id, content: "   ", clientOffset: "c1" }, "content_empty"],
        ["message:edit", { id, content: "x".repeat(4001), clientOffset: "c2" }, "content_too_long"],
        ["message:edit", { id: "1", content: "x", clientOffset: "c3" }, "invalid_payload"],
        ["message:edit", { id: -1, content: "x", clientOffset: "c4" }, "invalid_payload"],
        ["message:delete", { clientOffset: "c5" }, "invalid_payload"],
        ["message:delete", null, "invalid_payload"],
        ["reaction:add", { id, emoji: "a", clientOffset: "c6" }, "invalid_payload"],
        ["reaction:add", { id, emoji: "👍👍", clientOffset: "c7" }, "invalid_payload"],
        ["reaction:add", { id, emoji: "", clientOffset: "c8" }, "invalid_payload"],
        ["reaction:add", { id, emoji: "👍 ", clientOffset: "c9" }, "invalid_payload"],
        ["reaction:remove", { id, emoji: 1, clientOffset: "c10" }, "invalid_payload"],
        ["message:send", { channel: "general", content: "x", clientOffset: "c11", replyTo: "1" }, "invalid_payload"],
      ];
      for (const [event, payload, code] of cases) {
        expect(await alice.request(event, payload), `${event} ${JSON.stringify(payload)}`).toMatchObject({ error: { code } });
      }
      expect(await changeRows()).toBe(0);
      expect((await server.countMessages()) - messagesBefore).toBe(1);
    });

    it("rate-limits changes with the send limiter", async () => {
      // A short refill, so the socket it pauses is soon read again (and closes quickly at the end).
      await startServer({ rateLimit: { burst: 2, perSecond: 0.5 } });
      const alice = await as("alice");
      const id = await send(alice, "one");
      // The send took a token, the reaction the other; the edit, in the same breath, is refused.
      const [reacted, edited] = await Promise.all([alice.react(id, "👍", "rl-1"), alice.edit(id, "two", "rl-2")]);
      expect(reacted).toMatchObject({ data: { duplicate: false } });
      expect(edited).toMatchObject({ error: { code: "rate_limited", retryAfterMs: expect.any(Number) } });
    });
  });

  describe("reactions and replies", () => {
    it("toggles each user's own reaction, in first-reaction order, with counts and who reacted; at most 20 distinct", async () => {
      const alice = await as("alice");
      const bob = await as("bob");
      const id = await send(alice, "react to me");
      expect(await bob.react(id, "👍", "b1")).toMatchObject({ data: { duplicate: false } });
      expect(await alice.react(id, "🎉", "a1")).toMatchObject({ data: { duplicate: false } });
      const last = await alice.react(id, "👍", "a2");
      expect(await alice.react(id, "👍", "a3")).toEqual({ data: { offset: null, duplicate: false } });
      expect(await bob.react(id, "🎉", "b2", true)).toEqual({ data: { offset: null, duplicate: false } });
      await reachVersion([alice, bob], id, "data" in last ? last.data.offset! : 0);
      expect(bob.messages.get(id)!.reactions).toEqual([
        { emoji: "👍", count: 2, userIds: [bob.sessions[0]!.user.id, alice.sessions[0]!.user.id] },
        { emoji: "🎉", count: 1, userIds: [alice.sessions[0]!.user.id] },
      ]);
      const removed = await bob.react(id, "👍", "b3", true);
      await reachVersion([alice], id, "data" in removed ? removed.data.offset! : 0);
      expect(alice.messages.get(id)!.reactions.map((r) => [r.emoji, r.count])).toEqual([
        ["👍", 1],
        ["🎉", 1],
      ]);

      const emoji = ["😀", "😁", "😂", "🤣", "😃", "😄", "😅", "😆", "😉", "😊", "😋", "😎", "😍", "😘", "🥰", "😗", "😙", "🥲", "🇫🇷"];
      for (const [i, e] of emoji.slice(0, 18).entries()) expect(await alice.react(id, e, `many-${i}`)).toMatchObject({ data: {} });
      expect(await alice.react(id, emoji[18]!, "one-too-many")).toMatchObject({ error: { code: "too_many_reactions" } });
      expect(await bob.react(id, "😀", "join-existing")).toMatchObject({ data: { duplicate: false } });
      // Multi-code-point emoji are one emoji each.
      const other = await send(alice, "flags and families");
      for (const e of ["🇫🇷", "👍🏽", "👨‍👩‍👧", "❤️", "1️⃣"]) expect(await alice.react(other, e, offset("multi")), e).toMatchObject({ data: {} });
    });

    it("sends a reply with the id it answers; a parent elsewhere or unknown is unknown_message", async () => {
      const alice = await as("alice");
      const bob = await as("bob");
      const parent = await send(alice, "question?");
      const reply = await send(bob, "answer!", "general", parent);
      await waitFor(() => alice.messages.has(reply), 5_000, "the reply");
      expect(alice.messages.get(reply)).toMatchObject({ replyTo: parent });
      expect(alice.messages.get(parent)).toMatchObject({ replyTo: null });
      expect(await alice.request("channel:create", { name: "other" })).toMatchObject({ data: {} });
      for (const replyTo of [parent, 999_999]) {
        const ack = await bob.socket.timeout(5_000).emitWithAck("message:send", {
          channel: replyTo === parent ? "other" : "general",
          content: "x",
          clientOffset: offset("bad-reply"),
          replyTo,
        });
        expect(ack).toMatchObject({ error: { code: "unknown_message" } });
      }
      expect((await historyOf(bob)).find((m) => m.id === reply)).toMatchObject({ replyTo: parent });
    });
  });

  describe("delivery", () => {
    it("sends a private channel's updates to its members only, live and in a catch-up", async () => {
      const alice = await as("alice");
      const bob = await as("bob");
      const guest = client();
      await guest.ready();
      expect(await alice.request("channel:create", { name: "inner", visibility: "private" })).toMatchObject({ data: {} });
      const id = await send(alice, "inner thought", "inner");
      const edit = await alice.edit(id, "inner thought, revised", "inner-edit");
      await alice.react(id, "🤫", "inner-react");
      const fence = await send(alice, "fence");
      await waitFor(() => bob.messages.has(fence) && guest.messages.has(fence), 5_000, "the fence");
      expect([...bob.updates, ...guest.updates]).toEqual([]);

      // Bob, caught up from before the edit, gets nothing of the channel either; alice's other device gets both.
      const late = await as("bob", id - 1);
      const aliceLate = await as("alice", id);
      expect(late.updates).toEqual([]);
      expect(aliceLate.updates.map((u) => u.offset)).toEqual(["data" in edit ? edit.data.offset : -1, expect.any(Number)]);
    });

    it("replays changes made while away interleaved with the new messages, in log order, ending in the server's state", async () => {
      const { back, changes } = await awayAndBack();
      // From the delivery window: every entry at its position, each change as its own update.
      expect(back.events).toEqual([
        "message:update",
        "message:batch",
        "message:update",
        "message:update",
        "message:batch",
        "message:update",
        "session:ready",
      ]);
      expect(back.updates.map((u) => u.offset)).toEqual(changes);
    });

    it("does the same when the catch-up reads the store, leaving out updates whose state this connection already has", async () => {
      await startServer({ deliveryWindowSize: 1, replayBatchSize: 2 });
      const { back, changes } = await awayAndBack();
      // Stored states are current: the new messages arrive with their reactions and deletion already applied, so
      // only the edit of the message bob held (the first news of it) and the last entry (for the offset) are sent.
      expect(back.updates.map((u) => u.offset)).toEqual([changes[0], changes[3]]);
      expect(back.updates[0]!.message.version).toBe(changes[2]);
    });

    /** Bob misses an edit and a reaction of a message he has, and two new messages, one reacted to, one deleted. */
    async function awayAndBack(): Promise<{ back: TestClient; changes: number[] }> {
      const alice = await as("alice");
      const bob = await as("bob");
      const held = await send(alice, "bob has this one");
      await waitFor(() => bob.messages.has(held), 5_000, "bob to have it");
      const away = bob.serverOffset;
      bob.close();

      const changes: number[] = [];
      const record = (ack: Ack<MessageChangeResult>) => changes.push("data" in ack ? ack.data.offset! : -1);
      record(await alice.edit(held, "bob had this one, edited", offset("e")));
      const fresh = await send(alice, "new while bob was away");
      record(await alice.react(fresh, "👀", offset("r")));
      record(await alice.react(held, "👍", offset("r")));
      const next = await send(alice, "another one");
      record(await alice.delete(next, offset("d")));

      const back = await as("bob", away);
      // Positions strictly ascending: one log order, batches and updates interleaved.
      expect(back.positions).toEqual([...back.positions].sort((a, b) => a - b));
      expect(new Set(back.positions).size).toBe(back.positions.length);
      expect(back.sessions[0]).toMatchObject({ replayed: 2 });
      expect(back.statesBehindPosition).toBe(0);
      // Every message in the server's state; the offset at the end of the log.
      const history = await historyOf(back);
      for (const message of history.filter((m) => m.id >= held)) expect(back.messages.get(message.id)).toEqual(message);
      expect(back.serverOffset).toBe(back.sessions[0]!.latestId);
      return { back, changes };
    }

    it("in a bounded catch-up, replays changes to messages the client holds or is sent, and skips those of messages in a gap", async () => {
      const alice = await as("alice");
      const held = await send(alice, "held");
      const away = alice.serverOffset;
      const inGap = await send(alice, "will be in the gap");
      await send(alice, "kept 1");
      const kept = await send(alice, "kept 2");
      const heldEdit = await alice.edit(held, "held, edited", offset("e"));
      await alice.edit(inGap, "in the gap, edited", offset("e"));
      const keptEdit = await alice.edit(kept, "kept 2, edited", offset("e"));

      const back = client({ cookie: cookies.get("alice")!, serverOffset: away, replay: { perChannel: 2 } });
      await back.ready();
      expect(back.gaps).toEqual([[{ channel: "general", afterId: away, beforeId: kept - 1, count: 1 }]]);
      expect(back.updates.map((u) => u.offset)).toEqual([
        "data" in heldEdit ? heldEdit.data.offset : -1,
        "data" in keptEdit ? keptEdit.data.offset : -1,
      ]);
      expect(back.messages.get(held)).toMatchObject({ content: "held, edited" });
      expect(back.messages.get(kept)).toMatchObject({ content: "kept 2, edited" });
      expect(back.messages.has(inGap)).toBe(false);
    });
  });
});
