/**
 * Read state, as the server keeps it per identity (docs/protocol.md, "Read state and counts"): each channel's read
 * position, its unread and mention counts, and its mute. The server's states replace what is held; every message
 * this connection receives after a state is counted on top of it (`countReceivedMessage`), so the counts are the
 * same on every device without a state per message. Not persisted: each connection starts from `session:ready`.
 */
import type { ChannelReadState, ChatMessage } from "../../shared/dto";
import type { MentionReader } from "../../shared/mentions";
import { countReceivedMessage, emptyReadState } from "../../shared/read-state";
import type { SliceCreator } from "./types";

export interface ReadStateSlice {
  /** By channel; a channel without an entry has nothing read and nothing unread yet. */
  readStates: Record<string, ChannelReadState>;
  /** Whom mentions are counted for (set by `session:ready`); null before the first one. */
  reader: MentionReader | null;
  /** `session:ready`: the state of every channel this connection may read, replacing all held. */
  readStatesReady(reader: MentionReader, states: readonly ChannelReadState[]): void;
  /** `read:state`: one channel's state, replacing the one held. */
  readStateChanged(state: ChannelReadState): void;
  /**
   * Messages this connection received after the states held: each one new to this connection (an id above
   * `receivedUpTo`, the offset before they arrived; a repeat is never counted twice) is counted by the server's rule.
   */
  countReceived(messages: readonly ChatMessage[], receivedUpTo: number): void;
  /** The person pressed Mute: shown at once, confirmed by the `read:state` that follows. */
  muteChanged(channel: string, muted: boolean): void;
}

export const createReadStateSlice: SliceCreator<ReadStateSlice> = (set, get) => ({
  readStates: {},
  reader: null,
  readStatesReady: (reader, states) => set({ reader, readStates: Object.fromEntries(states.map((state) => [state.channel, state])) }),
  readStateChanged: (state) => set((s) => ({ readStates: { ...s.readStates, [state.channel]: state } })),
  countReceived: (messages, receivedUpTo) => {
    const s = get();
    if (!s.reader) return;
    let readStates: Record<string, ChannelReadState> | null = null;
    for (const message of messages) {
      if (message.id <= receivedUpTo) continue;
      const before = (readStates ?? s.readStates)[message.channel] ?? emptyReadState(message.channel);
      const after = countReceivedMessage(before, message, s.channelInfo[message.channel]?.visibility, s.reader);
      if (after === before) continue;
      readStates ??= { ...s.readStates };
      readStates[message.channel] = after;
    }
    if (readStates) set({ readStates });
  },
  muteChanged: (channel, muted) =>
    set((s) => ({ readStates: { ...s.readStates, [channel]: { ...(s.readStates[channel] ?? emptyReadState(channel)), muted } } })),
});

/** What the sidebar shows for a channel: a muted channel shows no unread count, only its mentions. */
export function shownCounts(state: ChannelReadState | undefined): { unread: number; mentions: number } {
  if (!state) return { unread: 0, mentions: 0 };
  return { unread: state.muted ? 0 : state.unread, mentions: state.mentions };
}

/** The count in the document title: unread mentions in every channel, muted ones included (they still mention you). */
export function totalMentions(readStates: Record<string, ChannelReadState>): number {
  let total = 0;
  for (const state of Object.values(readStates)) total += state.mentions;
  return total;
}
