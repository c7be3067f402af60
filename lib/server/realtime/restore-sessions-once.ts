/**
 * Makes a saved Socket.IO session restorable once on this server's in-memory adapter, as the Redis Streams
 * adapter already does (it reads the session with GETDEL).
 *
 * The in-memory adapter keeps a session after restoring it, and a restored connection reuses the old socket id.
 * So a client that recovered, lost that network without the server hearing (as when a phone leaves a Wi-Fi
 * network) and came back at once would be restored a second time, under the same id, while the server still
 * held the dead connection. Socket.IO keys rooms and its socket table by id: when the heartbeat finally closed
 * the dead connection, it took the id out of every room and out of the namespace, and the live connection
 * silently stopped receiving broadcasts. With the session gone after the first restore, the second connection
 * is a new one, caught up from the database; the dead one saves a fresh session when it closes, as any other.
 */
import type { Adapter } from "socket.io-adapter";

interface InMemorySessions {
  sessions: Map<string, unknown>;
  restoreSession(pid: string, offset: string): unknown;
}

export function restoreSessionsOnce(adapter: Adapter): void {
  const inMemory = adapter as unknown as Partial<InMemorySessions>;
  // Only the in-memory session-aware adapter keeps its sessions in a Map; others (Redis Streams) need nothing.
  if (!(inMemory.sessions instanceof Map) || typeof inMemory.restoreSession !== "function") return;
  const sessions = inMemory.sessions;
  const restore = inMemory.restoreSession.bind(adapter);
  inMemory.restoreSession = (pid, offset) => {
    // The session (with its missed packets) is read first; whatever the outcome, it cannot be read again.
    const restored = restore(pid, offset);
    sessions.delete(pid);
    return restored;
  };
}
