/**
 * MessageStore on PostgreSQL (node-postgres + Drizzle), for running several Tether instances on one database.
 *
 * Every write takes one global transaction-level advisory lock and assigns the log's offsets (message ids and
 * events' offsets, one sequence) as the highest committed one + 1 while holding it. So, across all instances,
 * offsets are dense (no holes) and *commit order equals offset order*: once offset N is visible, every offset below
 * N is visible too. Cross-instance delivery (lib/server/delivery/log-tail.ts) builds on exactly that;
 * docs/scale-out.md explains why.
 *
 * Writes use group commit (group-commit.ts) like the SQLite store: the inserts requested while the previous batch
 * was committing go into the next transaction, one lock acquisition and one commit for all of them; each caller's
 * promise resolves only after that commit, in id order.
 */
import path from "node:path";
import { and, asc, desc, eq, gt, inArray, isNull, lt, lte, ne, sql } from "drizzle-orm";
import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import { Pool } from "pg";
import type { Channel } from "../lib/shared/dto";
import { GENERAL_CHANNEL } from "../lib/shared/limits";
import { createCommitListeners } from "./commit-listeners";
import { createGroupCommit } from "./group-commit";
import { historyPages, newestFirstPage } from "./history-pages";
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
import { changedMessage, eventEntries, mergeEntries, messageEntries, toChannel, toChatMessage, toLogEvent, updateEntries } from "./row-mapping";
import { createPgReadStates, mentionRows } from "./pg-read-states";
import { channelMembers, channels, logEvents, messageChanges, messageMentions, messages, type MessageRow } from "./schema.pg";
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

type Tx = Parameters<Parameters<NodePgDatabase["transaction"]>[0]>[0];

/** A write of a batch: a message, or a channel/membership operation that appends events at offsets it takes. */
type PgWrite =
  | { kind: "message"; input: NewMessage }
  | { kind: "operation"; run: (tx: Tx, takeOffset: () => number) => Promise<{ result: unknown; entries: LogEntry[] }> };

/**
 * Commits one batch in one transaction under the global write lock: offsets are taken in the batch's order, after
 * the highest one committed (messages and events share them), so commit order is offset order across instances.
 * Returns each write's result and the entries it appended, in the batch's order.
 */
