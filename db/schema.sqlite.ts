import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const channels = sqliteTable("channels", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  name: text("name").notNull().unique(),
  createdBy: text("created_by"),
  createdAt: integer("created_at").notNull(),
  /** "public" (everyone reads it), "private" (members only) or "dm" (fixed participants). */
  visibility: text("visibility").notNull().default("public"),
  /** The log offset of the channel's creation (0 for channels older than the log of events). */
  createdAtOffset: integer("created_at_offset").notNull().default(0),
});
export type ChannelRow = typeof channels.$inferSelect;

export const messages = sqliteTable(
  "messages",
  {
    // AUTOINCREMENT: ids are never reused, even after the newest row is deleted, so a client's offset never
    // points at a different message later. This id is the server offset clients resume from.
    id: integer("id").primaryKey({ autoIncrement: true }),
    clientOffset: text("client_offset").notNull().unique(),
    channel: text("channel")
      .notNull()
      .references(() => channels.name),
    authorId: text("author_id").notNull(),
    authorName: text("author_name").notNull(),
    content: text("content").notNull(),
    createdAt: integer("created_at").notNull(),
    /** The offset of the latest change reflected in this row: the id itself when never changed (set on insert; the default only serves the migration). */
    version: integer("version").notNull().default(0),
    editedAt: integer("edited_at"),
    /** Set once deleted; the content is then "" and the reactions none. */
    deletedAt: integer("deleted_at"),
    /** The message (same channel) this one answers. */
    replyTo: integer("reply_to"),
    /** The current reactions, JSON `[emoji, userIds][]` in first-reaction order; null for none (message-change-rules.ts). */
    reactions: text("reactions"),
  },
  (table) => [
    // History pages (newest messages of one channel, below an id) and unread counts (db/sqlite-read-states.ts: the
    // messages of a channel in a range, not deleted) both read this one index; deleted_at is in it so that a count
    // reads the index alone. One index, not a plain one for pages and a partial one for counts (as until migration
    // 0008): every index is one more page each send's commit writes, and a send's commit is most of its cost here.
    index("messages_channel_id_deleted_idx").on(table.channel, table.id, table.deletedAt),
    // A reader's own messages, which their counts leave out. Partial, so a deleted message drops out of it; the query
    // repeats the condition. deleted_at is a column too (always NULL here) because SQLite covers a query with an index
    // only when the index holds every column the query names, the partial condition's included.
    index("messages_live_author_channel_id_idx")
      .on(table.authorId, table.channel, table.id, table.deletedAt)
      .where(sql`deleted_at IS NULL`),
    // Full-text search is the FTS5 table messages_fts, which drizzle cannot describe: it is created, filled and kept
    // by triggers in the hand-written migration 0002_search.sql.
  ],
);
export type MessageRow = typeof messages.$inferSelect;

/**
 * Who may read a private channel or a DM (public channels are read by everyone; a row there only says who joined).
 * A row stays after its member leaves or is removed (`removedAtOffset`), so an ex-member is told `forbidden`.
 */
export const channelMembers = sqliteTable(
  "channel_members",
  {
    channel: text("channel")
      .notNull()
      .references(() => channels.name),
    userId: text("user_id").notNull(),
    /** "owner" (the creator: may remove members) or "member". */
    role: text("role").notNull().default("member"),
    /** The log offset at which the current membership began: catch-up replays only what was sent after it. */
    joinedAtOffset: integer("joined_at_offset").notNull(),
    removedAtOffset: integer("removed_at_offset"),
  },
  (table) => [primaryKey({ columns: [table.channel, table.userId] }), index("channel_members_user_idx").on(table.userId)],
);

/**
 * The log's entries that are not messages (a channel created, a member added or removed): they take offsets from
 * the same sequence as message ids, so every instance applies them in order with the messages.
 */
export const logEvents = sqliteTable("log_events", {
  offset: integer("offset").primaryKey(),
  kind: text("kind").notNull(),
  channel: text("channel").notNull(),
  userId: text("user_id"),
  /** JSON: what the kind needs beyond channel and user. */
  data: text("data"),
  createdAt: integer("created_at").notNull(),
});

/**
 * The changes made to messages (issue 15): each at its own offset of the log's one sequence, stored once per
 * clientOffset. The message row holds the state after the latest one.
 */
export const messageChanges = sqliteTable(
  "message_changes",
  {
    offset: integer("offset").primaryKey(),
    messageId: integer("message_id").notNull(),
    channel: text("channel").notNull(),
    /** "edit", "delete", "reaction_add" or "reaction_remove". */
    kind: text("kind").notNull(),
    actorId: text("actor_id").notNull(),
    /** JSON: the new content of an edit, the emoji of a reaction; null for a delete. */
    data: text("data"),
    clientOffset: text("client_offset").notNull().unique(),
    createdAt: integer("created_at").notNull(),
  },
  (table) => [index("message_changes_message_idx").on(table.messageId)],
);

