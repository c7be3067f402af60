/**
 * The server, assembled from its parts: one HTTP server carrying the operational routes (/healthz, /metrics), the
 * accounts API (/api/auth), the pages (Next.js, when given) behind their gate (identity, sign-in redirects) and
 * security headers, and Socket.IO with the delivery core. server.ts builds it from the environment with Next.js; the realtime tests build it the same way without
 * pages, so what they test is what runs.
 *
 * The pages are either rendered in this process (`pages`: the default, and always in development) or by the pages
 * process (`pagesProcess`: production with PAGES_PROCESS=true), to which the listening socket hands every connection
 * that asks for a page (pages/route-connections.ts).
 */
import { createServer, type Server as HttpServer } from "node:http";
import type { Server as NetServer } from "node:net";
import { AUTH_BASE_PATH } from "./auth/create-accounts";
import { createOperationalRoutes, OPERATIONAL_PATHS, type HealthCheck } from "./http/operational-routes";
import type { PagesProcess } from "./pages/pages-process";
import type { RequestLine } from "./pages/request-head";
import { routeConnections } from "./pages/route-connections";
import { createPageServer, type PageHandler } from "./pages/serve-pages";
import { createRealtimeServer, type RealtimeOptions, type RealtimeServer } from "./realtime/create-realtime-server";

export interface TetherServerOptions extends RealtimeOptions {
  /** Health checks beyond the database's (the cluster adapter's, say). */
  extraHealthChecks?: HealthCheck[];
  /** The pages, rendered in this process; without them or `pagesProcess` (realtime tests) every page request is a 404. */
  pages?: { handle: PageHandler; dev: boolean };
  /** The pages process, which the connections that ask for a page are handed to. */
  pagesProcess?: Pick<PagesProcess, "handOff">;
}

export interface TetherServer {
  httpServer: HttpServer;
  realtime: RealtimeServer;
  /** Listens; resolves with the port (useful with port 0). */
  listen(port: number, host?: string): Promise<number>;
  /** Stops Socket.IO gracefully (in-flight writes are acknowledged first); the store is the caller's to close. */
  close(): Promise<void>;
}

export function createTetherServer(options: TetherServerOptions): TetherServer {
  const { store, signer, logger, metrics, pages } = options;
  const handleOperationalRequest = createOperationalRoutes({
    checks: [{ name: "database", check: () => store.ping() }, ...(options.extraHealthChecks ?? [])],
    metrics,
    logger,
  });
  const servePage = pages
    ? createPageServer({ ...pages, accounts: options.accounts, signer, guestAccess: options.guestAccess, trustProxy: options.trustProxy, logger })
    : null;
  const httpServer = createServer((req, res) => {
    if (handleOperationalRequest(req, res)) return;
    if (options.accounts.handleRequest(req, res)) return;
    if (servePage) servePage(req, res);
    else res.writeHead(404).end();
  });
  const realtime = createRealtimeServer(httpServer, options);
  const { pagesProcess } = options;
  let router: NetServer | null = null;
  if (pagesProcess) {
    // One request per connection (an upgrade excepted): the next one on it might be for the pages process. Runs
    // before Socket.IO's own listener, so its long-polling responses carry it too.
    httpServer.prependListener("request", (_req, res) => res.setHeader("Connection", "close"));
    const ioPath = realtime.io.path();
    const servesHere = ({ method, path }: RequestLine) =>
      (method !== "GET" && method !== "HEAD") ||
      path === ioPath ||
      path.startsWith(`${ioPath}/`) ||
      path === AUTH_BASE_PATH ||
      path.startsWith(`${AUTH_BASE_PATH}/`) ||
      OPERATIONAL_PATHS.includes(path);
    router = routeConnections({ servesHere, httpServer, toPages: (socket, received) => pagesProcess.handOff(socket, received) });
  }
  return {
    httpServer,
    realtime,
    async listen(port, host) {
      // Not before the delivery core knows the log's position: a database that cannot answer fails the start-up.
      await realtime.delivery.ready();
      // A port already taken must fail the start-up: Next's own uncaughtException handler would only log the
      // listen error, leaving a process that never serves.
      const listening = router ?? httpServer;
      await new Promise<void>((resolve, reject) => {
        listening.once("error", reject);
        listening.listen(port, host, () => {
          listening.off("error", reject);
          resolve();
        });
      });
      const address = listening.address();
      return typeof address === "object" && address ? address.port : port;
    },
    close: () => {
      // No new connections; those open are closed by Socket.IO's shutdown or end with their one request.
      router?.close();
      return realtime.close();
    },
  };
}
