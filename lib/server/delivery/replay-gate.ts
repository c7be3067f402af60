/**
 * Holds back live broadcasts to a socket while its catch-up replay is running.
 *
 * A socket that needs a replay joins the live room *first* (so nothing committed from then on can be missed)
 * and is held: every broadcast addressed to it is kept, in arrival order, instead of being written. When the
 * replay has sent everything up to id N, the held broadcasts are released, dropping the messages with id <= N
 * that the replay already delivered. The socket thus sees every message once, in ascending id order, whatever
 * is sent while the replay runs.
 *
 * It hooks the namespace adapter, the one place through which every broadcast reaches a local socket —
 * whether it was emitted on this process or arrived from another instance through a cluster adapter. Both
 * hooks are adapter methods every socket.io-adapter (in-memory, session-aware, cluster) routes local
 * delivery through: `_encode(packet)` immediately followed by `apply(opts, deliverToSocket)`.
 */
import type { Adapter } from "socket.io-adapter";

interface BroadcastPacket {
  data?: unknown[];
}

interface HeldBroadcast {
  packet: BroadcastPacket;
  deliver: () => void;
}

type SocketLike = { id: string };
type Deliver = (socket: SocketLike) => void;

interface HookableAdapter {
  _encode(packet: BroadcastPacket, packetOpts: unknown): unknown;
  apply(opts: unknown, callback: Deliver): void;
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
  /** Forgets what was held (the socket is gone). */
  discard(socketId: string): void;
}

/** `messageIdOf` names the broadcast's message id, or null for a broadcast that is not a message. */
export function attachReplayGate(adapter: Adapter, messageIdOf: (packetData: unknown[]) => number | null): ReplayGate {
  const held = new Map<string, HeldBroadcast[]>();
  const hookable = adapter as unknown as HookableAdapter;
  const encode = hookable._encode.bind(adapter);
  const apply = hookable.apply.bind(adapter);
  let broadcastInProgress: BroadcastPacket | null = null;

  if (typeof hookable._encode !== "function" || typeof hookable.apply !== "function") {
    throw new Error("This Socket.IO adapter cannot be gated: it has no _encode/apply");
  }

  hookable._encode = (packet, packetOpts) => {
    broadcastInProgress = packet;
    return encode(packet, packetOpts);
  };

  hookable.apply = (opts, callback) => {
    const packet = broadcastInProgress;
    broadcastInProgress = null;
    // Not a broadcast (fetchSockets, socketsJoin, …), or nobody is held: the common path stays untouched.
    if (packet === null || held.size === 0) return apply(opts, callback);
    apply(opts, (socket) => {
      const queue = held.get(socket.id);
      if (queue) queue.push({ packet, deliver: () => callback(socket) });
      else callback(socket);
    });
  };

  return {
    hold(socketId) {
      if (!held.has(socketId)) held.set(socketId, []);
    },
    isHeld: (socketId) => held.has(socketId),
    release(socketId, replayedThroughId) {
      const queue = held.get(socketId);
      held.delete(socketId);
      if (!queue) return 0;
      let written = 0;
      for (const { packet, deliver } of queue) {
        const id = Array.isArray(packet.data) ? messageIdOf(packet.data) : null;
        if (id !== null && id <= replayedThroughId) continue;
        deliver();
        written++;
      }
      return written;
    },
    discard(socketId) {
      held.delete(socketId);
    },
  };
}
