/**
 * Holds back live broadcasts to a socket while its catch-up replay is running.
 *
 * A socket that needs a replay joins the live room *first* (so nothing committed from then on can be missed)
 * and is held: every broadcast addressed to it is kept, in arrival order, instead of being written. When the
 * replay has sent everything up to id N, the held broadcasts are released, dropping the messages with id <= N
 * that the replay already delivered. The socket thus sees every message once, in ascending id order, whatever
 * is sent while the replay runs.
 *
 * It sits on the broadcast hook (broadcast-hook.ts), the one place through which every broadcast reaches a
 * local socket, and decides per socket when a broadcast is actually written, so a broadcast held back by an
 * earlier stage (ordered delivery) is still gated correctly.
 */
import type { Adapter } from "socket.io-adapter";
import { interceptBroadcasts, type BroadcastPacket } from "./broadcast-hook";

interface HeldBroadcast {
  packet: BroadcastPacket;
  deliver: () => void;
}

export interface ReplayGate {
  /** Starts holding broadcasts addressed to this socket. */
  hold(socketId: string): void;
  isHeld(socketId: string): boolean;
  /**
   * Writes the held broadcasts and stops holding. Messages whose id is at most `replayedThroughId` are
   * dropped: the replay sent them already. Returns how many held broadcasts were written.
   */
  release(socketId: string, replayedThroughId: number): number;
  /** Forgets what was held, and the release floor (the socket is gone). */
  discard(socketId: string): void;
}

/**
 * `messageIdOf` names the broadcast's message id, or null for a broadcast that is not a message. `isReplayBatch`
 * recognises the replay's own batches, which are never held.
 */
export function attachReplayGate(
  adapter: Adapter,
  messageIdOf: (packetData: unknown[]) => number | null,
  isReplayBatch: (packetData: unknown[]) => boolean,
): ReplayGate {
  const held = new Map<string, HeldBroadcast[]>();
  // After a release, the replay may have read from the database messages whose broadcasts have not reached this
  // process yet (on a cluster they travel through Redis): those are dropped when they arrive. Live messages come
  // in id order, so the first one above the floor retires it.
  const floors = new Map<string, number>();

  const idOf = (packet: BroadcastPacket) => (Array.isArray(packet.data) ? messageIdOf(packet.data) : null);

  interceptBroadcasts(adapter, (packet, send) =>
    send((socket, write) => {
      // Decided when the broadcast is written, not when it was emitted: it may have been held back meanwhile.
      const queue = held.get(socket.id);
      // With connection state recovery, Socket.IO sends even a socket's own emits through the adapter (to keep
      // them for recovery), so the replay's batches come here too: held, the whole replay would wait in memory
      // until its end and go out in one burst, defeating its back-pressure.
      if (queue && !(Array.isArray(packet.data) && isReplayBatch(packet.data))) return void queue.push({ packet, deliver: write });
      const floor = floors.get(socket.id);
      const id = floor === undefined ? null : idOf(packet);
      if (id !== null && floor !== undefined) {
        if (id <= floor) return;
        floors.delete(socket.id);
      }
      write();
    }),
  );

  return {
    hold(socketId) {
      if (!held.has(socketId)) held.set(socketId, []);
    },
    isHeld: (socketId) => held.has(socketId),
    release(socketId, replayedThroughId) {
      const queue = held.get(socketId);
      held.delete(socketId);
      if (!queue) return 0;
      floors.set(socketId, replayedThroughId);
      let written = 0;
      for (const { packet, deliver } of queue) {
        const id = idOf(packet);
        if (id !== null && id <= replayedThroughId) continue;
        if (id !== null) floors.delete(socketId);
        deliver();
        written++;
      }
      return written;
    },
    discard(socketId) {
      held.delete(socketId);
      floors.delete(socketId);
    },
  };
}
