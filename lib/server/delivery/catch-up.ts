/**
 * The asynchronous half of a catch-up: the log's entries after the client's offset — messages, sent in ascending
 * `message:batch`es, and changes to messages, each sent as `message:update` in its place — with back-pressure so that a 100,000-message backlog neither floods the socket's buffers nor
 * blocks the event loop for other clients. Each batch comes from the delivery core's in-memory window when it still
 * holds the range, otherwise from the store.
 *
 * Every read is bounded by what the delivery core has delivered live so far (`deliveredThrough`): the store may
 * already hold messages the core has not delivered yet (another instance committed them), and those must reach
 * this connection through the core, in order, not twice. The replay stops once the rest is in the core's window
 * and small; the core then sends it and makes the connection live in one synchronous step (delivery-core.ts).
 *
 * A bounded catch-up (bounded-replay.ts) takes its batches up to its `through` from its plan, and is never left to
 * that final step there, which sends everything it holds.
 */
import type { Socket } from "socket.io";
import type { MessageEntry, MessageStore } from "../../storage/message-store";
import type { TetherSocket } from "../realtime/types";
import type { BoundedReplay } from "./bounded-replay";
import type { CatchUpSender } from "./send-entries";

export interface Replay {
  /** Messages sent (updates are not counted). */
  sent: number;
  /** Of those, read from the store (the rest came from the core's window). */
  fromStore: number;
  /** Every entry up to this offset has been sent (the starting offset when none was). */
  sentThrough: number;
  /** The socket went away before the replay finished. */
  aborted: boolean;
}

export interface ReplaySources {
  store: MessageStore;
  batchSize: number;
  /** The highest offset delivered live so far: reads never go past it. */
  deliveredThrough(): number;
  /** Delivered entries after `offset` (at most `limit`, up to `upTo`) from memory, or null when not all are held. */
  fromWindow(offset: number, limit: number, upTo: number): MessageEntry[] | null;
  /** Whether this connection may be sent the entry (a channel it can read); others are skipped, in order. */
  mayReplay: (entry: MessageEntry) => boolean;
  /** A bounded catch-up's plan: the batches up to its `through` come from it. */
  bounded?: BoundedReplay | null;
  /** Sends the entries, leaving out updates this connection already has (send-entries.ts). */
  sender: CatchUpSender;
}

/**
 * Batches from the window before the core may finish synchronously although more than a batch is left: under a
 * message rate that refills each back-pressure wait with about a batch, waiting for the remainder to shrink would
 * never end. Past these, batching goes on only while each batch shrinks what is left by at least half a batch
 * (`MIN_PROGRESS`): a backlog that is simply large (10,000 missed, all in the window) is still sent a batch at a
 * time, with other sockets served between batches, instead of 7,000 at once in one synchronous step. The
 * synchronous remainder is bounded by the window's size either way.
 */
const MAX_WINDOW_BATCHES = 3;
const MIN_PROGRESS = 0.5;

export async function replayMissed(socket: TetherSocket, fromOffset: number, sources: ReplaySources): Promise<Replay> {
  const { bounded } = sources;
  const replay: Replay = { sent: 0, fromStore: 0, sentThrough: fromOffset, aborted: false };
  let windowBatches = 0;
  let leftBefore = Infinity;
  for (;;) {
    if (!socket.connected) return { ...replay, aborted: true };
    const upTo = sources.deliveredThrough();
    if (replay.sentThrough >= upTo) return replay;
    let batch: { entries: MessageEntry[]; inMemory: boolean; through: number };
    if (bounded && replay.sentThrough < bounded.through) {
      batch = await bounded.next(replay.sentThrough, sources.batchSize);
    } else {
      const held = sources.fromWindow(replay.sentThrough, sources.batchSize + 1, upTo);
      // What is left, as a span of the log (entries of channels this connection cannot read included).
      const left = upTo - replay.sentThrough;
      const stalled = windowBatches >= MAX_WINDOW_BATCHES && left > leftBefore - sources.batchSize * MIN_PROGRESS;
      leftBefore = left;
      // What is left is in memory and fits in one batch (or stopped shrinking): the core sends it in the same
      // synchronous step in which the connection goes live. Waiting once more would only let more arrive.
      if (held !== null && (held.length <= sources.batchSize || stalled)) return replay;
      if (held) {
        windowBatches++;
        const entries = held.slice(0, sources.batchSize);
        batch = { entries, inMemory: true, through: entries[entries.length - 1]!.offset };
      } else {
        const entries = await readStoredEntries(sources.store, replay.sentThrough, sources.batchSize, upTo);
        // Offsets are not contiguous for one connection's reads: nothing is stored in (sentThrough, upTo] when empty.
        batch = { entries, inMemory: false, through: entries.length > 0 ? entries[entries.length - 1]!.offset : upTo };
      }
    }
    if (!socket.connected) return { ...replay, aborted: true };
    const sent = sources.sender.send(batch.entries.filter(sources.mayReplay));
    replay.sent += sent;
    if (!batch.inMemory) replay.fromStore += sent;
    replay.sentThrough = batch.through;
    if (batch.entries.length > 0) await waitUntilWritable(socket);
  }
}

/**
 * The next at most `limit` messages and changes after `after` (up to `upTo`), in log order. The changes are read
 * only up to the last message of a full read (so none is read twice), and the result is cut at the last change
 * of a full read of them: each list is complete up to where the merge stops.
 */
export async function readStoredEntries(store: MessageStore, after: number, limit: number, upTo: number): Promise<MessageEntry[]> {
  const messages = await store.getMessagesAfter(after, limit, upTo);
  const updates = await store.getUpdatesAfter(after, limit, messages.length === limit ? messages[limit - 1]!.id : upTo);
  const entries: MessageEntry[] = messages.map((message) => ({ offset: message.id, message }));
  if (updates.length === 0) return entries;
  for (const update of updates) entries.push({ offset: update.offset, update });
  entries.sort((x, y) => x.offset - y.offset);
  return entries.length > limit ? entries.slice(0, limit) : entries;
}

/**
 * Resolves once the connection has flushed what was written, so the next batch is read only when the client is
 * keeping up. Always yields at least one macrotask, so other sockets are served between batches.
 *
 * `conn.transport.writable` and the transport's `drain` event are engine.io's public Transport interface (the one
 * custom transports implement): a WebSocket transport is writable again once `ws` has handed the frame to the OS.
 */
function waitUntilWritable(socket: Socket): Promise<void> {
  const conn = socket.conn;
  const transport = conn.transport;
  return new Promise((resolve) => {
    if (conn.readyState !== "open" || transport.writable) {
      setImmediate(resolve);
      return;
    }
    const done = () => {
      transport.off("drain", done);
      conn.off("close", done);
      setImmediate(resolve);
    };
    transport.on("drain", done);
    conn.on("close", done);
  });
}
