import type { ChatMessage } from "../../shared/dto";
import { GENERAL_CHANNEL } from "../../shared/limits";
import { emptyChannel, mergeMessages, type ChannelMessages } from "../message-index";
import { rememberSettled } from "../outbox";
import type { SliceCreator } from "./types";

export interface MessagesSlice {
  channels: Record<string, ChannelMessages>;
  activeChannel: string;
  /**
   * Highest message id this client has processed, presented on every reconnect. Raised only together with (in
   * the same update as) the messages it covers being stored.
   */
  serverOffset: number;
  /** Live or catch-up messages; returns how many were new. */
  receiveMessages(messages: readonly ChatMessage[]): number;
  /**
   * An older page: stored, but it neither raises the offset nor counts as unread. A page of a channel this client
   * no longer knows (it left while the page was on its way) is not kept.
   */
  receiveHistoryPage(channel: string, messages: readonly ChatMessage[], hasMore: boolean): void;
  setLoadingOlder(channel: string, loading: boolean): void;
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
    const byChannel = new Map<string, ChatMessage[]>();
    for (const message of messages) {
      const list = byChannel.get(message.channel);
      if (list) list.push(message);
      else byChannel.set(message.channel, [message]);
    }
    for (const [name, list] of byChannel) {
      const { channel, added } = mergeMessages(channels[name] ?? emptyChannel(), list);
      const unreadAdded = name === s.activeChannel ? 0 : added.filter((m) => m.author.id !== s.me?.id).length;
      channels[name] = unreadAdded > 0 ? { ...channel, unread: channel.unread + unreadAdded } : channel;
      newCount += added.length;
      for (const message of list) {
        highest = Math.max(highest, message.id);
        arrivedOffsets.push(message.clientOffset);
      }
    }
    const arrived = new Set(arrivedOffsets);
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
      outbox: s.outbox.some((e) => arrived.has(e.clientOffset)) ? s.outbox.filter((e) => !arrived.has(e.clientOffset)) : s.outbox,
      settled: s.outbox.some((e) => arrived.has(e.clientOffset))
        ? rememberSettled(
            s.settled,
            s.outbox.filter((e) => arrived.has(e.clientOffset)).map((e) => e.clientOffset),
          )
        : s.settled,
    });
    return newCount;
  },
  receiveHistoryPage: (name, messages, hasMore) =>
    set((s) => {
      if (!(name in s.channelInfo)) return {};
      const { channel } = mergeMessages(s.channels[name] ?? emptyChannel(), messages);
      return { channels: { ...s.channels, [name]: { ...channel, hasMoreOlder: hasMore, loadingOlder: false } } };
    }),
  setLoadingOlder: (name, loadingOlder) =>
    set((s) => (name in s.channelInfo ? { channels: { ...s.channels, [name]: { ...(s.channels[name] ?? emptyChannel()), loadingOlder } } } : {})),
  setActiveChannel: (name) =>
    set((s) => ({
      activeChannel: name,
      channels: { ...s.channels, [name]: { ...(s.channels[name] ?? emptyChannel()), unread: 0 } },
    })),
  startFromLatest: (latestId) => set((s) => ({ serverOffset: Math.max(s.serverOffset, latestId) })),
  forgetHistory: (latestId) => set((s) => ({ channels: { [s.activeChannel]: emptyChannel() }, serverOffset: latestId })),
});
