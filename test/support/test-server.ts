/**
 * A real Tether realtime server for tests: a real HTTP server on port 0 and the same composition server.ts uses,
 * on one of two backends —
 * - `sqlite`: a real SQLite file in a fresh temp directory, the in-memory Socket.IO adapter (the default);
 * - `postgres`: a fresh PostgreSQL database and the Redis Streams adapter under a fresh key prefix, i.e. one
 *   instance of a scale-out deployment. Several servers can share one cluster (`joinCluster`).
 */
import fs from "node:fs";
import { createServer, type Server as HttpServer } from "node:http";
import os from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";
import Database from "better-sqlite3";
import { afterAll, inject } from "vitest";
import type { MessageStore } from "../../db/message-store";
import { openPgMessageStore } from "../../db/pg-message-store";
import { openSqliteMessageStore } from "../../db/sqlite-message-store";
import { createSessionSigner, type SessionSigner } from "../../lib/server/identity/session-cookie";
import { createLogger } from "../../lib/server/logger";
import { createMetrics } from "../../lib/server/metrics";
import { createRealtimeServer, type RealtimeOptions, type RealtimeServer } from "../../lib/server/realtime/create-realtime-server";
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
  realtime: RealtimeServer;
  httpServer: HttpServer;
  /** Stored messages, all or those with one clientOffset, counted directly in the database. */
  countMessages(clientOffset?: string): Promise<number>;
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
}

export async function startTestServer(overrides: StartTestServerOptions = {}): Promise<TestServer> {
  const { backend = defaultBackend(), dbPath: givenDbPath, joinCluster, ...realtimeOverrides } = overrides;
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? "silent");
  let store: MessageStore;
  let countMessages: TestServer["countMessages"];
  let clusterAdapter: RealtimeOptions["clusterAdapter"];
  const cleanups: Array<() => Promise<void>> = [];

  if (backend === "postgres") {
    const cluster = joinCluster ?? (await createTestCluster());
    if (!joinCluster) cleanups.push(() => cluster.close());
    store = realtimeOverrides.store ?? (await openPgMessageStore(cluster.database.url));
    const redis = await connectRedisStreamsAdapter(cluster.redisUrl, { keyPrefix: cluster.keyPrefix, logger });
    cleanups.unshift(() => redis.close());
    clusterAdapter = redis.adapter;
    countMessages = async (clientOffset) => {
      const rows = clientOffset
        ? await cluster.database.query<{ n: string }>("SELECT count(*) AS n FROM messages WHERE client_offset = $1", [clientOffset])
        : await cluster.database.query<{ n: string }>("SELECT count(*) AS n FROM messages");
      return Number(rows[0]!.n);
    };
  } else {
    const dbPath = givenDbPath ?? path.join(makeTempDir(), "tether.db");
    store = realtimeOverrides.store ?? openSqliteMessageStore(dbPath);
    countMessages = async (clientOffset) => countSqliteMessages(dbPath, clientOffset);
  }

  const signer = createSessionSigner(TEST_SESSION_SECRET);
  const httpServer = createServer((_req, res) => res.writeHead(404).end());
  const realtime = createRealtimeServer(httpServer, {
    store,
    signer,
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
    maxConnectionsPerIp: 0,
    allowedOrigins: [],
    trustProxy: false,
    clusterAdapter,
    ...realtimeOverrides,
  });
  await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
  const { port } = httpServer.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    backend,
    store,
    signer,
    realtime,
    httpServer,
    countMessages,
    async close() {
      await realtime.close();
      await store.close();
      for (const cleanup of cleanups) await cleanup();
    },
  };
}
