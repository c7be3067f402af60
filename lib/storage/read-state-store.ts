/**
 * Read positions and mutes per identity (an account, or a guest identity) and channel, and the counts derived from
 * them (issue 16). Part of every MessageStore: the SQLite and PostgreSQL stores implement it next to their messages,
 * and the mentions it counts are written with each message, in the same transaction (`NewMessage.mentions`).
 */

/** Who a message mentions, as stored: an identity id, or this marker for `@channel` (everyone who reads it). */
export const EVERYONE_MENTIONED = "*";

export interface StoredReadState {
  channel: string;
  /** The highest message id read (0: nothing). */
  readUpTo: number;
  muted: boolean;
}

export interface ReadStateCounts extends StoredReadState {
  /** Messages with `readUpTo < id <= asOf` not written by the reader, at most `cap`. */
  unread: number;
  /** Of those, the ones with a mention of the reader or of everyone, at most `cap`. */
  mentions: number;
}

export interface ReadStateStore {
  /**
   * Moves `identityId`'s position in `channel` forward to `upTo`, clamped to the channel's newest message id; never
   * back. Resolves with the position stored now (higher than `upTo` when it already was).
   */
  markRead(identityId: string, channel: string, upTo: number): Promise<StoredReadState>;
  setMuted(identityId: string, channel: string, muted: boolean): Promise<StoredReadState>;
  /**
   * For each of `channels`: the stored state (nothing read, not muted, when none is stored) and its counts over
   * messages with `id <= asOf`. Counting reads the indexes only, and stops at `cap`. A position below `floor` counts
   * as `floor` (an identity that did not exist before it has read everything up to it).
   */
  getReadStates(identityId: string, channels: readonly string[], asOf: number, cap: number, floor?: number): Promise<ReadStateCounts[]>;
}
