/**
 * The outbox sender alone: the real store (slices and persistence, on an in-memory Storage shared "between tabs"),
 * a fake socket whose acks the test gives, a clock the test advances, and a Web Lock the test can hold. No timers,
 * no network.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Ack } from "../shared/ack";
import type { SendMessageResult } from "../shared/dto";
import { ERROR_CODES, RETRYABLE_ERROR_CODES, type AckError } from "../shared/errors";
import type { SendMessagePayload } from "../shared/events";
import { memoryStorage } from "../../test/support/memory-storage";
import { createOutboxSenderWith, type OutboxSender, type OutboxSocket } from "./outbox-sender";
import { useTetherStore } from "./store";
import { createMergingStorage, readPersisted, STORAGE_KEY, STORAGE_VERSION, type PersistedState } from "./store/persistence";

/** Lets every promise reaction already queued run (the microtask queue empties before the next macrotask). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

interface Send {
  payload: SendMessagePayload;
  ack(result: Ack<SendMessageResult>): void;
  /** No ack in time: what socket.io's `timeout()` does. */
  timeOut(): void;
}

function fakeSocket() {
  let listeners: Array<() => void> = [];
  /** Requests of the current connection still waiting for their ack: a drop leaves its requests behind. */
  let inFlight = new Set<object>();
  let maxInFlight = 0;
  const sends: Send[] = [];
  const socket: OutboxSocket & { connected: boolean } = {
    connected: true,
    sendMessage(payload) {
      const request = {};
      const connection = inFlight;
      connection.add(request);
      maxInFlight = Math.max(maxInFlight, connection.size);
      return new Promise((resolve, reject) => {
        const end = () => connection.delete(request);
        sends.push({
          payload,
          ack: (result) => (end(), resolve(result)),
          timeOut: () => (end(), reject(new Error("operation has timed out"))),
        });
      });
    },
    changeMessage: () => Promise.reject(new Error("these tests send messages only")),
    once: (_event, listener) => void listeners.push(listener),
    off: (_event, listener) => void (listeners = listeners.filter((l) => l !== listener)),
  };
  return {
    socket,
    sends,
    /** clientOffsets in the order they were sent, repeats included. */
    sent: () => sends.map((s) => s.payload.clientOffset),
    last: () => sends[sends.length - 1]!,
    maxInFlight: () => maxInFlight,
    disconnectListeners: () => listeners.length,
    drop() {
      socket.connected = false;
      inFlight = new Set();
      const called = listeners;
      listeners = [];
      for (const listener of called) listener();
    },
  };
}

function fakeClock() {
  let now = 1_000_000;
  let timers: Array<{ at: number; ms: number; callback: () => void }> = [];
  return {
    now: () => now,
    after: (ms: number, callback: () => void) => {
      const timer = { at: now + ms, ms, callback };
      timers.push(timer);
      return () => void (timers = timers.filter((t) => t !== timer));
    },
    /** The delays of the timers waiting to fire. */
    waiting: () => timers.map((t) => t.ms),
    async advance(ms: number) {
      now += ms;
      const due = timers.filter((t) => t.at <= now);
      timers = timers.filter((t) => t.at > now);
      for (const timer of due) timer.callback();
      await settle();
    },
  };
}

/** One lock shared by the tabs; a test can hold it as "another tab", or hold this tab's release back. */
function fakeLock() {
  let held = false;
  const waiters: Array<() => void> = [];
  let holdReleases = false;
  const heldReleases: Array<() => void> = [];
  const acquire = () =>
    new Promise<void>((resolve) => {
      if (held) waiters.push(resolve);
      else {
        held = true;
        resolve();
      }
    });
  const release = () => {
    const next = waiters.shift();
    if (next) next();
    else held = false;
  };
  return {
    withLock: async (work: () => Promise<void>) => {
      await acquire();
      try {
        await work();
      } finally {
        // A real Web Lock settles request() some time after the callback's promise settled.
        if (holdReleases) await new Promise<void>((resolve) => heldReleases.push(resolve));
        release();
      }
    },
    async holdAsAnotherTab(): Promise<() => void> {
      await acquire();
      return release;
    },
    holdReleases() {
      holdReleases = true;
    },
    async finishReleases() {
      holdReleases = false;
      for (const resolve of heldReleases.splice(0)) resolve();
      await settle();
    },
  };
}

