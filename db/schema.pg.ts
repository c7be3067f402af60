import { sql } from "drizzle-orm";
import { bigint, bigserial, boolean, index, integer, pgTable, primaryKey, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";

export const channels = pgTable("channels", {
  id: bigserial("id", { mode: "number" }).primaryKey(),
  name: text("name").notNull().unique(),
  createdBy: text("created_by"),
  createdAt: bigint("created_at", { mode: "number" }).notNull(),
  /** "public" (everyone reads it), "private" (members only) or "dm" (fixed participants). */
  visibility: text("visibility").notNull().default("public"),
  /** The log offset of the channel's creation (0 for channels older than the log of events). */
  createdAtOffset: bigint("created_at_offset", { mode: "number" }).notNull().default(0),
});
export type ChannelRow = typeof channels.$inferSelect;

export const messages = pgTable(
  "messages",
  {
    // No sequence: the store assigns `max(id) + 1` while it holds the global write lock (see pg-message-store.ts),
    // so ids are dense and commit order equals id order — the property cross-instance delivery relies on.
    id: bigint("id", { mode: "number" }).primaryKey(),
    clientOffset: text("client_offset").notNull().unique(),
    channel: text("channel")
      .notNull()
      .references(() => channels.name),
    authorId: text("author_id").notNull(),
    authorName: text("author_name").notNull(),
    content: text("content").notNull(),
    createdAt: bigint("created_at", { mode: "number" }).notNull(),
    /** The offset of the latest change reflected in this row: the id itself when never changed (set on insert; the default only serves the migration). */
    version: bigint("version", { mode: "number" }).notNull().default(0),
    editedAt: bigint("edited_at", { mode: "number" }),
    /** Set once deleted; the content is then "" and the reactions none. */
    deletedAt: bigint("deleted_at", { mode: "number" }),
    /** The message (same channel) this one answers. */
    replyTo: bigint("reply_to", { mode: "number" }),
    /** The current reactions, JSON `[emoji, userIds][]` in first-reaction order; null for none (message-change-rules.ts). */
    reactions: text("reactions"),
  },
  (table) => [
    // History pages: newest messages of one channel, below an id.
    index("messages_channel_id_idx").on(table.channel, table.id),
    // Unread counts (db/pg-read-states.ts) count messages not deleted, on these indexes alone (index-only scans: the
    // partial condition's column need not be in the index on PostgreSQL): all of a channel's in a range, and a
    // reader's own. Partial, so a deleted message drops out of them; the queries repeat the condition.
    index("messages_live_channel_id_idx")
      .on(table.channel, table.id)
      .where(sql`deleted_at IS NULL`),
    index("messages_live_author_channel_id_idx")
      .on(table.authorId, table.channel, table.id)
      .where(sql`deleted_at IS NULL`),
    // Full-text search (searchMessages in pg-message-store.ts): the query must repeat this expression exactly.
    index("messages_content_search_idx").using("gin", sql`to_tsvector('english', ${table.content})`),
  ],
);
export type MessageRow = typeof messages.$inferSelect;

/**
 * Who may read a private channel or a DM (public channels are read by everyone; a row there only says who joined).
 * A row stays after its member leaves or is removed (`removedAtOffset`), so an ex-member is told `forbidden`.
 */
export const channelMembers = pgTable(
  "channel_members",
  {
    channel: text("channel")
      .notNull()
      .references(() => channels.name),
    userId: text("user_id").notNull(),
    /** "owner" (the creator: may remove members) or "member". */
    role: text("role").notNull().default("member"),
    /** The log offset at which the current membership began: catch-up replays only what was sent after it. */
    joinedAtOffset: bigint("joined_at_offset", { mode: "number" }).notNull(),
    removedAtOffset: bigint("removed_at_offset", { mode: "number" }),
  },
  (table) => [primaryKey({ columns: [table.channel, table.userId] }), index("channel_members_user_idx").on(table.userId)],
);

/**
 * The log's entries that are not messages (a channel created, a member added or removed): they take offsets from
 * the same sequence as message ids (assigned under the same lock), so every instance applies them in order with
 * the messages.
 */
export const logEvents = pgTable("log_events", {
  offset: bigint("offset", { mode: "number" }).primaryKey(),
  kind: text("kind").notNull(),
  channel: text("channel").notNull(),
  userId: text("user_id"),
  /** JSON: what the kind needs beyond channel and user. */
  data: text("data"),
  createdAt: bigint("created_at", { mode: "number" }).notNull(),
});

/**
 * The changes made to messages (issue 15): each at its own offset of the log's one sequence, stored once per
 * clientOffset. The message row holds the state after the latest one.
 */
export const messageChanges = pgTable(
  "message_changes",
  {
    offset: bigint("offset", { mode: "number" }).primaryKey(),
    messageId: bigint("message_id", { mode: "number" }).notNull(),
    channel: text("channel").notNull(),
    /** "edit", "delete", "reaction_add" or "reaction_remove". */
    kind: text("kind").notNull(),
    actorId: text("actor_id").notNull(),
    /** JSON: the new content of an edit, the emoji of a reaction; null for a delete. */
    data: text("data"),
    clientOffset: text("client_offset").notNull().unique(),
    createdAt: bigint("created_at", { mode: "number" }).notNull(),
  },
  (table) => [index("message_changes_message_idx").on(table.messageId)],
);

// ---- Accounts (issue 13): better-auth's tables, personal access tokens, sign-in failure counters ----
// Property names are the field names better-auth's Drizzle adapter reads and writes (see
// lib/server/auth/create-auth.ts, which maps its models onto these tables); column names are snake_case.

export const users = pgTable(
  "users",
  {
    id: text("id").primaryKey(),
    /** The display name: starts as the username, changed with profile:update. */
    name: text("name").notNull(),
    /** Unused by Tether (accounts are username + password): better-auth requires one, so a unique one is synthesised. */
    email: text("email").notNull().unique(),
    emailVerified: boolean("email_verified").notNull().default(false),
    image: text("image"),
    /** Lowercase, 3-32 characters of a-z 0-9 _ -; unique, so unique ignoring case. */
    username: text("username").unique(),
    /** "admin" for the first account created, "member" otherwise. */
    role: text("role").notNull().default("member"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull(),
  },
  (table) => [
    // At most one admin: the first account claims the role with an UPDATE this index lets only one win.
    uniqueIndex("users_single_admin_idx")
      .on(table.role)
      .where(sql`role = 'admin'`),
  ],
);
export type UserRow = typeof users.$inferSelect;

export const sessions = pgTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    /** The secret the session cookie carries (signed by better-auth). */
    token: text("token").notNull().unique(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    ipAddress: text("ip_address"),
    userAgent: text("user_agent"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull(),
  },
  (table) => [index("sessions_user_id_idx").on(table.userId)],
);
export type SessionRow = typeof sessions.$inferSelect;

/** better-auth's sign-in methods of a user; Tether has one, "credential", holding the password hash. */
export const credentials = pgTable(
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
    accessTokenExpiresAt: timestamp("access_token_expires_at", { withTimezone: true }),
    refreshTokenExpiresAt: timestamp("refresh_token_expires_at", { withTimezone: true }),
    scope: text("scope"),
    password: text("password"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull(),
  },
  (table) => [index("credentials_user_id_idx").on(table.userId)],
);

export const verifications = pgTable("verifications", {
  id: text("id").primaryKey(),
  identifier: text("identifier").notNull(),
  value: text("value").notNull(),
  expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull(),
});

/** Personal access tokens for scripts: only the SHA-256 digest of a token is stored; it is shown once. */
export const accessTokens = pgTable(
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
    createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
  },
  (table) => [index("access_tokens_user_id_idx").on(table.userId)],
);
export type AccessTokenRow = typeof accessTokens.$inferSelect;

/** Failed sign-ins per key ("user:<username>" or "address:<ip>") within a window; shared by every instance. */
export const signInFailures = pgTable("sign_in_failures", {
  key: text("key").primaryKey(),
  count: integer("count").notNull(),
  windowStartedAt: bigint("window_started_at", { mode: "number" }).notNull(),
});

// ---- Read state (issue 16) ----

/** How far each identity (an account, or a guest identity) has read each channel, and whether it muted it. */
export const readStates = pgTable(
  "read_states",
  {
    identityId: text("identity_id").notNull(),
    channel: text("channel")
      .notNull()
      .references(() => channels.name),
    /** The highest message id read: only ever raised. */
    readUpTo: bigint("read_up_to", { mode: "number" }).notNull().default(0),
    muted: boolean("muted").notNull().default(false),
    updatedAt: bigint("updated_at", { mode: "number" }).notNull(),
  },
  (table) => [primaryKey({ columns: [table.identityId, table.channel] })],
);

/**
 * Who each message mentions, written with the message: `mentioned` is an identity id, or "*" for `@channel`. A DM's
 * messages are not listed (every one of them mentions its readers). The author is kept to leave out a reader's own.
 */
export const messageMentions = pgTable(
  "message_mentions",
  {
    messageId: bigint("message_id", { mode: "number" }).notNull(),
    channel: text("channel").notNull(),
    mentioned: text("mentioned").notNull(),
    authorId: text("author_id").notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.messageId, table.mentioned] }),
    index("message_mentions_mentioned_idx").on(table.mentioned, table.channel, table.messageId),
  ],
);
