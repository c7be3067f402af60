/**
 * The one storage interface the realtime layer knows. SQLite (default) and PostgreSQL implement it side by side
 * and run the same test suite; handlers never learn which one they talk to.
 */
import type { Author, Channel, ChannelVisibility, ChatMessage, HistoryPage, MessageUpdate, SearchResult } from "../shared/dto";
import type { ReadStateStore } from "./read-state-store";

export interface NewMessage {
  clientOffset: string;
  channel: string;
  author: Author;
  content: string;
  /**
   * Who the message mentions (identity ids, or EVERYONE_MENTIONED for `@channel`; never its author): stored in the
   * same transaction as the message, once, with the message's id.
   */
  mentions?: readonly string[];
  /** The message it answers; the caller checked it exists in the same channel. */
  replyTo?: number | null;
}

/** A change to a message, as the realtime layer asks for it; the store decides it against the current state. */
export type MessageChangeRequest = {
  messageId: number;
  clientOffset: string;
  actor: { id: string; isAdmin: boolean };
} & (
  | {
      kind: "edit";
      content: string;
      /** Who the new content mentions (as NewMessage.mentions): they replace the message's mentions, in the same transaction. */
      mentions?: readonly string[];
    }
  | { kind: "delete" }
  | { kind: "reaction_add"; emoji: string }
  | { kind: "reaction_remove"; emoji: string }
);

export type MessageChangeKind = MessageChangeRequest["kind"];

/**
 * What a change request did. `applied`: stored at `offset` (the message's new version), `message` is the state after
 * it. `unchanged`: it would change nothing, nothing stored. `duplicate`: its clientOffset was stored before, at
 * `offset`. The others are refusals (nothing stored): see lib/storage/message-change-rules.ts.
 */
export type MessageChangeOutcome =
  /** `contentBefore`: the message's text just before this change, as the write transaction read it. */
  | { status: "applied"; offset: number; message: ChatMessage; contentBefore: string }
  | { status: "unchanged" }
  | { status: "duplicate"; offset: number }
  | { status: "unknown_message" | "forbidden" | "message_deleted" | "too_many_reactions" };

export interface InsertMessageResult {
  /** The stored row: the new one, or for a duplicate the original that was stored first. */
  message: ChatMessage;
  duplicate: boolean;
}

/**
 * The log's entries that are not messages. They take offsets from the same sequence as message ids, so that every
 * instance applies a membership change in order with the messages around it (a member removed at offset R receives
 * no message with an id above R, on any instance).
 */
export type LogEvent =
  | { kind: "channel_created"; offset: number; channel: string; visibility: ChannelVisibility; createdBy: string | null; createdAt: string }
  | { kind: "member_added"; offset: number; channel: string; userId: string }
  | { kind: "member_removed"; offset: number; channel: string; userId: string };

/**
 * One entry of the log, in offset order: a message (its id is its offset), a change to a message (`update`: the
 * message's state after it), or an event.
 */
export type LogEntry =
  | { offset: number; message: ChatMessage; update?: undefined; event?: undefined }
  | { offset: number; update: MessageUpdate; message?: undefined; event?: undefined }
  | { offset: number; event: LogEvent; message?: undefined; update?: undefined };

/** The entries a connection is sent: new messages and updates, in log order. */
export type MessageEntry = Exclude<LogEntry, { event: LogEvent }>;

export type CommitListener = (entries: readonly LogEntry[]) => void;

export interface ChannelMembership {
  role: "owner" | "member";
  /** The log offset at which the current membership began. */
  joinedAtOffset: number;
  /** False for an ex-member (left or removed). */
  current: boolean;
}

/** What a membership change did: the offset of its event, or null when it changed nothing. */
export interface MembershipChange {
  offset: number | null;
}
/** A channel's share of a catch-up range, as a bounded catch-up plans it (lib/server/delivery/bounded-replay.ts). */
export interface ChannelBacklog {
  channel: string;
  /** Messages of the channel in the range. */
  count: number;
  /** The id of the oldest of the channel's newest `newest` messages in the range (its first one when it holds fewer). */
  newestFrom: number;
}

export interface MessageSearch {
  /** What the person typed: every word must match, the last one as a prefix too. */
  text: string;
  /**
   * The only channels searched. The caller decides them (the channels the connection may read, narrowed to one
   * when asked): the store never widens them.
   */
  channels: readonly string[];
  authorId?: string;
  /** Only messages with a lower id. */
  before?: number;
  limit: number;
}

