/**
 * The delivery core alone, on a deterministic in-memory Socket.IO double (rooms, emits, a socket) and an in-memory
 * store: a connection catching up while messages are committed at every point where the core yields must see
 * every message once, in id order, and end up live. Real Socket.IO and real stores are covered by test/realtime.
 */
import { describe, expect, it } from "vitest";
import type { LogEntry, LogEvent, MessageStore } from "../../storage/message-store";
import type { ChatMessage, Gap, SessionReady } from "../../shared/dto";
import { createLogger } from "../logger";
import { createMetrics } from "../metrics";
import type { TetherServer, TetherSocket } from "../realtime/types";
import { createDeliveryCore, type DeliveryCoreOptions } from "./delivery-core";

/** Messages go round three channels, so that a bounded catch-up has several to bound. */
const CHANNELS = ["general", "random", "dev"];

const message = (id: number): ChatMessage => ({
  id,
  channel: CHANNELS[id % 3]!,
  content: `m${id}`,
  clientOffset: `c${id}`,
  author: { id: "a", name: "A" },
  createdAt: "2026-01-01T00:00:00.000Z",
  version: id,
  editedAt: null,
  deletedAt: null,
  reactions: [],
  replyTo: null,
});

/** A log event before the store gave it its offset. */
type UnplacedEvent = LogEvent extends infer E ? (E extends LogEvent ? Omit<E, "offset"> : never) : never;

