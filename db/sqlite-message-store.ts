/**
 * MessageStore on an SQLite file (better-sqlite3 + Drizzle).
 *
 * Writes use group commit (group-commit.ts): every insert requested in one event-loop turn goes into one
 * transaction; each caller's promise resolves only after that commit. WAL with synchronous=NORMAL (the default)
 * keeps every acknowledged row through a process crash; FULL adds an fsync per commit so that they also survive
 * a power loss (see SqliteStoreOptions). Checkpoints run on a worker thread (wal-checkpointer.ts), off the
 * commit path.
 */
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { asc, eq, max, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { GENERAL_CHANNEL } from "../lib/shared/limits";
import { createCommitListeners } from "./commit-listeners";
import { createGroupCommit } from "./group-commit";
import { historyPages, newestFirstPage } from "./history-pages";
import { createRecentMessages } from "./recent-messages";
import { passiveCheckpoint, startWalCheckpointer, type CheckpointResult } from "./wal-checkpointer";
import type { InsertMessageResult, MessageStore, NewMessage } from "../lib/storage/message-store";
import { chatMessageFromColumns, toChannel, toChatMessage, type MessageColumns } from "./row-mapping";
import { channels, messages } from "./schema.sqlite";
import { fts5MatchQuery, searchTerms } from "./search-terms";

const MIGRATIONS_FOLDER = path.join(__dirname, "migrations", "sqlite");

export interface SqliteStoreOptions {
  /**
   * How long a write waits for a lock held by another connection (a backup, an admin shell) before failing
   * with `unavailable`. better-sqlite3 waits synchronously, blocking the event loop, so keep it short.
   */
  busyTimeoutMs?: number;
  /**
   * NORMAL (default): a commit is written to the WAL (the OS holds it) before it is acknowledged, so an
   * acknowledged message survives a crash or kill of the process; the WAL is fsynced at checkpoints, and the
   * database is never corrupted. FULL: every commit is also fsynced before it is acknowledged, so acknowledged
   * messages survive an OS crash or a power loss too — at the cost of an fsync on the delivery path of every
   * message (see docs/performance.md for what that costs).
   */
  synchronous?: "FULL" | "NORMAL";
  /** How many of the newest messages to keep in memory for catch-up (see recent-messages.ts); 0 = none. */
  cachedMessages?: number;
  /** Checkpoint the WAL on a worker thread after this many committed messages (default 1,000). */
  checkpointEveryRows?: number;
  onCheckpoint?: (result: CheckpointResult) => void;
  /** Something went wrong that the store recovered from (the checkpoint thread failed). */
  onWarning?: (message: string, error: Error) => void;
}

const DEFAULT_CACHED_MESSAGES = 100_000;
/** SQLite's own automatic checkpoint, in WAL pages: its default, and the backstop while the worker checkpoints. */
const INLINE_CHECKPOINT_PAGES = 1000;
const BACKSTOP_CHECKPOINT_PAGES = 20_000;

/** The columns of a message, in the order `MessageColumns` (row-mapping.ts) expects them from a raw statement. */
const MESSAGE_COLUMNS = "id, client_offset, channel, author_id, author_name, content, created_at";

export function openSqliteMessageStore(filePath: string, options: SqliteStoreOptions = {}): MessageStore {
  fs.mkdirSync(path.dirname(path.resolve(filePath)), { recursive: true });
  const sqlite = new Database(filePath);
  sqlite.pragma("journal_mode = WAL");
  const synchronous = options.synchronous ?? "NORMAL";
  sqlite.pragma(`synchronous = ${synchronous}`);
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 1000}`);
  const db = drizzle(sqlite);
  migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
  db.insert(channels).values({ name: GENERAL_CHANNEL, createdAt: Date.now() }).onConflictDoNothing().run();

  // The hot path of every send: a plain statement, no RETURNING. Everything but the id is what we pass in, so the
  // message is built from the input; a refused insert (a duplicate clientOffset) changes no row.
  const insertMessage = sqlite.prepare<[string, string, string, string, string, number]>(
    "INSERT INTO messages (client_offset, channel, author_id, author_name, content, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (client_offset) DO NOTHING",
  );
  const selectByClientOffset = db
    .select()
    .from(messages)
    .where(eq(messages.clientOffset, sql.placeholder("clientOffset")))
    .prepare();
  // Catch-up reads a whole batch per call and its profile was dominated by row mapping: Drizzle's generic mapper,
  // then the driver building one object per row. Rows as plain arrays feed the message builder directly.
  const selectAfter = sqlite
    .prepare<[number, number, number], MessageColumns>(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id > ? AND id <= ? ORDER BY id LIMIT ?`)
    .raw(true);

  // One channel through the (channel, id) index: history pages and a bounded catch-up's reads.
  const selectChannelAfter = sqlite
    .prepare<[string, number, number, number], MessageColumns>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE channel = ? AND id > ? AND id <= ? ORDER BY id LIMIT ?`,
    )
    .raw(true);
  const selectChannelBefore = sqlite
    .prepare<[string, number, number], MessageColumns>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE channel = ? AND id < ? ORDER BY id DESC LIMIT ?`,
    )
    .raw(true);
  // Both read the index alone (it holds the id, the rowid): counting a backlog reads no message row.
  const countChannelRange = sqlite
    .prepare<[string, number, number], number>("SELECT count(*) FROM messages WHERE channel = ? AND id > ? AND id <= ?")
    .pluck();
  const newestOfChannelRange = sqlite
    .prepare<[string, number, number, number], number>(
      "SELECT min(id) FROM (SELECT id FROM messages WHERE channel = ? AND id > ? AND id <= ? ORDER BY id DESC LIMIT ?)",
    )
    .pluck();
  // The FTS5 index (messages_fts, kept by triggers in the writing transaction: see the migration 0002_search)
  // yields matches newest first, so the first page stops early; the join filters by channel and author.
  const selectMatches = sqlite
    .prepare<[{ match: string; before: number; channels: string; author: string | null; limit: number }], MessageColumns>(
      `SELECT ${MESSAGE_COLUMNS.split(", ")
        .map((column) => `m.${column}`)
        .join(", ")} FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid
       WHERE messages_fts MATCH @match AND messages_fts.rowid < @before AND m.channel IN (SELECT value FROM json_each(@channels))
         AND (@author IS NULL OR m.author_id = @author)
       ORDER BY messages_fts.rowid DESC LIMIT @limit`,
    )
    .raw(true);

  // Prepared once: Drizzle builds and prepares the SQL of an unprepared query on every call, which made a stream
  // of channel:list requests (the bench's bystander) cost more than the list itself.
  const selectChannels = db.select().from(channels).orderBy(asc(channels.id)).prepare();

  const insertOne = (input: NewMessage): InsertMessageResult => {
    const createdAt = Date.now();
    const { changes, lastInsertRowid } = insertMessage.run(
      input.clientOffset,
      input.channel,
      input.author.id,
      input.author.name,
      input.content,
      createdAt,
    );
    if (changes === 1) {
      return {
        message: chatMessageFromColumns([
          Number(lastInsertRowid),
          input.clientOffset,
          input.channel,
          input.author.id,
          input.author.name,
          input.content,
          createdAt,
        ]),
        duplicate: false,
      };
    }
    const original = selectByClientOffset.get({ clientOffset: input.clientOffset });
    if (!original) throw new Error(`insert of ${input.clientOffset} conflicted but no row holds it`);
    return { message: toChatMessage(original), duplicate: true };
  };
  const insertBatch = sqlite.transaction((batch: NewMessage[]) => batch.map(insertOne));

  // This process is the database's only writer, so after loading the newest rows once, every commit below keeps
  // the cache complete.
  const cacheCapacity = options.cachedMessages ?? DEFAULT_CACHED_MESSAGES;
  const newest = sqlite
    .prepare<[number], MessageColumns>(`SELECT ${MESSAGE_COLUMNS} FROM messages ORDER BY id DESC LIMIT ?`)
    .raw(true)
    .all(cacheCapacity + 1)
    .reverse()
    .map(chatMessageFromColumns);
  const recent = createRecentMessages(cacheCapacity, newest, newest.length <= cacheCapacity);

  // SQLite's inline checkpoint stays as a backstop (~80 MB of WAL), should the worker fall behind.
  sqlite.pragma(`wal_autocheckpoint = ${BACKSTOP_CHECKPOINT_PAGES}`);
  const checkpointer = startWalCheckpointer(filePath, {
    synchronous,
    everyRows: options.checkpointEveryRows,
    finishOnWriter: () => passiveCheckpoint(sqlite),
    onCheckpoint: options.onCheckpoint,
    onFailure(error) {
      if (sqlite.open) sqlite.pragma(`wal_autocheckpoint = ${INLINE_CHECKPOINT_PAGES}`);
      options.onWarning?.("WAL checkpoints run inline from now on", error);
    },
  });

  const committed = createCommitListeners();
  const commits = createGroupCommit<NewMessage, InsertMessageResult>((batch) => {
    const results = checkpointer.writing(() => insertBatch(batch));
    const added = results.filter((result) => !result.duplicate).map((result) => result.message);
    recent.append(added);
    checkpointer.committed(added.length);
    committed.notify(added);
    return results;
  });

  return {
    dialect: "sqlite",

    insertMessage(input) {
      return commits.submit(input);
    },

    async getMessagesAfter(offset, limit, upTo = Number.MAX_SAFE_INTEGER) {
      return recent.after(offset, limit, upTo) ?? selectAfter.all(offset, upTo, limit).map(chatMessageFromColumns);
    },

    ...historyPages({
      olderThan: async (channel, below, limit) => selectChannelBefore.all(channel, below, limit).map(chatMessageFromColumns),
      newerThan: async (channel, above, limit) => selectChannelAfter.all(channel, above, Number.MAX_SAFE_INTEGER, limit).map(chatMessageFromColumns),
    }),

    async getChannelBacklogs(channelNames, after, upTo, newest) {
      return channelNames.flatMap((channel) => {
        const count = countChannelRange.get(channel, after, upTo) ?? 0;
        return count === 0 ? [] : [{ channel, count, newestFrom: newestOfChannelRange.get(channel, after, upTo, newest)! }];
      });
    },

    async getChannelMessagesAfter(channel, after, limit, upTo) {
      return selectChannelAfter.all(channel, after, upTo, limit).map(chatMessageFromColumns);
    },

    async searchMessages({ text, channels: searched, authorId, before, limit }) {
      const terms = searchTerms(text);
      if (terms.length === 0 || searched.length === 0) return { messages: [], hasMore: false };
      const rows = selectMatches.all({
        match: fts5MatchQuery(terms),
        before: before ?? Number.MAX_SAFE_INTEGER,
        channels: JSON.stringify(searched),
        author: authorId ?? null,
        limit: limit + 1,
      });
      return newestFirstPage(rows.map(chatMessageFromColumns), limit);
    },

    async getLatestMessageId() {
      const row = db
        .select({ latest: max(messages.id) })
        .from(messages)
        .get();
      return row?.latest ?? 0;
    },

    async listChannels() {
      return selectChannels.all().map(toChannel);
    },

    async createChannel(name, createdBy) {
      const created = checkpointer.writing(() =>
        db.insert(channels).values({ name, createdBy, createdAt: Date.now() }).onConflictDoNothing().returning().get(),
      );
      if (created) return { channel: toChannel(created), created: true };
      const existing = db.select().from(channels).where(eq(channels.name, name)).get();
      if (!existing) throw new Error(`channel ${name} conflicted but does not exist`);
      return { channel: toChannel(existing), created: false };
    },

    async channelExists(name) {
      return db.select({ id: channels.id }).from(channels).where(eq(channels.name, name)).get() !== undefined;
    },

    onCommitted: (listener) => committed.subscribe(listener),

    async ping() {
      sqlite.prepare("SELECT 1").get();
    },

    async close() {
      await commits.drain();
      // The worker's connection goes first: the last connection to close checkpoints and removes the WAL.
      await checkpointer.close();
      sqlite.close();
    },
  };
}
