/**
 * What the message list shows for a channel: stored messages in id order, then this person's messages that the
 * server has not delivered back yet (outbox), in send order. Consecutive messages by one author within a few
 * minutes are grouped under one name.
 */
import type { ChatMessage } from "../shared/dto";
import type { ChannelMessages } from "./message-index";
import type { OutboxEntry, OutboxStatus } from "./outbox";

export const GROUP_WINDOW_MS = 5 * 60_000;

export interface MessageRow {
  key: string;
  authorId: string;
  authorName: string;
  content: string;
  createdAt: string;
  /** Set on own messages only. */
  status?: OutboxStatus;
  error?: OutboxEntry["error"];
  clientOffset: string;
  /** Same author as the row above, shortly after: shown without the name. */
  continuesGroup: boolean;
}

export function buildMessageRows(
  channel: ChannelMessages | undefined,
  outbox: readonly OutboxEntry[],
  channelName: string,
  me: { id: string; name: string } | null,
  fallbackName: string,
): MessageRow[] {
  const stored: ChatMessage[] = channel ? channel.ids.map((id) => channel.byId[id]!) : [];
  const storedOffsets = new Set(stored.map((m) => m.clientOffset));
  const rows: Array<MessageRow & { id?: number }> = stored.map((m) => ({
    key: `m${m.id}`,
    id: m.id,
    authorId: m.author.id,
    authorName: m.author.name,
    content: m.content,
    createdAt: m.createdAt,
    status: me && m.author.id === me.id ? "sent" : undefined,
    clientOffset: m.clientOffset,
    continuesGroup: false,
  }));
  const waiting: MessageRow[] = [];
  for (const entry of outbox) {
    if (entry.channel !== channelName || storedOffsets.has(entry.clientOffset)) continue;
    const row: MessageRow & { id?: number } = {
      key: `o${entry.clientOffset}`,
      id: entry.id,
      authorId: me?.id ?? "me",
      authorName: me?.name ?? fallbackName,
      content: entry.content,
      createdAt: new Date(entry.createdAt).toISOString(),
      status: entry.status,
      error: entry.error,
      clientOffset: entry.clientOffset,
      continuesGroup: false,
    };
    if (entry.id === undefined) {
      waiting.push(row);
      continue;
    }
    // Acknowledged but not delivered back yet: its id already says where it belongs.
    const at = rows.findIndex((r) => r.id !== undefined && r.id > entry.id!);
    rows.splice(at === -1 ? rows.length : at, 0, row);
  }
  rows.push(...waiting);
  for (let i = 1; i < rows.length; i++) {
    const previous = rows[i - 1]!;
    const row = rows[i]!;
    row.continuesGroup =
      previous.authorId === row.authorId &&
      previous.authorName === row.authorName &&
      Date.parse(row.createdAt) - Date.parse(previous.createdAt) < GROUP_WINDOW_MS;
  }
  return rows;
}
