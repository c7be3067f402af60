/**
 * Private channels and DMs are private on every path a message can travel: live delivery, Socket.IO recovery,
 * the database catch-up, history, channel lists and member lists — for a non-member, a guest, a token of a
 * non-member, a removed member, and across a removal racing a catch-up. On SQLite and on PostgreSQL + Redis.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Channel, Member } from "../../lib/shared/dto";
import { accountsHttp } from "../support/accounts-http";
import { gateReads, type GatedReads } from "../support/gated-reads";
import { useRealtimeHarness } from "../support/harness";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy";
import { waitFor, type TestClient } from "../support/test-client";
import { testBackends, type StartTestServerOptions, type TestServer } from "../support/test-server";

const SECRET = "secret";

describe.each(testBackends())("on %s", (backend) => {
  let server: TestServer;
  let http: ReturnType<typeof accountsHttp>;
  let proxy: TcpProxy | undefined;
  const { start, client, clientAt } = useRealtimeHarness();
  const cookies = new Map<string, string>();

  async function startServer(options: StartTestServerOptions = {}) {
    server = await start({ backend, ...options });
    http = accountsHttp(server.url);
    for (const name of ["alice", "bob", "carol"]) cookies.set(name, await http.account(name));
  }

  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
  });

  /** A connected, caught-up client of an account. */
  async function as(name: string, options: { serverOffset?: number; via?: string } = {}): Promise<TestClient> {
    const c = options.via ? clientAt(options.via, { cookie: cookies.get(name)!, ...options }) : client({ cookie: cookies.get(name)!, ...options });
    await c.ready();
    return c;
  }

  async function send(sender: TestClient, channel: string, content: string): Promise<number> {
    const ack = await sender.send(channel, content, `${content.replace(/\W+/g, "-")}-${Math.random().toString(36).slice(2)}`);
    if (!("data" in ack)) throw new Error(`send refused: ${JSON.stringify(ack)}`);
    return ack.data.id;
  }

  /** A private channel of alice's with bob in it. */
  async function secretWithBob(alice: TestClient): Promise<void> {
    expect(await alice.request("channel:create", { name: SECRET, visibility: "private" })).toMatchObject({
      data: { channel: { name: SECRET, visibility: "private" } },
    });
    expect(await alice.request("channel:invite", { channel: SECRET, username: "bob" })).toMatchObject({ data: { member: { username: "bob" } } });
  }

  /** Sends a message to general and waits until `receivers` have it: everything sent before it has been delivered. */
  async function fence(sender: TestClient, receivers: TestClient[]): Promise<void> {
    const id = await send(sender, "general", "fence");
    await waitFor(() => receivers.every((r) => r.messages.has(id)), 5_000, "the fence message");
  }

  describe("a private channel", () => {
    beforeEach(() => startServer());

    it("reaches its members only: not a non-member, a guest, nor a non-member's token, on any path", async () => {
      const alice = await as("alice");
      const bob = await as("bob");
      const carol = await as("carol");
      const guest = client();
      const token = (await http.createToken(cookies.get("carol")!, "carol's bot")).body.token;
      const bot = client({ token });
      await Promise.all([guest.ready(), bot.ready()]);
      await secretWithBob(alice);
      await waitFor(() => bob.joined.some((channel) => channel.name === SECRET), 5_000, "bob to hear he joined");

      const sent = [await send(alice, SECRET, "s1"), await send(bob, SECRET, "s2")];
      await waitFor(() => sent.every((id) => alice.messages.has(id) && bob.messages.has(id)), 5_000, "the members to receive");
      await fence(alice, [carol, guest, bot]);
      for (const outsider of [carol, guest, bot]) expect(outsider.wire.filter((m) => m.channel === SECRET)).toEqual([]);

      // Lists, history, members, sending, inviting: refused or empty for everyone outside.
      for (const member of [alice, bob]) {
        const list = await member.request<{ channels: Channel[] }>("channel:list");
        expect(list.data!.channels.map((channel) => channel.name)).toEqual(["general", SECRET]);
      }
      for (const outsider of [carol, guest, bot]) {
        const list = await outsider.request<{ channels: Channel[] }>("channel:list");
        expect(list.data!.channels.map((channel) => channel.name)).not.toContain(SECRET);
        expect(await outsider.request("history:fetch", { channel: SECRET })).toMatchObject({ error: { code: "forbidden" } });
        expect(await outsider.request("channel:members", { channel: SECRET })).toMatchObject({ error: { code: "forbidden" } });
        expect(await outsider.send(SECRET, "let me in", `intrude-${Math.random()}`)).toMatchObject({ error: { code: "forbidden" } });
      }
      expect(await carol.request("channel:invite", { channel: SECRET, username: "carol" })).toMatchObject({ error: { code: "forbidden" } });
      expect(await carol.request("channel:join", { channel: SECRET })).toMatchObject({ error: { code: "forbidden" } });
      expect(await guest.request("channel:join", { channel: SECRET })).toMatchObject({ error: { code: "unauthorized" } });
      expect(await server.countMessages()).toBe(3);

      // Catch-up from before the channel existed: the outsider's replay holds general only.
      const later = await as("carol", { serverOffset: 1 });
      await fence(alice, [later]);
      expect(later.wire.every((m) => m.channel === "general")).toBe(true);
      // The members read it all.
      const bobAgain = await as("bob", { serverOffset: 1 });
      await fence(alice, [bobAgain]);
      expect(bobAgain.inChannel(SECRET).map((m) => m.id)).toEqual(sent);
      expect(await bob.request("history:fetch", { channel: SECRET })).toMatchObject({ data: { messages: [{ id: sent[0] }, { id: sent[1] }] } });
      expect(await bob.request("channel:members", { channel: SECRET })).toMatchObject({
        data: { members: [{ username: "alice" }, { username: "bob" }] },
      });
    });

    it("appears for an added member at once, with its new messages live and its history on request", async () => {
      const alice = await as("alice");
      const bob = await as("bob");
      expect(await alice.request("channel:create", { name: SECRET, visibility: "private" })).toMatchObject({ data: {} });
      const before = await send(alice, SECRET, "before bob");
      await fence(alice, [bob]);
      expect(bob.inChannel(SECRET)).toEqual([]);

      await alice.request("channel:invite", { channel: SECRET, username: "bob" });
      await waitFor(() => bob.joined.some((channel) => channel.name === SECRET && channel.visibility === "private"), 5_000, "channel:joined");
      const after = await send(alice, SECRET, "after bob");
      await waitFor(() => bob.messages.has(after), 5_000, "the first message after the invitation");
      expect(bob.inChannel(SECRET).map((m) => m.id)).toEqual([after]);
      expect(await bob.request("history:fetch", { channel: SECRET })).toMatchObject({ data: { messages: [{ id: before }, { id: after }] } });
    });

    it("refuses a removed member's writes as soon as the removal is acknowledged", async () => {
      const alice = await as("alice");
      const bob = await as("bob");
      await secretWithBob(alice);
      await waitFor(() => bob.joined.length === 1, 5_000, "bob to join");
      // Bob writes first, so that the server already holds his membership when he writes again.
      const mine = await send(bob, SECRET, "bob was here");
      expect(await bob.react(mine, "👍", `bob-react-${Math.random()}`)).toMatchObject({ data: { duplicate: false } });

      expect(await alice.request("channel:remove", { channel: SECRET, username: "bob" })).toMatchObject({ data: { username: "bob" } });
      // Without waiting for channel:left: the refusal must not depend on the notice having arrived.
      expect(await bob.send(SECRET, "still here?", `bob-late-${Math.random()}`)).toMatchObject({ error: { code: "forbidden" } });
      expect(await bob.react(mine, "🎉", `bob-late-react-${Math.random()}`)).toMatchObject({ error: { code: "unknown_message" } });
      expect(await bob.edit(mine, "edited after", `bob-late-edit-${Math.random()}`)).toMatchObject({ error: { code: "unknown_message" } });
      expect((await alice.request<{ messages: { id: number }[] }>("history:fetch", { channel: SECRET })).data!.messages.map((m) => m.id)).toEqual([
        mine,
      ]);
    });

    it("sends a removed member nothing more: not live, not through recovery, not in a catch-up", async () => {
      proxy = await startTcpProxy(server.port);
      const alice = await as("alice");
      const bob = await as("bob", { via: proxy.url });
      await secretWithBob(alice);
      await waitFor(() => bob.joined.length === 1, 5_000, "bob to join");
      const allowed = await send(alice, SECRET, "while bob is in");
      await waitFor(() => bob.messages.has(allowed), 5_000, "bob to receive");

      // Live.
      expect(await alice.request("channel:remove", { channel: SECRET, username: "bob" })).toMatchObject({ data: { username: "bob" } });
      await waitFor(() => bob.left.includes(SECRET), 5_000, "channel:left");
      const live = await send(alice, SECRET, "after the removal");
      await fence(alice, [bob]);
      expect(bob.messages.has(live)).toBe(false);

      // A short blip that Socket.IO recovers (on one instance): still nothing.
      proxy.pause();
      proxy.cut();
      await waitFor(() => !bob.socket.connected, 5_000, "the cut");
      const duringBlip = await send(alice, SECRET, "during the blip");
      proxy.resume();
      await bob.ready(2);
      await fence(alice, [bob]);
      expect(bob.messages.has(duringBlip)).toBe(false);

      // A catch-up from before the removal: nothing of the channel any more.
      const later = await as("bob", { serverOffset: 1 });
      await fence(alice, [later]);
      expect(later.inChannel(SECRET)).toEqual([]);
      expect(await later.request("history:fetch", { channel: SECRET })).toMatchObject({ error: { code: "forbidden" } });
      expect((await later.request<{ channels: Channel[] }>("channel:list")).data!.channels.map((c) => c.name)).not.toContain(SECRET);
    });
  });

  describe("member lists", () => {
    beforeEach(() => startServer());

    it("name the channel's owner, so that a client knows who may remove members", async () => {
      const alice = await as("alice");
      const bob = await as("bob");
      await secretWithBob(alice);
      for (const reader of [alice, bob]) {
        expect((await reader.request<{ members: Member[] }>("channel:members", { channel: SECRET })).data!.members).toEqual([
          expect.objectContaining({ username: "alice", role: "owner" }),
          expect.objectContaining({ username: "bob", role: "member" }),
        ]);
      }
      expect(await bob.request("channel:create", { name: "open-plan" })).toMatchObject({ data: {} });
      expect(await alice.request("channel:join", { channel: "open-plan" })).toMatchObject({ data: {} });
      expect((await alice.request<{ members: Member[] }>("channel:members", { channel: "open-plan" })).data!.members).toEqual([
        expect.objectContaining({ username: "bob", role: "owner" }),
        expect.objectContaining({ username: "alice", role: "member" }),
      ]);
    });

    it("of general are every account, by username (what @ suggests there)", async () => {
      const carol = await as("carol");
      expect((await carol.request<{ members: Member[] }>("channel:members", { channel: "general" })).data!.members.map((m) => m.username)).toEqual([
        "alice",
        "bob",
        "carol",
      ]);
    });
  });

  describe("a removal racing a catch-up", () => {
    let reads: GatedReads;
    beforeEach(async () => {
      reads = gateReads();
      // A window too small to hold the backlog: the replay must read the store, and waits at the gate.
      await startServer({ deliveryWindowSize: 2, replayBatchSize: 5, wrapStore: (store) => reads.wrap(store) });
    });

    it("replays nothing of the channel once the member is removed mid-replay", async () => {
      reads.open();
      const alice = await as("alice");
      await secretWithBob(alice);
      const start = await send(alice, "general", "start");
      for (let i = 0; i < 20; i++) await send(alice, SECRET, `old ${i}`);
      for (let i = 0; i < 5; i++) await send(alice, "general", `general ${i}`);

      // Bob comes back from before all that; his replay waits at the gate while alice removes him.
      reads.close();
      const bob = client({ cookie: cookies.get("bob")!, serverOffset: start });
      await reads.waiting();
      expect(await alice.request("channel:remove", { channel: SECRET, username: "bob" })).toMatchObject({ data: {} });
      const after = await send(alice, SECRET, "after the removal");
      reads.open();
      await bob.ready();
      await fence(alice, [bob]);
      expect(bob.inChannel(SECRET)).toEqual([]);
      expect(bob.messages.has(after)).toBe(false);
      expect(bob.inChannel("general").length).toBeGreaterThanOrEqual(6);
    });
  });

  describe("direct messages", () => {
    beforeEach(() => startServer());

    it("opens the same DM for the same people, for both at once; nobody else reads it; a participant may leave and come back", async () => {
      const alice = await as("alice");
      const bob = await as("bob");
      const carol = await as("carol");
      const opened = await alice.request<{ channel: Channel }>("dm:open", { usernames: ["bob"] });
      const dm = opened.data!.channel;
      expect(dm).toMatchObject({ visibility: "dm", members: [{ username: "alice" }, { username: "bob" }] });
      expect(dm.name).toMatch(/^dm:/);
      expect((await bob.request<{ channel: Channel }>("dm:open", { usernames: ["ALICE"] })).data!.channel.name).toBe(dm.name);
      await waitFor(() => bob.joined.some((channel) => channel.name === dm.name), 5_000, "bob to see the DM");
      expect(bob.joined.find((channel) => channel.name === dm.name)!.members!.map((m) => m.username)).toEqual(["alice", "bob"]);

      const hello = await send(alice, dm.name, "hello bob");
      await waitFor(() => bob.messages.has(hello), 5_000, "bob to read the DM");
      await fence(alice, [carol]);
      expect(carol.inChannel(dm.name)).toEqual([]);
      expect(await carol.request("history:fetch", { channel: dm.name })).toMatchObject({ error: { code: "forbidden" } });
      expect(await alice.request("channel:invite", { channel: dm.name, username: "carol" })).toMatchObject({ error: { code: "forbidden" } });
      expect(await alice.request("channel:remove", { channel: dm.name, username: "bob" })).toMatchObject({ error: { code: "forbidden" } });

      expect(await bob.request("channel:leave", { channel: dm.name })).toMatchObject({ data: { channel: dm.name } });
      await waitFor(() => bob.left.includes(dm.name), 5_000, "bob to leave");
      const unread = await send(alice, dm.name, "are you there?");
      await fence(alice, [bob]);
      expect(bob.messages.has(unread)).toBe(false);
      await bob.request("dm:open", { usernames: ["alice"] });
      const back = await send(alice, dm.name, "welcome back");
      await waitFor(() => bob.messages.has(back), 5_000, "bob back in the DM");
    });

    it("refuses guests, unknown usernames and groups over eight", async () => {
      const alice = await as("alice");
      const guest = client();
      await guest.ready();
      expect(await guest.request("dm:open", { usernames: ["alice"] })).toMatchObject({ error: { code: "unauthorized" } });
      expect(await guest.request("channel:create", { name: "mine", visibility: "private" })).toMatchObject({ error: { code: "unauthorized" } });
      expect(await alice.request("dm:open", { usernames: ["nobody-here"] })).toMatchObject({ error: { code: "unknown_user" } });
      expect(await alice.request("dm:open", { usernames: ["alice"] })).toMatchObject({ error: { code: "invalid_payload" } });
      expect(await alice.request("dm:open", { usernames: Array.from({ length: 8 }, (_, i) => `user${i}`) })).toMatchObject({
        error: { code: expect.stringMatching(/invalid_payload|unknown_user/) },
      });
      expect(await alice.request("channel:invite", { channel: "general", username: "nobody-here" })).toMatchObject({ error: {} });
    });
  });
});
