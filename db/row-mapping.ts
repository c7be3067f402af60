/** Rows → wire DTOs, shared by both dialects (their rows have the same shape: ids and times as numbers). */
import type { Channel, ChannelVisibility, ChatMessage } from "../lib/shared/dto";
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
  };
}

/** A messages row as a raw catch-up query returns it: values in column order, no per-row object built by the driver. */
export type MessageColumns = [
  id: number,
  clientOffset: string,
  channel: string,
  authorId: string,
  authorName: string,
  content: string,
  createdAt: number,
];

export function chatMessageFromColumns([id, clientOffset, channel, authorId, authorName, content, createdAt]: MessageColumns): ChatMessage {
  return { id, channel, content, clientOffset, author: { id: authorId, name: authorName }, createdAt: formatIsoTimestamp(createdAt) };
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

/** Messages and events (each ascending) merged into one ascending list of entries, at most `limit`. */
export function mergeEntries(messages: readonly ChatMessage[], events: readonly LogEvent[], limit: number): LogEntry[] {
  const entries: LogEntry[] = [];
  let m = 0;
  let e = 0;
  while (entries.length < limit && (m < messages.length || e < events.length)) {
    const message = messages[m];
    const event = events[e];
    if (message && (!event || message.id < event.offset)) {
      entries.push({ offset: message.id, message });
      m++;
    } else if (event) {
      entries.push({ offset: event.offset, event });
      e++;
    }
  }
  return entries;
}
