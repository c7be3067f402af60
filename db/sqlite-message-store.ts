/**
 * MessageStore on an SQLite file (better-sqlite3 + Drizzle).
 *
 * Writes use group commit (group-commit.ts): every write requested in one event-loop turn (messages, and the
 * channel and membership changes) goes into one transaction; each caller's promise resolves only after that commit.
 * This process is the file's only writer, so it assigns the log's offsets itself, from one counter shared by
 * message ids and events: dense, in commit order. WAL with synchronous=NORMAL (the default)
 * keeps every acknowledged row through a process crash; FULL adds an fsync per commit so that they also survive
 * a power loss (see SqliteStoreOptions). Checkpoints run on a worker thread (wal-checkpointer.ts), off the
 * commit path.
 */
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { and, asc, eq, isNull, ne, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { GENERAL_CHANNEL } from "../lib/shared/limits";
import { createCommitListeners } from "./commit-listeners";
import { createGroupCommit } from "./group-commit";
import { historyPages, newestFirstPage } from "./history-pages";
import { OffsetWindow } from "../lib/shared/offset-window";
import { createRecentMessages } from "./recent-messages";
import { passiveCheckpoint, startWalCheckpointer, type CheckpointResult } from "./wal-checkpointer";
import type { Channel, ChannelVisibility, ChatMessage, MessageUpdate } from "../lib/shared/dto";
import { decideChange, encodeReactions } from "../lib/storage/message-change-rules";
import type {
  InsertMessageResult,
  LogEntry,
  LogEvent,
  MembershipChange,
  MessageChangeOutcome,
  MessageChangeRequest,
  MessageStore,
  NewMessage,
} from "../lib/storage/message-store";
import {
  changedMessage,
  chatMessageFromColumns,
  eventEntries,
  mergeEntries,
  messageEntries,
  toChannel,
  toChatMessage,
  toLogEvent,
  updateEntries,
  type MessageColumns,
} from "./row-mapping";
import { channelMembers, channels, logEvents, messages } from "./schema.sqlite";
import { fts5MatchQuery, searchTerms } from "./search-terms";
import { createSqliteReadStates } from "./sqlite-read-states";

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
  /**
   * How long after a commit new messages are added to the search index, at most (default 100 ms). A search indexes
   * what is waiting first, so this decides only how the work is batched; tests set it high to control when.
   */
  searchIndexDelayMs?: number;
  /** Something went wrong that the store recovered from (the checkpoint thread failed). */
  onWarning?: (message: string, error: Error) => void;
}

const DEFAULT_CACHED_MESSAGES = 100_000;
/** SQLite's own automatic checkpoint, in WAL pages: its default, and the backstop while the worker checkpoints. */
const INLINE_CHECKPOINT_PAGES = 1000;
const BACKSTOP_CHECKPOINT_PAGES = 20_000;
/**
 * Search indexing (indexPending): at most this long after a commit, or at once when this many messages wait. Any
 * search indexes what waits first, so neither figure decides what a search finds, only how the work is batched.
 */
const INDEX_DELAY_MS = 100;
const INDEX_BATCH_ROWS = 2_000;

