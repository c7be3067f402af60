/**
 * Pure bookkeeping for the messages of one channel: kept by id (a message seen twice is kept once), displayed in
 * id order. The socket can deliver a message more than once (recovery buffers, catch-up after a partial
 * recovery, history pages overlapping live messages), so every path goes through `mergeMessages`.
 */
import type { ChatMessage } from "../shared/dto";

export interface ChannelMessages {
  byId: Record<number, ChatMessage>;
  /** Ascending ids: the display order. */
  ids: number[];
  /** False once a history page said there is nothing older. */
  hasMoreOlder: boolean;
  loadingOlder: boolean;
  unread: number;
}

export function emptyChannel(): ChannelMessages {
  return { byId: {}, ids: [], hasMoreOlder: true, loadingOlder: false, unread: 0 };
}

/** Adds the messages this channel does not hold yet; returns the new channel state and what was new. */
export function mergeMessages(channel: ChannelMessages, incoming: readonly ChatMessage[]): { channel: ChannelMessages; added: ChatMessage[] } {
  const added: ChatMessage[] = [];
  const seen = new Set<number>();
  let byId = channel.byId;
  // A catch-up batch holds up to a thousand messages: look repeats up in a set, not by scanning `added`.
  for (const message of incoming) {
    if (byId[message.id] !== undefined || seen.has(message.id)) continue;
    seen.add(message.id);
    added.push(message);
  }
  if (added.length === 0) return { channel, added };
  byId = { ...byId };
  for (const message of added) byId[message.id] = message;
  const addedIds = added.map((m) => m.id).sort((a, b) => a - b);
  const last = channel.ids[channel.ids.length - 1];
  // The common case (live messages, catch-up) appends; only history pages and rare reorders need a sort.
  const ids = last === undefined || addedIds[0]! > last ? [...channel.ids, ...addedIds] : [...channel.ids, ...addedIds].sort((a, b) => a - b);
  return { channel: { ...channel, byId, ids }, added };
}

/** The newest `limit` messages, ascending: a contiguous suffix of the channel, so older history has no gap. */
export function newestMessages(channel: ChannelMessages, limit: number): ChatMessage[] {
  return channel.ids.slice(-limit).map((id) => channel.byId[id]!);
}

export function oldestId(channel: ChannelMessages): number | undefined {
  return channel.ids[0];
}
