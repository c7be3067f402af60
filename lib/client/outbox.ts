/**
 * Pure outbox rules: what an unsent message looks like, which one goes next, and how two tabs' outboxes
 * combine. A clientOffset that was acknowledged or discarded is "settled" and never comes back, whichever tab
 * settled it.
 */
import type { AckError } from "../shared/errors";

export type OutboxStatus = "pending" | "sent" | "failed";

/**
 * A new message to send. The `kind` discriminates what an outbox entry asks of the server: edits, deletions and
 * reactions are kinds of their own (`ChangeEntry`), sharing the fields that identify and order an entry, so that
 * everything the person does goes out in the order they did it.
 */
export interface SendEntry {
  kind: "send";
  clientOffset: string;
  channel: string;
  content: string;
  /** When Send was pressed (ms since epoch); with `seq`, the send order across reloads and tabs. */
  createdAt: number;
  seq: number;
  status: OutboxStatus;
  /** Server id once acknowledged. */
  id?: number;
  error?: Pick<AckError, "code" | "message">;
  /** The message (same channel) this one answers. */
  replyTo?: number;
}

/** A change to a message: `message:edit`, `message:delete`, `reaction:add`, `reaction:remove`. */
interface ChangeFields {
  clientOffset: string;
  channel: string;
  createdAt: number;
  seq: number;
  /** A change is removed once acknowledged (its `message:update` came first), so it is never "sent". */
  status: OutboxStatus;
  error?: Pick<AckError, "code" | "message">;
  /** The message's id; absent while the message itself waits in the outbox (it is filled in by its ack). */
  messageId?: number;
  /** The message's clientOffset: how a change made to a message still unsent finds it. */
  target: string;
}

export type ChangeEntry =
  | (ChangeFields & { kind: "edit"; content: string })
  | (ChangeFields & { kind: "delete" })
  | (ChangeFields & { kind: "react" | "unreact"; emoji: string });

export type ChangeKind = ChangeEntry["kind"];

export type OutboxEntry = SendEntry | ChangeEntry;

export function isSendEntry(entry: OutboxEntry): entry is SendEntry {
  return entry.kind === "send";
}

/** How many settled clientOffsets are remembered: far more than a person can have in flight. */
export const SETTLED_MEMORY = 500;

/** A UUID; `crypto.randomUUID` exists only in secure contexts, so a LAN address over http falls back. */
export function newClientOffset(): string {
  const c = globalThis.crypto;
  if (typeof c.randomUUID === "function") return c.randomUUID();
  const bytes = c.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function bySendOrder(a: OutboxEntry, b: OutboxEntry): number {
  return a.createdAt - b.createdAt || a.seq - b.seq || a.clientOffset.localeCompare(b.clientOffset);
}

/** The next message to send: the oldest pending one. Failed ones wait for the person to retry them. */
export function nextPending(outbox: readonly OutboxEntry[]): OutboxEntry | undefined {
  return [...outbox].filter((e) => e.status === "pending").sort(bySendOrder)[0];
}

export function rememberSettled(settled: readonly string[], clientOffsets: readonly string[]): string[] {
  const fresh = clientOffsets.filter((co) => !settled.includes(co));
  if (fresh.length === 0) return settled as string[];
  return [...settled, ...fresh].slice(-SETTLED_MEMORY);
}

/**
 * Whether `stored` (another tab's write) lacks an unsent entry of `outbox`: then this tab must write its own
 * outbox back, or closing it would lose that entry. A tab running older code that cannot read this version's
 * value writes its own outbox over it, without ours.
 */
export function storageLacksUnsent(outbox: readonly OutboxEntry[], stored: { outbox: readonly OutboxEntry[] }): boolean {
  const kept = new Set(stored.outbox.map((e) => e.clientOffset));
  return outbox.some((e) => e.status !== "sent" && !kept.has(e.clientOffset));
}

/**
 * Combines this tab's outbox with another's (read from storage). Entries this tab knows keep this tab's
 * version; entries only the other tab knows are adopted; anything settled by either side is dropped, except
 * this tab's own `sent` entries, which stay on screen until their message arrives.
 */
export function mergeOutboxes(
  mine: { outbox: readonly OutboxEntry[]; settled: readonly string[] },
  theirs: { outbox: readonly OutboxEntry[]; settled: readonly string[] },
): { outbox: OutboxEntry[]; settled: string[] } {
  const settled = rememberSettled(mine.settled, theirs.settled);
  const settledSet = new Set(settled);
  const known = new Set(mine.outbox.map((e) => e.clientOffset));
  const outbox: OutboxEntry[] = [];
  for (const entry of mine.outbox) {
    if (entry.status !== "sent" && settledSet.has(entry.clientOffset)) {
      // Another tab had it acknowledged: shown as sent until the message itself arrives here.
      outbox.push({ ...entry, status: "sent" });
    } else {
      outbox.push(entry);
    }
  }
  for (const entry of theirs.outbox) {
    if (!known.has(entry.clientOffset) && !settledSet.has(entry.clientOffset) && entry.status !== "sent") outbox.push(entry);
  }
  return { outbox: outbox.sort(bySendOrder), settled };
}

/**
 * Gives the changes made to messages that were still unsent their message's id, once it is known (from the ack or
 * from the message arriving). Returns the same array when nothing changed.
 */
export function resolveTargets(outbox: OutboxEntry[], ids: ReadonlyMap<string, number>): OutboxEntry[] {
  if (ids.size === 0 || !outbox.some((e) => e.kind !== "send" && e.messageId === undefined && ids.has(e.target))) return outbox;
  return outbox.map((e) => (e.kind !== "send" && e.messageId === undefined && ids.has(e.target) ? { ...e, messageId: ids.get(e.target)! } : e));
}
