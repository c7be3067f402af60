/**
 * Read positions, mutes and mentions on SQLite (ReadStateStore): prepared statements on the store's own connection.
 * Positions are upserts outside the log (they order nothing); mentions are written by the message insert, in its
 * transaction (`insertMentions`), and replaced or removed by an edit or a delete in theirs (`deleteMentions`).
 */
import type Database from "better-sqlite3";
import type { ReadStateCounts, ReadStateStore, StoredReadState } from "../lib/storage/read-state-store";
import { EVERYONE_MENTIONED } from "../lib/storage/read-state-store";

export interface SqliteReadStates extends ReadStateStore {
  /** Stores who a message mentions; runs inside the transaction that inserts the message. */
  insertMentions: (messageId: number, channel: string, authorId: string, mentioned: readonly string[]) => void;
  /** Forgets who a message mentions (it was edited or deleted); runs inside the transaction of the change. */
  deleteMentions: (messageId: number) => void;
}

interface StateRow {
  read_up_to: number;
  muted: number;
}

const toState = (channel: string, row: StateRow | undefined): StoredReadState => ({
  channel,
  readUpTo: row?.read_up_to ?? 0,
  muted: row?.muted === 1,
});

export function createSqliteReadStates(sqlite: Database.Database): SqliteReadStates {
  const insertMention = sqlite.prepare<[number, string, string, string]>(
    "INSERT INTO message_mentions (message_id, channel, mentioned, author_id) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
  );
  const deleteMentions = sqlite.prepare<[number]>("DELETE FROM message_mentions WHERE message_id = ?");
  // Clamped to the channel's newest message in the same statement, and raised only (max).
  const markRead = sqlite.prepare<[string, string, number, string, number], StateRow>(
    `INSERT INTO read_states (identity_id, channel, read_up_to, muted, updated_at)
     VALUES (?, ?, min(?, coalesce((SELECT max(id) FROM messages WHERE channel = ?), 0)), 0, ?)
     ON CONFLICT (identity_id, channel) DO UPDATE SET read_up_to = max(read_up_to, excluded.read_up_to), updated_at = excluded.updated_at
     RETURNING read_up_to, muted`,
  );
  const setMuted = sqlite.prepare<[string, string, number, number], StateRow>(
    `INSERT INTO read_states (identity_id, channel, read_up_to, muted, updated_at) VALUES (?, ?, 0, ?, ?)
     ON CONFLICT (identity_id, channel) DO UPDATE SET muted = excluded.muted, updated_at = excluded.updated_at
     RETURNING read_up_to, muted`,
  );
  const selectState = sqlite.prepare<[string, string], StateRow>("SELECT read_up_to, muted FROM read_states WHERE identity_id = ? AND channel = ?");
  // Each count walks one index only (the partial (channel, id) and (author_id, channel, id) of messages not deleted,
  // (mentioned, channel, message_id)), never the message rows, and stops at the cap. A deleted message counts for
  // nobody: it drops out of the partial indexes, and its mention rows are deleted with it.
  const countRange = sqlite
    .prepare<[string, number, number, number], number>(
      "SELECT count(*) FROM (SELECT 1 FROM messages WHERE channel = ? AND id > ? AND id <= ? AND deleted_at IS NULL LIMIT ?)",
    )
    .pluck();
  const countOwn = sqlite
    .prepare<[string, string, number, number, number], number>(
      "SELECT count(*) FROM (SELECT 1 FROM messages WHERE author_id = ? AND channel = ? AND id > ? AND id <= ? AND deleted_at IS NULL LIMIT ?)",
    )
    .pluck();
  const countMentions = sqlite
    .prepare<[string, string, string, number, number, string, number], number>(
      `SELECT count(*) FROM (SELECT DISTINCT message_id FROM message_mentions
         WHERE mentioned IN (?, ?) AND channel = ? AND message_id > ? AND message_id <= ? AND author_id <> ? LIMIT ?)`,
    )
    .pluck();

  return {
    insertMentions(messageId, channel, authorId, mentioned) {
      for (const who of mentioned) if (who !== authorId) insertMention.run(messageId, channel, who, authorId);
    },

    deleteMentions(messageId) {
      deleteMentions.run(messageId);
    },

    async markRead(identityId, channel, upTo) {
      return toState(channel, markRead.get(identityId, channel, upTo, channel, Date.now()));
    },

    async setMuted(identityId, channel, muted) {
      return toState(channel, setMuted.get(identityId, channel, muted ? 1 : 0, Date.now()));
    },

    async getReadStates(identityId, channels, asOf, cap, floor = 0) {
      return channels.map((channel): ReadStateCounts => {
        const stored = toState(channel, selectState.get(identityId, channel));
        const state = { ...stored, readUpTo: Math.max(stored.readUpTo, floor) };
        const after = state.readUpTo;
        if (after >= asOf) return { ...state, unread: 0, mentions: 0 };
        // Own messages first, so the total can stop at exactly `cap` messages of others.
        const own = countOwn.get(identityId, channel, after, asOf, cap) ?? 0;
        const unread = Math.max(0, (countRange.get(channel, after, asOf, cap + own) ?? 0) - own);
        const mentions = unread === 0 ? 0 : (countMentions.get(identityId, EVERYONE_MENTIONED, channel, after, asOf, identityId, cap) ?? 0);
        return { ...state, unread, mentions };
      });
    },
  };
}
