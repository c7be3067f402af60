import { describe, expect, it } from "vitest";
import type { ChatMessage } from "../../shared/dto";
import type { MessageEntry, MessageStore } from "../../storage/message-store";
import type { TetherSocket } from "../realtime/types";
import { replayMissed, type ReplaySources } from "./catch-up";
import { CatchUpSender } from "./send-entries";

const BATCH = 10;

const entry = (offset: number): MessageEntry => ({ offset, message: { id: offset, channel: "general", version: offset } as ChatMessage });

/** A connected socket whose transport is always writable; records the size of each batch it is sent. */
function fakeSocket(batches: number[]): TetherSocket {
  return {
    connected: true,
    conn: { readyState: "open", transport: { writable: true } },
    emit: (_event: string, messages: unknown[]) => batches.push(messages.length),
  } as unknown as TetherSocket;
}

/** Everything up to the delivered head is held in the core's window (deterministic: no store, no sockets). */
function windowSources(socket: TetherSocket, deliveredThrough: () => number): ReplaySources {
  return {
    store: {} as MessageStore,
    batchSize: BATCH,
    deliveredThrough,
    fromWindow: (offset, limit, upTo) => {
      const held: MessageEntry[] = [];
      for (let o = offset + 1; o <= upTo && held.length < limit; o++) held.push(entry(o));
      return held;
    },
    mayReplay: () => true,
    bounded: null,
    sender: new CatchUpSender(socket, BATCH),
  };
}

describe("replayMissed from the core's window", () => {
  it("sends a large backlog a batch at a time, leaving the core at most one batch to send with the connection going live", async () => {
    const batches: number[] = [];
    const socket = fakeSocket(batches);
    const replay = await replayMissed(
      socket,
      0,
      windowSources(socket, () => 1_000),
    );
    // 99 batches here; the last ≤ 10 entries go out with the switch to live (delivery-core.ts).
    expect(1_000 - replay.sentThrough).toBeLessThanOrEqual(BATCH);
    expect(batches.every((size) => size <= BATCH)).toBe(true);
    expect(replay.sent).toBe(replay.sentThrough);
  });

  it("hands the rest to the core once arrivals keep pace with the batches, so a busy channel's catch-up ends", async () => {
    const batches: number[] = [];
    const socket = fakeSocket(batches);
    let head = 100;
    // A batch's worth arrives between any two batches: what is left never shrinks.
    const replay = await replayMissed(
      socket,
      0,
      windowSources(socket, () => (head += BATCH)),
    );
    expect(replay.aborted).toBe(false);
    expect(batches.length).toBeLessThanOrEqual(5);
  });
});
