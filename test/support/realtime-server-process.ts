/**
 * The realtime server without Next.js, as a process of its own: for tests that kill it with SIGKILL and start it
 * again on the same database file. Same env, store and realtime composition as server.ts.
 */
import { createServer } from "node:http";
import { openAccountsStore } from "../../db/auth-database";
import { openMessageStore } from "../../db/open-message-store";
import { accountsOptionsFromEnv } from "../../lib/server/auth/accounts-options";
import { createAccounts } from "../../lib/server/auth/create-accounts";
import { loadEnv } from "../../lib/server/env";
import { createSessionSigner } from "../../lib/server/identity/session-cookie";
import { createLogger } from "../../lib/server/logger";
import { createMetrics } from "../../lib/server/metrics";
import { createRealtimeServer } from "../../lib/server/realtime/create-realtime-server";
import { realtimeOptionsFromEnv } from "../../lib/server/realtime/options-from-env";
import { connectRedisStreamsAdapter } from "../../lib/server/realtime/redis-streams-adapter";

async function main() {
  const env = loadEnv();
  const store = await openMessageStore(env.DATABASE_URL, { cachedMessages: env.MESSAGE_CACHE_SIZE, synchronous: env.SQLITE_SYNCHRONOUS });
  const secret = env.SESSION_SECRET ?? "test-secret-test-secret-test-secret!";
  const signer = createSessionSigner(secret);
  const logger = createLogger(env.LOG_LEVEL);
  const authDatabase = openAccountsStore(env.DATABASE_URL);
  const { accounts } = createAccounts(accountsOptionsFromEnv(env, { database: authDatabase, secret, logger }));
  const httpServer = createServer((req, res) => {
    if (!accounts.handleRequest(req, res)) res.writeHead(404).end();
  });
  const cluster = env.REDIS_URL ? await connectRedisStreamsAdapter(env.REDIS_URL, { keyPrefix: env.REDIS_KEY_PREFIX, logger }) : null;
  const realtime = createRealtimeServer(
    httpServer,
    realtimeOptionsFromEnv(env, {
      store,
      signer,
      accounts,
      logger,
      metrics: createMetrics(),
      clusterAdapter: cluster?.adapter,
      sharedPresence: cluster?.presence,
    }),
  );
  httpServer.listen(env.PORT, "127.0.0.1", () => {
    const address = httpServer.address();
    // The parent test reads this line to learn the port.
    process.stdout.write(`LISTENING ${typeof address === "object" && address ? address.port : env.PORT}\n`);
  });
  process.on("SIGTERM", () => {
    void realtime
      .close()
      .then(() => cluster?.close())
      .then(() => authDatabase.close())
      .then(() => store.close())
      .then(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  console.error("realtime server failed to start:", error);
  process.exit(1);
});
