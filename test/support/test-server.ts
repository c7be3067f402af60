/**
 * A real Tether realtime server for tests: a real HTTP server on port 0 and the same composition server.ts uses,
 * on one of two backends —
 * - `sqlite`: a real SQLite file in a fresh temp directory, the in-memory Socket.IO adapter (the default);
 * - `postgres`: a fresh PostgreSQL database and the Redis Streams adapter under a fresh key prefix, i.e. one
 *   instance of a scale-out deployment. Several servers can share one cluster (`joinCluster`).
 */
import fs from "node:fs";
import type { Server as HttpServer } from "node:http";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, inject } from "vitest";
import type { MessageStore } from "../../lib/storage/message-store";
import { openAccountsStore } from "../../db/auth-database";
import type { AccountsStore } from "../../lib/storage/accounts-store";
import { openPgMessageStore } from "../../db/pg-message-store";
import { openSqliteMessageStore } from "../../db/sqlite-message-store";
import { trustNoProxy } from "../../lib/server/http/trust-proxy";
import { createAccounts, type Accounts, type AccountsOptions } from "../../lib/server/auth/create-accounts";
import { createSessionSigner, type SessionSigner } from "../../lib/server/identity/session-cookie";
import { createLogger } from "../../lib/server/logger";
import { createMetrics } from "../../lib/server/metrics";
import { createTetherServer, type TetherServerOptions } from "../../lib/server/create-tether-server";
import type { RealtimeOptions, RealtimeServer } from "../../lib/server/realtime/create-realtime-server";
import { connectRedisStreamsAdapter } from "../../lib/server/realtime/redis-streams-adapter";
import { createRedisNamespace, createTestDatabase, TEST_REDIS_URL, type TestDatabase } from "./scale-out-services";

export const TEST_SESSION_SECRET = "test-secret-test-secret-test-secret!";

export type TestBackend = "sqlite" | "postgres";

/**
 * The backends this run tests: SQLite always, PostgreSQL + Redis when reachable (global-setup.ts decides).
 * `TEST_STORE=sqlite` or `TEST_STORE=postgres` narrows it to one.
 */
export function testBackends(): TestBackend[] {
  const all: TestBackend[] = inject("scaleOut").available ? ["sqlite", "postgres"] : ["sqlite"];
  const only = process.env.TEST_STORE;
  if (only === "sqlite") return ["sqlite"];
  if (only === "postgres") {
    const reason = clusterSkipReason();
    if (reason) throw new Error(`TEST_STORE=postgres, but: ${reason}`);
    return ["postgres"];
  }
  return all;
}

/** The backend `startTestServer` uses when a test does not choose one. */
function defaultBackend(): TestBackend {
  return process.env.TEST_STORE === "postgres" ? "postgres" : "sqlite";
}

/** Why the cluster backend is not tested in this run, or null when it is. */
export function clusterSkipReason(): string | null {
  const probe = inject("scaleOut");
  return probe.available ? null : probe.reason;
}

/** A PostgreSQL database and a Redis namespace shared by the instances of one test cluster. */
export interface TestCluster {
  database: TestDatabase;
  redisUrl: string;
  keyPrefix: string;
  close(): Promise<void>;
}

export async function createTestCluster(): Promise<TestCluster> {
  const database = await createTestDatabase();
  const redis = createRedisNamespace();
  return {
    database,
    redisUrl: TEST_REDIS_URL,
    keyPrefix: redis.keyPrefix,
    async close() {
      await redis.clear();
      await database.drop();
    },
  };
}

export interface TestServer {
  url: string;
  port: number;
  backend: TestBackend;
  store: MessageStore;
  signer: SessionSigner;
  /** The accounts layer, serving /api/auth/* on this server's port as server.ts does. */
  accounts: Accounts;
  /** Its own connection to the test database (for assertions on accounts rows). */
  authDatabase: AccountsStore;
  realtime: RealtimeServer;
  httpServer: HttpServer;
  /** Stored messages, all or those with one clientOffset, counted directly in the database. */
  countMessages(clientOffset?: string): Promise<number>;
  /**
   * Resolves once the delivery core has delivered everything stored so far. Messages written straight to `store`
   * reach the core through its commit listener — on PostgreSQL + Redis through the log tail, which may read the store
   * first — so a client that connects before then is caught up to an earlier position and gets the rest live.
   */
  allDelivered(timeoutMs?: number): Promise<void>;
  /** Rows of one read-only SQL query (same text on both dialects), read directly from the database. */
  rows<T extends Record<string, unknown>>(sql: string): Promise<T[]>;
  close(): Promise<void>;
}

