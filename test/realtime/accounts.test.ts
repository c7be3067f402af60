/**
 * Accounts end to end on the realtime server: sign-up and sign-in over the real HTTP API, then real sockets
 * presenting the session cookie or a personal access token — on SQLite and on PostgreSQL + Redis.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { trustEveryProxy } from "../../lib/server/http/trust-proxy";
import { SESSION_COOKIE } from "../../lib/server/identity/session-cookie";
import type { Identity } from "../../lib/shared/identity";
import { accountsHttp } from "../support/accounts-http";
import { useRealtimeHarness } from "../support/harness";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy";
import { TestClient, waitFor } from "../support/test-client";
import { testBackends, type StartTestServerOptions, type TestServer } from "../support/test-server";

type Refusal = Error & { data?: { code?: string; message?: string } };

function refusalOf(client: TestClient): Promise<Refusal> {
  return new Promise((resolve) => client.socket.once("connect_error", resolve));
}

function serverDisconnectOf(client: TestClient): Promise<string> {
  return new Promise((resolve) => client.socket.once("disconnect", resolve));
}

/** What the server holds for each connected socket (Socket.IO's public fetchSockets, across instances). */
async function identities(server: TestServer): Promise<Identity[]> {
  return (await server.realtime.io.fetchSockets()).map((socket) => socket.data.user);
}

