/**
 * How a client keeps a channel's counts exact between two `read:state` events: each `read:state` (and each entry of
 * `session:ready.channels`) counts every message the connection received before it and none after; every message
 * received after it is counted with `countReceivedMessage`. docs/protocol.md, "Read state", states the rule.
 */
import type { ChannelReadState, ChannelVisibility, ChatMessage } from "./dto";
import { MAX_UNREAD_COUNT } from "./limits";
import { mentionsReader, type MentionReader } from "./mentions";

/** The state of a channel the server told nothing about yet (one created or joined later): nothing read, nothing unread. */
export function emptyReadState(channel: string): ChannelReadState {
  return { channel, readUpTo: 0, unread: 0, mentions: 0, muted: false };
}

/** `state` after one more message of its channel arrived (live or in a catch-up batch, after the state was sent). */
export function countReceivedMessage(
  state: ChannelReadState,
  message: ChatMessage,
  visibility: ChannelVisibility | undefined,
  reader: MentionReader,
): ChannelReadState {
  if (message.channel !== state.channel || message.id <= state.readUpTo || message.author.id === reader.id) return state;
  return {
    ...state,
    unread: Math.min(MAX_UNREAD_COUNT, state.unread + 1),
    mentions: mentionsReader(message, visibility, reader) ? Math.min(MAX_UNREAD_COUNT, state.mentions + 1) : state.mentions,
  };
}
