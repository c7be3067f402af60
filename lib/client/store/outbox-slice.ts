import type { AckError } from "../../shared/errors";
import {
  mergeOutboxes,
  newClientOffset,
  rememberSettled,
  resolveTargets,
  storageLacksUnsent,
  type ChangeEntry,
  type OutboxEntry,
  type SendEntry,
} from "../outbox";
import type { SliceCreator } from "./types";

export interface OutboxSlice {
  /** Unsent (pending/failed) messages, plus acknowledged ones until their message arrives. */
  outbox: OutboxEntry[];
  /** clientOffsets that are done (acknowledged or discarded), shared with other tabs through storage. */
  settled: string[];
  enqueue(channel: string, content: string, replyTo?: number): SendEntry;
  /** A change to a message (by its id, or by its clientOffset while it waits in the outbox), queued after all before it. */
  enqueueChange(change: ChangeRequest): ChangeEntry;
  markSent(clientOffset: string, id: number): void;
  /** A change was acknowledged: its `message:update` (which came first) shows it; the entry is done. */
  markChanged(clientOffset: string): void;
  markFailed(clientOffset: string, error: Pick<AckError, "code" | "message">): void;
  retry(clientOffset: string): void;
  discard(clientOffset: string): void;
  /**
   * Takes in what another tab stored: its new entries and what it settled. Writes this tab's outbox back when the
   * stored one lacks an entry this tab has not settled (a tab of older code overwrote it).
   */
  adoptOutbox(theirs: { outbox: OutboxEntry[]; settled: string[] }): void;
}

/** What a change asks, without the fields every entry gets. */
export type ChangeRequest =
  | { kind: "edit"; channel: string; messageId?: number; target: string; content: string }
  | { kind: "delete"; channel: string; messageId?: number; target: string }
  | { kind: "react" | "unreact"; channel: string; messageId?: number; target: string; emoji: string };

let seq = 0;

export const createOutboxSlice: SliceCreator<OutboxSlice> = (set, get) => ({
  outbox: [],
  settled: [],
  enqueue: (channel, content, replyTo) => {
    const entry: SendEntry = {
      kind: "send",
      clientOffset: newClientOffset(),
      channel,
      content,
      createdAt: Date.now(),
      seq: seq++,
      status: "pending",
      ...(replyTo !== undefined && { replyTo }),
    };
    set((s) => ({ outbox: [...s.outbox, entry] }));
    return entry;
  },
  enqueueChange: (change) => {
    const entry = { ...change, clientOffset: newClientOffset(), createdAt: Date.now(), seq: seq++, status: "pending" } as ChangeEntry;
    set((s) => ({ outbox: [...s.outbox, entry] }));
    return entry;
  },
  markChanged: (clientOffset) =>
    set((s) => ({
      outbox: s.outbox.filter((e) => e.clientOffset !== clientOffset),
      settled: rememberSettled(s.settled, [clientOffset]),
    })),
  markSent: (clientOffset, id) =>
    set((s) => {
      const delivered = s.channels[s.outbox.find((e) => e.clientOffset === clientOffset)?.channel ?? ""]?.byId[id] !== undefined;
      const outbox = resolveTargets(s.outbox, new Map([[clientOffset, id]]));
      return {
        // Once the message itself is here it speaks for itself; until then the entry shows it as sent.
        outbox: delivered
          ? outbox.filter((e) => e.clientOffset !== clientOffset)
          : outbox.map((e) => (e.clientOffset === clientOffset && e.kind === "send" ? { ...e, status: "sent" as const, id, error: undefined } : e)),
        settled: rememberSettled(s.settled, [clientOffset]),
      };
    }),
  markFailed: (clientOffset, error) =>
    set((s) => ({ outbox: s.outbox.map((e) => (e.clientOffset === clientOffset ? { ...e, status: "failed" as const, error } : e)) })),
  retry: (clientOffset) =>
    set((s) => ({
      outbox: s.outbox.map((e) => (e.clientOffset === clientOffset ? { ...e, status: "pending" as const, error: undefined } : e)),
    })),
  discard: (clientOffset) =>
    set((s) => ({
      outbox: s.outbox.filter((e) => e.clientOffset !== clientOffset),
      settled: rememberSettled(s.settled, [clientOffset]),
    })),
  adoptOutbox: (theirs) => {
    const mine = get();
    const merged = mergeOutboxes({ outbox: mine.outbox, settled: mine.settled }, theirs);
    // Setting an unchanged outbox would write storage again and ping-pong storage events between tabs.
    const signature = (o: { outbox: OutboxEntry[]; settled: string[] }) =>
      `${o.settled.length}:${o.settled[o.settled.length - 1] ?? ""}|${o.outbox.map((e) => e.clientOffset + e.status).join(",")}`;
    if (signature(merged) !== signature(mine) || storageLacksUnsent(merged.outbox, theirs)) set(merged);
  },
});