export interface MessageStore extends ReadStateStore {
  readonly dialect: "sqlite" | "postgres";
  /**
   * Stores a message once per `clientOffset`. Resolves only after the row is durably committed; a later call
   * with the same `clientOffset` stores nothing and resolves with the original row and `duplicate: true`.
   */
  insertMessage(input: NewMessage): Promise<InsertMessageResult>;
  /**
   * Messages with `id > offset` (and `id <= upTo` when given), ascending, at most `limit`, in their current state.
   * Used by catch-up replay, which bounds its reads by what has been delivered live so far.
   */
  getMessagesAfter(offset: number, limit: number, upTo?: number): Promise<ChatMessage[]>;
  /**
   * Applies a change to a message once per `clientOffset`, atomically with the message's new state (and its search
   * index), at the next offset of the log. Resolves after the commit.
   */
  changeMessage(request: MessageChangeRequest): Promise<MessageChangeOutcome>;
  /** A message in its current state; null when there is none with this id. */
  getMessage(id: number): Promise<ChatMessage | null>;
  /**
   * Changes with `offset > after` (and `<= upTo`), ascending, at most `limit`: each as its offset and the message's
   * state — its current one, whose `version` may be above the change's offset. Catch-up replays them.
   */
  getUpdatesAfter(after: number, limit: number, upTo?: number): Promise<MessageUpdate[]>;
  /** The newest `limit` messages of a channel below `before` (all when absent), ascending. */
  getHistoryPage(channel: string, before: number | undefined, limit: number): Promise<HistoryPage>;
  /** The log's entries (messages, updates and events) with `offset > after`, ascending, at most `limit`. */
  getEntriesAfter(after: number, limit: number): Promise<LogEntry[]>;
  /** The highest offset in the log (a message id, a change's or an event's offset); 0 when empty. */
  getLatestOffset(): Promise<number>;
  /** The oldest `limit` messages of a channel above `after`, ascending; `hasMore` means newer ones exist. */
  getHistoryPageAfter(channel: string, after: number, limit: number): Promise<HistoryPage>;
  /**
   * At most `limit` messages of a channel centred on `around`, ascending: the message itself when it is in the
   * channel, half of the rest older, the others newer (a side with too few leaves its share to the other).
   * `hasMore` means older or newer ones exist.
   */
  getHistoryPageAround(channel: string, around: number, limit: number): Promise<HistoryPage>;
  /**
   * For each of `channels` holding messages with `after < id <= upTo`: how many, and where its newest `newest` of
   * them start. Reads the (channel, id) index, never the rows: a 100,000-message backlog costs no 100,000 rows.
   */
  getChannelBacklogs(channels: readonly string[], after: number, upTo: number, newest: number): Promise<ChannelBacklog[]>;
  /** One channel's messages with `after < id <= upTo`, ascending, at most `limit` (a bounded catch-up's reads). */
  getChannelMessagesAfter(channel: string, after: number, limit: number, upTo: number): Promise<ChatMessage[]>;
  /**
   * Full-text search, newest first, in `search.channels` only. A message is found as soon as its insert resolved:
   * the index is written in the same transaction.
   */
  searchMessages(search: MessageSearch): Promise<SearchResult>;
  /** Every channel, in creation order, `general` first (no DM members). */
  listChannels(): Promise<Channel[]>;
  /** Public channels, and the private channels and DMs `userId` is a current member of (none for null). */
  listChannelsReadableBy(userId: string | null): Promise<Channel[]>;
  getChannel(name: string): Promise<Channel | null>;
  /**
   * Creates a channel (an event at the next offset) with its first members: the creator as owner, and for a DM
   * every participant (each a `member_added` event). `created` is false when the name was taken (nothing stored).
   */
  createChannel(
    name: string,
    createdBy: string,
    options?: { visibility?: ChannelVisibility; members?: readonly string[] },
  ): Promise<{ channel: Channel; created: boolean }>;
  channelExists(name: string): Promise<boolean>;
  /** Makes `userId` a current member (event `member_added`); `offset` null when they already were one. */
  addMember(channel: string, userId: string): Promise<MembershipChange>;
  /** Ends `userId`'s membership (event `member_removed`); `offset` null when they were not a current member. */
  removeMember(channel: string, userId: string): Promise<MembershipChange>;
  /** `userId`'s membership of `channel`, current or past; null when they never were a member. */
  getMembership(channel: string, userId: string): Promise<ChannelMembership | null>;
  /** The current members of a channel, in joining order. */
  listMembers(channel: string): Promise<Array<{ userId: string; role: "owner" | "member" }>>;
  /** The private channels and DMs `userId` is a current member of, with the offset each membership began at. */
  getPrivateMemberships(userId: string): Promise<Map<string, number>>;
  /**
   * Calls `listener` with the entries each commit of *this process* stored, in offset order, synchronously after
   * the commit and before the writers' promises resolve. Returns the unsubscribe function.
   */
  onCommitted(listener: CommitListener): () => void;
  /** Throws when the database cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Thrown by a store when a write could not be committed (locked, full, read-only disk, lost connection). */
export class StorageUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StorageUnavailableError";
  }
}
