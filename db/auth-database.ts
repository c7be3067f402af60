/**
 * The database handle of the accounts layer (better-auth's tables, access tokens, sign-in failure counters):
 * its own connection to the database the message store uses, opened *after* the store, whose opening applies
 * every migration (both layers' tables live in one schema per dialect and one migration history).
 *
 * Why a connection of its own rather than the store's:
 * - SQLite: the store's connection is the message path — group commit in synchronous transactions, a cache of
 *   recent messages, writes bracketed for the WAL checkpointer — and the MessageStore interface stays about
 *   messages. A second better-sqlite3 connection to the same WAL file reads without blocking anyone and writes
 *   rarely (sign-up, sign-in, a session refresh a day, a token's first use). Both connections live on the one
 *   Node thread and better-sqlite3 runs each statement to completion synchronously, so their writes never wait
 *   on each other; the checkpoint worker already uses a connection of its own in the same way.
 * - PostgreSQL: a small pool of its own, so that a burst of sign-ins never queues behind message writes (which
 *   hold a pool connection for a whole group commit).
 */
import Database from "better-sqlite3";
import { sql, type SQL } from "drizzle-orm";
import { drizzle as drizzleSqlite, type BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import { drizzle as drizzlePg, type NodePgDatabase } from "drizzle-orm/node-postgres";
import { Pool } from "pg";
import type { Member } from "../lib/shared/dto";
import type { AccountsStore, SignInFailureCounts } from "../lib/storage/accounts-store";
import * as pgSchema from "./schema.pg";
import * as sqliteSchema from "./schema.sqlite";

/** better-auth's model names → tables (its "account" model is Tether's `credentials` table). */
const sqliteAuthTables = {
  user: sqliteSchema.users,
  session: sqliteSchema.sessions,
  account: sqliteSchema.credentials,
  verification: sqliteSchema.verifications,
  accessToken: sqliteSchema.accessTokens,
};
const pgAuthTables = {
  user: pgSchema.users,
  session: pgSchema.sessions,
  account: pgSchema.credentials,
  verification: pgSchema.verifications,
  accessToken: pgSchema.accessTokens,
};

/** The accounts layer's connection, by dialect. */
type AuthDatabase =
  | { dialect: "sqlite"; db: BetterSQLite3Database<typeof sqliteAuthTables>; tables: typeof sqliteAuthTables; close(): Promise<void> }
  | { dialect: "postgres"; db: NodePgDatabase<typeof pgAuthTables>; tables: typeof pgAuthTables; close(): Promise<void> };

/** Opens the accounts store; call it after the message store has opened (and migrated) the database. */
export function openAccountsStore(databaseUrl: string): AccountsStore {
  const database = openAuthDatabase(databaseUrl);
  return {
    betterAuth: { db: database.db, provider: database.dialect === "sqlite" ? "sqlite" : "pg", schema: database.tables },
    claimAdminRole: (userId) => claimAdminRole(database, userId),
    signInFailures: signInFailureCounts(database),
    findUserByUsername: async (username) => (await selectUsers(database, sql`username = ${username}`))[0] ?? null,
    async getUsers(ids) {
      if (ids.length === 0) return new Map();
      const found = await selectUsers(
        database,
        sql`id IN (${sql.join(
          ids.map((id) => sql`${id}`),
          sql`, `,
        )})`,
      );
      return new Map(found.map((user) => [user.id, user]));
    },
    listUsers: (limit) => selectUsers(database, sql`1 = 1`, sql`ORDER BY username LIMIT ${limit}`),
    close: () => database.close(),
  };
}

/**
 * Accounts (users with a username) matching a condition, as members of channels see them. `order` (ORDER BY,
 * LIMIT) goes after the parenthesised condition: inside it, it would be a syntax error.
 */
async function selectUsers(database: AuthDatabase, where: SQL, order: SQL = sql``): Promise<Member[]> {
  const statement = sql`SELECT id, username, name FROM users WHERE username IS NOT NULL AND (${where}) ${order}`;
  const rows: Member[] =
    database.dialect === "sqlite"
      ? database.db.all<Member>(statement)
      : (await database.db.execute<Member & Record<string, unknown>>(statement)).rows;
  return rows.map((row) => ({ id: row.id, username: row.username, name: row.name }));
}

function openAuthDatabase(databaseUrl: string): AuthDatabase {
  if (databaseUrl.startsWith("file:")) {
    const sqlite = new Database(databaseUrl.slice("file:".length), { fileMustExist: true });
    // journal_mode is a property of the file (the store set WAL); these are per connection.
    sqlite.pragma("foreign_keys = ON");
    sqlite.pragma("busy_timeout = 1000");
    return {
      dialect: "sqlite",
      db: drizzleSqlite(sqlite, { schema: sqliteAuthTables }),
      tables: sqliteAuthTables,
      async close() {
        sqlite.close();
      },
    };
  }
  const pool = new Pool({ connectionString: databaseUrl, max: 4 });
  // Without a listener, an idle connection the server drops would be an unhandled 'error' event.
  pool.on("error", (error) => console.warn(`PostgreSQL (accounts): idle connection lost: ${error.message}`));
  return {
    dialect: "postgres",
    db: drizzlePg(pool, { schema: pgAuthTables }),
    tables: pgAuthTables,
    async close() {
      await pool.end();
    },
  };
}

/**
 * Makes `userId` the workspace admin if nobody is yet. Atomic on both dialects: the partial unique index
 * `users_single_admin_idx` lets exactly one UPDATE to role 'admin' commit, so two first sign-ups racing on two
 * instances still make one admin. Returns whether this user became the admin.
 */
async function claimAdminRole(database: AuthDatabase, userId: string): Promise<boolean> {
  const statement = sql`UPDATE users SET role = 'admin' WHERE id = ${userId} AND NOT EXISTS (SELECT 1 FROM users WHERE role = 'admin')`;
  try {
    if (database.dialect === "sqlite") return database.db.run(statement).changes === 1;
    return ((await database.db.execute(statement)).rowCount ?? 0) === 1;
  } catch (error) {
    if (isUniqueViolation(error)) return false;
    throw error;
  }
}

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown; cause?: { code?: unknown } }).code ?? (error as { cause?: { code?: unknown } }).cause?.code;
  return code === "SQLITE_CONSTRAINT_UNIQUE" || code === "23505";
}

