/**
 * One interception point for every broadcast that reaches this process's sockets — emitted here, or arriving
 * from another instance through a cluster adapter. Every socket.io-adapter (in-memory, session-aware, cluster)
 * routes local delivery through `_encode(packet)` immediately followed by `apply(opts, deliverToSocket)`; the
 * hook pairs the two and hands the interceptor the packet and a way to send it, now or later.
 *
 * Hooks stack: the one installed last sees a broadcast first, and its `send` runs the earlier one.
 */
import type { Adapter } from "socket.io-adapter";

export interface BroadcastPacket {
  data?: unknown[];
}

export type SocketLike = { id: string };
type Deliver = (socket: SocketLike) => void;

/**
 * Sends the broadcast to the sockets it addresses. `perSocket`, when given, is called instead of the write for
 * each addressed socket, with `write` to perform it (now or later). Membership is evaluated when `send` runs.
 */
export type SendBroadcast = (perSocket?: (socket: SocketLike, write: () => void) => void) => void;

interface HookableAdapter {
  _encode(packet: BroadcastPacket, packetOpts: unknown): unknown;
  apply(opts: unknown, callback: Deliver): void;
}

export function interceptBroadcasts(adapter: Adapter, intercept: (packet: BroadcastPacket, send: SendBroadcast) => void): void {
  const hookable = adapter as unknown as HookableAdapter;
  if (typeof hookable._encode !== "function" || typeof hookable.apply !== "function") {
    throw new Error("This Socket.IO adapter cannot be intercepted: it has no _encode/apply");
  }
  const encode = hookable._encode.bind(adapter);
  const apply = hookable.apply.bind(adapter);
  let broadcastInProgress: BroadcastPacket | null = null;

  hookable._encode = (packet, packetOpts) => {
    broadcastInProgress = packet;
    return encode(packet, packetOpts);
  };

  hookable.apply = (opts, callback) => {
    const packet = broadcastInProgress;
    broadcastInProgress = null;
    // Not a broadcast (fetchSockets, socketsJoin, …): untouched.
    if (packet === null) return apply(opts, callback);
    intercept(packet, (perSocket) => {
      if (!perSocket) return apply(opts, callback);
      apply(opts, (socket) => perSocket(socket, () => callback(socket)));
    });
  };
}
