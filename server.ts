/**
 * Composition root: validated env → database → HTTP server → Next.js handler → Socket.IO → listen → graceful
 * shutdown. Nothing else lives here.
 */
import { createServer } from "node:http";
import path from "node:path";
import next from "next";
import { openMessageStore, redactUrl } from "./db/open-message-store";
import { loadEnv } from "./lib/server/env";
import { createSessionSigner, ensureSessionCookie, resolveSessionSecret } from "./lib/server/identity/session-cookie";
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
  const signer = createSessionSigner(resolveSessionSecret(env.SESSION_SECRET, dataDir));
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
    applySecurityHeaders(res, { dev });
    // Page loads get their identity here, before Next renders; assets need none.
    if (!req.url?.startsWith("/_next/")) ensureSessionCookie(signer, req, res);
    void handleRequest(req, res);
  });
  const realtime = createRealtimeServer(
    httpServer,
    realtimeOptionsFromEnv(env, { store, signer, logger, metrics, clusterAdapter: cluster?.adapter }),
  );

  // A port already taken must stop the start-up (main's catch exits): Next's own uncaughtException handler would
  // only log the listen error, leaving a process that never serves.
  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", reject);
    httpServer.listen(env.PORT, env.HOST, () => {
      httpServer.off("error", reject);
      resolve();
    });
  });
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