async function writeBatch(db: NodePgDatabase, batch: PgWrite[]): Promise<Array<{ result: unknown; entries: LogEntry[] }>> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(${MESSAGE_WRITE_LOCK_KEY})`);
    // Separate statements after the lock on purpose: under READ COMMITTED each statement takes a new snapshot,
    // so these see every batch committed by the previous holder of the lock.
    const messageInputs = batch.flatMap((write) => (write.kind === "message" ? [write.input] : []));
    const existing = new Map<string, MessageRow>();
    if (messageInputs.length > 0) {
      const offsets = [...new Set(messageInputs.map((input) => input.clientOffset))];
      for (const row of await tx.select().from(messages).where(inArray(messages.clientOffset, offsets))) existing.set(row.clientOffset, row);
    }
    const [latest] = await tx
      .select({
        offset:
          sql<number>`greatest((select coalesce(max(${messages.id}), 0) from ${messages}), (select coalesce(max(${logEvents.offset}), 0) from ${logEvents}), (select coalesce(max(${messageChanges.offset}), 0) from ${messageChanges}))`.mapWith(
            Number,
          ),
      })
      .from(sql`(select 1) as one`);
    let nextOffset = (latest?.offset ?? 0) + 1;
    const takeOffset = () => nextOffset++;
    const now = Date.now();
    const fresh = new Map<string, typeof messages.$inferInsert>();
    const mentioned: Array<typeof messageMentions.$inferInsert> = [];
    const outcomes: Array<{ result: unknown; entries: LogEntry[] } | { clientOffset: string; first: boolean }> = [];
    for (const write of batch) {
      if (write.kind === "operation") {
        outcomes.push(await write.run(tx, takeOffset));
        continue;
      }
      const input = write.input;
      const first = !existing.has(input.clientOffset) && !fresh.has(input.clientOffset);
      if (first) {
        const id = takeOffset();
        if (input.mentions?.length) mentioned.push(...mentionRows(id, input.channel, input.author.id, input.mentions));
        fresh.set(input.clientOffset, {
          id,
          version: id,
          replyTo: input.replyTo ?? null,
          clientOffset: input.clientOffset,
          channel: input.channel,
          authorId: input.author.id,
          authorName: input.author.name,
          content: input.content,
          createdAt: now,
        });
      }
      outcomes.push({ clientOffset: input.clientOffset, first });
    }
    const inserted = new Map<string, MessageRow>();
    if (fresh.size > 0) {
      for (const row of await tx
        .insert(messages)
        .values([...fresh.values()])
        .returning())
        inserted.set(row.clientOffset, row);
    }
    if (mentioned.length > 0) await tx.insert(messageMentions).values(mentioned);
    return outcomes.map((outcome) => {
      if ("result" in outcome) return outcome;
      const original = existing.get(outcome.clientOffset);
      if (original) return { result: { message: toChatMessage(original), duplicate: true } satisfies InsertMessageResult, entries: [] };
      const row = inserted.get(outcome.clientOffset);
      if (!row) throw new Error(`insert of ${outcome.clientOffset} returned no row`);
      const message = toChatMessage(row);
      // The first request for an offset in this batch stored it; a repeat within the same batch is a duplicate.
      return {
        result: { message, duplicate: !outcome.first } satisfies InsertMessageResult,
        entries: outcome.first ? [{ offset: message.id, message }] : [],
      };
    });
  });
}

async function appendEvent(tx: Tx, takeOffset: () => number, kind: LogEvent["kind"], channel: string, userId: string | null, data: object | null) {
  const row = { offset: takeOffset(), kind, channel, userId, data: data === null ? null : JSON.stringify(data), createdAt: Date.now() };
  await tx.insert(logEvents).values(row);
  return toLogEvent(row);
}

async function addMemberIn(tx: Tx, takeOffset: () => number, channel: string, userId: string, role: "owner" | "member"): Promise<LogEvent | null> {
  const [existing] = await tx
    .select()
    .from(channelMembers)
    .where(and(eq(channelMembers.channel, channel), eq(channelMembers.userId, userId)));
  if (existing && existing.removedAtOffset === null) return null;
  const event = await appendEvent(tx, takeOffset, "member_added", channel, userId, null);
  if (existing) {
    await tx
      .update(channelMembers)
      .set({ joinedAtOffset: event.offset, removedAtOffset: null })
      .where(and(eq(channelMembers.channel, channel), eq(channelMembers.userId, userId)));
  } else {
    await tx.insert(channelMembers).values({ channel, userId, role, joinedAtOffset: event.offset });
  }
  return event;
}

async function removeMemberIn(tx: Tx, takeOffset: () => number, channel: string, userId: string): Promise<LogEvent | null> {
  const [existing] = await tx
    .select()
    .from(channelMembers)
    .where(and(eq(channelMembers.channel, channel), eq(channelMembers.userId, userId)));
  if (!existing || existing.removedAtOffset !== null) return null;
  const event = await appendEvent(tx, takeOffset, "member_removed", channel, userId, null);
  await tx
    .update(channelMembers)
    .set({ removedAtOffset: event.offset })
    .where(and(eq(channelMembers.channel, channel), eq(channelMembers.userId, userId)));
  return event;
}

/**
 * A change to a message, inside the batch's transaction: decided against the row's state (the global write lock
 * orders every writer, so nothing changes it meanwhile), stored at the next offset together with the row's new
 * state. The GIN search index follows the content column in the same transaction.
 */
async function changeIn(
  tx: Tx,
  takeOffset: () => number,
  request: MessageChangeRequest,
): Promise<{ result: MessageChangeOutcome; entries: LogEntry[] }> {
  const [original] = await tx
    .select({ offset: messageChanges.offset })
    .from(messageChanges)
    .where(eq(messageChanges.clientOffset, request.clientOffset));
  if (original) return { result: { status: "duplicate", offset: Number(original.offset) }, entries: [] };
  const [row] = await tx.select().from(messages).where(eq(messages.id, request.messageId));
  if (!row) return { result: { status: "unknown_message" }, entries: [] };
  const current = toChatMessage(row);
  const decision = decideChange(
    { authorId: current.author.id, content: current.content, deleted: current.deletedAt !== null, reactions: current.reactions },
    request,
  );
  if (decision.status !== "change") return { result: decision, entries: [] };
  const offset = takeOffset();
  const now = Date.now();
  await tx.insert(messageChanges).values({
    offset,
    messageId: current.id,
    channel: current.channel,
    kind: request.kind,
    actorId: request.actor.id,
    data:
      request.kind === "edit"
        ? JSON.stringify({ content: request.content })
        : request.kind === "delete"
          ? null
          : JSON.stringify({ emoji: request.emoji }),
    clientOffset: request.clientOffset,
    createdAt: now,
  });
  const state =
    request.kind === "edit"
      ? { content: decision.content, editedAt: now }
      : request.kind === "delete"
        ? { content: "", reactions: null, deletedAt: now }
        : { reactions: encodeReactions(decision.reactions) };
  await tx
    .update(messages)
    .set({ ...state, version: offset })
    .where(eq(messages.id, current.id));
  if (request.kind === "edit" || request.kind === "delete") {
    // The counts follow the content: an edited message mentions whom its new content names, a deleted one nobody.
    await tx.delete(messageMentions).where(eq(messageMentions.messageId, current.id));
    const rows =
      request.kind === "edit" && request.mentions?.length ? mentionRows(current.id, current.channel, current.author.id, request.mentions) : [];
    if (rows.length > 0) await tx.insert(messageMentions).values(rows);
  }
  const message = changedMessage(current, decision, offset, now);
  return { result: { status: "applied", offset, message, contentBefore: current.content }, entries: [{ offset, update: { offset, message } }] };
}

const entriesOf = (events: Array<LogEvent | null>): LogEntry[] => events.flatMap((event) => (event ? [{ offset: event.offset, event }] : []));

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

  /** Changes after `after` (up to `upTo`), each with its message's current state. */
  const updatesAfter = async (after: number, limit: number, upTo = Number.MAX_SAFE_INTEGER) =>
    (
      await db
        .select({ offset: messageChanges.offset, message: messages })
        .from(messageChanges)
        .innerJoin(messages, eq(messages.id, messageChanges.messageId))
        .where(and(gt(messageChanges.offset, after), lte(messageChanges.offset, upTo)))
        .orderBy(asc(messageChanges.offset))
        .limit(limit)
    ).map((row) => ({ offset: Number(row.offset), message: toChatMessage(row.message) }));

  const committed = createCommitListeners();
  const commits = createGroupCommit<PgWrite, unknown>(async (batch) => {
    const outcomes = await writeBatch(db, batch);
    committed.notify(outcomes.flatMap((outcome) => outcome.entries));
    return outcomes.map((outcome) => outcome.result);
  });
  const operate = <T>(run: (tx: Tx, takeOffset: () => number) => Promise<{ result: T; entries: LogEntry[] }>) =>
    commits.submit({ kind: "operation", run }) as Promise<T>;
  const membershipChange = (event: LogEvent | null) => ({
    result: { offset: event?.offset ?? null } satisfies MembershipChange,
    entries: entriesOf([event]),
  });

  return {
    dialect: "postgres",
    ...createPgReadStates(pool),

    insertMessage(input) {
      return commits.submit({ kind: "message", input }) as Promise<InsertMessageResult>;
    },

    changeMessage(request) {
      return operate((tx, takeOffset) => changeIn(tx, takeOffset, request));
    },

    async getMessage(id) {
      const [row] = await db.select().from(messages).where(eq(messages.id, id));
      return row ? toChatMessage(row) : null;
    },

    getUpdatesAfter: (after, limit, upTo) => updatesAfter(after, limit, upTo),

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

    async getEntriesAfter(after, limit) {
      const [found, events, updates] = await Promise.all([
        db
          .select()
          .from(messages)
          .where(sql`${messages.id} > ${after}`)
          .orderBy(asc(messages.id))
          .limit(limit),
        db
          .select()
          .from(logEvents)
          .where(sql`${logEvents.offset} > ${after}`)
          .orderBy(asc(logEvents.offset))
          .limit(limit),
        updatesAfter(after, limit),
      ]);
      return mergeEntries([messageEntries(found.map(toChatMessage)), eventEntries(events.map(toLogEvent)), updateEntries(updates)], limit);
    },

    async getLatestOffset() {
      const result = await pool.query<{ latest: string }>(
        'SELECT greatest((SELECT coalesce(max(id), 0) FROM messages), (SELECT coalesce(max("offset"), 0) FROM log_events), (SELECT coalesce(max("offset"), 0) FROM message_changes)) AS latest',
      );
      return Number(result.rows[0]?.latest ?? 0);
    },

    async listChannels() {
      return (await db.select().from(channels).orderBy(asc(channels.id))).map(toChannel);
    },

    async listChannelsReadableBy(userId) {
      const rows = await db
        .select()
        .from(channels)
        .where(
          userId === null
            ? eq(channels.visibility, "public")
            : sql`${channels.visibility} = 'public' OR ${channels.name} IN (SELECT channel FROM channel_members WHERE user_id = ${userId} AND removed_at_offset IS NULL)`,
        )
        .orderBy(asc(channels.id));
      return rows.map(toChannel);
    },

    async getChannel(name) {
      const [row] = await db.select().from(channels).where(eq(channels.name, name));
      return row ? toChannel(row) : null;
    },

    createChannel(name, createdBy, { visibility = "public", members = [] } = {}) {
      return operate<{ channel: Channel; created: boolean }>(async (tx, takeOffset) => {
        const [inserted] = await tx.insert(channels).values({ name, createdBy, createdAt: Date.now(), visibility }).onConflictDoNothing().returning();
        if (!inserted) {
          const [existing] = await tx.select().from(channels).where(eq(channels.name, name));
          if (!existing) throw new Error(`channel ${name} conflicted but does not exist`);
          return { result: { channel: toChannel(existing), created: false }, entries: [] };
        }
        const created = await appendEvent(tx, takeOffset, "channel_created", name, createdBy, { visibility });
        await tx.update(channels).set({ createdAtOffset: created.offset }).where(eq(channels.name, name));
        const added: Array<LogEvent | null> = [];
        for (const [i, userId] of [createdBy, ...members.filter((member) => member !== createdBy)].entries()) {
          added.push(await addMemberIn(tx, takeOffset, name, userId, i === 0 ? "owner" : "member"));
        }
        return { result: { channel: toChannel(inserted), created: true }, entries: entriesOf([created, ...added]) };
      });
    },

    async channelExists(name) {
      const [row] = await db.select({ id: channels.id }).from(channels).where(eq(channels.name, name));
      return row !== undefined;
    },

    addMember(channel, userId) {
      return operate(async (tx, takeOffset) => membershipChange(await addMemberIn(tx, takeOffset, channel, userId, "member")));
    },

    removeMember(channel, userId) {
      return operate(async (tx, takeOffset) => membershipChange(await removeMemberIn(tx, takeOffset, channel, userId)));
    },

    async getMembership(channel, userId) {
      const [row] = await db
        .select()
        .from(channelMembers)
        .where(and(eq(channelMembers.channel, channel), eq(channelMembers.userId, userId)));
      if (!row) return null;
      return { role: row.role === "owner" ? "owner" : "member", joinedAtOffset: Number(row.joinedAtOffset), current: row.removedAtOffset === null };
    },

    async listMembers(channel) {
      const rows = await db
        .select({ userId: channelMembers.userId, role: channelMembers.role })
        .from(channelMembers)
        .where(and(eq(channelMembers.channel, channel), isNull(channelMembers.removedAtOffset)))
        .orderBy(asc(channelMembers.joinedAtOffset));
      return rows.map((row) => ({ userId: row.userId, role: row.role === "owner" ? ("owner" as const) : ("member" as const) }));
    },

    async getPrivateMemberships(userId) {
      const rows = await db
        .select({ channel: channelMembers.channel, joinedAtOffset: channelMembers.joinedAtOffset })
        .from(channelMembers)
        .innerJoin(channels, eq(channels.name, channelMembers.channel))
        .where(and(eq(channelMembers.userId, userId), isNull(channelMembers.removedAtOffset), ne(channels.visibility, "public")));
      return new Map(rows.map((row) => [row.channel, Number(row.joinedAtOffset)]));
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
