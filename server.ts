/**
 * Composition root: validated env → database → HTTP server → Next.js handler → Socket.IO → listen → graceful
 * shutdown. Nothing else lives here.
 */
import path from "node:path";
import { openAccountsStore } from "./db/auth-database";
import { openMessageStore, redactUrl } from "./db/open-message-store";
import { accountsOptionsFromEnv } from "./lib/server/auth/accounts-options";
import { createAccounts } from "./lib/server/auth/create-accounts";
import { envWarnings, loadEnv } from "./lib/server/env";
import { createTetherServer } from "./lib/server/create-tether-server";
import { createSessionSigner, resolveSessionSecret } from "./lib/server/identity/session-cookie";
import { dataDirOf } from "./lib/server/data-dir";
import { startNextPages } from "./lib/server/pages/next-pages";
import { startPagesProcess } from "./lib/server/pages/pages-process";
import { settleHeapBeforeServing } from "./lib/server/settle-heap";
import { warmPages } from "./lib/server/warm-pages";
import { createLogger } from "./lib/server/logger";
import { createMetrics } from "./lib/server/metrics";
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
  for (const warning of envWarnings(env)) logger.warn(warning);
  const dev = env.NODE_ENV !== "production";

  const store = await openMessageStore(env.DATABASE_URL, {
    cachedMessages: env.MESSAGE_CACHE_SIZE,
    synchronous: env.SQLITE_SYNCHRONOUS,
    onWarning: (message, err) => logger.warn({ err }, message),
  });
  const sessionSecret = resolveSessionSecret(env.SESSION_SECRET, dataDirOf(env.DATABASE_URL));
  const signer = createSessionSigner(sessionSecret);
  // After the store: opening it applied the migrations, the accounts tables' included.
  const authDatabase = openAccountsStore(env.DATABASE_URL);
  const { accounts } = createAccounts(accountsOptionsFromEnv(env, { database: authDatabase, secret: sessionSecret, logger }));
  const metrics = createMetrics();
  const cluster = env.REDIS_URL ? await connectRedisStreamsAdapter(env.REDIS_URL, { keyPrefix: env.REDIS_KEY_PREFIX, logger }) : null;

  // With PAGES_PROCESS (production only, experimental) pages render in a process of their own (pages-process.ts);
  // otherwise Next.js (with hot reloading in development) runs here.
  const pagesProcess = !dev && env.PAGES_PROCESS ? await startPagesProcess({ logger, entry: path.join(__dirname, "pages-server.ts") }) : null;
  // Not even loaded when the pages process renders them: this process then runs none of Next.js's code.
  const nextPages = pagesProcess ? null : await startNextPages({ dev, hostname: env.HOST ?? "localhost", port: env.PORT });

  const tether = createTetherServer({
    ...realtimeOptionsFromEnv(env, { store, signer, accounts, logger, metrics, clusterAdapter: cluster?.adapter, sharedPresence: cluster?.presence }),
    // The pages process is not among them: /healthz is about what the realtime path needs, and a pages process that
    // died is started again by this one.
    extraHealthChecks: cluster ? [{ name: "adapter", check: () => cluster.ping() }] : [],
    ...(nextPages && { pages: { handle: nextPages.render, dev } }),
    ...(pagesProcess && { pagesProcess }),
  });
  // The first render's leftovers go out of the young generation with the rest of the start-up (warm-pages.ts).
  if (nextPages && !dev) await warmPages(nextPages.render, (err) => logger.warn({ err }, "could not render the home page before serving"));
  settleHeapBeforeServing();
  const port = await tether.listen(env.PORT, env.HOST);
  logger.info(
    { port, host: env.HOST ?? "*", database: redactUrl(env.DATABASE_URL), cluster: cluster !== null, dev },
    `Tether ready on http://localhost:${port}`,
  );

  let shuttingDown = false;
  const shutdown = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ signal }, "shutting down");
    await tether.close();
    await cluster?.close();
    await pagesProcess?.close();
    await nextPages?.close();
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
