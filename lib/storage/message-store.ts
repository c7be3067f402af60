/**
 * The one storage interface the realtime layer knows. SQLite (default) and PostgreSQL implement it side by side
 * and run the same test suite; handlers never learn which one they talk to.
 */
import type { Author, Channel, ChatMessage, HistoryPage } from "../shared/dto";

export interface NewMessage {
  clientOffset: string;
  channel: string;
  author: Author;
  content: string;
}

export interface InsertMessageResult {
  /** The stored row: the new one, or for a duplicate the original that was stored first. */
  message: ChatMessage;
  duplicate: boolean;
}

export type CommitListener = (messages: readonly ChatMessage[]) => void;

export interface MessageStore {
  readonly dialect: "sqlite" | "postgres";
  /**
   * Stores a message once per `clientOffset`. Resolves only after the row is durably committed; a later call
   * with the same `clientOffset` stores nothing and resolves with the original row and `duplicate: true`.
   */
  insertMessage(input: NewMessage): Promise<InsertMessageResult>;
  /**
   * Messages with `id > offset` (and `id <= upTo` when given), ascending, at most `limit`. Used by catch-up replay,
   * which bounds its reads by what has been delivered live so far.
   */
  getMessagesAfter(offset: number, limit: number, upTo?: number): Promise<ChatMessage[]>;
  /** The newest `limit` messages of a channel below `before` (all when absent), ascending. */
  getHistoryPage(channel: string, before: number | undefined, limit: number): Promise<HistoryPage>;
  getLatestMessageId(): Promise<number>;
  listChannels(): Promise<Channel[]>;
  /** Creates a channel; `created` is false when it already existed. */
  createChannel(name: string, createdBy: string): Promise<{ channel: Channel; created: boolean }>;
  channelExists(name: string): Promise<boolean>;
  /**
   * Calls `listener` with the messages each commit of *this process* stored, in id order, synchronously after the
   * commit and before the writers' promises resolve. Returns the unsubscribe function.
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