const store = useTetherStore;
const ok = (id: number, duplicate = false): Ack<SendMessageResult> => ({ data: { id, duplicate } });
const fail = (code: AckError["code"], extra: Partial<AckError> = {}): Ack<SendMessageResult> => ({ error: { code, message: `${code}!`, ...extra } });
/** The server answers the request in flight, and the sender acts on it. */
async function ackLast(result: Ack<SendMessageResult>) {
  socket.last().ack(result);
  await settle();
}
const statusOf = (clientOffset: string) => store.getState().outbox.find((e) => e.clientOffset === clientOffset)?.status;

let storage: Storage;
let socket: ReturnType<typeof fakeSocket>;
let clock: ReturnType<typeof fakeClock>;
let lock: ReturnType<typeof fakeLock>;
/** The browser's acknowledgement journal, shared by its tabs (IndexedDB in the app). */
let journal: string[];
let sender: OutboxSender;

/** Another tab of the same browser rewrites the shared storage, the way its store's persistence does. */
function anotherTabWrites(change: (state: PersistedState) => PersistedState) {
  const theirs = readPersisted(storage)!;
  createMergingStorage(() => storage).setItem(STORAGE_KEY, { state: change(theirs), version: STORAGE_VERSION });
}

function enqueue(content: string): string {
  return store.getState().enqueue("general", content).clientOffset;
}

/** What the socket binding does on a drop and on the next session:ready. */
function drop() {
  socket.drop();
  store.getState().connectionLost(false);
}
function reconnect() {
  socket.socket.connected = true;
  store
    .getState()
    .sessionReady({ user: { id: "u", name: "U", username: null }, recovered: false, replayed: 0, latestId: 0, limits: { maxMessageLength: 4000 } });
  sender.requestDrain();
}

beforeEach(() => {
  storage = memoryStorage();
  store.persist.setOptions({ storage: createMergingStorage(() => storage) });
  store.setState(store.getInitialState(), true);
  store.setState({ ready: true });
  socket = fakeSocket();
  clock = fakeClock();
  lock = fakeLock();
  journal = [];
  vi.spyOn(Date, "now").mockImplementation(clock.now);
  sender = createOutboxSenderWith(store, {
    socket: socket.socket,
    after: clock.after,
    withLock: lock.withLock,
    readStorage: () => readPersisted(storage),
    journal: {
      read: async () => [...journal],
      record: async (clientOffset) => void journal.push(clientOffset),
    },
  });
});

afterEach(() => {
  // Never two sends in flight, in any test.
  expect(socket.maxInFlight()).toBeLessThanOrEqual(1);
  vi.restoreAllMocks();
});

