/**
 * The TCP socket under a WebSocket-born connection, for the transport code that reads or writes it directly
 * (pause-reading.ts, coalesce-writes.ts). It is the handshake request's socket (`socket.request.socket`, Node's public
 * `net.Socket`), the one `ws` reads from and writes to. A connection that began as long-polling has none: its first
 * request used another TCP connection.
 */
import type { Socket as NetSocket } from "node:net";
import type { TetherSocket } from "../realtime/types";

/** The TCP socket a WebSocket-born connection reads from and writes to, or null for any other. */
export function webSocketStream(socket: TetherSocket): NetSocket | null {
  const request = socket.request;
  if (socket.conn.transport.name !== "websocket" || request.headers.upgrade?.toLowerCase() !== "websocket") return null;
  return request.socket;
}
