/**
 * Presence (issue 16) on one instance and within one cluster instance: online while a connection is active, away
 * when every connection is away, offline when the last one goes — pushed to every live connection, listed on
 * request, and never left behind by a dropped or recovered connection. Two instances and an instance killed with
 * SIGKILL: test/scale-out/presence.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { PresenceNotice } from "../../lib/shared/dto";
import { accountsHttp } from "../support/accounts-http";
import { useRealtimeHarness } from "../support/harness";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy";
import { waitFor, type TestClient } from "../support/test-client";
import { testBackends, type TestServer } from "../support/test-server";

describe.each(testBackends())("on %s", (backend) => {
  let server: TestServer;
  let proxy: TcpProxy | undefined;
  const { start, client, clientAt } = useRealtimeHarness();
  const cookies = new Map<string, string>();

  beforeEach(async () => {
    server = await start({ backend });
    const http = accountsHttp(server.url);
    for (const name of ["alice", "bob"]) cookies.set(name, await http.account(name));
  });

  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
  });

  async function as(name: string, via?: string): Promise<TestClient> {
    const c = via ? clientAt(via, { cookie: cookies.get(name)! }) : client({ cookie: cookies.get(name)! });
    await c.ready(c.sessions.length + 1);
    return c;
  }

  const idOf = (c: TestClient) => c.sessions[0]!.user.id;
  const lastOf = (watcher: TestClient, userId: string) => watcher.presence.filter((p) => p.userId === userId).at(-1)?.state;
  const list = async (asker: TestClient, userIds: unknown) => asker.request<{ presence: PresenceNotice[] }>("presence:list", { userIds });

  it("is online with an active connection, away when all are away, offline when the last goes", async () => {
    const bob = await as("bob");
    const laptop = await as("alice");
    const alice = idOf(laptop);
    await waitFor(() => lastOf(bob, alice) === "online", 5_000, "alice online");
    const phone = await as("alice");
    expect(await laptop.request("presence:set", { state: "away" })).toEqual({ data: { state: "away" } });
    // The phone is still active.
    expect(await list(bob, [alice])).toEqual({ data: { presence: [{ userId: alice, state: "online" }] } });
    phone.socket.emit("presence:set", { state: "away" });
    await waitFor(() => lastOf(bob, alice) === "away", 5_000, "alice away");
    await laptop.request("presence:set", { state: "active" });
    await waitFor(() => lastOf(bob, alice) === "online", 5_000, "alice back");
    // The away phone goes first: alice stays online until the active laptop goes too.
    const phoneId = phone.socket.id!;
    phone.close();
    await waitFor(() => !server.realtime.io.of("/").sockets.has(phoneId), 5_000, "the server to see the phone go");
    laptop.close();
    await waitFor(() => lastOf(bob, alice) === "offline", 5_000, "alice offline");
    expect(await list(bob, [alice, idOf(bob), "nobody"])).toEqual({
      data: {
        presence: [
          { userId: alice, state: "offline" },
          { userId: idOf(bob), state: "online" },
          { userId: "nobody", state: "offline" },
        ],
      },
    });
    expect(bob.presence.filter((p) => p.userId === alice).map((p) => p.state)).toEqual(["online", "away", "online", "offline"]);
  });

  it("gives a script guest (an id for one connection) no presence", async () => {
    const bob = await as("bob");
    const script = client();
    await script.ready();
    const scriptId = script.sessions[0]!.user.id;
    expect(await script.request("presence:set", { state: "away" })).toEqual({ data: { state: "away" } });
    const alice = await as("alice");
    await waitFor(() => lastOf(bob, idOf(alice)) === "online", 5_000, "alice online");
    expect(bob.presence.filter((p) => p.userId === scriptId)).toEqual([]);
    expect(await list(bob, [scriptId])).toEqual({ data: { presence: [{ userId: scriptId, state: "offline" }] } });
  });

  it("refuses bad input", async () => {
    const bob = await as("bob");
    expect(await bob.request("presence:set", { state: "busy" })).toMatchObject({ error: { code: "invalid_payload" } });
    expect(await list(bob, [])).toMatchObject({ error: { code: "invalid_payload" } });
    expect(
      await list(
        bob,
        Array.from({ length: 501 }, (_, i) => `u${i}`),
      ),
    ).toMatchObject({ error: { code: "invalid_payload" } });
    expect(await list(bob, "alice")).toMatchObject({ error: { code: "invalid_payload" } });
  });

  it("leaves no ghost after a drop, and is right again after a recovery or a fresh connection", async () => {
    proxy = await startTcpProxy(server.port);
    const bob = await as("bob");
    const alice = await as("alice", proxy.url);
    const aliceId = idOf(alice);
    await waitFor(() => lastOf(bob, aliceId) === "online", 5_000, "alice online");
    await alice.send("general", "so the session can be recovered", "recoverable");
    await alice.request("presence:set", { state: "away" });
    await waitFor(() => lastOf(bob, aliceId) === "away", 5_000, "alice away");

    proxy.pause();
    proxy.cut();
    await waitFor(() => lastOf(bob, aliceId) === "offline", 5_000, "the drop to make alice offline");
    proxy.resume();
    await alice.ready(2);
    // A new connection, recovered or not, starts active.
    await waitFor(() => lastOf(bob, aliceId) === "online", 5_000, "alice online again");
    expect(await list(bob, [aliceId])).toEqual({ data: { presence: [{ userId: aliceId, state: "online" }] } });
  });
});