interface FailureRow extends Record<string, unknown> {
  key: string;
  count: number | string;
  windowStartedAt: number | string;
}

// node-postgres returns bigint columns as strings.
const toCounts = (rows: FailureRow[]) =>
  new Map(rows.map((row) => [row.key, { count: Number(row.count), windowStartedAt: Number(row.windowStartedAt) }]));

function signInFailureCounts(database: AuthDatabase): SignInFailureCounts {
  // One statement per key; the CASEs make "new window or one more" atomic under concurrent failures.
  const upsert = (key: string, now: number, windowStart: number) => sql`
    INSERT INTO sign_in_failures (key, count, window_started_at) VALUES (${key}, 1, ${now})
    ON CONFLICT (key) DO UPDATE SET
      count = CASE WHEN sign_in_failures.window_started_at < ${windowStart} THEN 1 ELSE sign_in_failures.count + 1 END,
      window_started_at = CASE WHEN sign_in_failures.window_started_at < ${windowStart} THEN ${now} ELSE sign_in_failures.window_started_at END`;
  const select = (keys: readonly string[], windowStart: number) => sql`
    SELECT key, count, window_started_at AS "windowStartedAt" FROM sign_in_failures
    WHERE window_started_at >= ${windowStart} AND key IN (${sql.join(
      keys.map((key) => sql`${key}`),
      sql`, `,
    )})`;
  const remove = (key: string) => sql`DELETE FROM sign_in_failures WHERE key = ${key}`;

  if (database.dialect === "sqlite") {
    const { db } = database;
    return {
      async recent(keys, windowStart) {
        return toCounts(db.all<FailureRow>(select(keys, windowStart)));
      },
      async record(keys, now, windowStart) {
        db.transaction(() => {
          for (const key of keys) db.run(upsert(key, now, windowStart));
        });
      },
      async clear(key) {
        db.run(remove(key));
      },
    };
  }
  const { db } = database;
  return {
    async recent(keys, windowStart) {
      return toCounts((await db.execute<FailureRow>(select(keys, windowStart))).rows);
    },
    async record(keys, now, windowStart) {
      for (const key of keys) await db.execute(upsert(key, now, windowStart));
    },
    async clear(key) {
      await db.execute(remove(key));
    },
  };
}
