/** Rows → wire DTOs, shared by both dialects (their rows have the same shape: ids and times as numbers). */
import type { Channel, ChatMessage } from "../lib/shared/dto";
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
  return { name: row.name, createdAt: formatIsoTimestamp(Number(row.createdAt)) };
}
