/**
 * Composition root: validated env → database → HTTP server → Next.js handler → Socket.IO → listen → graceful
 * shutdown. Nothing else lives here.
 */
import { createServer } from "node:http";
import path from "node:path";
import next from "next";
import { openAuthDatabase } from "./db/auth-database";
import { openMessageStore, redactUrl } from "./db/open-message-store";
import { accountsOptionsFromEnv } from "./lib/server/auth/accounts-options";
import { createAccounts } from "./lib/server/auth/create-accounts";
import { createPageGate } from "./lib/server/auth/page-gate";
import { loadEnv } from "./lib/server/env";
import { createSessionSigner, resolveSessionSecret } from "./lib/server/identity/session-cookie";
import { createOperationalRoutes } from "./lib/server/http/operational-routes";
import { applySecurityHeaders } from "./lib/server/http/security-headers";
import { createLogger } from "./lib/server/logger";
import { createMetrics } from "./lib/server/metrics";
import { createRealtimeServer } from "./lib/server/realtime/create-realtime-server";
import { connectRedisStreamsAdapter } from "./lib/server/realtime/redis-streams-adapter";
import { realtimeOptionsFromEnv } from "./lib/server/realtime/options-from-env";

async function main() {
  let env;
  try {
    env = loadEnv();
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
  const logger = createLogger(env.LOG_LEVEL);
  const dev = env.NODE_ENV !== "production";

  const store = await openMessageStore(env.DATABASE_URL, {
    cachedMessages: env.MESSAGE_CACHE_SIZE,
    synchronous: env.SQLITE_SYNCHRONOUS,
    onWarning: (message, err) => logger.warn({ err }, message),
  });
  const dataDir = env.DATABASE_URL.startsWith("file:") ? path.dirname(env.DATABASE_URL.slice("file:".length)) : "./data";
  const sessionSecret = resolveSessionSecret(env.SESSION_SECRET, dataDir);
  const signer = createSessionSigner(sessionSecret);
  // After the store: opening it applied the migrations, the accounts tables' included.
  const authDatabase = openAuthDatabase(env.DATABASE_URL);
  const { accounts } = createAccounts(accountsOptionsFromEnv(env, { database: authDatabase, secret: sessionSecret, logger }));
  const gatePage = createPageGate({ accounts, signer, guestAccess: env.GUEST_ACCESS });
  const metrics = createMetrics();
  const cluster = env.REDIS_URL ? await connectRedisStreamsAdapter(env.REDIS_URL, { keyPrefix: env.REDIS_KEY_PREFIX, logger }) : null;
  const handleOperationalRequest = createOperationalRoutes({
    checks: [{ name: "database", check: () => store.ping() }, ...(cluster ? [{ name: "adapter", check: () => cluster.ping() }] : [])],
    metrics,
    logger,
  });

  const nextApp = next({ dev, hostname: env.HOST ?? "localhost", port: env.PORT });
  const handleRequest = nextApp.getRequestHandler();
  await nextApp.prepare();

  const httpServer = createServer((req, res) => {
    if (handleOperationalRequest(req, res)) return;
    if (accounts.handleRequest(req, res)) return;
    applySecurityHeaders(res, { dev });
    // Page loads get their identity here, before Next renders (and may be sent to /sign-in); assets need none.
    gatePage(req, res).then(
      (answered) => {
        if (!answered) void handleRequest(req, res);
      },
      (error: unknown) => {
        logger.error({ err: error, url: req.url }, "could not identify a page request");
        res.writeHead(503, { "Content-Type": "text/plain", "Retry-After": "5" }).end("Tether cannot reach its database; try again shortly.");
      },
    );
  });
  const realtime = createRealtimeServer(
    httpServer,
    realtimeOptionsFromEnv(env, { store, signer, accounts, logger, metrics, clusterAdapter: cluster?.adapter }),
  );

  await new Promise<void>((resolve) => httpServer.listen(env.PORT, env.HOST, resolve));
  const address = httpServer.address();
  const port = typeof address === "object" && address ? address.port : env.PORT;
  logger.info(
    { port, host: env.HOST ?? "*", database: redactUrl(env.DATABASE_URL), cluster: cluster !== null, dev },
    `Tether ready on http://localhost:${port}`,
  );

  let shuttingDown = false;
  const shutdown = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ signal }, "shutting down");
    await realtime.close();
    await cluster?.close();
    await nextApp.close();
    await authDatabase.close();
    await store.close();
    logger.info("stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

main().catch((error: unknown) => {
  console.error("Tether failed to start:", error);
  process.exit(1);
});
