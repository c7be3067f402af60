/**
 * The server, assembled from its parts: one HTTP server carrying the operational routes (/healthz, /metrics), the
 * accounts API (/api/auth), the pages (Next.js, when given) behind their gate (identity, sign-in redirects) and
 * security headers, and Socket.IO with the delivery core. server.ts builds it from the environment with Next.js; the realtime tests build it the same way without
 * pages, so what they test is what runs.
 */
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from "node:http";
import { createOperationalRoutes, type HealthCheck } from "./http/operational-routes";
import { applySecurityHeaders } from "./http/security-headers";
import { createPageGate } from "./auth/page-gate";
import { createRealtimeServer, type RealtimeOptions, type RealtimeServer } from "./realtime/create-realtime-server";

export interface TetherServerOptions extends RealtimeOptions {
  /** Health checks beyond the database's (the cluster adapter's, say). */
  extraHealthChecks?: HealthCheck[];
  /** The pages; without them (realtime tests) every page request is a 404. */
  pages?: { handle: (req: IncomingMessage, res: ServerResponse) => void; dev: boolean };
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
  const gatePage = createPageGate({ accounts: options.accounts, signer, guestAccess: options.guestAccess, trustProxy: options.trustProxy });
  const httpServer = createServer((req, res) => {
    if (handleOperationalRequest(req, res)) return;
    if (options.accounts.handleRequest(req, res)) return;
    if (!pages) {
      res.writeHead(404).end();
      return;
    }
    applySecurityHeaders(res, { dev: pages.dev });
    // Page loads get their identity here, before Next renders (and may be sent to /sign-in); assets need none.
    gatePage(req, res).then(
      (answered) => {
        if (!answered) pages.handle(req, res);
      },
      (error: unknown) => {
        logger.error({ err: error, url: req.url }, "could not identify a page request");
        res.writeHead(503, { "Content-Type": "text/plain", "Retry-After": "5" }).end("Tether cannot reach its database; try again shortly.");
      },
    );
  });
  const realtime = createRealtimeServer(httpServer, options);
  return {
    httpServer,
    realtime,
    async listen(port, host) {
      // Not before the delivery core knows the log's position: a database that cannot answer fails the start-up.
      await realtime.delivery.ready();
      // A port already taken must fail the start-up: Next's own uncaughtException handler would only log the
      // listen error, leaving a process that never serves.
      await new Promise<void>((resolve, reject) => {
        httpServer.once("error", reject);
        httpServer.listen(port, host, () => {
          httpServer.off("error", reject);
          resolve();
        });
      });
      const address = httpServer.address();
      return typeof address === "object" && address ? address.port : port;
    },
    close: () => realtime.close(),
  };
}
