/**
 * Writes the packets Engine.IO flushes together to a WebSocket connection in one system call instead of one each.
 *
 * Engine.IO sends a connection's first packet at once and queues the ones that follow until that write completes;
 * it then hands the whole queue to the transport, and `ws` writes each packet as its own frame, one system call each.
 * Under a steady stream (every sender's messages, acks and updates, delivered one group commit at a time) a
 * connection's queue holds tens of packets, and the syscalls were about as much of the server's CPU time as all
 * of its JavaScript. Corking the TCP socket for the length of such a flush lets Node write the frames with one
 * `writev()`; uncorked in the same turn, nothing waits longer than before.
 *
 * Public APIs only: Engine.IO's documented `flush` and `drain` socket events (emitted around `transport.send` of
 * the queue), and Node's `cork()`/`uncork()` on the TCP socket a WebSocket-born connection writes to (see
 * websocket-stream.ts). A connection that began as long-polling is left as it is.
 */
import type { TetherSocket } from "../realtime/types";
import { webSocketStream } from "./websocket-stream";

export function coalesceFlushedWrites(socket: TetherSocket): void {
  const stream = webSocketStream(socket);
  if (!stream) return;
  let corked = false;
  socket.conn.on("flush", (queue: readonly unknown[]) => {
    // A single packet is one write either way.
    if (queue.length < 2 || corked || stream.destroyed) return;
    stream.cork();
    corked = true;
  });
  socket.conn.on("drain", () => {
    if (!corked) return;
    corked = false;
    stream.uncork();
  });
}
