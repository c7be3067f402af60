/** Rows → wire DTOs, shared by both dialects (their rows have the same shape: ids and times as numbers). */
import type { Channel, ChannelVisibility, ChatMessage, MessageUpdate } from "../lib/shared/dto";
import { decodeReactions, type ChangeDecision } from "../lib/storage/message-change-rules";
import type { LogEntry, LogEvent } from "../lib/storage/message-store";
import { formatIsoTimestamp } from "./iso-timestamp";

export interface StoredMessageRow {
  id: number;
  channel: string;
  content: string;
  clientOffset: string;
  authorId: string;
  authorName: string;
  createdAt: number;
  version: number;
  editedAt: number | null;
  deletedAt: number | null;
  replyTo: number | null;
  reactions: string | null;
}

export interface StoredChannelRow {
  name: string;
  createdAt: number;
  visibility: string;
}

export function toChatMessage(row: StoredMessageRow): ChatMessage {
  return {
    // Number(): a bigint column read without drizzle's mapping arrives as a string; ids cross the wire as numbers.
    id: Number(row.id),
    channel: row.channel,
    content: row.content,
    clientOffset: row.clientOffset,
    author: { id: row.authorId, name: row.authorName },
    createdAt: formatIsoTimestamp(Number(row.createdAt)),
    // A row written before its version column existed reads 0 there: never changed, so its id.
    version: Number(row.version) || Number(row.id),
    editedAt: isoOrNull(row.editedAt),
    deletedAt: isoOrNull(row.deletedAt),
    reactions: decodeReactions(row.reactions),
    replyTo: row.replyTo === null ? null : Number(row.replyTo),
  };
}

const isoOrNull = (time: number | string | null) => (time === null ? null : formatIsoTimestamp(Number(time)));

/** A messages row as a raw catch-up query returns it: values in column order, no per-row object built by the driver. */
export type MessageColumns = [
  id: number,
  clientOffset: string,
  channel: string,
  authorId: string,
  authorName: string,
  content: string,
  createdAt: number,
  version: number,
  editedAt: number | null,
  deletedAt: number | null,
  replyTo: number | null,
  reactions: string | null,
];

export function chatMessageFromColumns([
  id,
  clientOffset,
  channel,
  authorId,
  authorName,
  content,
  createdAt,
  version,
  editedAt,
  deletedAt,
  replyTo,
  reactions,
]: MessageColumns): ChatMessage {
  return {
    id,
    channel,
    content,
    clientOffset,
    author: { id: authorId, name: authorName },
    createdAt: formatIsoTimestamp(createdAt),
    version: version || id,
    editedAt: editedAt === null ? null : formatIsoTimestamp(editedAt),
    deletedAt: deletedAt === null ? null : formatIsoTimestamp(deletedAt),
    reactions: reactions === null ? [] : decodeReactions(reactions),
    replyTo,
  };
}

export function toChannel(row: StoredChannelRow): Channel {
  return { name: row.name, createdAt: formatIsoTimestamp(Number(row.createdAt)), visibility: toVisibility(row.visibility) };
}

export function toVisibility(value: string): ChannelVisibility {
  return value === "private" || value === "dm" ? value : "public";
}

/** A log_events row as both dialects store it. */
export interface StoredLogEventRow {
  offset: number;
  kind: string;
  channel: string;
  userId: string | null;
  data: string | null;
  createdAt: number;
}

export function toLogEvent(row: StoredLogEventRow): LogEvent {
  const offset = Number(row.offset);
  switch (row.kind) {
    case "channel_created": {
      const data = JSON.parse(row.data ?? "{}") as { visibility?: string };
      return {
        kind: "channel_created",
        offset,
        channel: row.channel,
        visibility: toVisibility(data.visibility ?? "public"),
        createdBy: row.userId,
        createdAt: formatIsoTimestamp(Number(row.createdAt)),
      };
    }
    case "member_added":
    case "member_removed":
      return { kind: row.kind, offset, channel: row.channel, userId: row.userId ?? "" };
    default:
      throw new Error(`unknown log event kind ${row.kind} at offset ${offset}`);
  }
}

/**
 * Lists of entries, each ascending by offset and each complete up to its last entry, merged into one ascending list
 * of at most `limit`. Taking the first `limit` of the merge keeps it complete: no list holding `limit` entries can
 * be passed.
 */
export function mergeEntries<E extends { offset: number }>(lists: ReadonlyArray<readonly E[]>, limit: number): E[] {
  const merged = lists.flat().sort((a, b) => a.offset - b.offset);
  return merged.length > limit ? merged.slice(0, limit) : merged;
}

export const messageEntries = (messages: readonly ChatMessage[]): LogEntry[] => messages.map((message) => ({ offset: message.id, message }));
export const eventEntries = (events: readonly LogEvent[]): LogEntry[] => events.map((event) => ({ offset: event.offset, event }));
export const updateEntries = (updates: readonly MessageUpdate[]): LogEntry[] => updates.map((update) => ({ offset: update.offset, update }));

/** A message's state after a change the rules decided (message-change-rules.ts), stored at `offset` at time `now`. */
export function changedMessage(
  current: ChatMessage,
  decision: Extract<ChangeDecision, { status: "change" }>,
  offset: number,
  now: number,
): ChatMessage {
  return {
    ...current,
    content: decision.content,
    reactions: decision.reactions,
    version: offset,
    editedAt: decision.edited ? formatIsoTimestamp(now) : current.editedAt,
    deletedAt: decision.deleted ? formatIsoTimestamp(now) : current.deletedAt,
  };
}