describe("the outbox sender", () => {
  it("sends the oldest pending message first, one at a time, each after the previous was acknowledged", async () => {
    const [a, b] = [enqueue("a"), enqueue("b")];
    sender.requestDrain();
    await settle();
    expect(socket.sent()).toEqual([a]);
    const c = enqueue("c"); // written during a send: it waits its turn
    sender.requestDrain();
    await settle();
    expect(socket.sent()).toEqual([a]);
    await ackLast(ok(1));
    expect(socket.sent()).toEqual([a, b]);
    expect(statusOf(a)).toBe("sent");
    await ackLast(ok(2));
    await ackLast(ok(3));
    expect(socket.sent()).toEqual([a, b, c]);
    expect(socket.sends.map((s) => s.payload.content)).toEqual(["a", "b", "c"]);
    expect(store.getState().settled).toEqual([a, b, c]);
    expect(readPersisted(storage)!.outbox).toEqual([]);
    expect(socket.disconnectListeners()).toBe(0);
  });

  it("sends a retried older message before newer ones", async () => {
    const [a, b] = [enqueue("a"), enqueue("b")];
    sender.requestDrain();
    await settle();
    await ackLast(fail("content_too_long"));
    expect(socket.sent()).toEqual([a, b]);
    const d = enqueue("d");
    store.getState().retry(a); // the person presses Retry while b is on its way
    sender.requestDrain();
    await ackLast(ok(1));
    expect(socket.sent()).toEqual([a, b, a]);
    await ackLast(ok(2));
    expect(socket.sent()).toEqual([a, b, a, d]);
  });

  it("counts a duplicate acknowledgement as sent", async () => {
    const [a, b] = [enqueue("a"), enqueue("b")];
    sender.requestDrain();
    await settle();
    await ackLast(ok(7, true));
    expect(statusOf(a)).toBe("sent");
    expect(store.getState().outbox.find((e) => e.clientOffset === a)).toMatchObject({ id: 7 });
    expect(store.getState().settled).toContain(a);
    expect(socket.sent()).toEqual([a, b]);
  });

  it("backs off after a retryable error and sends the same message again, with the same clientOffset", async () => {
    const a = enqueue("a");
    sender.requestDrain();
    await settle();
    await ackLast(fail("unavailable"));
    expect(clock.waiting()).toEqual([500]);
    await clock.advance(499);
    expect(socket.sent()).toEqual([a]);
    await clock.advance(1);
    expect(socket.sends.map((s) => s.payload)).toEqual([socket.sends[0]!.payload, socket.sends[0]!.payload]);
    expect(socket.sent()).toEqual([a, a]);
    await ackLast(ok(1));
    expect(statusOf(a)).toBe("sent");
    // Neither the send nor the pause left a disconnect listener behind.
    expect(socket.disconnectListeners()).toBe(0);
  });

  it.each([...RETRYABLE_ERROR_CODES])("retries on %s, backing off exponentially up to 15 s, and starts over after a success", async (code) => {
    const [a, b] = [enqueue("a"), enqueue("b")];
    sender.requestDrain();
    await settle();
    const waits: number[] = [];
    for (let i = 0; i < 7; i++) {
      await ackLast(fail(code));
      waits.push(...clock.waiting());
      await clock.advance(clock.waiting()[0]!);
    }
    expect(waits).toEqual([500, 1000, 2000, 4000, 8000, 15_000, 15_000]);
    expect(socket.sent()).toEqual(Array(8).fill(a));
    await ackLast(ok(1));
    await ackLast(fail(code));
    expect(socket.sent().slice(-1)).toEqual([b]);
    expect(clock.waiting()).toEqual([500]);
  });

  it("waits as long as rate_limited's retryAfterMs asks when that is longer than the back-off", async () => {
    const a = enqueue("a");
    sender.requestDrain();
    await settle();
    await ackLast(fail("rate_limited", { retryAfterMs: 5000 }));
    expect(clock.waiting()).toEqual([5000]);
    await clock.advance(4999);
    expect(socket.sent()).toEqual([a]);
    await clock.advance(1);
    expect(socket.sent()).toEqual([a, a]);
    // A shorter retryAfterMs does not cut the back-off short.
    await ackLast(fail("rate_limited", { retryAfterMs: 10 }));
    expect(clock.waiting()).toEqual([1000]);
  });

  it.each(ERROR_CODES.filter((code) => !RETRYABLE_ERROR_CODES.has(code)))(
    "marks the message failed on %s and moves on, never sending it again by itself",
    async (code) => {
      const [a, b] = [enqueue("a"), enqueue("b")];
      sender.requestDrain();
      await settle();
      await ackLast(fail(code));
      expect(statusOf(a)).toBe("failed");
      expect(store.getState().outbox.find((e) => e.clientOffset === a)?.error).toEqual({ code, message: `${code}!` });
      expect(clock.waiting()).toEqual([]);
      await ackLast(ok(1));
      sender.requestDrain();
      await settle();
      expect(socket.sent()).toEqual([a, b]);
      expect(readPersisted(storage)!.outbox.map((e) => [e.clientOffset, e.status])).toEqual([[a, "failed"]]);
    },
  );

  it("stops when the connection drops during a send, and sends the same message again after reconnecting", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const [a, b] = [enqueue("a"), enqueue("b")];
    sender.requestDrain();
    await settle();
    drop();
    await settle();
    expect(clock.waiting()).toEqual([]); // no back-off: it waits for the connection instead
    sender.requestDrain(); // e.g. the person sends while offline
    await settle();
    expect(socket.sent()).toEqual([a]);

    // At once, without waiting for the lost request to time out.
    reconnect();
    await settle();
    expect(socket.sent()).toEqual([a, a]);
    expect(socket.sends[1]!.payload).toEqual(socket.sends[0]!.payload);
    // The lost request times out later: that changes nothing.
    socket.sends[0]!.timeOut();
    await settle();
    expect(warn).toHaveBeenCalledOnce();
    expect(socket.sent()).toEqual([a, a]);
    expect(statusOf(a)).toBe("pending");
    await ackLast(ok(1));
    await ackLast(ok(2));
    expect(socket.sent()).toEqual([a, a, b]);
    expect(socket.disconnectListeners()).toBe(0);
  });

  it("stops backing off when the connection drops during the pause, and sends at once after reconnecting", async () => {
    const a = enqueue("a");
    sender.requestDrain();
    await settle();
    await ackLast(fail("unavailable"));
    expect(clock.waiting()).toEqual([500]);
    drop();
    await settle();
    expect(clock.waiting()).toEqual([]);
    expect(socket.disconnectListeners()).toBe(0);
    reconnect();
    await settle();
    expect(socket.sent()).toEqual([a, a]);
  });

  it("sends again, after a back-off, a message whose ack never came", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const a = enqueue("a");
    sender.requestDrain();
    await settle();
    socket.last().timeOut();
    await settle();
    expect(warn).toHaveBeenCalledOnce();
    expect(clock.waiting()).toEqual([500]);
    await clock.advance(500);
    expect(socket.sent()).toEqual([a, a]);
    await ackLast(ok(1, true)); // the first one had arrived after all
    expect(statusOf(a)).toBe("sent");
  });

  it("looks again when asked during a drain that had found nothing left to send", async () => {
    const a = enqueue("a");
    lock.holdReleases();
    sender.requestDrain();
    await settle();
    await ackLast(ok(1));
    // The drain found the outbox empty and is letting go of the lock; a message written now must not wait for
    // the next reconnect.
    const b = enqueue("b");
    sender.requestDrain();
    await lock.finishReleases();
    expect(socket.sent()).toEqual([a, b]);
  });

  it("never sends a message that another tab sent while this tab waited for the lock", async () => {
    const a = enqueue("a");
    const release = await lock.holdAsAnotherTab();
    sender.requestDrain();
    await settle();
    expect(socket.sent()).toEqual([]);
    anotherTabWrites((state) => ({ ...state, outbox: state.outbox.filter((e) => e.clientOffset !== a), settled: [...state.settled, a] }));
    release();
    await settle();
    expect(socket.sent()).toEqual([]);
    expect(statusOf(a)).toBe("sent");
    sender.requestDrain();
    await settle();
    expect(socket.sent()).toEqual([]);
  });

  it("never sends a message that another tab settled while this tab was sending an earlier one", async () => {
    const [a, b, c] = [enqueue("a"), enqueue("b"), enqueue("c")];
    sender.requestDrain();
    await settle();
    // The person discarded b in another tab.
    anotherTabWrites((state) => ({ ...state, outbox: state.outbox.filter((e) => e.clientOffset !== b), settled: [...state.settled, b] }));
    await ackLast(ok(1));
    await ackLast(ok(2));
    expect(socket.sent()).toEqual([a, c]);
  });

  it("never sends a message another tab had acknowledged before this tab took the lock, though storage still shows it pending", async () => {
    const [a, b] = [enqueue("a"), enqueue("b")];
    // Another tab sent a and recorded its ack; this tab's copy of storage has not caught up.
    journal.push(a);
    sender.requestDrain();
    await settle();
    expect(statusOf(a)).toBe("sent");
    await ackLast(ok(2));
    expect(socket.sent()).toEqual([b]);
  });

  it("records each acknowledgement in the journal before moving on", async () => {
    const a = enqueue("a");
    sender.requestDrain();
    await settle();
    await ackLast(ok(1));
    expect(journal).toEqual([a]);
  });

  it("sends what another tab wrote but could not send, in send order", async () => {
    const a = enqueue("a");
    // Another tab's entry, older than this tab's, reaches this tab only through storage.
    anotherTabWrites((state) => ({
      ...state,
      outbox: [...state.outbox, { ...state.outbox[0]!, clientOffset: "theirs", content: "t", createdAt: 1 }],
    }));
    sender.requestDrain();
    await settle();
    await ackLast(ok(1));
    expect(socket.sent()).toEqual(["theirs", a]);
  });
});
