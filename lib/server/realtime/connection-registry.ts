/**
 * Which open connection holds each socket id on this server.
 *
 * Socket.IO can restore a session while an earlier connection of that same session is still open here: one the
 * client abandoned without the server hearing of it (its network vanished, as when a phone leaves a Wi-Fi
 * network), and which had itself been restored under the same socket id. Socket.IO keys rooms and its socket
 * table by id, so when the heartbeat finally closes that stale connection, it takes the id out of every room and
 * out of the namespace — the live connection's membership with it — and the live connection silently stops
 * receiving broadcasts. Socket.IO does not guard against this, so the server keeps its own record.
 */
import type { TetherSocket } from "./types";

export interface ConnectionRegistry {
  /** Records `socket` as the holder of its id; returns an earlier connection still open under the same id. */
  claim(socket: TetherSocket): TetherSocket | undefined;
  /** Forgets `socket`, unless a later connection has claimed its id since. */
  release(socket: TetherSocket): void;
}

export function createConnectionRegistry(): ConnectionRegistry {
  const holders = new Map<string, TetherSocket>();
  return {
    claim(socket) {
      const earlier = holders.get(socket.id);
      holders.set(socket.id, socket);
      return earlier !== undefined && earlier !== socket && earlier.connected ? earlier : undefined;
    },
    release(socket) {
      if (holders.get(socket.id) === socket) holders.delete(socket.id);
    },
  };
}
