/**
 * Database catch-up for a connection Socket.IO could not recover: every stored message after the client's
 * offset, ascending, in batches, with back-pressure so a 100,000-message backlog neither floods the socket's
 * buffers nor blocks the event loop for other clients.
 */
import type { Socket } from "socket.io";
import type { MessageStore } from "../../../db/message-store";

export interface ReplayResult {
  /** Messages sent. */
  replayed: number;
  /** Highest id sent (the starting offset when nothing was). */
  lastId: number;
  /** The socket went away before the replay finished. */
  aborted: boolean;
}

export async function replayMissedMessages(socket: Socket, store: MessageStore, fromOffset: number, batchSize: number): Promise<ReplayResult> {
  let lastId = fromOffset;
  let replayed = 0;
  for (;;) {
    if (!socket.connected) return { replayed, lastId, aborted: true };
    const batch = await store.getMessagesAfter(lastId, batchSize);
    if (batch.length === 0) break;
    if (!socket.connected) return { replayed, lastId, aborted: true };
    socket.emit("message:batch", batch);
    replayed += batch.length;
    lastId = batch[batch.length - 1]!.id;
    if (batch.length < batchSize) break;
    await waitUntilWritable(socket);
  }
  return { replayed, lastId, aborted: false };
}

/**
 * Resolves once the connection has flushed what was written, so the next batch is read only when the client is
 * keeping up. Always yields at least one macrotask, so other sockets are served between batches.
 */
function waitUntilWritable(socket: Socket): Promise<void> {
  const conn = socket.conn;
  const transport = conn.transport;
  return new Promise((resolve) => {
    if (conn.readyState !== "open" || transport.writable) {
      setImmediate(resolve);
      return;
    }
    const done = () => {
      transport.off("drain", done);
      conn.off("close", done);
      setImmediate(resolve);
    };
    transport.on("drain", done);
    conn.on("close", done);
  });
}
