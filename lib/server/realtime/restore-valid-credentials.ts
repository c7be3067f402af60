/**
 * Connection state recovery restores a session without running middlewares (and sends its missed packets before
 * anything else could look), so a connection whose credential was revoked or expired while it was away must be
 * stopped earlier: when the adapter restores the saved session. A session whose identity is no longer valid is
 * not restored; the client then connects afresh, through the identity middleware, which refuses it (or makes it
 * a guest, if it still has a guest cookie and guests are allowed).
 *
 * `restoreSession` is the adapter's public method (the in-memory and the Redis Streams adapters both have it).
 */
import type { Adapter } from "socket.io-adapter";
import type { SocketData } from "../../shared/events";
import type { Logger } from "../logger";

export function restoreOnlyValidCredentials(adapter: Adapter, isStillValid: (data: SocketData) => Promise<boolean>, logger: Logger): void {
  const restore = adapter.restoreSession.bind(adapter);
  adapter.restoreSession = async (pid, offset) => {
    const session = await restore(pid, offset);
    if (!session) return session;
    try {
      if (await isStillValid(session.data as SocketData)) return session;
    } catch (error) {
      // Unable to check: a fresh connection (checked by the middleware) is the safe answer.
      logger.warn({ err: error }, "could not check a restored session's credential; not restoring it");
    }
    return null as unknown as typeof session;
  };
}
