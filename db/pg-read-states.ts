/**
 * Read positions, mutes and mentions on PostgreSQL (ReadStateStore). Positions are upserts outside the log and its
 * write lock (they order nothing); mentions are written by the message insert, in its transaction
 * (`mentionRows`, inserted by pg-message-store.ts).
 */
import type { Pool } from "pg";
import type { ReadStateCounts, ReadStateStore, StoredReadState } from "../lib/storage/read-state-store";
import { EVERYONE_MENTIONED } from "../lib/storage/read-state-store";
import type { messageMentions } from "./schema.pg";

/** The rows that record who a message mentions (its author never). */
export function mentionRows(
  messageId: number,
  channel: string,
  authorId: string,
  mentioned: readonly string[],
): Array<typeof messageMentions.$inferInsert> {
  return [...new Set(mentioned)].filter((who) => who !== authorId).map((who) => ({ messageId, channel, mentioned: who, authorId }));
}

interface StateRow {
  read_up_to: string | number;
  muted: boolean;
}

const toState = (channel: string, row: StateRow | undefined): StoredReadState => ({
  channel,
  // bigint arrives as a string.
  readUpTo: Number(row?.read_up_to ?? 0),
  muted: row?.muted === true,
});

export function createPgReadStates(pool: Pool): ReadStateStore {
  return {
    async markRead(identityId, channel, upTo) {
      // Clamped to the channel's newest message in the same statement, and raised only (greatest).
      const { rows } = await pool.query<StateRow>(
        `INSERT INTO read_states (identity_id, channel, read_up_to, muted, updated_at)
         VALUES ($1, $2, least($3::bigint, coalesce((SELECT max(id) FROM messages WHERE channel = $2), 0)), false, $4)
         ON CONFLICT (identity_id, channel) DO UPDATE
           SET read_up_to = greatest(read_states.read_up_to, excluded.read_up_to), updated_at = excluded.updated_at
         RETURNING read_up_to, muted`,
        [identityId, channel, upTo, Date.now()],
      );
      return toState(channel, rows[0]);
    },

    async setMuted(identityId, channel, muted) {
      const { rows } = await pool.query<StateRow>(
        `INSERT INTO read_states (identity_id, channel, read_up_to, muted, updated_at) VALUES ($1, $2, 0, $3, $4)
         ON CONFLICT (identity_id, channel) DO UPDATE SET muted = excluded.muted, updated_at = excluded.updated_at
         RETURNING read_up_to, muted`,
        [identityId, channel, muted, Date.now()],
      );
      return toState(channel, rows[0]);
    },

    async getReadStates(identityId, channels, asOf, cap, floor = 0) {
      if (channels.length === 0) return [];
      // One round trip for every channel; each count walks one index (partial: messages not deleted, so a deleted
      // message counts for nobody; its mention rows went with it). Own messages first, so the total can stop at
      // exactly `cap` messages of others.
      const { rows } = await pool.query<{ channel: string; read_up_to: string; muted: boolean; total: string; own: string; mentions: string }>(
        `SELECT c.channel, greatest(coalesce(r.read_up_to, 0), $6) AS read_up_to, coalesce(r.muted, false) AS muted, own.n AS own, total.n AS total,
                (SELECT count(*) FROM (SELECT DISTINCT mm.message_id FROM message_mentions mm
                   WHERE mm.mentioned IN ($2, $5) AND mm.channel = c.channel AND mm.author_id <> $2
                     AND mm.message_id > greatest(coalesce(r.read_up_to, 0), $6) AND mm.message_id <= $3 LIMIT $4) t) AS mentions
           FROM unnest($1::text[]) WITH ORDINALITY AS c(channel, position)
           LEFT JOIN read_states r ON r.identity_id = $2 AND r.channel = c.channel
           CROSS JOIN LATERAL (SELECT count(*) AS n FROM (SELECT 1 FROM messages m WHERE m.author_id = $2 AND m.channel = c.channel
                                 AND m.id > greatest(coalesce(r.read_up_to, 0), $6) AND m.id <= $3 AND m.deleted_at IS NULL LIMIT $4) t) own
           CROSS JOIN LATERAL (SELECT count(*) AS n FROM (SELECT 1 FROM messages m WHERE m.channel = c.channel
                                 AND m.id > greatest(coalesce(r.read_up_to, 0), $6) AND m.id <= $3 AND m.deleted_at IS NULL LIMIT $4 + own.n) t) total
          ORDER BY c.position`,
        [channels, identityId, asOf, cap, EVERYONE_MENTIONED, floor],
      );
      return rows.map((row): ReadStateCounts => {
        const unread = Math.max(0, Number(row.total) - Number(row.own));
        return { ...toState(row.channel, row), unread, mentions: unread === 0 ? 0 : Number(row.mentions) };
      });
    },
  };
}