const tempDirs: string[] = [];
// After every test of the file that made them (servers and processes are closed in afterEach, before this).
afterAll(() => {
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh directory under the system's temp dir, removed once the test file is done. */
export function makeTempDir(prefix = "tether-test-"): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** Every stored message's id and client offset, ascending, read from an SQLite file (the server may be dead). */
export function readStoredIds(dbPath: string): Array<{ id: number; clientOffset: string }> {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare("SELECT id, client_offset AS clientOffset FROM messages ORDER BY id").all() as Array<{ id: number; clientOffset: string }>;
  } finally {
    db.close();
  }
}

function readSqliteRows<T>(dbPath: string, sql: string): T[] {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

function countSqliteMessages(dbPath: string, clientOffset?: string): number {
  const db = new Database(dbPath, { readonly: true });
  try {
    const row = clientOffset
      ? db.prepare("SELECT count(*) AS n FROM messages WHERE client_offset = ?").get(clientOffset)
      : db.prepare("SELECT count(*) AS n FROM messages").get();
    return (row as { n: number }).n;
  } finally {
    db.close();
  }
}

export interface StartTestServerOptions extends Partial<RealtimeOptions> {
  backend?: TestBackend;
  /** SQLite file to use (sqlite backend). */
  dbPath?: string;
  /** Join an existing cluster instead of creating one (postgres backend); the caller then closes it. */
  joinCluster?: TestCluster;
  /** Wraps the real store the server uses (to hold its reads for a while, say); the test server closes it. */
  wrapStore?: (store: MessageStore) => MessageStore;
  /** Failed sign-ins allowed (default: far more than any test makes, except the limit's own). */
  signInLimit?: AccountsOptions["signInLimit"];
  /** Connections that ask for a page go here instead (route-connections.ts), as in production. */
  pagesProcess?: TetherServerOptions["pagesProcess"];
}

export async function startTestServer(overrides: StartTestServerOptions = {}): Promise<TestServer> {
  const { backend = defaultBackend(), dbPath: givenDbPath, joinCluster, wrapStore, signInLimit, pagesProcess, ...realtimeOverrides } = overrides;
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? "silent");
  let store: MessageStore;
  let countMessages: TestServer["countMessages"];
  let rows: TestServer["rows"];
  let clusterAdapter: RealtimeOptions["clusterAdapter"];
  let sharedPresence: RealtimeOptions["sharedPresence"];
  let authDatabase: AccountsStore;
  const cleanups: Array<() => Promise<void>> = [];

  if (backend === "postgres") {
    const cluster = joinCluster ?? (await createTestCluster());
    if (!joinCluster) cleanups.push(() => cluster.close());
    store = realtimeOverrides.store ?? (await openPgMessageStore(cluster.database.url));
    authDatabase = openAccountsStore(cluster.database.url);
    const redis = await connectRedisStreamsAdapter(cluster.redisUrl, { keyPrefix: cluster.keyPrefix, logger });
    cleanups.unshift(() => redis.close());
    clusterAdapter = redis.adapter;
    sharedPresence = redis.presence;
    countMessages = async (clientOffset) => {
      const rows = clientOffset
        ? await cluster.database.query<{ n: string }>("SELECT count(*) AS n FROM messages WHERE client_offset = $1", [clientOffset])
        : await cluster.database.query<{ n: string }>("SELECT count(*) AS n FROM messages");
      return Number(rows[0]!.n);
    };
    rows = (sql) => cluster.database.query(sql);
  } else {
    const dbPath = givenDbPath ?? path.join(makeTempDir(), "tether.db");
    store = realtimeOverrides.store ?? openSqliteMessageStore(dbPath);
    authDatabase = openAccountsStore(`file:${dbPath}`);
    countMessages = async (clientOffset) => countSqliteMessages(dbPath, clientOffset);
    rows = async <T>(sql: string) => readSqliteRows<T>(dbPath, sql);
  }

  if (wrapStore) store = wrapStore(store);
  const signer = createSessionSigner(TEST_SESSION_SECRET);
  const trustProxy = realtimeOverrides.trustProxy ?? trustNoProxy;
  const { accounts } = createAccounts({
    database: authDatabase,
    secret: TEST_SESSION_SECRET,
    logger,
    trustProxy,
    allowedOrigins: [],
    sessionDays: 30,
    signInLimit: signInLimit ?? { perUsername: 1000, perAddress: 1000, windowMs: 60_000 },
  });
  const tether = createTetherServer({
    store,
    signer,
    accounts,
    guestAccess: true,
    logger,
    metrics: createMetrics(),
    recoveryWindowMs: 120_000,
    pingIntervalMs: 5_000,
    pingTimeoutMs: 3_000,
    maxPacketBytes: 1_000_000,
    maxMessageLength: 4000,
    replayBatchSize: 500,
    // Off by default: many test clients share one address and send fast; the limits have their own tests.
    rateLimit: { burst: 20, perSecond: 0 },
    searchRateLimit: { burst: 10, perSecond: 0 },
    maxConnectionsPerIp: 0,
    allowedOrigins: [],
    trustProxy,
    clusterAdapter,
    sharedPresence,
    ...realtimeOverrides,
    pagesProcess,
  });
  const port = await tether.listen(0, "127.0.0.1");
  const { realtime, httpServer } = tether;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    backend,
    store,
    signer,
    accounts,
    authDatabase,
    realtime,
    httpServer,
    countMessages,
    rows,
    async allDelivered(timeoutMs = 10_000) {
      const latest = await store.getLatestOffset();
      await realtime.delivery.whenDelivered(latest, timeoutMs);
      if (realtime.delivery.deliveredThrough() < latest)
        throw new Error(`the delivery core did not deliver through ${latest} within ${timeoutMs} ms`);
    },
    async close() {
      await tether.close();
      await authDatabase.close();
      await store.close();
      for (const cleanup of cleanups) await cleanup();
    },
  };
}