/** The columns of a message, in the order `MessageColumns` (row-mapping.ts) expects them from a raw statement. */
const MESSAGE_COLUMNS =
  "id, client_offset, channel, author_id, author_name, content, created_at, version, edited_at, deleted_at, reply_to, reactions";

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

  // The next offset of the log. Ids are never reused, even those of deleted rows (AUTOINCREMENT's sequence).
  let nextOffset =
    1 +
    Number(
      (
        sqlite
          .prepare(
            `SELECT MAX(
               (SELECT COALESCE(MAX(id), 0) FROM messages),
               (SELECT COALESCE(MAX("offset"), 0) FROM log_events),
               (SELECT COALESCE(MAX("offset"), 0) FROM message_changes),
               (SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'messages'), 0))
             ) AS latest`,
          )
          .get() as { latest: number }
      ).latest,
    );

  // The hot path of every send: a plain statement, no RETURNING. Everything but the id is what we pass in, so the
  // message is built from the input; a refused insert (a duplicate clientOffset) changes no row and takes no offset.
  const insertMessage = sqlite.prepare<[number, string, string, string, string, string, number, number, number | null]>(
    "INSERT INTO messages (id, client_offset, channel, author_id, author_name, content, created_at, version, reply_to) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (client_offset) DO NOTHING",
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
  const insertEvent = sqlite.prepare<[number, string, string, string | null, string | null, number]>(
    'INSERT INTO log_events ("offset", kind, channel, user_id, data, created_at) VALUES (?, ?, ?, ?, ?, ?)',
  );

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
  // The FTS5 index (messages_fts: see the migrations 0003_search and 0007_search_indexed_in_batches) yields matches
  // newest first, so the first page stops early; the join filters by channel and author.
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
  // The same for the list every connection asks for (channel:list, a bounded catch-up's channels).
  const selectPublicChannels = db.select().from(channels).where(eq(channels.visibility, "public")).orderBy(asc(channels.id)).prepare();
  const selectChannelsReadableBy = db
    .select()
    .from(channels)
    .where(
      sql`${channels.visibility} = 'public' OR ${channels.name} IN (SELECT channel FROM channel_members WHERE user_id = ${sql.placeholder("userId")} AND removed_at_offset IS NULL)`,
    )
    .orderBy(asc(channels.id))
    .prepare();

  const { insertMentions, deleteMentions, ...readStates } = createSqliteReadStates(sqlite);

  const insertOne = (input: NewMessage): { result: InsertMessageResult; entries: LogEntry[] } => {
    const createdAt = Date.now();
    const id = nextOffset;
    const replyTo = input.replyTo ?? null;
    const { changes } = insertMessage.run(
      id,
      input.clientOffset,
      input.channel,
      input.author.id,
      input.author.name,
      input.content,
      createdAt,
      id,
      replyTo,
    );
    if (changes === 1) {
      nextOffset++;
      if (input.mentions?.length) insertMentions(id, input.channel, input.author.id, input.mentions);
      const message = chatMessageFromColumns([
        id,
        input.clientOffset,
        input.channel,
        input.author.id,
        input.author.name,
        input.content,
        createdAt,
        id,
        null,
        null,
        replyTo,
        null,
      ]);
      return { result: { message, duplicate: false }, entries: [{ offset: id, message }] };
    }
    const original = selectByClientOffset.get({ clientOffset: input.clientOffset });
    if (!original) throw new Error(`insert of ${input.clientOffset} conflicted but no row holds it`);
    return { result: { message: toChatMessage(original), duplicate: true }, entries: [] };
  };

  // Changes to messages (issue 15): decided against the message's current state inside the write transaction, stored
  // at the next offset together with the row's new state. Updating `content` fires the FTS5 triggers (0003_search), so search
  // follows an edit or a delete in the same transaction.
  const selectMessage = sqlite.prepare<[number], MessageColumns>(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id = ?`).raw(true);
  const selectChangeByClientOffset = sqlite.prepare<[string], number>('SELECT "offset" FROM message_changes WHERE client_offset = ?').pluck();
  const insertChange = sqlite.prepare<[number, number, string, string, string, string | null, string, number]>(
    'INSERT INTO message_changes ("offset", message_id, channel, kind, actor_id, data, client_offset, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (client_offset) DO NOTHING',
  );
  const updateEdited = sqlite.prepare<[string, number, number, number]>("UPDATE messages SET content = ?, edited_at = ?, version = ? WHERE id = ?");
  const updateDeleted = sqlite.prepare<[number, number, number]>(
    "UPDATE messages SET content = '', reactions = NULL, deleted_at = ?, version = ? WHERE id = ?",
  );
  const updateReactions = sqlite.prepare<[string | null, number, number]>("UPDATE messages SET reactions = ?, version = ? WHERE id = ?");
  const selectUpdatesAfter = sqlite
    .prepare<[number, number, number], [number, ...MessageColumns]>(
      `SELECT c."offset", ${MESSAGE_COLUMNS.split(", ")
        .map((column) => `m.${column}`)
        .join(", ")} FROM message_changes c JOIN messages m ON m.id = c.message_id
       WHERE c."offset" > ? AND c."offset" <= ? ORDER BY c."offset" LIMIT ?`,
    )
    .raw(true);

  // A change reads its message's current state from memory when it can: the states changed earlier in the batch being
  // written (the cache learns them only once that batch commits), then the cache of recent messages, which holds
  // current states; the row otherwise. Cleared whatever the batch's outcome.
  const changedInBatch = new Map<number, ChatMessage>();
  const currentState = (id: number): ChatMessage | null => {
    const known = changedInBatch.get(id) ?? recent.get(id);
    if (known) return known;
    const columns = selectMessage.get(id);
    return columns ? chatMessageFromColumns(columns) : null;
  };

  const changeOne = (request: MessageChangeRequest): { result: MessageChangeOutcome; entries: LogEntry[] } => {
    const duplicate = (): { result: MessageChangeOutcome; entries: LogEntry[] } | null => {
      const original = selectChangeByClientOffset.get(request.clientOffset);
      return original === undefined ? null : { result: { status: "duplicate", offset: original }, entries: [] };
    };
    const current = currentState(request.messageId);
    if (!current) return duplicate() ?? { result: { status: "unknown_message" }, entries: [] };
    const decision = decideChange(
      { authorId: current.author.id, content: current.content, deleted: current.deletedAt !== null, reactions: current.reactions },
      request,
    );
    // A retry of a stored change usually finds it already reflected (nothing to change): it is still a duplicate.
    if (decision.status !== "change") return duplicate() ?? { result: decision, entries: [] };
    const offset = nextOffset;
    const now = Date.now();
    const data =
      request.kind === "edit"
        ? JSON.stringify({ content: request.content })
        : request.kind === "delete"
          ? null
          : JSON.stringify({ emoji: request.emoji });
    // The unique clientOffset decides a retry that would change something again (a reaction removed since, say):
    // refused by the index, it takes no offset and writes nothing.
    const { changes } = insertChange.run(offset, current.id, current.channel, request.kind, request.actor.id, data, request.clientOffset, now);
    if (changes === 0) {
      const stored = duplicate();
      if (!stored) throw new Error(`change ${request.clientOffset} conflicted but no row holds it`);
      return stored;
    }
    nextOffset++;
    if (request.kind === "edit") {
      updateEdited.run(decision.content, now, offset, current.id);
      // The counts follow the content: who the edited message mentions now.
      deleteMentions(current.id);
      if (request.mentions?.length) insertMentions(current.id, current.channel, current.author.id, request.mentions);
    } else if (request.kind === "delete") {
      updateDeleted.run(now, offset, current.id);
      deleteMentions(current.id);
    } else updateReactions.run(encodeReactions(decision.reactions), offset, current.id);
    const message = changedMessage(current, decision, offset, now);
    changedInBatch.set(message.id, message);
    return { result: { status: "applied", offset, message, contentBefore: current.content }, entries: [{ offset, update: { offset, message } }] };
  };

  /** Appends an event at the next offset; runs inside a write transaction. */
  function appendEvent(kind: LogEvent["kind"], channel: string, userId: string | null, data: object | null): LogEvent {
    const offset = nextOffset++;
    const createdAt = Date.now();
    insertEvent.run(offset, kind, channel, userId, data === null ? null : JSON.stringify(data), createdAt);
    return toLogEvent({ offset, kind, channel, userId, data: data === null ? null : JSON.stringify(data), createdAt });
  }

  function addMemberNow(channel: string, userId: string, role: "owner" | "member"): LogEvent | null {
    const existing = db
      .select()
      .from(channelMembers)
      .where(and(eq(channelMembers.channel, channel), eq(channelMembers.userId, userId)))
      .get();
    if (existing && existing.removedAtOffset === null) return null;
    const event = appendEvent("member_added", channel, userId, null);
    if (existing) {
      db.update(channelMembers)
        .set({ joinedAtOffset: event.offset, removedAtOffset: null })
        .where(and(eq(channelMembers.channel, channel), eq(channelMembers.userId, userId)))
        .run();
    } else {
      db.insert(channelMembers).values({ channel, userId, role, joinedAtOffset: event.offset }).run();
    }
    return event;
  }

  function removeMemberNow(channel: string, userId: string): LogEvent | null {
    const existing = db
      .select()
      .from(channelMembers)
      .where(and(eq(channelMembers.channel, channel), eq(channelMembers.userId, userId)))
      .get();
    if (!existing || existing.removedAtOffset !== null) return null;
    const event = appendEvent("member_removed", channel, userId, null);
    db.update(channelMembers)
      .set({ removedAtOffset: event.offset })
      .where(and(eq(channelMembers.channel, channel), eq(channelMembers.userId, userId)))
      .run();
    return event;
  }

  function createChannelNow(
    name: string,
    createdBy: string,
    visibility: ChannelVisibility,
    members: readonly string[],
  ): { result: { channel: Channel; created: boolean }; entries: LogEntry[] } {
    const createdAt = Date.now();
    const inserted = db
      .insert(channels)
      .values({ name, createdBy, createdAt, visibility, createdAtOffset: nextOffset })
      .onConflictDoNothing()
      .returning()
      .get();
    if (!inserted) {
      const existing = db.select().from(channels).where(eq(channels.name, name)).get();
      if (!existing) throw new Error(`channel ${name} conflicted but does not exist`);
      return { result: { channel: toChannel(existing), created: false }, entries: [] };
    }
    const events: LogEvent[] = [appendEvent("channel_created", name, createdBy, { visibility })];
    for (const [i, userId] of [createdBy, ...members.filter((member) => member !== createdBy)].entries()) {
      const added = addMemberNow(name, userId, i === 0 ? "owner" : "member");
      if (added) events.push(added);
    }
    return { result: { channel: toChannel(inserted), created: true }, entries: events.map((event) => ({ offset: event.offset, event })) };
  }

  type Write = () => { result: unknown; entries: LogEntry[] };
  const writeBatch = sqlite.transaction((batch: Write[]) => batch.map((write) => write()));

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
  // The newest changes, as (offset, message id): a catch-up reads their messages' current states from `recent`, so a
  // log where a third of the entries are changes replays from memory too (a change's state is its message's).
  const newestChanges = sqlite
    .prepare<[number], { offset: number; messageId: number }>(
      'SELECT "offset", message_id AS messageId FROM message_changes ORDER BY "offset" DESC LIMIT ?',
    )
    .all(cacheCapacity + 1)
    .reverse();
  const recentChanges = new OffsetWindow<{ offset: number; messageId: number }>(
    cacheCapacity,
    newestChanges.length <= cacheCapacity ? 0 : newestChanges[0]!.offset,
    (change) => change.offset,
  );
  recentChanges.append(newestChanges.slice(-cacheCapacity));
  /** Changes after `after` with their messages' current states from memory; null when some are not cached. */
  const cachedUpdates = (after: number, limit: number, upTo: number): MessageUpdate[] | null => {
    const changes = recentChanges.after(after, limit, upTo);
    if (!changes) return null;
    const updates: MessageUpdate[] = [];
    for (const { offset, messageId } of changes) {
      const message = recent.get(messageId);
      if (!message) return null;
      updates.push({ offset, message });
    }
    return updates;
  };

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

  // Search indexing, in batches (0007_search_indexed_in_batches): new messages are added to the FTS5 index by one
  // INSERT … SELECT a little after their commit, and before any search, instead of by a trigger inside each send's
  // transaction. Edits and deletes of indexed messages still update the index in their own transaction (triggers).
  const readIndexedThrough = sqlite.prepare<[], number>("SELECT indexed_through FROM search_index_state WHERE id = 1").pluck();
  const indexRange = sqlite.prepare<[number, number]>(
    "INSERT INTO messages_fts(rowid, content) SELECT id, content FROM messages WHERE id > ? AND id <= ?",
  );
  const writeIndexedThrough = sqlite.prepare<[number]>("UPDATE search_index_state SET indexed_through = ? WHERE id = 1");
  const indexBatch = sqlite.transaction((from: number, through: number) => {
    indexRange.run(from, through);
    writeIndexedThrough.run(through);
  });
  let indexedThrough = readIndexedThrough.get() ?? 0;
  let indexTimer: NodeJS.Timeout | null = null;
  /** Indexes every committed message not in the search index yet. Synchronous: nothing commits meanwhile. */
  const indexPending = () => {
    if (indexTimer) clearTimeout(indexTimer);
    indexTimer = null;
    const through = nextOffset - 1;
    if (through <= indexedThrough || !sqlite.open) return;
    checkpointer.writing(() => indexBatch(indexedThrough, through));
    indexedThrough = through;
  };
  /** For the paths where nobody waits on the index: a failure is retried later, and before every search. */
  const indexPendingOrWarn = () => {
    try {
      indexPending();
    } catch (error) {
      options.onWarning?.("search indexing failed; retried later", error as Error);
    }
  };
  /** After a commit that added messages: index them soon, in one batch with the messages committed meanwhile. */
  const scheduleIndexing = () => {
    if (nextOffset - 1 - indexedThrough >= INDEX_BATCH_ROWS) indexPendingOrWarn();
    else if (!indexTimer) {
      indexTimer = setTimeout(indexPendingOrWarn, options.searchIndexDelayMs ?? INDEX_DELAY_MS);
      indexTimer.unref();
    }
  };
  // Messages committed by a process that stopped before indexing them.
  indexPending();

  const committed = createCommitListeners();
  const commits = createGroupCommit<Write, unknown>((batch) => {
    const offsetBefore = nextOffset;
    let outcomes: Array<{ result: unknown; entries: LogEntry[] }>;
    try {
      outcomes = checkpointer.writing(() => writeBatch(batch));
    } catch (error) {
      // Rolled back: the offsets it took were never committed.
      nextOffset = offsetBefore;
      throw error;
    } finally {
      changedInBatch.clear();
    }
    const entries = outcomes.flatMap((outcome) => outcome.entries);
    const added = entries.flatMap((entry) => (entry.message ? [entry.message] : []));
    recent.append(added);
    // After the append: a change may concern a message of this very batch.
    const changed = entries.flatMap((entry) => (entry.update ? [entry.update] : []));
    for (const update of changed) recent.update(update.message);
    recentChanges.append(changed.map((update) => ({ offset: update.offset, messageId: update.message.id })));
    checkpointer.committed(entries.length);
    committed.notify(entries);
    if (added.length > 0) scheduleIndexing();
    return outcomes.map((outcome) => outcome.result);
  });
  const write = <T>(run: () => { result: T; entries: LogEntry[] }) => commits.submit(run) as Promise<T>;
  const membershipChange = (event: LogEvent | null) => ({
    result: { offset: event?.offset ?? null } satisfies MembershipChange,
    entries: event ? [{ offset: event.offset, event }] : [],
  });

  // Checked on every send to a private channel: a prepared statement, not a query Drizzle builds each time.
  const selectMembership = sqlite.prepare<[string, string], { role: string; joined: number; removed: number | null }>(
    "SELECT role, joined_at_offset AS joined, removed_at_offset AS removed FROM channel_members WHERE channel = ? AND user_id = ?",
  );
  const selectEventsAfter = db
    .select()
    .from(logEvents)
    .where(sql`${logEvents.offset} > ${sql.placeholder("after")}`)
    .orderBy(asc(logEvents.offset))
    .limit(sql.placeholder("limit"))
    .prepare();

  return {
    dialect: "sqlite",

    insertMessage(input) {
      return write(() => insertOne(input));
    },

    changeMessage(request) {
      return write(() => changeOne(request));
    },

    async getMessage(id) {
      // Every change reads its message first (who may change it, in which channel): the newest ones from memory,
      // where each commit keeps their current state.
      const cached = recent.get(id);
      if (cached) return cached;
      const columns = selectMessage.get(id);
      return columns ? chatMessageFromColumns(columns) : null;
    },

    async getUpdatesAfter(after, limit, upTo = Number.MAX_SAFE_INTEGER) {
      return cachedUpdates(after, limit, upTo) ?? selectUpdatesAfter.all(after, upTo, limit).map(toMessageUpdate);
    },

    async getMessagesAfter(offset, limit, upTo = Number.MAX_SAFE_INTEGER) {
      return recent.after(offset, limit, upTo) ?? selectAfter.all(offset, upTo, limit).map(chatMessageFromColumns);
    },

    async getEntriesAfter(after, limit) {
      const found = recent.after(after, limit) ?? selectAfter.all(after, Number.MAX_SAFE_INTEGER, limit).map(chatMessageFromColumns);
      const events = selectEventsAfter.all({ after, limit }).map(toLogEvent);
      const updates = selectUpdatesAfter.all(after, Number.MAX_SAFE_INTEGER, limit).map(toMessageUpdate);
      return mergeEntries([messageEntries(found), eventEntries(events), updateEntries(updates)], limit);
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
      indexPending();
      const rows = selectMatches.all({
        match: fts5MatchQuery(terms),
        before: before ?? Number.MAX_SAFE_INTEGER,
        channels: JSON.stringify(searched),
        author: authorId ?? null,
        limit: limit + 1,
      });
      return newestFirstPage(rows.map(chatMessageFromColumns), limit);
    },

    async getLatestOffset() {
      return nextOffset - 1;
    },

    async listChannels() {
      return selectChannels.all().map(toChannel);
    },

    async listChannelsReadableBy(userId) {
      const rows = userId === null ? selectPublicChannels.all() : selectChannelsReadableBy.all({ userId });
      return rows.map(toChannel);
    },

    async getChannel(name) {
      const row = db.select().from(channels).where(eq(channels.name, name)).get();
      return row ? toChannel(row) : null;
    },

    createChannel(name, createdBy, { visibility = "public", members = [] } = {}) {
      return write(() => createChannelNow(name, createdBy, visibility, members));
    },

    async channelExists(name) {
      return db.select({ id: channels.id }).from(channels).where(eq(channels.name, name)).get() !== undefined;
    },

    addMember(channel, userId) {
      return write(() => membershipChange(addMemberNow(channel, userId, "member")));
    },

    removeMember(channel, userId) {
      return write(() => membershipChange(removeMemberNow(channel, userId)));
    },

    async getMembership(channel, userId) {
      const row = selectMembership.get(channel, userId);
      if (!row) return null;
      return { role: row.role === "owner" ? "owner" : "member", joinedAtOffset: row.joined, current: row.removed === null };
    },

    async listMembers(channel) {
      return db
        .select({ userId: channelMembers.userId, role: channelMembers.role })
        .from(channelMembers)
        .where(and(eq(channelMembers.channel, channel), isNull(channelMembers.removedAtOffset)))
        .orderBy(asc(channelMembers.joinedAtOffset))
        .all()
        .map((row) => ({ userId: row.userId, role: row.role === "owner" ? ("owner" as const) : ("member" as const) }));
    },

    async getPrivateMemberships(userId) {
      const rows = db
        .select({ channel: channelMembers.channel, joinedAtOffset: channelMembers.joinedAtOffset })
        .from(channelMembers)
        .innerJoin(channels, eq(channels.name, channelMembers.channel))
        .where(and(eq(channelMembers.userId, userId), isNull(channelMembers.removedAtOffset), ne(channels.visibility, "public")))
        .all();
      return new Map(rows.map((row) => [row.channel, row.joinedAtOffset]));
    },

    ...readStates,

    onCommitted: (listener) => committed.subscribe(listener),

    async ping() {
      sqlite.prepare("SELECT 1").get();
    },

    async close() {
      await commits.drain();
      indexPendingOrWarn();
      // The worker's connection goes first: the last connection to close checkpoints and removes the WAL.
      await checkpointer.close();
      sqlite.close();
    },
  };
}

function toMessageUpdate([offset, ...columns]: [number, ...MessageColumns]): MessageUpdate {
  return { offset, message: chatMessageFromColumns(columns) };
}
