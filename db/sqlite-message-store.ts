/**
 * MessageStore on an SQLite file (better-sqlite3 + Drizzle).
 *
 * Writes use group commit: every insert requested in one event-loop turn goes into one transaction, so one
 * fsync covers them all; each caller's promise resolves only after that commit. WAL with synchronous=FULL
 * keeps every acknowledged row through a process crash and a power loss.
 */
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { and, asc, desc, eq, gt, lt, max, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import type { Channel, ChatMessage } from "../lib/shared/dto";
import { GENERAL_CHANNEL } from "../lib/shared/limits";
import { formatIsoTimestamp } from "./iso-timestamp";
import { StorageUnavailableError, type InsertMessageResult, type MessageStore, type NewMessage } from "./message-store";
import { channels, messages, type ChannelRow, type MessageRow } from "./schema.sqlite";

const MIGRATIONS_FOLDER = path.join(__dirname, "migrations", "sqlite");

interface PendingInsert {
  input: NewMessage;
  resolve: (result: InsertMessageResult) => void;
  reject: (error: unknown) => void;
}

export function toChatMessage(row: MessageRow): ChatMessage {
  return {
    id: row.id,
    channel: row.channel,
    content: row.content,
    clientOffset: row.clientOffset,
    author: { id: row.authorId, name: row.authorName },
    createdAt: formatIsoTimestamp(row.createdAt),
  };
}

/** A messages row as the catch-up query returns it: values in column order, no per-row object built by the driver. */
type MessageColumns = [id: number, clientOffset: string, channel: string, authorId: string, authorName: string, content: string, createdAt: number];

function chatMessageFromColumns([id, clientOffset, channel, authorId, authorName, content, createdAt]: MessageColumns): ChatMessage {
  return { id, channel, content, clientOffset, author: { id: authorId, name: authorName }, createdAt: formatIsoTimestamp(createdAt) };
}

function toChannel(row: ChannelRow): Channel {
  return { name: row.name, createdAt: new Date(row.createdAt).toISOString() };
}

export function openSqliteMessageStore(filePath: string): MessageStore {
  fs.mkdirSync(path.dirname(path.resolve(filePath)), { recursive: true });
  const sqlite = new Database(filePath);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = FULL");
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma("busy_timeout = 5000");
  const db = drizzle(sqlite);
  migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
  db.insert(channels).values({ name: GENERAL_CHANNEL, createdAt: Date.now() }).onConflictDoNothing().run();

  const insertMessage = db
    .insert(messages)
    .values({
      clientOffset: sql.placeholder("clientOffset"),
      channel: sql.placeholder("channel"),
      authorId: sql.placeholder("authorId"),
      authorName: sql.placeholder("authorName"),
      content: sql.placeholder("content"),
      createdAt: sql.placeholder("createdAt"),
    })
    .onConflictDoNothing({ target: messages.clientOffset })
    .returning()
    .prepare();
  const selectByClientOffset = db
    .select()
    .from(messages)
    .where(eq(messages.clientOffset, sql.placeholder("clientOffset")))
    .prepare();
  // Catch-up reads a whole batch per call and its profile was dominated by row mapping: Drizzle's generic mapper,
  // then the driver building one object per row. Rows as plain arrays feed the message builder directly.
  const selectAfter = sqlite
    .prepare<[number, number], MessageColumns>(
      "SELECT id, client_offset, channel, author_id, author_name, content, created_at FROM messages WHERE id > ? ORDER BY id LIMIT ?",
    )
    .raw(true);

  // Prepared once: Drizzle builds and prepares the SQL of an unprepared query on every call, which made a stream
  // of channel:list requests (the bench's bystander) cost more than the list itself.
  const selectChannels = db.select().from(channels).orderBy(asc(channels.id)).prepare();

  let queue: PendingInsert[] = [];
  let flushScheduled = false;

  const insertOne = ({ input }: PendingInsert): InsertMessageResult => {
    const inserted = insertMessage.get({
      clientOffset: input.clientOffset,
      channel: input.channel,
      authorId: input.author.id,
      authorName: input.author.name,
      content: input.content,
      createdAt: Date.now(),
    });
    if (inserted) return { message: toChatMessage(inserted), duplicate: false };
    const original = selectByClientOffset.get({ clientOffset: input.clientOffset });
    if (!original) throw new Error(`insert of ${input.clientOffset} conflicted but no row holds it`);
    return { message: toChatMessage(original), duplicate: true };
  };
  const insertBatch = sqlite.transaction((batch: PendingInsert[]) => batch.map(insertOne));

  const flush = () => {
    flushScheduled = false;
    const batch = queue;
    queue = [];
    if (batch.length === 0) return;
    let results: InsertMessageResult[];
    try {
      results = insertBatch(batch);
    } catch (error) {
      // The whole transaction rolled back: nothing of this batch is stored, so every caller may retry.
      const failure = new StorageUnavailableError("The message could not be stored.", { cause: error });
      for (const pending of batch) pending.reject(failure);
      return;
    }
    // Resolved in id order, so callers that broadcast on resolution broadcast in id order.
    batch.forEach((pending, i) => pending.resolve(results[i]!));
  };

  return {
    dialect: "sqlite",

    insertMessage(input) {
      return new Promise((resolve, reject) => {
        queue.push({ input, resolve, reject });
        if (!flushScheduled) {
          flushScheduled = true;
          setImmediate(flush);
        }
      });
    },

    async getMessagesAfter(offset, limit) {
      return selectAfter.all(offset, limit).map(chatMessageFromColumns);
    },

    async getHistoryPage(channel, before, limit) {
      const rows = db
        .select()
        .from(messages)
        .where(before === undefined ? eq(messages.channel, channel) : and(eq(messages.channel, channel), lt(messages.id, before)))
        .orderBy(desc(messages.id))
        .limit(limit + 1)
        .all();
      const hasMore = rows.length > limit;
      return { messages: rows.slice(0, limit).reverse().map(toChatMessage), hasMore };
    },

    async getLatestMessageId() {
      const row = db.select({ latest: max(messages.id) }).from(messages).get();
      return row?.latest ?? 0;
    },

    async listChannels() {
      return selectChannels.all().map(toChannel);
    },

    async createChannel(name, createdBy) {
      const created = db.insert(channels).values({ name, createdBy, createdAt: Date.now() }).onConflictDoNothing().returning().get();
      if (created) return { channel: toChannel(created), created: true };
      const existing = db.select().from(channels).where(eq(channels.name, name)).get();
      if (!existing) throw new Error(`channel ${name} conflicted but does not exist`);
      return { channel: toChannel(existing), created: false };
    },

    async channelExists(name) {
      return db.select({ id: channels.id }).from(channels).where(eq(channels.name, name)).get() !== undefined;
    },

    async ping() {
      sqlite.prepare("SELECT 1").get();
    },

    async close() {
      if (queue.length > 0) flush();
      sqlite.close();
    },
  };
}
