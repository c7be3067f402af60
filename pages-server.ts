/**
 * The pages process (lib/server/pages/pages-process.ts): Next.js and the page gate, started by server.ts in
 * production with the same environment. It listens on no port: server.ts hands it each connection that asks for a
 * page, and it answers that one request and closes the connection. Composition only, as server.ts.
 */
import { createServer } from "node:http";
import type { Socket } from "node:net";
import { openAccountsStore } from "./db/auth-database";
import { accountsOptionsFromEnv } from "./lib/server/auth/accounts-options";
import { createAccounts } from "./lib/server/auth/create-accounts";
import { loadEnv } from "./lib/server/env";
import { createSessionSigner, resolveSessionSecret } from "./lib/server/identity/session-cookie";
import { createLogger } from "./lib/server/logger";
import { PAGES_CONNECTION, PAGES_READY, PAGES_TAKEN, type HandedConnection, type TakenConnection } from "./lib/server/pages/pages-process";
import { startNextPages } from "./lib/server/pages/next-pages";
import { adoptConnection } from "./lib/server/pages/route-connections";
import { createPageServer } from "./lib/server/pages/serve-pages";
import { settleHeapBeforeServing } from "./lib/server/settle-heap";
import { warmPages } from "./lib/server/warm-pages";
import { dataDirOf } from "./lib/server/data-dir";

async function main() {
  // server.ts validated the same environment before starting this process.
  const env = loadEnv();
  const logger = createLogger(env.LOG_LEVEL).child({ process: "pages" });
  // server.ts opened the store first, which applied the migrations and wrote any generated session secret.
  const secret = resolveSessionSecret(env.SESSION_SECRET, dataDirOf(env.DATABASE_URL));
  const authDatabase = openAccountsStore(env.DATABASE_URL);
  const { accounts } = createAccounts(accountsOptionsFromEnv(env, { database: authDatabase, secret, logger }));

  const nextPages = await startNextPages({ dev: false, hostname: env.HOST ?? "localhost", port: env.PORT });
  const servePage = createPageServer({
    accounts,
    signer: createSessionSigner(secret),
    guestAccess: env.GUEST_ACCESS,
    trustProxy: env.TRUST_PROXY,
    logger,
    handle: nextPages.render,
    dev: false,
  });
  const server = createServer((req, res) => {
    // One request per connection: the next one on it may be for server.ts (route-connections.ts).
    res.setHeader("Connection", "close");
    servePage(req, res);
  });
  await warmPages(nextPages.render, (err) => logger.warn({ err }, "could not render the home page before serving"));
  settleHeapBeforeServing();

  process.on("message", (message: Partial<HandedConnection> | undefined, socket: Socket | undefined) => {
    if (message?.type !== PAGES_CONNECTION || !socket) return;
    adoptConnection(server, socket, Buffer.from(message.received ?? "", "latin1"));
    const taken: TakenConnection = { type: PAGES_TAKEN, id: message.id ?? 0 };
    process.send?.(taken);
  });
  // server.ts went away (even by SIGKILL): nobody can hand this process connections any more.
  process.on("disconnect", () => process.exit(0));
  process.on("SIGTERM", () => {
    server.close();
    void Promise.allSettled([nextPages.close(), authDatabase.close()]).then(() => process.exit(0));
  });
  process.send?.({ type: PAGES_READY });
}

main().catch((error: unknown) => {
  console.error("Tether's pages process failed to start:", error);
  process.exit(1);
});
