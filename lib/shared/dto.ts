/** Data shapes that cross the wire. Ids are always JSON numbers. */
import type { PublicUser } from "./identity";

export interface Author {
  id: string;
  name: string;
}

export interface ChatMessage {
  /** The server offset: strictly increasing across all channels. */
  id: number;
  channel: string;
  content: string;
  clientOffset: string;
  author: Author;
  /** ISO 8601 */
  createdAt: string;
  /**
   * The log offset of the latest change reflected in this state (`version === id` when never changed). A client
   * applies a state only if its version is higher than the one it holds.
   */
  version: number;
  /** ISO 8601 of the latest edit; null when never edited. */
  editedAt: string | null;
  /** ISO 8601 of the deletion; null unless deleted. A deleted message has `content: ""` and no reactions. */
  deletedAt: string | null;
  /** In first-reaction order. */
  reactions: Reaction[];
  /** The id of the message (of the same channel) this one answers. */
  replyTo: number | null;
}

export interface Reaction {
  /** One emoji (a single grapheme cluster). */
  emoji: string;
  count: number;
  /** Who reacted, in the order they did. */
  userIds: string[];
}

/** `message:update`: a message's full state after the change at `offset` of the log. */
export interface MessageUpdate {
  offset: number;
  message: ChatMessage;
}

/** The answer to message:edit, message:delete, reaction:add and reaction:remove. */
export interface MessageChangeResult {
  /** The change's log position; null when the call changed nothing (then nothing was stored or broadcast). */
  offset: number | null;
  /** A retry of a clientOffset already stored: `offset` is the original one. */
  duplicate: boolean;
}

export type ChannelVisibility = "public" | "private" | "dm";

/** A member of a channel, as others see them. */
export interface Member {
  id: string;
  /** null for a guest (guests appear only as authors, never as members). */
  username: string | null;
  name: string;
  /**
   * In a `channel:members` answer for a channel other than `general`: "owner" for its creator (who may remove
   * members), "member" for everyone else. Absent elsewhere.
   */
  role?: MemberRole;
}

export type MemberRole = "owner" | "member";

export interface Channel {
  name: string;
  createdAt: string;
  /** "public" (listed to everyone, read by everyone), "private" (members only) or "dm" (fixed participants). */
  visibility: ChannelVisibility;
  /** A DM's participants (every one of them, the reader included); absent for other channels. */
  members?: Member[];
}

export interface HistoryPage {
  /** Ascending by id. */
  messages: ChatMessage[];
  /** `hasMoreBefore` for a page `before` an id (or the newest), `hasMoreAfter` for `after`, either for `around`. */
  hasMore: boolean;
  /** The channel holds older messages than this page. */
  hasMoreBefore: boolean;
  /** The channel holds newer messages than this page. */
  hasMoreAfter: boolean;
}

/**
 * Messages a bounded catch-up (`auth.replay`) skipped: `channel` holds exactly `count` messages with
 * `afterId < id < beforeId` that this connection is not sent. Load them with `history:fetch` (`before: beforeId`).
 */
export interface Gap {
  channel: string;
  /** The client's `serverOffset`. */
  afterId: number;
  /** The oldest message of `channel` the catch-up does send. */
  beforeId: number;
  count: number;
}

export interface SearchResult {
  /** Newest first (descending id). */
  messages: ChatMessage[];
  hasMore: boolean;
}

export interface SendMessageResult {
  id: number;
  duplicate: boolean;
}

/** Sent once per connection, after any catch-up replay has been delivered. */
export interface SessionReady {
  /** Who this connection is; `username` is null for a guest. */
  user: PublicUser;
  /** Socket.IO restored the session from its buffer (no database replay was needed). */
  recovered: boolean;
  /** Messages replayed from the database on this connection. */
  replayed: number;
  /** Highest message id the server has stored when the session became ready. */
  latestId: number;
  /** `typingExpireMs`: how long a typing indicator lasts without a new `typing:start` (absent from older servers). */
  limits: { maxMessageLength: number; typingExpireMs?: number };
  /**
   * The read state of every channel this connection may read, as of `latestId`: the counts include every message
   * with an id up to `latestId` and none above (see docs/protocol.md, "Read state"). Absent from older servers.
   */
  channels?: ChannelReadState[];
}

/**
 * How far one identity (an account, or a guest identity) has read one channel, and what is left: the same on every
 * connection of that identity. Sent in `session:ready.channels` and as `read:state`.
 */
export interface ChannelReadState {
  channel: string;
  /** The highest message id read; it only grows. 0: nothing read. */
  readUpTo: number;
  /** Messages with an id above `readUpTo` not written by the reader (at most MAX_UNREAD_COUNT). */
  unread: number;
  /** Of those, the ones that mention the reader: `@username`, `@channel`, and every message of a DM. */
  mentions: number;
  /** The identity muted the channel (`channel:mute`); counts are still kept. */
  muted: boolean;
}

/** Typing in a channel: sent to the others who may read it; never stored, never replayed. */
export interface TypingNotice {
  channel: string;
  user: Author;
  /** false: stopped (sent a message, `typing:stop`, disconnected, or TYPING_EXPIRE_MS without a new start). */
  typing: boolean;
}

/** online: a connection active; away: connected, every connection away; offline: no connection. */
export type PresenceState = "online" | "away" | "offline";

export interface PresenceNotice {
  userId: string;
  state: PresenceState;
}
