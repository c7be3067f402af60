/**
 * Membership changes on two instances sharing one PostgreSQL database and one Redis stream: a change made on one
 * instance takes effect, on the other, exactly at its place in the log — a member removed on A receives nothing
 * sent after the removal through B, and a member added on A receives, on B, everything sent after the addition —
 * however the two instances' notifications interleave.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Channel } from "../../lib/shared/dto";
import { accountsHttp } from "../support/accounts-http";
import { TestClient, waitFor } from "../support/test-client";
import { clusterSkipReason, createTestCluster, startTestServer, type TestCluster, type TestServer } from "../support/test-server";

const skipReason = clusterSkipReason();

describe.skipIf(skipReason !== null)(`private channels across instances${skipReason ? ` (SKIPPED: ${skipReason})` : ""}`, () => {
  let cluster: TestCluster;
  let a: TestServer;
  let b: TestServer;
  const cookies = new Map<string, string>();
  const clients: TestClient[] = [];

  async function as(name: string, server: TestServer): Promise<TestClient> {
    const c = new TestClient(server.url, { cookie: cookies.get(name)! });
    clients.push(c);
    await c.ready();
    return c;
  }

  async function send(sender: TestClient, channel: string, content: string): Promise<number> {
    const ack = await sender.send(channel, content, `${content.replace(/\W+/g, "-")}-${Math.random().toString(36).slice(2)}`);
    if (!("data" in ack)) throw new Error(`send refused: ${JSON.stringify(ack)}`);
    return ack.data.id;
  }

  beforeAll(async () => {
    cluster = await createTestCluster();
    a = await startTestServer({ backend: "postgres", joinCluster: cluster });
    b = await startTestServer({ backend: "postgres", joinCluster: cluster });
    const http = accountsHttp(a.url);
    for (const name of ["alice", "bob", "carol"]) cookies.set(name, await http.account(name));
  });

  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await cluster?.close();
  });

  it("removes and adds members on one instance in log order on the other", async () => {
    const alice = await as("alice", a);
    const bob = await as("bob", b);
    const carol = await as("carol", b);
    expect(await alice.request<{ channel: Channel }>("channel:create", { name: "vault", visibility: "private" })).toMatchObject({ data: {} });
    await alice.request("channel:invite", { channel: "vault", username: "bob" });

    // Ten rounds, each without waiting between the membership changes and the sends that follow them.
    const bobShould: number[] = [];
    const carolShould: number[] = [];
    for (let round = 0; round < 10; round++) {
      const [removed, inviteCarol] = await Promise.all([
        alice.request("channel:remove", { channel: "vault", username: "bob" }),
        alice.request("channel:invite", { channel: "vault", username: "carol" }),
      ]);
      expect(removed).toMatchObject({ data: {} });
      expect(inviteCarol).toMatchObject({ data: {} });
      carolShould.push(await send(alice, "vault", `without bob ${round}`));
      await Promise.all([
        alice.request("channel:invite", { channel: "vault", username: "bob" }),
        alice.request("channel:remove", { channel: "vault", username: "carol" }),
      ]);
      const withBob = await send(alice, "vault", `with bob ${round}`);
      bobShould.push(withBob);
    }
    const marker = await send(alice, "general", "marker");
    await waitFor(() => bob.messages.has(marker) && carol.messages.has(marker), 10_000, "the marker on B");
    expect(bob.inChannel("vault").map((m) => m.id)).toEqual(bobShould);
    expect(carol.inChannel("vault").map((m) => m.id)).toEqual(carolShould);
    expect(bob.outOfOrder + carol.outOfOrder + bob.duplicates + carol.duplicates).toBe(0);
  });
});
