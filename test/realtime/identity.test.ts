import { beforeEach, describe, expect, it } from "vitest";
import { SESSION_COOKIE } from "../../lib/server/identity/session-cookie";
import { testBackends, type TestServer } from "../support/test-server";
import { useRealtimeHarness } from "../support/harness";

describe.each(testBackends())("on %s", (backend) => {
  let server: TestServer;

  const { start, client } = useRealtimeHarness();

  beforeEach(async () => {
    server = await start({ backend });
  });

  describe("identity", () => {
    it("identifies a browser by its signed session cookie across connections", async () => {
      const cookie = `${SESSION_COOKIE}=${encodeURIComponent(server.signer.sign("u_abcdefghijklmnop"))}`;
      const first = client({ cookie, name: "Alice" });
      const second = client({ cookie, name: "Alice again" });
      await Promise.all([first.ready(), second.ready()]);
      expect(first.sessions[0]!.user).toEqual({ id: "u_abcdefghijklmnop", name: "Alice", username: null });
      expect(second.sessions[0]!.user).toEqual({ id: "u_abcdefghijklmnop", name: "Alice again", username: null });
    });

    it("treats a forged or tampered cookie as no cookie: a fresh guest", async () => {
      const signed = server.signer.sign("u_abcdefghijklmnop");
      const tampered = `${SESSION_COOKIE}=${encodeURIComponent(signed.replace("u_abcdefghijklmnop", "u_zzzzzzzzzzzzzzzz"))}`;
      const unsigned = `${SESSION_COOKIE}=u_abcdefghijklmnop`;
      const a = client({ cookie: tampered });
      const b = client({ cookie: unsigned });
      await Promise.all([a.ready(), b.ready()]);
      for (const c of [a, b]) {
        expect(c.sessions[0]!.user.id).toMatch(/^guest_/);
        expect(c.sessions[0]!.user.name).toMatch(/^Guest /);
      }
      expect(a.sessions[0]!.user.id).not.toBe(b.sessions[0]!.user.id);
    });

    it("validates display names and lets a client change its own", async () => {
      const blank = client({ name: "   " });
      const long = client({ name: "x".repeat(33) });
      await Promise.all([blank.ready(), long.ready()]);
      expect(blank.sessions[0]!.user.name).toMatch(/^Guest /);
      expect(long.sessions[0]!.user.name).toMatch(/^Guest /);

      const id = blank.sessions[0]!.user.id;
      expect(await blank.emitRaw("profile:update", { name: "  Carol  " })).toEqual({ data: { user: { id, name: "Carol" } } });
      expect(await blank.emitRaw("profile:update", { name: "" })).toMatchObject({ error: { code: "invalid_name" } });
      const ack = (await blank.send("general", "hi", "carol-1")) as { data: { id: number } };
      expect(blank.messages.get(ack.data.id)!.author).toEqual({ id, name: "Carol" });
    });

    it("refuses a handshake whose serverOffset is not a non-negative integer", async () => {
      const bad = client({ socketOptions: { auth: { serverOffset: "12" }, reconnection: false } });
      const error = await new Promise<Error & { data?: unknown }>((resolve) => bad.socket.once("connect_error", resolve));
      expect(error.message).toBe("invalid_handshake");
      expect(error.data).toMatchObject({ code: "invalid_payload" });
    });
  });
});
