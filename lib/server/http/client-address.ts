/**
 * What a request tells about its client, believing forwarding headers only from proxies TRUST_PROXY names.
 */
import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";
import proxyaddr from "proxy-addr";
import type { ProxyTrust } from "./trust-proxy";

/**
 * The client's address: the nearest hop that is not a trusted proxy — the socket's peer when it is not one,
 * else walking X-Forwarded-For from its right end (proxy-addr). A client can prepend entries, never skip past
 * the ones trusted proxies appended.
 */
export function clientAddress(req: IncomingMessage, trust: ProxyTrust): string {
  // A socket already gone has no peer to start from; its forwarding headers alone prove nothing.
  if (req.socket.remoteAddress === undefined) return "unknown";
  return proxyaddr(req, trust);
}

/**
 * Whether the client reached us over TLS: this server's own socket is TLS, or the peer is a trusted proxy that
 * says so in X-Forwarded-Proto. Decides the `Secure` attribute of cookies. An untrusted peer's header is ignored.
 */
export function isSecureRequest(req: IncomingMessage, trust: ProxyTrust): boolean {
  if ((req.socket as Partial<TLSSocket>).encrypted === true) return true;
  const peer = req.socket.remoteAddress;
  if (peer === undefined || !trust(peer, 0)) return false;
  const header = req.headers["x-forwarded-proto"];
  // A proxy that appends rather than replaces puts its own value last; anything before it came from further out.
  const nearest = (Array.isArray(header) ? header.join(",") : (header ?? "")).split(",").pop()?.trim().toLowerCase();
  return nearest === "https";
}

/**
 * Whether a browser on `origin` may open a Socket.IO connection: the app's own origin (same host as the
 * request), or one configured in ALLOWED_ORIGINS. Requests without an Origin header come from non-browser
 * clients, which the same-origin policy does not concern.
 */
export function isOriginAllowed(req: IncomingMessage, allowedOrigins: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (!origin) return true;
  if (allowedOrigins.includes("*") || allowedOrigins.includes(origin)) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}
