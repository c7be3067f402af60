/**
 * The log tail alone, with a deterministic in-memory store and manual timers: whatever order messages are
 * offered in — repeated, reversed, some never — it delivers every committed message exactly once, in id order.
 */
import { describe, expect, it } from "vitest";
import type { ChatMessage } from "../../shared/dto";
import { createLogTail, type LogTail } from "./log-tail";

type Entry = { offset: number; message: ChatMessage };

const message = (id: number): Entry => ({ offset: id, message: chatMessage(id) });
const chatMessage = (id: number): ChatMessage => ({
  id,
  channel: "general",
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

/** Timers that only fire when the test says so. */
function manualTimers() {
  let next = 1;
  const pending = new Map<number, { fn: () => void; repeat: boolean }>();
  const timers = {
    setTimeout: (fn: () => void) => {
      const id = next++;
      pending.set(id, { fn, repeat: false });
      return id as unknown as ReturnType<typeof setTimeout>;
    },
    clearTimeout: (id: unknown) => void pending.delete(id as number),
    setInterval: (fn: () => void) => {
      const id = next++;
      pending.set(id, { fn, repeat: true });
      return id as unknown as ReturnType<typeof setInterval>;
    },
    clearInterval: (id: unknown) => void pending.delete(id as number),
  } as unknown as Pick<typeof globalThis, "setTimeout" | "clearTimeout" | "setInterval" | "clearInterval">;
  return {
    timers,
    /** Fires every timer once (intervals stay). */
    fireAll() {
      for (const [id, timer] of [...pending]) {
        if (!timer.repeat) pending.delete(id);
        timer.fn();
      }
    },
  };
}

/** Lets every queued promise continuation run (the fake store answers asynchronously, like a real one). */
const settle = async () => {
  for (let i = 0; i < 50; i++) await Promise.resolve();
};

function setUp(options: { stored?: number[]; failReads?: () => boolean } = {}) {
  const stored: Entry[] = (options.stored ?? []).map(message);
  const delivered: number[] = [];
  const errors: unknown[] = [];
  const clock = manualTimers();
  let reads = 0;
  const tail: LogTail<Entry> = createLogTail<Entry>({
    async getEntriesAfter(after, limit) {
      reads++;
      if (options.failReads?.()) throw new Error("database unreachable");
      return stored.filter((entry) => entry.offset > after).slice(0, limit);
    },
    async getLatestOffset() {
      if (options.failReads?.()) throw new Error("database unreachable");
      return stored[stored.length - 1]?.offset ?? 0;
    },
    deliver: (entries) => delivered.push(...entries.map((entry) => entry.offset)),
    onError: (error) => errors.push(error),
    tailCheckIntervalMs: 1000,
    timers: clock.timers,
  });
  /** Commits messages to the shared store (as any instance does), without offering them. */
  const commit = (...ids: number[]) => {
    for (const id of ids) stored.push(message(id));
  };
  return { tail, stored, delivered, errors, clock, commit, reads: () => reads };
}

describe("the log tail", () => {
  it("starts after what is already stored and delivers nothing before it", async () => {
    const { tail, delivered } = setUp({ stored: [1, 2, 3] });
    await tail.ready();
    expect(tail.deliveredThrough()).toBe(3);
    tail.offer([message(2), message(3)]);
    await settle();
    expect(delivered).toEqual([]);
  });

  it("delivers consecutive offers at once, without reading the store", async () => {
    const { tail, delivered, commit, reads } = setUp();
    await tail.ready();
    const before = reads();
    commit(1, 2, 3);
    tail.offer([message(1), message(2), message(3)]);
    await settle();
    expect(delivered).toEqual([1, 2, 3]);
    expect(reads()).toBe(before);
  });

  it("fills a gap from the store before delivering what came after it", async () => {
    const { tail, delivered, commit } = setUp();
    await tail.ready();
    commit(1, 2, 3);
    tail.offer([message(3)]);
    await settle();
    expect(delivered).toEqual([1, 2, 3]);
    // The late offers of 1 and 2 are dropped.
    tail.offer([message(1), message(2)]);
    await settle();
    expect(delivered).toEqual([1, 2, 3]);
  });

  it("delivers exactly once, in order, for every order of offers of five messages", async () => {
    const ids = [1, 2, 3, 4, 5];
    const permutations = (list: number[]): number[][] =>
      list.length <= 1
        ? [list]
        : list.flatMap((first, i) => permutations([...list.slice(0, i), ...list.slice(i + 1)]).map((rest) => [first, ...rest]));
    for (const order of permutations(ids)) {
      const { tail, delivered, commit } = setUp();
      await tail.ready();
      commit(...ids);
      for (const id of order) {
        tail.offer([message(id)]);
        // Some offers arrive while a gap read is in flight, some after it.
        if (id % 2 === 0) await settle();
      }
      await settle();
      expect(delivered, `offer order ${order.join(",")}`).toEqual(ids);
    }
  });

  it("tells a hole in the ids (a refused insert) from a message not offered yet", async () => {
    const { tail, delivered, stored } = setUp();
    await tail.ready();
    stored.push(message(1), message(3)); // id 2 was never stored
    tail.offer([message(3)]);
    await settle();
    expect(delivered).toEqual([1, 3]);
  });

  it("delivers a committed message nobody offered once the tail check runs", async () => {
    const { tail, delivered, commit, clock } = setUp();
    await tail.ready();
    commit(1);
    await settle();
    expect(delivered).toEqual([]);
    clock.fireAll();
    await settle();
    expect(delivered).toEqual([1]);
  });

  it("retries after the store fails, and loses nothing", async () => {
    let failing = false;
    const { tail, delivered, commit, clock, errors } = setUp({ failReads: () => failing });
    await tail.ready();
    commit(1, 2);
    failing = true;
    tail.offer([message(2)]);
    await settle();
    expect(delivered).toEqual([]);
    expect(errors).toHaveLength(1);
    failing = false;
    clock.fireAll(); // the retry timer (and the tail check)
    await settle();
    expect(delivered).toEqual([1, 2]);
  });

  it("resolves whenDelivered once the id is delivered, or at its timeout", async () => {
    const { tail, commit, clock } = setUp();
    await tail.ready();
    let delivered = false;
    void tail.whenDelivered(2, 2000).then(() => (delivered = true));
    commit(1, 2);
    tail.offer([message(1)]);
    await settle();
    expect(delivered).toBe(false);
    tail.offer([message(2)]);
    await settle();
    expect(delivered).toBe(true);

    let timedOut = false;
    void tail.whenDelivered(99, 2000).then(() => (timedOut = true));
    await settle();
    expect(timedOut).toBe(false);
    clock.fireAll();
    await settle();
    expect(timedOut).toBe(true);
  });
});
