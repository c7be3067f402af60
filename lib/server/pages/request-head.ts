/**
 * The first request of a connection, read just far enough to route the connection (route-connections.ts): its
 * method and path, once the whole head has arrived. Parsing the rest is left to the HTTP server that gets it.
 */

/** Node's default limit on a request head (--max-http-header-size); a longer one is the HTTP server's to refuse. */
export const MAX_HEAD_BYTES = 16 * 1024;

export interface RequestLine {
  method: string;
  /** The request target's path, without its query. */
  path: string;
}

const HEAD_END = Buffer.from("\r\n\r\n");
const REQUEST_LINE = /^([A-Z]+) (\/[^ ?#]*)(?:\?[^ ]*)? HTTP\/1\.[01]$/;

/**
 * The request line of `received` once the head is complete; "incomplete" until then; null for anything this
 * routing does not recognise (not HTTP/1, an absolute or `*` target, a head past MAX_HEAD_BYTES).
 */
export function readRequestLine(received: Buffer): RequestLine | "incomplete" | null {
  const end = received.indexOf(HEAD_END);
  if (end === -1) return received.length > MAX_HEAD_BYTES ? null : "incomplete";
  if (end > MAX_HEAD_BYTES) return null;
  const line = received.toString("latin1", 0, received.indexOf("\r\n"));
  const match = REQUEST_LINE.exec(line);
  return match ? { method: match[1]!, path: match[2]! } : null;
}
