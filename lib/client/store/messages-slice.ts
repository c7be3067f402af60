import type { ChatMessage, Gap, MessageUpdate } from "../../shared/dto";
import { GENERAL_CHANNEL } from "../../shared/limits";
import { emptyChannel, MAX_HELD_PER_CHANNEL, mergeMessages, recordGaps, trimOldest, unreadBoundary, type ChannelMessages } from "../message-index";
import { isNewerState } from "../message-changes";
import { rememberSettled, resolveTargets } from "../outbox";
import type { SliceCreator } from "./types";

export interface MessagesSlice {
  channels: Record<string, ChannelMessages>;
  activeChannel: string;
  /**
   * Highest message id this client has processed, presented on every reconnect. Raised only together with (in
   * the same update as) the messages it covers being stored.
   */
  serverOffset: number;
  /**
   * The person follows the live end of the open channel (the view is at its bottom): new messages are held and
   * shown; otherwise they are counted as new below, and not held once that would grow the window past its bound.
   */
  followingLatest: boolean;
  /** Live or catch-up messages; returns how many were new. */
  receiveMessages(messages: readonly ChatMessage[]): number;
  /**
   * A message changed (`message:update`): its state replaces a held one of lower version; a message not held is
   * not kept (history pages bring current states). Either way the update's offset is processed.
   */
  receiveUpdate(update: MessageUpdate): void;
  /**
   * A bounded catch-up's skipped ranges, recorded before its messages arrive (and so before the offset passes
   * them); they count as unread in channels that are not open. Returns how many messages they hold.
   */
  receiveGaps(gaps: readonly Gap[]): number;
  /**
   * One channel's window changed by a history page or a jump (message-index.ts): stored, but it neither raises the
   * offset nor counts as unread. A channel this client no longer knows (it left while the page was on its way) is
   * not kept.
   */
  updateChannel(name: string, change: (channel: ChannelMessages) => ChannelMessages): void;
  setFollowingLatest(following: boolean): void;
  setActiveChannel(name: string): void;
  /**
   * A client that presented offset 0 is live from the moment it joined: older messages come from history pages,
   * so there is nothing to replay below the server's latest id.
   */
  startFromLatest(latestId: number): void;
  /**
   * The server holds fewer messages than this client has seen (its database was reset or replaced): the cached
   * conversation is not the server's any more, so it is dropped and the client starts over from the server's
   * latest id. Unsent messages stay in the outbox and are sent to the new database.
   */
  forgetHistory(latestId: number): void;
}