function memoryStore(initial: number) {
  const stored: ChatMessage[] = Array.from({ length: initial }, (_, i) => message(i + 1));
  const listeners = new Set<(entries: readonly LogEntry[]) => void>();
  const channels = async () => CHANNELS.map((name) => ({ name, createdAt: "2026-01-01T00:00:00.000Z", visibility: "public" as const }));
  let eventOffset = 0;
  const store = {
    async getMessagesAfter(offset: number, limit: number, upTo = Number.MAX_SAFE_INTEGER) {
      return stored.filter((m) => m.id > offset && m.id <= upTo).slice(0, limit);
    },
    // No message changes in these tests.
    async getUpdatesAfter() {
      return [];
    },
    async getLatestOffset() {
      return stored[stored.length - 1]?.id ?? 0;
    },
    async getEntriesAfter(offset: number, limit: number) {
      return stored
        .filter((m) => m.id > offset)
        .slice(0, limit)
        .map((m) => ({ offset: m.id, message: m }));
    },
    listChannels: channels,
    listChannelsReadableBy: channels,
    async getChannelBacklogs(channels: readonly string[], after: number, upTo: number, newest: number) {
      return channels.flatMap((channel) => {
        const ids = stored.filter((m) => m.channel === channel && m.id > after && m.id <= upTo).map((m) => m.id);
        return ids.length === 0 ? [] : [{ channel, count: ids.length, newestFrom: ids[Math.max(0, ids.length - newest)]! }];
      });
    },
    async getChannelMessagesAfter(channel: string, after: number, limit: number, upTo: number) {
      return stored.filter((m) => m.channel === channel && m.id > after && m.id <= upTo).slice(0, limit);
    },
    onCommitted(listener: (entries: readonly LogEntry[]) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  } as unknown as MessageStore;
  return {
    store,
    /** Commits the next message: stored, then the commit listeners (the delivery core) hear of it. */
    commit() {
      const next = message((stored[stored.length - 1]?.id ?? 0) + 1);
      stored.push(next);
      for (const listener of listeners) listener([{ offset: next.id, message: next }]);
    },
    /** Commits log events (membership changes) as one commit, at the next offsets. */
    commitEvents(...events: UnplacedEvent[]) {
      const entries = events.map((event) => {
        eventOffset = Math.max(eventOffset, stored[stored.length - 1]?.id ?? 0) + 1;
        return { offset: eventOffset, event: { ...event, offset: eventOffset } };
      });
      for (const listener of listeners) listener(entries);
    },
    /** Commits the next message on another instance of a cluster: stored, but not yet announced to this one. */
    commitElsewhere(): LogEntry {
      const next = message((stored[stored.length - 1]?.id ?? 0) + 1);
      stored.push(next);
      return { offset: next.id, message: next };
    },
    latest: () => stored[stored.length - 1]?.id ?? 0,
  };
}

/** The parts of Socket.IO the core uses, in memory: rooms, room emits, and one socket that records what it gets. */
function socketIoDouble(serverOffset: number, replay?: { perChannel: number }) {
  const received: number[] = [];
  const events: string[] = [];
  const gaps: Gap[] = [];
  const notices: string[] = [];
  const sessions: SessionReady[] = [];
  const rooms = new Set<string>();
  const disconnectListeners: Array<() => void> = [];
  const record = (event: string, payload: unknown) => {
    events.push(event);
    if (event === "channel:joined" || event === "channel:left")
      notices.push(`${event} ${(payload as { name?: string; channel?: string }).name ?? (payload as { channel: string }).channel}`);
    if (event === "message:new") received.push((payload as ChatMessage).id);
    if (event === "message:batch") received.push(...(payload as ChatMessage[]).map((m) => m.id));
    if (event === "message:gaps") gaps.push(...(payload as Gap[]));
    if (event === "session:ready") sessions.push(payload as SessionReady);
  };
  const transport = { writable: true, on() {}, off() {} };
  const socket = {
    id: "s1",
    connected: true,
    recovered: false,
    handshake: { auth: { serverOffset, replay } },
    data: { user: { id: "u", name: "U", username: null, kind: "guest", isAdmin: false } },
    conn: { readyState: "open", transport, on() {}, off() {}, close() {} },
    emit: (event: string, payload: unknown) => record(event, payload),
    join: (joined: string | string[]) => {
      for (const room of [joined].flat()) rooms.add(room);
    },
    once: (event: string, listener: () => void) => {
      if (event === "disconnect") disconnectListeners.push(listener);
    },
  } as unknown as TetherSocket;
  const io = {
    local: {
      to: (room: string) => ({
        emit: (event: string, payload: unknown) => {
          if (rooms.has(room)) record(event, payload);
        },
      }),
      in: (room: string) => ({
        socketsJoin: (joined: string) => void (rooms.has(room) && rooms.add(joined)),
        socketsLeave: (left: string) => void (rooms.has(room) && rooms.delete(left)),
      }),
    },
  } as unknown as TetherServer;
  return { io, socket, received, events, gaps, notices, sessions };
}

/** What a bounded catch-up from `offset` planned at `through` sends, with ids 1..latest in CHANNELS round-robin. */
function boundedReference(offset: number, through: number, latest: number, perChannel: number) {
  const gaps: Gap[] = [];
  const received: number[] = [];
  for (const channel of CHANNELS) {
    const ids = Array.from({ length: through - offset }, (_, i) => offset + 1 + i).filter((id) => message(id).channel === channel);
    const skipped = Math.max(0, ids.length - perChannel);
    if (skipped > 0) gaps.push({ channel, afterId: offset, beforeId: ids[skipped]!, count: skipped });
    received.push(...ids.slice(skipped));
  }
  for (let id = through + 1; id <= latest; id++) received.push(id);
  return { gaps, received: received.sort((a, b) => a - b) };
}

/** A core over the in-memory store and Socket.IO double, with small batches; `options` replaces any setting. */
function coreOver(log: ReturnType<typeof memoryStore>, io: TetherServer, options: Partial<DeliveryCoreOptions> = {}) {
  return createDeliveryCore({
    io,
    store: log.store,
    logger: createLogger("silent"),
    metrics: createMetrics(),
    replayBatchSize: 7,
    maxMessageLength: 4000,
    describeChannel: async () => null,
    ...options,
  });
}

/**
 * A commit at every turn of the event loop (and now and then between two microtasks) for as long as the catch-up
 * runs and a while after: whatever the core awaits, something is committed meanwhile. One commit per turn is slower
 * than the replay (a batch per turn), so the catch-up ends.
 */
async function churnUntilLive(log: ReturnType<typeof memoryStore>, core: ReturnType<typeof createDeliveryCore>) {
  let afterLive = 0;
  for (let turn = 0; afterLive < 20; turn++) {
    log.commit();
    if (turn % 5 === 0) {
      await Promise.resolve();
      log.commit();
    }
    await new Promise((resolve) => setImmediate(resolve));
    if (core.phaseOf("s1") === "live") afterLive++;
    if (turn > 5000) throw new Error("the catch-up never ended");
  }
}

const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe("the delivery core", () => {
  it("catches a connection up while messages are committed at every turn, each once, in order, then live", async () => {
    for (const windowSize of [4, 50, 10_000]) {
      const log = memoryStore(300);
      const { io, socket, received, events } = socketIoDouble(5);
      const core = coreOver(log, io, { windowSize });
      await core.ready();
      core.attach(socket);
      await churnUntilLive(log, core);
      await settle();

      const expected = Array.from({ length: log.latest() - 5 }, (_, i) => i + 6);
      expect(received, `window of ${windowSize}`).toEqual(expected);
      expect(events.filter((e) => e === "session:ready")).toHaveLength(1);
      expect(core.deliveredThrough()).toBe(log.latest());
    }
  });

  it("bounds a catch-up per channel, announces exact gaps first, and still delivers every later message once, in order", async () => {
    for (const windowSize of [4, 50, 10_000]) {
      // The core starts at 5 and delivers the next 295 before the connection comes: a window that still holds them
      // plans and serves the catch-up from memory, smaller ones leave it to the store.
      const log = memoryStore(5);
      const { io, socket, received, events, gaps } = socketIoDouble(5, { perChannel: 10 });
      const core = coreOver(log, io, { windowSize });
      await core.ready();
      for (let i = 0; i < 295; i++) log.commit();
      core.attach(socket);
      // The catch-up plans at 300 or a little later, and everything after that must come.
      await churnUntilLive(log, core);
      await settle();

      // The plan starts at the core's position when the catch-up began, somewhere from 300 on: some position must
      // explain both the gaps and what arrived.
      const sortGaps = (list: Gap[]) => [...list].sort((a, b) => a.channel.localeCompare(b.channel));
      const explained = Array.from({ length: log.latest() - 299 }, (_, i) => boundedReference(5, 300 + i, log.latest(), 10)).find(
        (reference) =>
          JSON.stringify(reference.received) === JSON.stringify(received) &&
          JSON.stringify(sortGaps(reference.gaps)) === JSON.stringify(sortGaps(gaps)),
      );
      expect(explained, `window of ${windowSize}: ${JSON.stringify({ gaps, received })}`).toBeDefined();
      expect(gaps.map((gap) => gap.count).reduce((a, b) => a + b)).toBeGreaterThan(250);
      expect(events[0]).toBe("message:gaps");
      expect(events.filter((e) => e === "session:ready")).toHaveLength(1);
    }
  });

  it("moves a connection to closed when it disconnects mid-catch-up, and never makes it live", async () => {
    const log = memoryStore(1000);
    const { io, socket, events } = socketIoDouble(1);
    const core = coreOver(log, io, { windowSize: 4 });
    await core.ready();
    core.attach(socket);
    await new Promise((resolve) => setImmediate(resolve));
    expect(core.phaseOf("s1")).toBe("catching-up");
    (socket as unknown as { connected: boolean }).connected = false;
    await settle();
    expect(events).not.toContain("session:ready");
  });

  it("tells a user of channels joined and left in log order, though a joined channel is described by a read first", async () => {
    const log = memoryStore(0);
    const { io, socket, notices } = socketIoDouble(0);
    const core = coreOver(log, io, {
      // A read of the store, as for a DM's participants: it resolves on a later turn of the event loop.
      describeChannel: (name) =>
        new Promise((resolve) => setImmediate(() => resolve({ name, createdAt: "2026-01-01T00:00:00.000Z", visibility: "private" }))),
    });
    await core.ready();
    core.attach(socket);
    await settle();
    expect(core.phaseOf("s1")).toBe("live");

    // Invited and removed at once (one commit, as the cluster's log tail delivers a gap it filled), then invited again.
    log.commitEvents(
      { kind: "channel_created", channel: "plans", visibility: "private", createdBy: "x", createdAt: "2026-01-01T00:00:00.000Z" },
      { kind: "member_added", channel: "plans", userId: "u" },
      { kind: "member_removed", channel: "plans", userId: "u" },
    );
    log.commitEvents({ kind: "member_added", channel: "plans", userId: "u" }, { kind: "member_removed", channel: "plans", userId: "u" });
    log.commitEvents({ kind: "member_added", channel: "plans", userId: "u" });
    await settle();
    expect(notices).toEqual(["channel:joined plans", "channel:left plans", "channel:joined plans", "channel:left plans", "channel:joined plans"]);
  });

  it("on a cluster, waits for its log tail to reach what a client saw elsewhere instead of taking the client for a reset", async () => {
    const log = memoryStore(300);
    const { io, socket, received, sessions } = socketIoDouble(303);
    const announced: Array<(entries: unknown) => void> = [];
    Object.assign(io, {
      serverSideEmit() {},
      on(event: string, handler: (entries: unknown) => void) {
        if (event === "tether:committed") announced.push(handler);
      },
    });
    const core = coreOver(log, io, { cluster: { tailCheckIntervalMs: 0 } });
    await core.ready();
    // Another instance committed 301–305 and the client saw them there; this instance has not been told yet.
    const elsewhere = Array.from({ length: 5 }, () => log.commitElsewhere());
    core.attach(socket);
    await settle();
    expect(core.phaseOf("s1")).toBe("catching-up");

    for (const announce of announced) announce(elsewhere);
    await settle();
    expect(core.phaseOf("s1")).toBe("live");
    expect(received).toEqual([304, 305]);
    expect(sessions).toMatchObject([{ recovered: false, replayed: 2, latestId: 305 }]);
  });
});
