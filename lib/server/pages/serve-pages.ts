/**
 * How a page request is answered, wherever Next.js runs (in the server's process by default, in the pages process with
 * PAGES_PROCESS=true: pages-process.ts): security headers, then the gate (identity, sign-in redirects), then Next.js.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Accounts } from "../auth/create-accounts";
import { createPageGate } from "../auth/page-gate";
import { applySecurityHeaders } from "../http/security-headers";
import type { ProxyTrust } from "../http/trust-proxy";
import type { SessionSigner } from "../identity/session-cookie";
import type { Logger } from "../logger";

export type PageHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface ServePagesOptions {
  accounts: Accounts;
  signer: SessionSigner;
  guestAccess: boolean;
  trustProxy: ProxyTrust;
  logger: Logger;
  /** Next.js's request handler. */
  handle: PageHandler;
  dev: boolean;
}

export function createPageServer(options: ServePagesOptions): PageHandler {
  const { logger, handle, dev } = options;
  const gatePage = createPageGate(options);
  return (req, res) => {
    applySecurityHeaders(res, { dev });
    // Page loads get their identity here, before Next renders (and may be sent to /sign-in); assets need none.
    gatePage(req, res).then(
      (answered) => {
        if (!answered) handle(req, res);
      },
      (error: unknown) => {
        logger.error({ err: error, url: req.url }, "could not identify a page request");
        res.writeHead(503, { "Content-Type": "text/plain", "Retry-After": "5" }).end("Tether cannot reach its database; try again shortly.");
      },
    );
  };
}
