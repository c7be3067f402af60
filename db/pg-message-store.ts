/**
 * MessageStore on PostgreSQL (node-postgres + Drizzle), for running several Tether instances on one database.
 *
 * Every message write takes one global transaction-level advisory lock and assigns ids as `max(id) + 1` while
 * holding it. So, across all instances, ids are dense (no holes) and *commit order equals id order*: once id N
 * is visible, every id below N is visible too. Cross-instance delivery (lib/server/delivery/ordered-delivery.ts)
 * builds on exactly that; docs/scale-out.md explains why.
 *
 * Writes use group commit (group-commit.ts) like the SQLite store: the inserts requested while the previous batch
 * was committing go into the next transaction, one lock acquisition and one commit for all of them; each caller's
 * promise resolves only after that commit, in id order.
 */
import path from "node:path";
import { and, asc, desc, eq, gt, inArray, lt, lte, sql } from "drizzle-orm";
import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import { Pool } from "pg";
import { GENERAL_CHANNEL } from "../lib/shared/limits";
import { createCommitListeners } from "./commit-listeners";
import { createGroupCommit } from "./group-commit";
import { historyPages, newestFirstPage } from "./history-pages";
import type { InsertMessageResult, MessageStore, NewMessage } from "../lib/storage/message-store";
import { toChannel, toChatMessage } from "./row-mapping";
import { channels, messages, type MessageRow } from "./schema.pg";
import { searchTerms, tsQueryText } from "./search-terms";

const MIGRATIONS_FOLDER = path.join(__dirname, "migrations", "pg");

/** Advisory lock keys (one 64-bit namespace per database): arbitrary, but fixed forever. */
const MIGRATION_LOCK_KEY = 0x7e7e_0001;
const MESSAGE_WRITE_LOCK_KEY = 0x7e7e_0002;

/** Applies the committed migrations; several instances starting at once take turns on a session advisory lock. */
async function migrateUnderLock(pool: Pool): Promise<void> {
  const client = await pool.connect();
  let healthy = false;
  try {
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    const db = drizzle(client);
    await migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
    await db.insert(channels).values({ name: GENERAL_CHANNEL, createdAt: Date.now() }).onConflictDoNothing();
    await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]);
    healthy = true;
  } finally {
    // On failure the connection is destroyed rather than reused: that also releases the session lock.
    client.release(!healthy);
  }
}

