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
import { and, asc, desc, eq, inArray, lt, sql } from "drizzle-orm";
import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import { Pool } from "pg";
import { GENERAL_CHANNEL } from "../lib/shared/limits";
import { createGroupCommit } from "./group-commit";
import type { InsertMessageResult, MessageStore, NewMessage } from "./message-store";
import { toChannel, toChatMessage } from "./row-mapping";
import { channels, messages, type MessageRow } from "./schema.pg";

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

  const commits = createGroupCommit<NewMessage, InsertMessageResult>((batch) => writeBatch(db, batch));

  return {
    dialect: "postgres",

    insertMessage(input) {
      return commits.submit(input);
    },

    async getMessagesAfter(offset, limit) {
      const rows = await db
        .select()
        .from(messages)
        .where(sql`${messages.id} > ${offset}`)
        .orderBy(asc(messages.id))
        .limit(limit);
      return rows.map(toChatMessage);
    },

    async getHistoryPage(channel, before, limit) {
      const rows = await db
        .select()
        .from(messages)
        .where(before === undefined ? eq(messages.channel, channel) : and(eq(messages.channel, channel), lt(messages.id, before)))
        .orderBy(desc(messages.id))
        .limit(limit + 1);
      const hasMore = rows.length > limit;
      return { messages: rows.slice(0, limit).reverse().map(toChatMessage), hasMore };
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
