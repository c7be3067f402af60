/**
 * Thousands of malformed packets to every event, reproducible from a seed (FUZZ_SEED=… to replay a run). The
 * server must stay up, answer every call that has an ack with a known error code, keep its memory bounded, and
 * leave the stored data exactly as it was.
 */
import Database from "better-sqlite3";
import fs from "node:fs";
import path from "node:path";
import { io, type Socket } from "socket.io-client";
import { afterEach, expect, it } from "vitest";
import { ERROR_CODES } from "../../lib/shared/errors";
import { accountsHttp } from "../support/accounts-http";
import { RealtimeServerProcess } from "../support/server-process";
import { makeTempDir } from "../support/test-server";
import { TestClient, waitFor } from "../support/test-client";

const SEED = Number(process.env.FUZZ_SEED ?? 20261122);
const PACKETS = 3000;

let server: RealtimeServerProcess;
afterEach(async () => {
  await server.stop();
});

/** mulberry32: a small seeded PRNG, so a failing run can be replayed. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generators(random: () => number) {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const deep = (depth: number): unknown => (depth === 0 ? "bottom" : { nested: deep(depth - 1) });
  const junk = (): unknown =>
    pick([
      () => null,
      () => undefined,
      () => Math.floor(random() * 1e9) - 5e8,
      () => random() * 1e308,
      () => Number.NaN,
      () => true,
      () => "x".repeat(Math.floor(random() * 200_000)),
      () => "\uD800\uDFFF\uDC00".repeat(Math.floor(random() * 100)),
      () => Array.from({ length: Math.floor(random() * 50_000) }, (_, i) => i),
      () => deep(Math.floor(random() * 400)),
      () => Buffer.alloc(Math.floor(random() * 50_000), 7),
      () => JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}') as unknown,
      () => ({ toString: "not a function", valueOf: 42 }),
      () => [[[]]],
      () => ({}),
    ])();
  // message:send payloads that are each invalid in at least one way, so nothing may be stored.
  const badSend = (): unknown =>
    pick([
      () => junk(),
      () => ({ channel: "general", content: junk(), clientOffset: `fz-${random()}`.replace(".", "") }),
      () => ({ channel: "general", content: "hello", clientOffset: junk() }),
      () => ({ channel: junk(), content: "hello", clientOffset: `fz${Math.floor(random() * 1e9)}` }),
      () => ({ channel: "no-such-channel", content: "hello", clientOffset: `fz${Math.floor(random() * 1e9)}` }),
      () => ({ channel: "general", content: " \n ", clientOffset: `fz${Math.floor(random() * 1e9)}`, extra: junk() }),
      () => ({ channel: "general", content: "a".repeat(4001 + Math.floor(random() * 10_000)), clientOffset: "fz-long" }),
      () => ({ channel: "general", content: "bad \uDC00 surrogate", clientOffset: "fz-surrogate" }),
    ])();
  const badChannelCreate = (): unknown =>
    pick([() => junk(), () => ({ name: junk() }), () => ({ name: "Has Spaces!" }), () => ({ name: "-leading" }), () => ({ name: "x".repeat(40) })]);
  // Channel and membership calls, each invalid (or refused) in at least one way, so nothing may change.
  const unknownUser = () => `nobody-${Math.floor(random() * 1e9)}`;
  const badChannelRef = (): unknown =>
    pick([() => junk(), () => ({ channel: junk() }), () => ({ channel: "no-such-channel" }), () => ({ channel: "dm:zz" })])();
  const badChannelUser = (): unknown =>
    pick([
      () => junk(),
      () => ({ channel: junk(), username: "alice" }),
      () => ({ channel: "general", username: junk() }),
      () => ({ channel: "general", username: unknownUser() }),
      () => ({ channel: "no-such-channel", username: "alice" }),
    ])();
  const badDmOpen = (): unknown =>
    pick([
      () => junk(),
      () => ({ usernames: junk() }),
      () => ({ usernames: [] }),
      () => ({ usernames: [unknownUser()] }),
      () => ({ usernames: Array.from({ length: 9 }, unknownUser) }),
      () => ({ usernames: ["x".repeat(100)] }),
    ])();
  const badCreateVisibility = (): unknown => ({
    name: `fz${Math.floor(random() * 1e6)}`,
    visibility: pick(["secret", "dm", 1, null, {}, "PRIVATE"]),
  });
  const badHistory = (): unknown =>
    pick([
      () => junk(),
      () => ({ channel: junk() }),
      () => ({ channel: "general", before: junk() }),
      () => ({ channel: "general", after: junk(), around: junk() }),
      () => ({ channel: "general", around: junk(), limit: junk() }),
      () => ({ channel: "nope", limit: 5 }),
    ])();
  // Searches that are malformed, hostile to either full-text engine's syntax, or merely odd: none may crash or store.
  const badSearch = (): unknown =>
    pick([
      () => junk(),
      () => ({ query: junk() }),
      () => ({ query: "x", channel: junk(), author: junk(), before: junk(), limit: junk() }),
      () => ({ query: pick(['"', "*", "NEAR(a b, 2)", "a:* & !b | (c", "^x", "col:x", "' OR 1=1 --", "\0", "🎉".repeat(200)]) }),
      () => ({ query: "x".repeat(Math.floor(random() * 400)) }),
      () => ({ query: "hello", channel: "no-such-channel" }),
    ])();
  const event = () =>
    pick([
      ["message:send", badSend],
      ["channel:create", badChannelCreate],
      ["history:fetch", badHistory],
      ["search:messages", badSearch],
      ["profile:update", () => pick([() => junk(), () => ({ name: "" }), () => ({ name: "x".repeat(100) })])()],
      ["channel:list", junk],
      ["channel:create", badCreateVisibility],
      ["channel:join", badChannelRef],
      ["channel:leave", badChannelRef],
      ["channel:members", badChannelRef],
      ["channel:invite", badChannelUser],
      ["channel:remove", badChannelUser],
      ["dm:open", badDmOpen],
      [pick(["message:delete", "admin", "__proto__", "constructor", "x".repeat(500), ""]), junk],
    ] as const);
  return { pick, junk, event };
}

function snapshot(dbPath: string) {
  const db = new Database(dbPath, { readonly: true });
  try {
    return {
      messages: db.prepare("SELECT * FROM messages ORDER BY id").all(),
      channels: db.prepare("SELECT * FROM channels ORDER BY id").all(),
      members: db.prepare("SELECT * FROM channel_members ORDER BY channel, user_id").all(),
      events: db.prepare('SELECT * FROM log_events ORDER BY "offset"').all(),
    };
  } finally {
    db.close();
  }
}

function rssOf(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) * 1024;
}

it(`survives ${PACKETS} malformed packets (seed ${SEED}) with clear errors, bounded memory and untouched data`, async () => {
  const dbPath = path.join(makeTempDir(), "tether.db");
  server = new RealtimeServerProcess({ DATABASE_URL: `file:${dbPath}`, RATE_LIMIT_PER_SECOND: "0" });
  await server.start();

  const writer = new TestClient(server.url);
  await writer.ready();
  for (let i = 0; i < 20; i++) await writer.send("general", `kept ${i}`, `kept-${i}`);

  const random = prng(SEED);
  const { pick, event } = generators(random);
  // Two guests and two connections of an account, so that the account-only paths are fuzzed past their first check.
  const cookie = await accountsHttp(server.url).account("alice");
  const sockets: Socket[] = Array.from({ length: 4 }, (_, i) =>
    io(server.url, { transports: ["websocket"], reconnectionDelay: 20, extraHeaders: i < 2 ? { cookie } : undefined }),
  );
  await waitFor(() => sockets.every((s) => s.connected), 10_000, "fuzz sockets");
  const before = snapshot(dbPath);
  // Socket.IO closes a connection that sends a packet it cannot parse (a reserved event name, an oversize
  // frame); calls in flight on it are then never answered, which is expected. Every other call must be.
  const drops = new Map<Socket, number>(sockets.map((s) => [s, 0]));
  for (const s of sockets) s.on("disconnect", () => drops.set(s, drops.get(s)! + 1));
  const rssBefore = rssOf(server.pid!);

  const errorCodes = new Set<string>(ERROR_CODES);
  const unexpected: unknown[] = [];
  const pending: Array<Promise<void>> = [];
  let answered = 0;
  for (let n = 0; n < PACKETS; n++) {
    const socket = pick(sockets);
    const [name, payload] = event();
    const args: unknown[] = [payload()];
    // Reserved names get the connection closed by Socket.IO, so they are kept rare to leave most calls answerable.
    const ackStyle = random() < 0.01 ? "reserved-name" : pick(["ack", "none", "non-function", "extra-args"] as const);
    if (ackStyle === "reserved-name") {
      // socket.io-client refuses to emit these, so the raw packet is written as a hostile client would.
      const raw = socket as unknown as { packet(p: { type: number; data: unknown[] }): void };
      raw.packet({ type: 2, data: [pick(["connect", "disconnect", "disconnecting", "connect_error"]), ...args] });
      continue;
    }
    if (ackStyle === "extra-args") args.push(payload(), payload());
    if (ackStyle === "none") {
      (socket as unknown as { emit(...a: unknown[]): void }).emit(name, ...args);
      continue;
    }
    if (ackStyle === "non-function") {
      (socket as unknown as { emit(...a: unknown[]): void }).emit(name, ...args, pick([42, "ack", { call: true }, null]));
      continue;
    }
    const dropsAtEmit = drops.get(socket);
    const response = new Promise<unknown>((resolve) => {
      (socket.timeout(15_000) as unknown as { emit(...a: unknown[]): void }).emit(name, ...args, (err: unknown, value: unknown) =>
        resolve(err ? { timeout: true } : value),
      );
    });
    pending.push(
      response.then((value) => {
        const code = (value as { error?: { code?: unknown } } | undefined)?.error?.code;
        const isData = typeof value === "object" && value !== null && "data" in value;
        const isAnswer = (typeof code === "string" && errorCodes.has(code)) || isData;
        const connectionWasClosed = drops.get(socket) !== dropsAtEmit;
        if (isAnswer) answered++;
        else if (!connectionWasClosed) unexpected.push({ name, value });
      }),
    );
    if (pending.length % 50 === 0) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  // Connections dropped for oversize packets reconnect; the server must still be there for everyone.
  await waitFor(() => sockets.every((s) => s.connected), 10_000, "fuzz sockets to be connected again");

  expect(unexpected).toEqual([]);
  // Most calls must really have been answered, or the run proved little.
  expect(answered).toBeGreaterThan(PACKETS / 4);
  expect(server.exitCode).toBeNull();
  expect(await writer.send("general", "after the storm", "after-fuzz")).toMatchObject({ data: { duplicate: false } });
  const after = snapshot(dbPath);
  expect(after.channels).toEqual(before.channels);
  expect(after.members).toEqual(before.members);
  expect(after.events).toEqual(before.events);
  expect(after.messages.slice(0, -1)).toEqual(before.messages);
  expect(after.messages).toHaveLength(before.messages.length + 1);
  // Bounded: nothing the fuzz sent is retained (generous margin for allocator slack).
  expect(rssOf(server.pid!) - rssBefore).toBeLessThan(150 * 1024 * 1024);

  for (const s of sockets) s.disconnect();
  writer.close();
});

const HANDSHAKES = 400;

it(`refuses ${HANDSHAKES} malformed handshake tokens (seed ${SEED}) with a clear code, and stores nothing`, async () => {
  const dbPath = path.join(makeTempDir(), "tether.db");
  server = new RealtimeServerProcess({ DATABASE_URL: `file:${dbPath}` });
  await server.start();
  const http = accountsHttp(server.url);
  const cookie = await http.account("alice");
  const { token } = (await http.createToken(cookie, "bot")).body;
  const accountsSnapshot = () => {
    const db = new Database(dbPath, { readonly: true });
    try {
      return {
        users: db.prepare("SELECT * FROM users ORDER BY id").all(),
        sessions: db.prepare("SELECT id, token FROM sessions ORDER BY id").all(),
        tokens: db.prepare("SELECT id, token_hash FROM access_tokens ORDER BY id").all(),
        messages: db.prepare("SELECT count(*) AS n FROM messages").get(),
      };
    } finally {
      db.close();
    }
  };
  const before = accountsSnapshot();

  const random = prng(SEED);
  const { pick, junk } = generators(random);
  const flip = (text: string, at: number) => text.slice(0, at) + (text[at] === "A" ? "B" : "A") + text.slice(at + 1);
  // Junk of every shape, and strings that are nearly a token: the right prefix, the real token off by one.
  const badToken = (): unknown =>
    pick([
      () => junk(),
      () => `tether_pat_${"x".repeat(Math.floor(random() * 100))}`,
      () => flip(token, 11 + Math.floor(random() * 43)),
      () => token.slice(0, -1),
      () => `${token}A`,
      () => token.toUpperCase(),
      () => ` ${token}`,
      () => [token],
      () => ({ token }),
      () => "' OR 1=1 --",
    ])();
  const errorCodes = new Set<string>(ERROR_CODES);
  const unexpected: unknown[] = [];
  for (let batch = 0; batch < HANDSHAKES / 20; batch++) {
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        const value = badToken();
        const socket = io(server.url, { transports: ["websocket"], reconnection: false, auth: { serverOffset: 0, token: value } });
        const outcome = await new Promise<{ connected: true } | { code: unknown }>((resolve) => {
          socket.once("connect", () => resolve({ connected: true }));
          socket.once("connect_error", (error: Error & { data?: { code?: unknown } }) => resolve({ code: error.data?.code }));
        });
        socket.disconnect();
        // An absent token (undefined is not sent) makes a guest, as any script without one; anything else is refused.
        const expected = value === undefined ? "connected" : "unauthorized";
        const got = "connected" in outcome ? "connected" : outcome.code;
        if (got !== expected || (typeof got === "string" && got !== "connected" && !errorCodes.has(got))) {
          unexpected.push({ token: String(value).slice(0, 80), got });
        }
      }),
    );
  }
  expect(unexpected).toEqual([]);
  expect(server.exitCode).toBeNull();
  expect(accountsSnapshot()).toEqual(before);

  const bot = new TestClient(server.url, { token });
  await bot.ready();
  expect(bot.sessions[0]!.user.username).toBe("alice");
  bot.close();
});

it("closes a connection whose packet is over MAX_PACKET_BYTES, and keeps serving", async () => {
  const dbPath = path.join(makeTempDir(), "tether.db");
  server = new RealtimeServerProcess({ DATABASE_URL: `file:${dbPath}`, MAX_PACKET_BYTES: "100000" });
  await server.start();
  const big = new TestClient(server.url, { socketOptions: { reconnection: false } });
  await big.ready();
  const closed = new Promise<string>((resolve) => big.socket.once("disconnect", resolve));
  big.socket.emit("message:send", { channel: "general", content: "x".repeat(200_000), clientOffset: "too-big" }, () => {});
  expect(await closed).toBe("transport close");
  const other = new TestClient(server.url);
  await other.ready();
  expect(await other.send("general", "fine", "fine-1")).toMatchObject({ data: { duplicate: false } });
  other.close();
  expect(snapshot(dbPath).messages).toHaveLength(1);
});
