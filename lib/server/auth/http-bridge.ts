/**
 * Serves better-auth's HTTP API (a fetch-style `Request → Response` handler) from the custom Node server, with
 * three things decided here rather than by better-auth:
 * - the client address better-auth sees (it records it on sessions, and the sign-in limit counts by it) is the
 *   one Tether resolves (TRUST_PROXY), passed in a header that any client-sent copy of is removed first;
 * - the session cookie is `Secure` exactly when the request came over HTTPS (better-auth decides that once, at
 *   start-up, from a base URL Tether does not have: one server answers on any host name);
 * - request bodies are bounded: a sign-in is a few hundred bytes.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { clientAddress, isSecureRequest } from "../http/client-address";
import type { ProxyTrust } from "../http/trust-proxy";

/** Set by this bridge only; read by the sign-in limit and by better-auth (advanced.ipAddress). */
export const CLIENT_ADDRESS_HEADER = "x-tether-client-address";
const MAX_BODY_BYTES = 64 * 1024;

/** Node's request headers as fetch Headers (what better-auth's `api.*` calls take). */
export function toWebHeaders(nodeHeaders: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [key, value] of Object.entries(nodeHeaders)) {
    if (value === undefined || key === CLIENT_ADDRESS_HEADER) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(key, item);
  }
  return headers;
}

class BodyTooLargeError extends Error {}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLargeError();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export async function serveWithFetchHandler(
  handler: (request: Request) => Promise<Response>,
  req: IncomingMessage,
  res: ServerResponse,
  { trustProxy }: { trustProxy: ProxyTrust },
): Promise<void> {
  const secure = isSecureRequest(req, trustProxy);
  const headers = toWebHeaders(req.headers);
  headers.set(CLIENT_ADDRESS_HEADER, clientAddress(req, trustProxy));
  const method = req.method ?? "GET";
  // better-auth's endpoints take JSON (or form) bodies: text.
  let body: string | undefined;
  if (method !== "GET" && method !== "HEAD") {
    try {
      body = (await readBody(req)).toString("utf8");
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      res.writeHead(413, { "Content-Type": "application/json" }).end(JSON.stringify({ code: "PAYLOAD_TOO_LARGE", message: "Request too large." }));
      req.resume();
      return;
    }
  }
  const url = new URL(req.url ?? "/", `${secure ? "https" : "http"}://${req.headers.host ?? "localhost"}`);
  const response = await handler(new Request(url, { method, headers, body }));

  res.statusCode = response.status;
  response.headers.forEach((value, key) => {
    if (key !== "set-cookie") res.setHeader(key, value);
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) res.setHeader("Set-Cookie", secure ? cookies.map((cookie) => `${cookie}; Secure`) : cookies);
  if (!res.hasHeader("cache-control")) res.setHeader("Cache-Control", "no-store");
  res.end(Buffer.from(await response.arrayBuffer()));
}
