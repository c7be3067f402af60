/**
 * Typing indicators (issue 16): reach the others who may read the channel and nobody else, end on stop, on a send,
 * on a disconnect and by expiry, and are never stored or replayed. On SQLite and on PostgreSQL + Redis.
 */
import { beforeEach, describe, expect, it } from "vitest";
import type { TypingNotice } from "../../lib/shared/dto";
import { accountsHttp } from "../support/accounts-http";
import { useRealtimeHarness } from "../support/harness";
import { waitFor, type TestClient } from "../support/test-client";
import { testBackends, type StartTestServerOptions } from "../support/test-server";

describe.each(testBackends())("on %s", (backend) => {
  const { start, client } = useRealtimeHarness();
  const cookies = new Map<string, string>();

  async function startServer(options: StartTestServerOptions = {}) {
    const server = await start({ backend, ...options });
    const http = accountsHttp(server.url);
    for (const name of ["alice", "bob", "carol"]) cookies.set(name, await http.account(name));
  }

  async function as(name: string): Promise<TestClient> {
    const c = client({ cookie: cookies.get(name)! });
    await c.ready();
    return c;
  }

  /** A message from `sender` every reader has received: what was broadcast before it has arrived. */
  async function fence(sender: TestClient, readers: TestClient[]) {
    const ack = await sender.send("general", "fence", `fence-${Math.random()}`);
    if (!("data" in ack)) throw new Error("fence refused");
    await waitFor(() => readers.every((r) => r.messages.has(ack.data.id)), 5_000, "the fence");
  }

  const notice = (channel: string, name: string, typing: boolean) => ({
    channel,
    typing,
    user: expect.objectContaining({ name }) as unknown as TypingNotice["user"],
  });

  describe("with the default expiry", () => {
    beforeEach(() => startServer());

    it("tells the others, not the typist's own tabs, and ends on stop and on a send", async () => {
      const alice = await as("alice");
      const aliceElsewhere = await as("alice");
      const bob = await as("bob");
      expect(await alice.request("typing:start", { channel: "general" })).toEqual({ data: { channel: "general" } });
      await waitFor(() => bob.typing.length === 1, 5_000, "bob to see alice typing");
      expect(bob.typing[0]).toEqual(notice("general", "alice", true));
      expect(await alice.request("typing:stop", { channel: "general" })).toEqual({ data: { channel: "general" } });
      await waitFor(() => bob.typing.length === 2, 5_000, "the stop");
      expect(bob.typing[1]).toEqual(notice("general", "alice", false));

      // Sent without an ack, as a client would.
      alice.socket.emit("typing:start", { channel: "general" });
      await waitFor(() => bob.typing.length === 3, 5_000, "typing again");
      await alice.send("general", "done typing", "done-typing");
      await waitFor(() => bob.typing.length === 4, 5_000, "the send to end it");
      expect(bob.typing[3]).toEqual(notice("general", "alice", false));
      await fence(bob, [alice, aliceElsewhere]);
      expect(aliceElsewhere.typing).toEqual([]);
      expect(alice.typing).toEqual([]);
    });

    it("ends when the typist disconnects, and is never replayed to a connection that comes later", async () => {
      const alice = await as("alice");
      const bob = await as("bob");
      await alice.request("typing:start", { channel: "general" });
      await waitFor(() => bob.typing.length === 1, 5_000, "the start");
      const late = await as("carol");
      await fence(bob, [late]);
      expect(late.typing).toEqual([]);
      alice.close();
      await waitFor(() => bob.typing.length === 2 && late.typing.length === 1, 5_000, "the disconnect to end it");
      expect(late.typing).toEqual([notice("general", "alice", false)]);
    });

    it("stays inside a private channel, and refuses channels the typist may not read", async () => {
      const alice = await as("alice");
      const bob = await as("bob");
      const carol = await as("carol");
      const guest = client();
      await guest.ready();
      await alice.request("channel:create", { name: "secret", visibility: "private" });
      await alice.request("channel:invite", { channel: "secret", username: "bob" });
      await waitFor(() => bob.joined.some((c) => c.name === "secret"), 5_000, "bob in the channel");
      await alice.request("typing:start", { channel: "secret" });
      await waitFor(() => bob.typing.length === 1, 5_000, "bob to see it");
      expect(bob.typing[0]).toEqual(notice("secret", "alice", true));
      expect(await carol.request("typing:start", { channel: "secret" })).toMatchObject({ error: { code: "forbidden" } });
      expect(await guest.request("typing:start", { channel: "secret" })).toMatchObject({ error: { code: "forbidden" } });
      expect(await guest.request("typing:start", { channel: 42 })).toMatchObject({ error: { code: "invalid_payload" } });
      await alice.request("typing:stop", { channel: "secret" });
      await waitFor(() => bob.typing.length === 2, 5_000, "the stop");
      await fence(bob, [carol, guest]);
      expect(carol.typing).toEqual([]);
      expect(guest.typing).toEqual([]);
    });
  });

  it("expires after TYPING_EXPIRE_MS without a new start, which session:ready announces", async () => {
    await startServer({ typingExpireMs: 300 });
    const alice = await as("alice");
    const bob = await as("bob");
    expect(bob.sessions[0]!.limits.typingExpireMs).toBe(300);
    await alice.request("typing:start", { channel: "general" });
    await waitFor(() => bob.typing.length === 2, 5_000, "the indicator to expire");
    expect(bob.typing).toEqual([notice("general", "alice", true), notice("general", "alice", false)]);
  });
});
