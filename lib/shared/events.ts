/**
 * The wire contract, typed once for server (`Server<C2S, S2C, {}, SocketData>`) and client (`Socket<S2C, C2S>`).
 * Documented in docs/protocol.md. Types never replace runtime validation: see ./schemas.ts.
 */
import type { AckCallback } from "./ack";
import type {
  Author,
  Channel,
  ChannelReadState,
  ChannelVisibility,
  ChatMessage,
  Gap,
  HistoryPage,
  Member,
  MessageChangeResult,
  MessageUpdate,
  PresenceNotice,
  SearchResult,
  SendMessageResult,
  SessionReady,
  TypingNotice,
} from "./dto";
import type { Identity } from "./identity";

export interface HandshakeAuth {
  /** Highest message id this client has processed. */
  serverOffset?: number;
  /** A guest's display name (an account's comes from the server). */
  name?: string;
  /** A personal access token: the connection acts as its account. */
  token?: string;
  /** A bounded catch-up: per channel, only the newest `perChannel` missed messages; the rest is announced as gaps. */
  replay?: ReplayRequest;
}

export interface ReplayRequest {
  /** 1–10,000. */
  perChannel: number;
}

export interface SendMessagePayload {
  channel: string;
  content: string;
  clientOffset: string;
  /** The id of the message (same channel) this one answers. */
  replyTo?: number;
}

/** Only the author edits. */
export interface MessageEditPayload {
  id: number;
  content: string;
  clientOffset: string;
}

/** The author, or the workspace admin, deletes. */
export interface MessageDeletePayload {
  id: number;
  clientOffset: string;
}

/** reaction:add and reaction:remove: the caller's own reaction. */
export interface ReactionPayload {
  id: number;
  /** One emoji: a single grapheme cluster of emoji characters. */
  emoji: string;
  clientOffset: string;
}

/** At most one of `before`, `after`, `around`. */
export interface HistoryFetchPayload {
  channel: string;
  before?: number;
  after?: number;
  around?: number;
  limit?: number;
}

export interface SearchMessagesPayload {
  query: string;
  channel?: string;
  /** An author id. */
  author?: string;
  /** Only messages with a lower id (the next page). */
  before?: number;
  limit?: number;
}

export interface ChannelCreatePayload {
  name: string;
  /** "public" (default) or "private"; DMs are opened with dm:open. */
  visibility?: Exclude<ChannelVisibility, "dm">;
}

export interface ChannelPayload {
  channel: string;
}

export interface ChannelUserPayload {
  channel: string;
  username: string;
}

export interface DmOpenPayload {
  /** The other participants (1–7 of them); the caller is always one. */
  usernames: string[];
}

export interface ProfileUpdatePayload {
  name: string;
}

export interface ReadMarkPayload {
  channel: string;
  /** The highest message id the user has seen in the channel: an integer >= 0 (clamped to the channel's newest id). */
  upTo: number;
}

export interface ChannelMutePayload {
  channel: string;
  muted: boolean;
}

export interface PresenceSetPayload {
  state: "active" | "away";
}

export interface PresenceListPayload {
  /** Author or member ids: 1-500 of them. */
  userIds: string[];
}

export interface ClientToServerEvents {
  "message:send": (payload: SendMessagePayload, ack: AckCallback<SendMessageResult>) => void;
  "history:fetch": (payload: HistoryFetchPayload, ack: AckCallback<HistoryPage>) => void;
  "channel:list": (ack: AckCallback<{ channels: Channel[] }>) => void;
  "channel:create": (payload: ChannelCreatePayload, ack: AckCallback<{ channel: Channel }>) => void;
  "profile:update": (payload: ProfileUpdatePayload, ack: AckCallback<{ user: Author }>) => void;
  "channel:join": (payload: ChannelPayload, ack: AckCallback<{ channel: Channel }>) => void;
  "channel:leave": (payload: ChannelPayload, ack: AckCallback<{ channel: string }>) => void;
  "channel:invite": (payload: ChannelUserPayload, ack: AckCallback<{ member: Member }>) => void;
  "channel:remove": (payload: ChannelUserPayload, ack: AckCallback<{ channel: string; username: string }>) => void;
  "channel:members": (payload: ChannelPayload, ack: AckCallback<{ members: Member[] }>) => void;
  "dm:open": (payload: DmOpenPayload, ack: AckCallback<{ channel: Channel }>) => void;
  "search:messages": (payload: SearchMessagesPayload, ack: AckCallback<SearchResult>) => void;
  /** Moves this identity's read position in a channel forward (never back); every connection of it hears `read:state`. */
  "read:mark": (payload: ReadMarkPayload, ack: AckCallback<{ channel: string; readUpTo: number }>) => void;
  "channel:mute": (payload: ChannelMutePayload, ack: AckCallback<{ channel: string; muted: boolean }>) => void;
  /** The ack is optional for the typing events: a client may send them without one. */
  "typing:start": (payload: ChannelPayload, ack?: AckCallback<{ channel: string }>) => void;
  "typing:stop": (payload: ChannelPayload, ack?: AckCallback<{ channel: string }>) => void;
  /** This connection's activity: "away" when its tab is hidden or idle. */
  "presence:set": (payload: PresenceSetPayload, ack?: AckCallback<{ state: "active" | "away" }>) => void;
  "presence:list": (payload: PresenceListPayload, ack: AckCallback<{ presence: PresenceNotice[] }>) => void;
  "message:edit": (payload: MessageEditPayload, ack: AckCallback<MessageChangeResult>) => void;
  "message:delete": (payload: MessageDeletePayload, ack: AckCallback<MessageChangeResult>) => void;
  "reaction:add": (payload: ReactionPayload, ack: AckCallback<MessageChangeResult>) => void;
  "reaction:remove": (payload: ReactionPayload, ack: AckCallback<MessageChangeResult>) => void;
}

export interface ServerToClientEvents {
  /** One live message. */
  "message:new": (message: ChatMessage) => void;
  /**
   * A bounded catch-up's skipped ranges, one per channel that has one; sent once, before any `message:batch`, and
   * only when something was skipped.
   */
  "message:gaps": (gaps: Gap[]) => void;
  /** Catch-up replay: ascending by id, sent before any live message with a higher id. */
  "message:batch": (messages: ChatMessage[]) => void;
  /**
   * A message changed (edited, deleted, a reaction added or removed): its full state after the change at `offset`.
   * Live and in catch-ups, in log order with `message:new` and `message:batch`.
   */
  "message:update": (update: MessageUpdate) => void;
  /** A public channel was created (every connection hears of it). */
  "channel:created": (channel: Channel) => void;
  /** This user can now read a channel: created it, joined it, was invited, or a DM was opened with them. */
  "channel:joined": (channel: Channel) => void;
  /** This user can no longer read a channel: left it or was removed. */
  "channel:left": (payload: { channel: string }) => void;
  /**
   * Sent once per connection, after any catch-up. It carries an acknowledgement callback, which older clients call;
   * the server no longer needs it.
   */
  "session:ready": (info: SessionReady, confirm: () => void) => void;
  /** A channel's read state changed for this identity (a read elsewhere, a mute, a channel joined). */
  "read:state": (state: ChannelReadState) => void;
  /** Someone else started or stopped typing in a channel this connection may read. */
  typing: (notice: TypingNotice) => void;
  /** A user's presence changed. */
  presence: (notice: PresenceNotice) => void;
}

export interface SocketData {
  /** Decided by the server at the handshake (identity-middleware.ts); never taken from a payload. */
  user: Identity;
}
