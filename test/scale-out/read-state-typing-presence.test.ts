/**
 * Read state, typing and presence on two instances sharing one PostgreSQL database and one Redis (issue 16): a read
 * on one instance reaches the identity's connections on the other, counts after a catch-up on either are the same,
 * typing crosses instances and stays in its channel's audience, and presence follows a connection from instance to
 * instance — and, for an instance killed with SIGKILL, lapses to offline without any goodbye.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { accountsHttp } from "../support/accounts-http";
import { spawnInstance, type InstanceProcess } from "../support/instance-process";
import { TestClient, waitFor } from "../support/test-client";
import { clusterSkipReason, createTestCluster, startTestServer, type TestCluster, type TestServer } from "../support/test-server";

const skipReason = clusterSkipReason();

describe.skipIf(skipReason !== null)(`read state, typing and presence across instances${skipReason ? ` (SKIPPED: ${skipReason})` : ""}`, () => {
  let cluster: TestCluster;
  let a: TestServer;
  let b: TestServer;
  const cookies = new Map<string, string>();
  const clients: TestClient[] = [];
  const killed: InstanceProcess[] = [];

  async function as(name: string, url: string, serverOffset?: number): Promise<TestClient> {
    const c = new TestClient(url, { cookie: cookies.get(name)!, serverOffset });
    clients.push(c);
    await c.ready();
    return c;
  }

  async function send(sender: TestClient, channel: string, content: string): Promise<number> {
    const ack = await sender.send(channel, content, `m-${Math.random().toString(36).slice(2)}`);
    if (!("data" in ack)) throw new Error(`send refused: ${JSON.stringify(ack)}`);
    return ack.data.id;
  }

  beforeAll(async () => {
    cluster = await createTestCluster();
    // Short presence renewals, so that a dead instance's entries lapse within the test's patience.
    const presence = { heartbeatMs: 200, ttlMs: 1_000 };
    a = await startTestServer({ backend: "postgres", joinCluster: cluster, presence });
    b = await startTestServer({ backend: "postgres", joinCluster: cluster, presence });
    const http = accountsHttp(a.url);
    for (const name of ["alice", "bob", "carol"]) cookies.set(name, await http.account(name));
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const instance of killed.splice(0)) {
      instance.kill("SIGKILL");
      await instance.exited;
    }
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await cluster?.close();
  });

  it("tells an identity's connections on the other instance of a read and a mute, with the same counts", async () => {
    const bob = await as("bob", a.url);
    const laptop = await as("alice", a.url);
    const phone = await as("alice", b.url);
    const ids = [await send(bob, "general", "one @alice"), await send(bob, "general", "two"), await send(bob, "general", "three @channel")];
    await waitFor(() => ids.every((id) => phone.messages.has(id)), 10_000, "the messages on B");
    expect(phone.countsOf("general")).toMatchObject({ unread: 3, mentions: 2 });

    expect(await laptop.request("read:mark", { channel: "general", upTo: ids[1] })).toEqual({ data: { channel: "general", readUpTo: ids[1] } });
    await waitFor(() => phone.countsOf("general")?.readUpTo === ids[1], 10_000, "the read on B");
    expect(phone.countsOf("general")).toEqual({ readUpTo: ids[1], unread: 1, mentions: 1, muted: false });
    await phone.request("channel:mute", { channel: "general", muted: true });
    await waitFor(() => laptop.countsOf("general")?.muted === true, 10_000, "the mute on A");

    // Caught up from an older offset, on either instance: the same counts.
    const later = await send(bob, "general", "four");
    for (const url of [a.url, b.url]) {
      const returning = await as("alice", url, ids[0]);
      await waitFor(() => returning.messages.has(later), 10_000, "the catch-up");
      expect(returning.countsOf("general")).toEqual({ readUpTo: ids[1], unread: 2, mentions: 1, muted: true });
    }
  });

  it("sends fresh counts to readers on the other instance when a message is deleted or an edit changes its mentions", async () => {
    const bob = await as("bob", a.url);
    expect(await bob.request("channel:create", { name: "notices" })).toMatchObject({ data: {} });
    const laptop = await as("carol", a.url);
    const phone = await as("carol", b.url);
    const ping = await send(bob, "notices", "@carol ping");
    const plain = await send(bob, "notices", "plain");
    await waitFor(() => [laptop, phone].every((c) => c.messages.has(plain)), 10_000, "the messages on both instances");
    for (const carol of [laptop, phone]) expect(carol.countsOf("notices")).toEqual({ readUpTo: 0, unread: 2, mentions: 1, muted: false });

    expect(await bob.delete(ping, `delete-${ping}`)).toMatchObject({ data: { duplicate: false } });
    for (const carol of [laptop, phone]) {
      await waitFor(() => carol.countsOf("notices")?.unread === 1, 10_000, "the counts after the delete");
      expect(carol.countsOf("notices")).toEqual({ readUpTo: 0, unread: 1, mentions: 0, muted: false });
    }
    expect(await bob.edit(plain, "plain, @carol", `edit-${plain}`)).toMatchObject({ data: { duplicate: false } });
    for (const carol of [laptop, phone]) await waitFor(() => carol.countsOf("notices")?.mentions === 1, 10_000, "the mention the edit added");
    const returning = await as("carol", b.url);
    expect(returning.countsOf("notices")).toEqual({ readUpTo: 0, unread: 1, mentions: 1, muted: false });
  });

  it("carries typing to the other instance, to the channel's readers only", async () => {
    const alice = await as("alice", a.url);
    const bob = await as("bob", b.url);
    const carol = await as("carol", b.url);
    await alice.request("channel:create", { name: "backroom", visibility: "private" });
    await alice.request("channel:invite", { channel: "backroom", username: "bob" });
    await waitFor(() => bob.joined.some((c) => c.name === "backroom"), 10_000, "bob in the channel");
    await alice.request("typing:start", { channel: "backroom" });
    await alice.request("typing:stop", { channel: "backroom" });
    await waitFor(() => bob.typing.length === 2, 10_000, "bob to see alice type on A");
    expect(bob.typing.map((t) => [t.channel, t.user.name, t.typing])).toEqual([
      ["backroom", "alice", true],
      ["backroom", "alice", false],
    ]);
    const fence = await send(alice, "general", "fence");
    await waitFor(() => carol.messages.has(fence), 10_000, "the fence on B");
    expect(carol.typing).toEqual([]);
  });

  it("follows a connection across instances, and turns offline the users of an instance killed with SIGKILL", async () => {
    const env = {
      DATABASE_URL: cluster.database.url,
      REDIS_URL: cluster.redisUrl,
      REDIS_KEY_PREFIX: cluster.keyPrefix,
      PRESENCE_HEARTBEAT_MS: "200",
      PRESENCE_TTL_MS: "1000",
    };
    const doomed = await spawnInstance(env);
    killed.push(doomed);
    const bob = await as("bob", a.url);
    const alice = await as("alice", doomed.url);
    const aliceId = alice.sessions[0]!.user.id;
    const lastOf = (watcher: TestClient) => watcher.presence.filter((p) => p.userId === aliceId).at(-1)?.state;
    await waitFor(() => lastOf(bob) === "online", 10_000, "alice online, seen from A");
    await alice.request("presence:set", { state: "away" });
    await waitFor(() => lastOf(bob) === "away", 10_000, "alice away, seen from A");

    doomed.kill("SIGKILL");
    await doomed.exited;
    await waitFor(() => lastOf(bob) === "offline", 30_000, "alice offline once the dead instance's entries lapse");
    expect(await bob.request("presence:list", { userIds: [aliceId] })).toEqual({ data: { presence: [{ userId: aliceId, state: "offline" }] } });

    // She comes back on B; A's connections hear it, and A's list agrees.
    const back = await as("alice", b.url);
    await waitFor(() => lastOf(bob) === "online", 10_000, "alice online again, on B");
    back.close();
    await waitFor(() => lastOf(bob) === "offline", 10_000, "alice gone from B");
  });
});