// ---- Accounts (issue 13): better-auth's tables, personal access tokens, sign-in failure counters ----
// Property names are the field names better-auth's Drizzle adapter reads and writes (see
// lib/server/auth/create-auth.ts, which maps its models onto these tables); column names are snake_case.

export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    /** The display name: starts as the username, changed with profile:update. */
    name: text("name").notNull(),
    /** Unused by Tether (accounts are username + password): better-auth requires one, so a unique one is synthesised. */
    email: text("email").notNull().unique(),
    emailVerified: integer("email_verified", { mode: "boolean" }).notNull().default(false),
    image: text("image"),
    /** Lowercase, 3-32 characters of a-z 0-9 _ -; unique, so unique ignoring case. */
    username: text("username").unique(),
    /** "admin" for the first account created, "member" otherwise. */
    role: text("role").notNull().default("member"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
  },
  (table) => [
    // At most one admin: the first account claims the role with an UPDATE this index lets only one win.
    uniqueIndex("users_single_admin_idx")
      .on(table.role)
      .where(sql`role = 'admin'`),
  ],
);
export type UserRow = typeof users.$inferSelect;

export const sessions = sqliteTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    /** The secret the session cookie carries (signed by better-auth). */
    token: text("token").notNull().unique(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    ipAddress: text("ip_address"),
    userAgent: text("user_agent"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
  },
  (table) => [index("sessions_user_id_idx").on(table.userId)],
);
export type SessionRow = typeof sessions.$inferSelect;

/** better-auth's sign-in methods of a user; Tether has one, "credential", holding the password hash. */
export const credentials = sqliteTable(
  "credentials",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id").notNull(),
    providerId: text("provider_id").notNull(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    accessToken: text("access_token"),
    refreshToken: text("refresh_token"),
    idToken: text("id_token"),
    accessTokenExpiresAt: integer("access_token_expires_at", { mode: "timestamp_ms" }),
    refreshTokenExpiresAt: integer("refresh_token_expires_at", { mode: "timestamp_ms" }),
    scope: text("scope"),
    password: text("password"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
  },
  (table) => [index("credentials_user_id_idx").on(table.userId)],
);

export const verifications = sqliteTable("verifications", {
  id: text("id").primaryKey(),
  identifier: text("identifier").notNull(),
  value: text("value").notNull(),
  expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
  createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
});

/** Personal access tokens for scripts: only the SHA-256 digest of a token is stored; it is shown once. */
export const accessTokens = sqliteTable(
  "access_tokens",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    tokenHash: text("token_hash").notNull().unique(),
    /** The first characters of the token, to tell tokens apart in the list. */
    prefix: text("prefix").notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    lastUsedAt: integer("last_used_at", { mode: "timestamp_ms" }),
  },
  (table) => [index("access_tokens_user_id_idx").on(table.userId)],
);
export type AccessTokenRow = typeof accessTokens.$inferSelect;

/** Failed sign-ins per key ("user:<username>" or "address:<ip>") within a window; shared by every instance. */
export const signInFailures = sqliteTable("sign_in_failures", {
  key: text("key").primaryKey(),
  count: integer("count").notNull(),
  windowStartedAt: integer("window_started_at").notNull(),
});

// ---- Read state (issue 16) ----

/** How far each identity (an account, or a guest identity) has read each channel, and whether it muted it. */
export const readStates = sqliteTable(
  "read_states",
  {
    identityId: text("identity_id").notNull(),
    channel: text("channel")
      .notNull()
      .references(() => channels.name),
    /** The highest message id read: only ever raised. */
    readUpTo: integer("read_up_to").notNull().default(0),
    muted: integer("muted", { mode: "boolean" }).notNull().default(false),
    updatedAt: integer("updated_at").notNull(),
  },
  (table) => [primaryKey({ columns: [table.identityId, table.channel] })],
);

/**
 * Who each message mentions, written with the message: `mentioned` is an identity id, or "*" for `@channel`. A DM's
 * messages are not listed (every one of them mentions its readers). The author is kept to leave out a reader's own.
 */
export const messageMentions = sqliteTable(
  "message_mentions",
  {
    messageId: integer("message_id").notNull(),
    channel: text("channel").notNull(),
    mentioned: text("mentioned").notNull(),
    authorId: text("author_id").notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.messageId, table.mentioned] }),
    index("message_mentions_mentioned_idx").on(table.mentioned, table.channel, table.messageId),
  ],
);
