import { beforeEach, describe, expect, it } from "vitest";
import { testBackends, type TestServer } from "../support/test-server";
import { useRealtimeHarness } from "../support/harness";
import { waitFor } from "../support/test-client";

describe.each(testBackends())("on %s", (backend) => {
  let server: TestServer;

  const { start, client } = useRealtimeHarness();

  beforeEach(async () => {
    server = await start({ backend });
  });

  describe("message:send", () => {
    it("stores, broadcasts to everyone including the sender, then acknowledges with a numeric id", async () => {
      const alice = client({ name: "Alice" });
      const bob = client({ name: "Bob" });
      await Promise.all([alice.ready(), bob.ready()]);

      const ack = await alice.send("general", "hello", "alice-1");
      expect(ack).toEqual({ data: { id: expect.any(Number), duplicate: false } });
      const id = (ack as { data: { id: number } }).data.id;
      // The broadcast precedes the ack, so the sender's own copy is already there.
      expect(alice.messages.get(id)).toMatchObject({ id, channel: "general", content: "hello", clientOffset: "alice-1" });
      await waitFor(() => bob.messages.has(id));
      const received = bob.messages.get(id)!;
      expect(received.author.name).toBe("Alice");
      expect(typeof received.author.id).toBe("string");
      expect(new Date(received.createdAt).toISOString()).toBe(received.createdAt);
    });

    it("stores a retried clientOffset once, broadcasts it once and acknowledges the original id", async () => {
      const alice = client();
      const bob = client();
      await Promise.all([alice.ready(), bob.ready()]);

      const first = await alice.send("general", "once", "retry-me");
      const second = await alice.send("general", "once", "retry-me");
      const fromOtherSocket = await bob.send("general", "once", "retry-me");
      const id = (first as { data: { id: number } }).data.id;
      expect(second).toEqual({ data: { id, duplicate: true } });
      expect(fromOtherSocket).toEqual({ data: { id, duplicate: true } });

      // A later message proves the broadcasts of the duplicates would have arrived by now.
      const marker = await alice.send("general", "marker", "marker-1");
      const markerId = (marker as { data: { id: number } }).data.id;
      await waitFor(() => bob.messages.has(markerId));
      expect(bob.wire.filter((m) => m.clientOffset === "retry-me")).toHaveLength(1);
      expect(alice.wire.filter((m) => m.clientOffset === "retry-me")).toHaveLength(1);
      expect(await server.countMessages("retry-me")).toBe(1);
    });

    it("acknowledges a burst of concurrent duplicates with one id", async () => {
      const alice = client();
      await alice.ready();
      const acks = await Promise.all(Array.from({ length: 20 }, () => alice.send("general", "same", "burst-1")));
      const ids = new Set(acks.map((a) => (a as { data: { id: number } }).data.id));
      expect(ids.size).toBe(1);
      expect(acks.filter((a) => (a as { data: { duplicate: boolean } }).data.duplicate === false)).toHaveLength(1);
      expect(await server.countMessages("burst-1")).toBe(1);
    });

    it("takes the author from the server, never from the payload", async () => {
      const mallory = client({ name: "Mallory" });
      await mallory.ready();
      const ack = await mallory.emitRaw("message:send", {
        channel: "general",
        content: "I am Alice",
        clientOffset: "forge-1",
        author: { id: "alice", name: "Alice" },
        authorId: "alice",
      });
      const id = (ack as { data: { id: number } }).data.id;
      const stored = mallory.messages.get(id)!;
      expect(stored.author.name).toBe("Mallory");
      expect(stored.author.id).not.toBe("alice");
      expect(stored.author.id).toBe(mallory.sessions[0]!.user.id);
    });

    describe("rejects invalid input with a stable code and stores nothing", () => {
      const cases: Array<[string, unknown[], string]> = [
        ["a payload that is not an object", ["hello"], "invalid_payload"],
        ["a missing content", [{ channel: "general", clientOffset: "x1" }], "invalid_payload"],
        ["content of the wrong type", [{ channel: "general", content: 42, clientOffset: "x2" }], "invalid_payload"],
        ["a missing clientOffset", [{ channel: "general", content: "hi" }], "invalid_client_offset"],
        ["a numeric clientOffset", [{ channel: "general", content: "hi", clientOffset: 7 }], "invalid_client_offset"],
        ["an empty clientOffset", [{ channel: "general", content: "hi", clientOffset: "" }], "invalid_client_offset"],
        ["a clientOffset with spaces", [{ channel: "general", content: "hi", clientOffset: "a b" }], "invalid_client_offset"],
        ["an over-long clientOffset", [{ channel: "general", content: "hi", clientOffset: "a".repeat(129) }], "invalid_client_offset"],
        ["empty content", [{ channel: "general", content: "", clientOffset: "x3" }], "content_empty"],
        ["whitespace-only content", [{ channel: "general", content: " \n\t ", clientOffset: "x4" }], "content_empty"],
        ["content of 4,001 characters", [{ channel: "general", content: "a".repeat(4001), clientOffset: "x5" }], "content_too_long"],
        ["content of 100,000 characters", [{ channel: "general", content: "a".repeat(100_000), clientOffset: "x6" }], "content_too_long"],
        ["an unknown channel", [{ channel: "nope", content: "hi", clientOffset: "x7" }], "unknown_channel"],
        ["a channel that is not a string", [{ channel: ["general"], content: "hi", clientOffset: "x8" }], "invalid_payload"],
        ["a lone surrogate", [{ channel: "general", content: "bad \uD800 text", clientOffset: "x9" }], "invalid_content"],
      ];
      it.each(cases)("%s", async (_label, args, code) => {
        const alice = client();
        await alice.ready();
        const ack = (await alice.emitRaw("message:send", ...args)) as { error?: { code: string; message: string } };
        expect(ack.error?.code).toBe(code);
        expect(typeof ack.error?.message).toBe("string");
        expect(await server.countMessages()).toBe(0);
      });
    });

    it("accepts exactly 4,000 characters, counting an emoji as one", async () => {
      const alice = client();
      await alice.ready();
      const ack = await alice.send("general", "😀".repeat(4000), "long-ok");
      expect(ack).toEqual({ data: { id: expect.any(Number), duplicate: false } });
    });

    it("answers an unknown event that expects an ack with unknown_event", async () => {
      const alice = client();
      await alice.ready();
      expect(await alice.emitRaw("message:explode", { id: 1 })).toEqual({
        error: { code: "unknown_event", message: expect.any(String) },
      });
      // Without an ack it is ignored, and the connection stays usable.
      (alice.socket as unknown as { emit(event: string): void }).emit("nonsense");
      expect(await alice.send("general", "still here", "after-unknown")).toMatchObject({ data: { duplicate: false } });
    });
  });
});