/** Inserts one batch in one transaction under the global write lock; results in the batch's order. */
async function writeBatch(db: NodePgDatabase, batch: NewMessage[]): Promise<InsertMessageResult[]> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(${MESSAGE_WRITE_LOCK_KEY})`);
    // Separate statements after the lock on purpose: under READ COMMITTED each statement takes a new snapshot,
    // so these see every batch committed by the previous holder of the lock.
    const offsets = [...new Set(batch.map((input) => input.clientOffset))];
    const existing = new Map<string, MessageRow>();
    for (const row of await tx.select().from(messages).where(inArray(messages.clientOffset, offsets))) {
      existing.set(row.clientOffset, row);
    }
    const [latest] = await tx.select({ id: sql<number>`coalesce(max(${messages.id}), 0)`.mapWith(Number) }).from(messages);
    let nextId = (latest?.id ?? 0) + 1;
    const now = Date.now();
    const fresh = new Map<string, typeof messages.$inferInsert>();
    for (const input of batch) {
      if (existing.has(input.clientOffset) || fresh.has(input.clientOffset)) continue;
      fresh.set(input.clientOffset, {
        id: nextId++,
        clientOffset: input.clientOffset,
        channel: input.channel,
        authorId: input.author.id,
        authorName: input.author.name,
        content: input.content,
        createdAt: now,
      });
    }
    const inserted = new Map<string, MessageRow>();
    if (fresh.size > 0) {
      for (const row of await tx
        .insert(messages)
        .values([...fresh.values()])
        .returning())
        inserted.set(row.clientOffset, row);
    }
    const claimed = new Set<string>();
    return batch.map((input): InsertMessageResult => {
      const original = existing.get(input.clientOffset);
      if (original) return { message: toChatMessage(original), duplicate: true };
      const row = inserted.get(input.clientOffset);
      if (!row) throw new Error(`insert of ${input.clientOffset} returned no row`);
      // The first request for an offset in this batch stored it; a repeat within the same batch is a duplicate.
      const duplicate = claimed.has(input.clientOffset);
      claimed.add(input.clientOffset);
      return { message: toChatMessage(row), duplicate };
    });
  });
}

export async function openPgMessageStore(connectionString: string): Promise<MessageStore> {
  const pool = new Pool({ connectionString, max: 10 });
  // An idle pooled connection can die (database restart); the pool replaces it and the next query reports any
  // lasting failure. Without a listener, node-postgres would crash the process on this event.
  pool.on("error", (error) => console.warn(`PostgreSQL: idle connection lost: ${error.message}`));
  const db = drizzle(pool);
  try {
    await migrateUnderLock(pool);
  } catch (error) {
    await pool.end();
    throw error;
  }

  const channelAfter = async (channel: string, after: number, limit: number, upTo = Number.MAX_SAFE_INTEGER) =>
    (
      await db
        .select()
        .from(messages)
        .where(and(eq(messages.channel, channel), gt(messages.id, after), lte(messages.id, upTo)))
        .orderBy(asc(messages.id))
        .limit(limit)
    ).map(toChatMessage);

  const committed = createCommitListeners();
  const commits = createGroupCommit<NewMessage, InsertMessageResult>(async (batch) => {
    const results = await writeBatch(db, batch);
    committed.notify(results.filter((result) => !result.duplicate).map((result) => result.message));
    return results;
  });

  return {
    dialect: "postgres",

    insertMessage(input) {
      return commits.submit(input);
    },

    async getMessagesAfter(offset, limit, upTo) {
      const after = sql`${messages.id} > ${offset}`;
      const rows = await db
        .select()
        .from(messages)
        .where(upTo === undefined ? after : and(after, sql`${messages.id} <= ${upTo}`))
        .orderBy(asc(messages.id))
        .limit(limit);
      return rows.map(toChatMessage);
    },

    ...historyPages({
      olderThan: async (channel, below, limit) =>
        (
          await db
            .select()
            .from(messages)
            .where(and(eq(messages.channel, channel), lt(messages.id, below)))
            .orderBy(desc(messages.id))
            .limit(limit)
        ).map(toChatMessage),
      newerThan: (channel, above, limit) => channelAfter(channel, above, limit),
    }),

    async getChannelBacklogs(channelNames, after, upTo, newest) {
      if (channelNames.length === 0) return [];
      // One round trip; both subqueries walk the (channel, id) index only.
      const { rows } = await pool.query<{ channel: string; count: string; newest_from: string | null }>(
        `SELECT c.channel,
                (SELECT count(*) FROM messages m WHERE m.channel = c.channel AND m.id > $2 AND m.id <= $3) AS count,
                (SELECT min(id) FROM (SELECT m.id FROM messages m WHERE m.channel = c.channel AND m.id > $2 AND m.id <= $3
                                      ORDER BY m.id DESC LIMIT $4) AS newest) AS newest_from
           FROM unnest($1::text[]) AS c(channel)`,
        [channelNames, after, upTo, newest],
      );
      return rows
        .filter((row) => Number(row.count) > 0)
        .map((row) => ({ channel: row.channel, count: Number(row.count), newestFrom: Number(row.newest_from) }));
    },

    getChannelMessagesAfter: (channel, after, limit, upTo) => channelAfter(channel, after, limit, upTo),

    async searchMessages({ text, channels: searched, authorId, before, limit }) {
      const terms = searchTerms(text);
      if (terms.length === 0 || searched.length === 0) return { messages: [], hasMore: false };
      const rows = await db
        .select()
        .from(messages)
        .where(
          and(
            // The expression of messages_content_search_idx (schema.pg.ts), so the GIN index answers it.
            sql`to_tsvector('english', ${messages.content}) @@ to_tsquery('english', ${tsQueryText(terms)})`,
            inArray(messages.channel, [...searched]),
            authorId === undefined ? undefined : eq(messages.authorId, authorId),
            before === undefined ? undefined : lt(messages.id, before),
          ),
        )
        .orderBy(desc(messages.id))
        .limit(limit + 1);
      return newestFirstPage(rows.map(toChatMessage), limit);
    },

    async getLatestMessageId() {
      const [row] = await db.select({ id: sql<number>`coalesce(max(${messages.id}), 0)`.mapWith(Number) }).from(messages);
      return row?.id ?? 0;
    },

    async listChannels() {
      return (await db.select().from(channels).orderBy(asc(channels.id))).map(toChannel);
    },

    async createChannel(name, createdBy) {
      const [created] = await db.insert(channels).values({ name, createdBy, createdAt: Date.now() }).onConflictDoNothing().returning();
      if (created) return { channel: toChannel(created), created: true };
      const [existing] = await db.select().from(channels).where(eq(channels.name, name));
      if (!existing) throw new Error(`channel ${name} conflicted but does not exist`);
      return { channel: toChannel(existing), created: false };
    },

    async channelExists(name) {
      const [row] = await db.select({ id: channels.id }).from(channels).where(eq(channels.name, name));
      return row !== undefined;
    },

    onCommitted: (listener) => committed.subscribe(listener),

    async ping() {
      await pool.query("SELECT 1");
    },

    async close() {
      // Writes already accepted are committed (and their callers resolved) before the pool goes away.
      await commits.drain();
      await pool.end();
    },
  };
}
