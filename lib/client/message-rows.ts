/**
 * What the message list shows for a channel: stored messages in id order, then this person's messages that the
 * server has not delivered back yet (outbox), in send order. Consecutive messages by one author within a few
 * minutes are grouped under one name.
 */
import type { ChatMessage, Reaction } from "../shared/dto";
import { applyPending, CHANGE_LABEL, changeTargets } from "./message-changes";
import { topGap, type ChannelMessages, type HeldGap } from "./message-index";
import type { ChangeEntry, OutboxEntry, OutboxStatus } from "./outbox";

export const GROUP_WINDOW_MS = 5 * 60_000;

export interface MessageRow {
  key: string;
  /** The server's id; undefined while an own message waits for its ack. */
  id?: number;
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
  /** As shown: the held state with this person's pending changes applied (message-changes.ts). */
  editedAt: string | null;
  deleted: boolean;
  reactions: Reaction[];
  /** The answered message: its author and text (null when deleted); `quote` undefined when it is not held. */
  replyTo: number | null;
  quote?: { authorName: string; text: string | null };
  /** This person's changes to the message wait in the outbox. */
  changePending: boolean;
  /** The latest refused change, with the server's reason. */
  changeError?: { clientOffset: string; label: string; message: string };
}

/** Applies this person's changes (pending ones shown, the latest refused one reported) to a row. */
function withChanges(row: MessageRow, changes: readonly ChangeEntry[], meId: string | null): MessageRow {
  const mine = changes.filter((c) => changeTargets(c, row));
  if (mine.length === 0) return row;
  const pending = mine.filter((c) => c.status === "pending");
  const refused = mine.filter((c) => c.status === "failed").pop();
  const shown = applyPending(row, pending, meId);
  return {
    ...row,
    ...shown,
    changePending: pending.length > 0,
    changeError: refused && {
      clientOffset: refused.clientOffset,
      label: CHANGE_LABEL[refused.kind],
      message: refused.error?.message ?? "The server refused this change.",
    },
  };
}

function quoteOf(message: ChatMessage | undefined): MessageRow["quote"] {
  if (!message) return undefined;
  return { authorName: message.author.name, text: message.deletedAt ? null : message.content };
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
  const rows: MessageRow[] = stored.map((m) => ({
    key: `m${m.id}`,
    id: m.id,
    authorId: m.author.id,
    authorName: m.author.name,
    content: m.content,
    createdAt: m.createdAt,
    status: me && m.author.id === me.id ? "sent" : undefined,
    clientOffset: m.clientOffset,
    continuesGroup: false,
    editedAt: m.editedAt,
    deleted: m.deletedAt !== null,
    reactions: m.reactions,
    replyTo: m.replyTo,
    quote: m.replyTo === null ? undefined : quoteOf(channel!.byId[m.replyTo]),
    changePending: false,
  }));
  const waiting: MessageRow[] = [];
  // Unsent messages belong at the live end: a detached window (a jump into the past) does not show them.
  for (const entry of channel?.hasMoreNewer ? [] : outbox) {
    if (entry.kind !== "send" || entry.channel !== channelName || storedOffsets.has(entry.clientOffset)) continue;
    const row: MessageRow = {
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
      editedAt: null,
      deleted: false,
      reactions: [],
      replyTo: entry.replyTo ?? null,
      quote: entry.replyTo === undefined ? undefined : quoteOf(channel?.byId[entry.replyTo]),
      changePending: false,
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
  const changes = outbox.filter((e): e is ChangeEntry => e.kind !== "send" && e.channel === channelName);
  if (changes.length > 0) {
    for (let i = 0; i < rows.length; i++) rows[i] = withChanges(rows[i]!, changes, me?.id ?? null);
  }
  const kept = new Set(channel?.keepsAuthorLine);
  const gaps = channel?.gaps ?? [];
  let nextGap = 0;
  for (let i = 1; i < rows.length; i++) {
    const previous = rows[i - 1]!;
    const row = rows[i]!;
    // A message right below a gap starts a group: it keeps its author line while the gap is loaded (the gap's page
    // then records it in keepsAuthorLine), so the row on screen does not grow as the gap fills.
    let belowGap = false;
    if (row.id !== undefined) {
      while (nextGap < gaps.length && gaps[nextGap]!.beforeId <= row.id) {
        if (previous.id !== undefined && gaps[nextGap]!.afterId >= previous.id) belowGap = true;
        nextGap++;
      }
    }
    row.continuesGroup =
      !belowGap &&
      !(row.id !== undefined && kept.has(row.id)) &&
      previous.authorId === row.authorId &&
      previous.authorName === row.authorName &&
      Date.parse(row.createdAt) - Date.parse(previous.createdAt) < GROUP_WINDOW_MS;
  }
  return rows;
}

/** One row of the message list: a message, a gap to load, the list's start or end, or the unread divider. */
export type ListRow =
  | { kind: "message"; key: string; row: MessageRow }
  | { kind: "gap"; key: string; gap: HeldGap }
  | { kind: "start"; key: "start" }
  | { kind: "newer"; key: "newer" }
  | { kind: "divider"; key: "divider" };

/**
 * The rows of the list: the start marker (unless the window begins with a gap), messages with each recorded gap
 * where it lies, a marker for newer messages below a detached window, and the "New messages" divider before the
 * first row with an id above `dividerAfterId` (a gap row counts as id `afterId + 1`).
 */
export function buildListRows(channel: ChannelMessages | undefined, messages: readonly MessageRow[], dividerAfterId: number | null): ListRow[] {
  const gaps = channel?.gaps ?? [];
  const rows: ListRow[] = [];
  let divided = dividerAfterId === null;
  const divideBefore = (id: number) => {
    if (!divided && id > dividerAfterId!) {
      rows.push({ kind: "divider", key: "divider" });
      divided = true;
    }
  };
  const pushGap = (gap: HeldGap) => {
    divideBefore(gap.afterId + 1);
    rows.push({ kind: "gap", key: `gap${gap.afterId}`, gap });
  };
  if (!channel || !topGap(channel)) rows.push({ kind: "start", key: "start" });
  let next = 0;
  for (const row of messages) {
    while (next < gaps.length && (row.id === undefined || row.id >= gaps[next]!.beforeId)) pushGap(gaps[next++]!);
    if (row.id !== undefined && row.status !== "sent") divideBefore(row.id);
    rows.push({ kind: "message", key: row.key, row });
  }
  while (next < gaps.length) pushGap(gaps[next++]!);
  if (channel?.hasMoreNewer) rows.push({ kind: "newer", key: "newer" });
  return rows;
}