describe.each(testBackends())("on %s", (backend) => {
  let server: TestServer;
  let http: ReturnType<typeof accountsHttp>;
  const { start, client, clientAt } = useRealtimeHarness();

  async function startServer(options: StartTestServerOptions = {}) {
    server = await start({ backend, ...options });
    http = accountsHttp(server.url);
  }

  describe("sign-up and sessions", () => {
    beforeEach(() => startServer());

    it("signs up with a username and a password; the session cookie is that account on any number of connections", async () => {
      const cookie = await http.account("alice");
      const laptop = client({ cookie });
      const phone = client({ cookie });
      await Promise.all([laptop.ready(), phone.ready()]);
      const alice = laptop.sessions[0]!.user;
      expect(alice).toEqual({ id: expect.any(String), name: "alice", username: "alice" });
      expect(phone.sessions[0]!.user).toEqual(alice);

      const ack = (await phone.send("general", "from my phone", "alice-1")) as { data: { id: number } };
      await waitFor(() => laptop.messages.has(ack.data.id));
      expect(laptop.messages.get(ack.data.id)!.author).toEqual({ id: alice.id, name: "alice" });
    });

    it("signs the same account in on two devices: two sessions, one identity", async () => {
      await http.account("alice", "correct horse");
      const first = await http.signIn("alice", "correct horse");
      const second = await http.signIn("ALICE", "correct horse");
      expect([first.status, second.status]).toEqual([200, 200]);
      expect(first.cookie).not.toBe(second.cookie);

      const a = client({ cookie: first.cookie! });
      const b = client({ cookie: second.cookie! });
      await Promise.all([a.ready(), b.ready()]);
      expect(a.sessions[0]!.user).toEqual(b.sessions[0]!.user);
      const listed = await http.sessions(first.cookie!);
      // The sign-up's own session, and the two sign-ins; the list never shows a session token.
      expect(listed.body.sessions).toHaveLength(3);
      expect(listed.body.sessions.filter((s) => s.current)).toHaveLength(1);
      expect(JSON.stringify(listed.body)).not.toContain(first.cookie!.split("=")[1]!.split(".")[0]!);
    });

    it("keeps usernames unique ignoring case and refuses bad usernames and short passwords with a reason", async () => {
      await http.account("alice");
      const taken = await http.signUp("Alice", "another password");
      expect(taken.status).toBe(400);
      expect(taken.body.message).toMatch(/already taken/i);
      for (const bad of ["al", "a".repeat(33), "al ice", "alice!", "élise"]) {
        const answer = await http.signUp(bad, "long enough");
        expect(answer.status, bad).toBe(400);
        expect(answer.body.message).toMatch(/3-32 characters/);
      }
      const short = await http.signUp("bob", "1234567");
      expect(short.status).toBe(400);
      expect(short.body.message).toMatch(/at least 8 characters/);
      expect(await server.rows("SELECT username, name, role FROM users")).toEqual([{ username: "alice", name: "alice", role: "admin" }]);
    });

    it("serves no way around the username sign-in: no sign-in by email, no change of username", async () => {
      const cookie = await http.account("alice", "password1");
      const post = (path: string, body: unknown) =>
        fetch(`${server.url}/api/auth${path}`, {
          method: "POST",
          headers: { origin: server.url, cookie, "content-type": "application/json" },
          body: JSON.stringify(body),
        });
      expect((await post("/sign-in/email", { email: "alice@users.tether.invalid", password: "password1" })).status).toBe(404);
      expect((await post("/update-user", { username: "mallory" })).status).toBe(404);
      expect((await fetch(`${server.url}/api/auth/list-sessions`, { headers: { cookie } })).status).toBe(404);
      expect(await server.rows("SELECT username FROM users")).toEqual([{ username: "alice" }]);
    });

    it("makes the first account the workspace admin, and nobody after it", async () => {
      const first = client({ cookie: await http.account("first") });
      const second = client({ cookie: await http.account("second") });
      const guest = client();
      await Promise.all([first.ready(), second.ready(), guest.ready()]);
      const byName = new Map((await identities(server)).map((identity) => [identity.name, identity]));
      expect(byName.get("first")).toMatchObject({ kind: "account", username: "first", isAdmin: true });
      expect(byName.get("second")).toMatchObject({ kind: "account", username: "second", isAdmin: false });
      expect([...byName.values()].find((identity) => identity.kind === "guest")).toMatchObject({ username: null, isAdmin: false });
    });

    it("makes exactly one admin when the first sign-ups race", async () => {
      const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => http.signUp(`racer${i}`, "password1")));
      expect(answers.map((answer) => answer.status)).toEqual(Array(8).fill(200));
      expect(await server.rows("SELECT username FROM users WHERE role = 'admin'")).toHaveLength(1);
    });

    it("keeps an account's display name separate from its username, and persists a change", async () => {
      const cookie = await http.account("alice");
      const first = client({ cookie, name: "Not Me" });
      await first.ready();
      // The handshake may suggest a guest's name only: an account's comes from the server.
      expect(first.sessions[0]!.user).toMatchObject({ name: "alice", username: "alice" });
      expect(await first.emitRaw("profile:update", { name: "Alice Liddell" })).toEqual({
        data: { user: { id: first.sessions[0]!.user.id, name: "Alice Liddell" } },
      });

      const later = client({ cookie });
      await later.ready();
      expect(later.sessions[0]!.user).toEqual({ id: first.sessions[0]!.user.id, name: "Alice Liddell", username: "alice" });
    });

    it("signs out one session: its sockets are closed, the account's other sessions stay", async () => {
      const cookie = await http.account("alice", "password1");
      const other = (await http.signIn("alice", "password1")).cookie!;
      const leaving = client({ cookie });
      const staying = client({ cookie: other });
      await Promise.all([leaving.ready(), staying.ready()]);

      const closed = serverDisconnectOf(leaving);
      expect((await http.signOut(cookie)).status).toBe(200);
      expect(await closed).toBe("io server disconnect");
      expect(staying.socket.connected).toBe(true);
      // The ended session is nobody now: with guests allowed, that cookie alone makes a guest.
      const after = client({ cookie });
      await after.ready();
      expect(after.sessions[0]!.user.username).toBeNull();
    });

    it("signs out everywhere: every session's sockets close, tokens stay", async () => {
      const cookie = await http.account("alice", "password1");
      const other = (await http.signIn("alice", "password1")).cookie!;
      const token = (await http.createToken(cookie, "bot")).body.token;
      const laptop = client({ cookie });
      const phone = client({ cookie: other });
      const bot = client({ token });
      await Promise.all([laptop.ready(), phone.ready(), bot.ready()]);

      const closed = [serverDisconnectOf(laptop), serverDisconnectOf(phone)];
      expect((await http.signOutEverywhere(cookie)).status).toBe(200);
      expect(await Promise.all(closed)).toEqual(["io server disconnect", "io server disconnect"]);
      expect((await http.sessions(other)).status).toBe(401);
      expect(bot.socket.connected).toBe(true);
    });
  });

  describe("identity never comes from the payload", () => {
    beforeEach(() => startServer());

    it("ignores ids, usernames and authors a client claims in the handshake or in a message", async () => {
      const cookie = await http.account("alice");
      const alice = client({ cookie });
      await alice.ready();
      const aliceId = alice.sessions[0]!.user.id;

      const mallory = client({
        socketOptions: {
          auth: { serverOffset: 0, name: "Mallory", id: aliceId, userId: aliceId, username: "alice", kind: "account", isAdmin: true },
        },
      });
      await mallory.ready();
      expect(mallory.sessions[0]!.user).toMatchObject({ name: "Mallory", username: null });
      expect(mallory.sessions[0]!.user.id).not.toBe(aliceId);

      const ack = (await mallory.emitRaw("message:send", {
        channel: "general",
        content: "I am alice",
        clientOffset: "mallory-1",
        author: { id: aliceId, name: "alice" },
      })) as { data: { id: number } };
      await waitFor(() => alice.messages.has(ack.data.id));
      expect(alice.messages.get(ack.data.id)!.author).toEqual({ id: mallory.sessions[0]!.user.id, name: "Mallory" });
      const mine = (await identities(server)).find((identity) => identity.name === "Mallory");
      expect(mine).toMatchObject({ kind: "guest", isAdmin: false, username: null });
    });
  });

  describe("personal access tokens", () => {
    beforeEach(() => startServer());

    it("connects a script as the token's account, with the same identity; revoking it closes the connection and refuses it after", async () => {
      const cookie = await http.account("alice");
      const created = await http.createToken(cookie, "deploy bot");
      expect(created.status).toBe(200);
      const { token, accessToken } = created.body;
      expect(token).toMatch(/^tether_pat_/);

      const browser = client({ cookie });
      const bot = client({ token });
      await Promise.all([browser.ready(), bot.ready()]);
      expect(bot.sessions[0]!.user).toEqual(browser.sessions[0]!.user);
      const ack = (await bot.send("general", "deployed", "bot-1")) as { data: { id: number } };
      await waitFor(() => browser.messages.has(ack.data.id));
      expect(browser.messages.get(ack.data.id)!.author).toEqual({ id: browser.sessions[0]!.user.id, name: "alice" });

      // Listed without its secret, then revoked.
      const listed = await http.tokens(cookie);
      expect(listed.body.tokens).toEqual([expect.objectContaining({ id: accessToken.id, name: "deploy bot", lastUsedAt: expect.any(String) })]);
      expect(JSON.stringify(listed.body)).not.toContain(token);
      const closed = serverDisconnectOf(bot);
      expect((await http.revokeToken(cookie, accessToken.id)).status).toBe(200);
      expect(await closed).toBe("io server disconnect");
      expect(browser.socket.connected).toBe(true);

      const refused = refusalOf(bot);
      bot.socket.connect();
      expect((await refused).data).toMatchObject({ code: "unauthorized" });
      const again = client({ token });
      expect((await refusalOf(again)).data).toMatchObject({ code: "unauthorized" });
      expect(await server.countMessages()).toBe(1);
    });

    it("refuses a malformed or unknown token even though guests are allowed", async () => {
      for (const token of ["nope", `tether_pat_${"A".repeat(43)}`, 42, { $ne: null }]) {
        const c = client({ socketOptions: { auth: { serverOffset: 0, token } } });
        expect((await refusalOf(c)).data, JSON.stringify(token)).toMatchObject({ code: "unauthorized" });
      }
    });

    it("lets only the owner revoke a token", async () => {
      const alice = await http.account("alice");
      const bob = await http.account("bobby");
      const { accessToken, token } = (await http.createToken(alice, "mine")).body;
      expect((await http.revokeToken(bob, accessToken.id)).status).toBe(404);
      const bot = client({ token });
      await bot.ready();
      expect(bot.sessions[0]!.user.username).toBe("alice");
    });
  });

  describe("a credential that ends while its connection is away", () => {
    let proxy: TcpProxy | undefined;
    beforeEach(() => startServer());
    afterEach(async () => {
      await proxy?.close();
      proxy = undefined;
    });

    /** A connection through a proxy that has received a broadcast (what Socket.IO recovery needs), then cut off. */
    async function cutOffAfterABroadcast(options: { cookie?: string; token?: string }, cookie: string) {
      proxy = await startTcpProxy(server.port);
      const away = clientAt(proxy.url, options);
      const speaker = client({ cookie });
      await Promise.all([away.ready(), speaker.ready()]);
      const ack = (await speaker.send("general", "before", "before-1")) as { data: { id: number } };
      await waitFor(() => away.messages.has(ack.data.id));
      proxy.pause();
      proxy.cut();
      await waitFor(() => !away.socket.connected, 5_000, "the cut to be noticed");
      return { away, speaker };
    }

    // A restored Socket.IO session brings back only a socket id (recovery-adapter.ts); the identity middleware runs
    // again on every connection, recovered or not, so an ended credential never comes back through recovery.
    it("is not restored by Socket.IO's connection state recovery: a revoked token is refused on its return", async () => {
      const cookie = await http.account("alice");
      const { accessToken, token } = (await http.createToken(cookie, "bot")).body;
      const { away, speaker } = await cutOffAfterABroadcast({ token }, cookie);

      expect((await http.revokeToken(cookie, accessToken.id)).status).toBe(200);
      await speaker.send("general", "said after the revocation", "after-1");
      const refused = refusalOf(away);
      proxy!.resume();
      expect((await refused).data).toMatchObject({ code: "unauthorized" });
      expect(away.sessions).toHaveLength(1);
      expect(away.ordered().map((m) => m.content)).toEqual(["before"]);
    });

    it("is not restored either when the session was signed out everywhere: the browser comes back as a guest", async () => {
      const cookie = await http.account("alice", "password1");
      const elsewhere = (await http.signIn("alice", "password1")).cookie!;
      const { away } = await cutOffAfterABroadcast({ cookie }, elsewhere);

      expect((await http.signOutEverywhere(elsewhere)).status).toBe(200);
      proxy!.resume();
      await away.ready(2);
      expect(away.sessions[1]!.user.username).toBeNull();
      expect(away.sessions[1]!.user.id).not.toBe(away.sessions[0]!.user.id);
    });
  });

  describe("GUEST_ACCESS=false", () => {
    beforeEach(() => startServer({ guestAccess: false }));

    it("refuses a socket without an account session or token with unauthorized, and admits accounts and tokens", async () => {
      const guestCookie = `${SESSION_COOKIE}=${encodeURIComponent(server.signer.sign("u_abcdefghijklmnop"))}`;
      for (const options of [{}, { cookie: guestCookie }, { cookie: "tether.session_token=forged.value" }]) {
        const refused = client(options);
        expect((await refusalOf(refused)).data, JSON.stringify(options)).toMatchObject({ code: "unauthorized" });
      }
      const cookie = await http.account("alice");
      const browser = client({ cookie });
      const bot = client({ token: (await http.createToken(cookie, "bot")).body.token });
      await Promise.all([browser.ready(), bot.ready()]);
      expect(bot.sessions[0]!.user.username).toBe("alice");
    });
  });

  describe("failed sign-ins", () => {
    beforeEach(() => startServer({ trustProxy: trustEveryProxy, signInLimit: { perUsername: 3, perAddress: 5, windowMs: 10 * 60_000 } }));

    it("limits failed sign-ins per username, from any address, with a clear message", async () => {
      await http.account("alice", "the right one");
      await http.account("bobby", "the right one");
      for (let i = 0; i < 3; i++) expect((await http.signIn("alice", `wrong ${i}`, { address: "10.0.0.1" })).status).toBe(401);

      for (const address of ["10.0.0.1", "10.0.0.2"]) {
        const blocked = await http.signIn("alice", "the right one", { address });
        expect(blocked.status).toBe(429);
        expect(blocked.body.message).toMatch(/Too many failed sign-ins for this username\. Try again in \d+ minutes\./);
        expect(blocked.cookie).toBeNull();
      }
      // Another username from the same address is not affected (3 failures < 5 for the address).
      expect((await http.signIn("bobby", "the right one", { address: "10.0.0.1" })).status).toBe(200);
    });

    it("limits failed sign-ins per client address, whatever the usernames", async () => {
      await http.account("bobby", "the right one");
      for (let i = 0; i < 5; i++) expect((await http.signIn(`nobody${i}`, "wrong", { address: "10.0.0.9" })).status).toBe(401);

      const blocked = await http.signIn("bobby", "the right one", { address: "10.0.0.9" });
      expect(blocked.status).toBe(429);
      expect(blocked.body.message).toMatch(/Too many failed sign-ins from your network address/);
      expect((await http.signIn("bobby", "the right one", { address: "10.0.0.10" })).status).toBe(200);
    });
  });
});
