/** Rows → wire DTOs, shared by both dialects (their rows have the same shape: ids and times as numbers). */
import type { Channel, ChatMessage } from "../lib/shared/dto";

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
    createdAt: new Date(Number(row.createdAt)).toISOString(),
  };
}

export function toChannel(row: StoredChannelRow): Channel {
  return { name: row.name, createdAt: new Date(Number(row.createdAt)).toISOString() };
}
