/**
 * A real Tether realtime server for tests: a real HTTP server on port 0, a real SQLite file in a fresh temp
 * directory, the same composition server.ts uses.
 */
import fs from "node:fs";
import { createServer, type Server as HttpServer } from "node:http";
import os from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";
import type { MessageStore } from "../../db/message-store";
import { openSqliteMessageStore } from "../../db/sqlite-message-store";
import { createSessionSigner, type SessionSigner } from "../../lib/server/identity/session-cookie";
import { createLogger } from "../../lib/server/logger";
import { createMetrics } from "../../lib/server/metrics";
import { createRealtimeServer, type RealtimeOptions, type RealtimeServer } from "../../lib/server/realtime/create-realtime-server";

export const TEST_SESSION_SECRET = "test-secret-test-secret-test-secret!";

export interface TestServer {
  url: string;
  port: number;
  dbPath: string;
  store: MessageStore;
  signer: SessionSigner;
  realtime: RealtimeServer;
  httpServer: HttpServer;
  close(): Promise<void>;
}

export function makeTempDir(prefix = "tether-test-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function startTestServer(overrides: Partial<RealtimeOptions> & { dbPath?: string } = {}): Promise<TestServer> {
  const dbPath = overrides.dbPath ?? path.join(makeTempDir(), "tether.db");
  const store = overrides.store ?? openSqliteMessageStore(dbPath);
  const signer = createSessionSigner(TEST_SESSION_SECRET);
  const httpServer = createServer((_req, res) => res.writeHead(404).end());
  const realtime = createRealtimeServer(httpServer, {
    store,
    signer,
    logger: createLogger(process.env.TEST_LOG_LEVEL ?? "silent"),
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
    ...overrides,
  });
  await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
  const { port } = httpServer.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    dbPath,
    store,
    signer,
    realtime,
    httpServer,
    async close() {
      await realtime.close();
      await store.close();
    },
  };
}