export const createMessagesSlice: SliceCreator<MessagesSlice> = (set, get) => ({
  channels: {},
  activeChannel: GENERAL_CHANNEL,
  serverOffset: 0,
  receiveMessages: (messages) => {
    if (messages.length === 0) return 0;
    const s = get();
    const channels = { ...s.channels };
    let newCount = 0;
    let highest = s.serverOffset;
    const arrivedOffsets: string[] = [];
    const ownIds = new Map<string, number>();
    const byChannel = new Map<string, ChatMessage[]>();
    for (const message of messages) {
      const list = byChannel.get(message.channel);
      if (list) list.push(message);
      else byChannel.set(message.channel, [message]);
    }
    for (const [name, list] of byChannel) {
      const { channel, added } = holdArrivals(channels[name] ?? emptyChannel(), list, name === s.activeChannel && !s.followingLatest);
      const others = added.filter((m) => m.author.id !== s.me?.id).length;
      channels[name] =
        name !== s.activeChannel
          ? { ...channel, unread: channel.unread + others }
          : s.followingLatest && !channel.hasMoreNewer
            ? channel
            : { ...channel, newBelow: channel.newBelow + others };
      newCount += added.length;
      for (const message of list) {
        highest = Math.max(highest, message.id);
        arrivedOffsets.push(message.clientOffset);
        if (message.author.id === s.me?.id) ownIds.set(message.clientOffset, message.id);
      }
    }
    const arrived = new Set(arrivedOffsets);
    // Changes made to own messages before they were sent need their id, whether or not their ack came first.
    const outbox = resolveTargets(s.outbox, ownIds);
    // A message proves the channel readable now, even before channel:joined describes it (that event can come
    // second): a channel list requested earlier must not drop it.
    const unknown = [...byChannel.keys()].filter((name) => !(name in s.channelInfo));
    const stamp = s.channelChanges + 1;
    set({
      channels,
      ...(unknown.length > 0 && {
        channelChanges: stamp,
        channelChangedAt: { ...s.channelChangedAt, ...Object.fromEntries(unknown.map((name) => [name, stamp])) },
      }),
      serverOffset: highest,
      // Own messages that arrived need no outbox entry any more, whether or not their ack came first.
      outbox: outbox.some((e) => arrived.has(e.clientOffset)) ? outbox.filter((e) => !arrived.has(e.clientOffset)) : outbox,
      settled: s.outbox.some((e) => arrived.has(e.clientOffset))
        ? rememberSettled(
            s.settled,
            s.outbox.filter((e) => arrived.has(e.clientOffset)).map((e) => e.clientOffset),
          )
        : s.settled,
    });
    return newCount;
  },
  receiveUpdate: ({ offset, message }) => {
    const s = get();
    const channel = s.channels[message.channel];
    const held = channel?.byId[message.id];
    const apply = channel !== undefined && held !== undefined && isNewerState(held, message);
    if (!apply && offset <= s.serverOffset) return;
    set({
      ...(apply && { channels: { ...s.channels, [message.channel]: { ...channel, byId: { ...channel.byId, [message.id]: message } } } }),
      serverOffset: Math.max(s.serverOffset, offset),
    });
  },
  receiveGaps: (gaps) => {
    const s = get();
    const channels = { ...s.channels };
    let total = 0;
    for (const gap of gaps) {
      const { channel, counted } = recordGaps(channels[gap.channel] ?? emptyChannel(), [
        { afterId: gap.afterId, beforeId: gap.beforeId, count: gap.count },
      ]);
      total += counted;
      channels[gap.channel] = gap.channel === s.activeChannel ? channel : { ...channel, unread: channel.unread + counted };
    }
    set({ channels });
    return total;
  },
  // These two run on scrolling: they leave the store (and its persisted copy, written on every `set`) alone when
  // nothing changes.
  updateChannel: (name, change) => {
    const s = get();
    if (!(name in s.channelInfo)) return;
    const before = s.channels[name] ?? emptyChannel();
    const after = change(before);
    if (after !== before) set({ channels: { ...s.channels, [name]: after } });
  },
  followingLatest: true,
  setFollowingLatest: (following) => {
    const s = get();
    if (following === s.followingLatest) return;
    const open = s.channels[s.activeChannel];
    // Back at the live end: what arrived below has been seen.
    set(
      following && open && !open.hasMoreNewer && open.newBelow > 0
        ? { followingLatest: true, channels: { ...s.channels, [s.activeChannel]: { ...open, newBelow: 0 } } }
        : { followingLatest: following },
    );
  },
  setActiveChannel: (name) =>
    set((s) => ({
      activeChannel: name,
      followingLatest: true,
      channels: { ...s.channels, [name]: opened(s.channels[name] ?? emptyChannel(), s.me?.id ?? null) },
    })),
  startFromLatest: (latestId) => set((s) => ({ serverOffset: Math.max(s.serverOffset, latestId) })),
  forgetHistory: (latestId) => set((s) => ({ channels: { [s.activeChannel]: emptyChannel() }, serverOffset: latestId })),
});

/**
 * Live or catch-up messages of one channel. A window that is not the live end (detached) does not hold them — they
 * are fetched with it when the person goes back to the newest — nor does one whose reader is far up in it and that
 * is full; a window that follows the live end drops its oldest messages beyond the bound.
 */
function holdArrivals(
  channel: ChannelMessages,
  list: readonly ChatMessage[],
  readingOlder: boolean,
): { channel: ChannelMessages; added: ChatMessage[] } {
  const detached = channel.hasMoreNewer || (readingOlder && channel.ids.length + list.length > MAX_HELD_PER_CHANNEL);
  if (!detached) {
    const merged = mergeMessages(channel, list);
    return readingOlder ? merged : { channel: trimOldest(merged.channel), added: merged.added };
  }
  // Ascending, and an id at or below the highest not held (or held) was counted already.
  const newest = Math.max(channel.newestNotHeldId, channel.ids[channel.ids.length - 1] ?? 0);
  const added = list.filter((m) => m.id > newest);
  if (added.length === 0) return { channel, added };
  return { channel: { ...channel, hasMoreNewer: true, newestNotHeldId: added[added.length - 1]!.id }, added };
}

/** A channel as it is opened: its unread messages are read now, and the divider marks where they start. */
function opened(channel: ChannelMessages, myId: string | null): ChannelMessages {
  return { ...channel, unread: 0, dividerAfterId: unreadBoundary(channel, channel.unread, myId), focusId: null, highlightId: null };
}
