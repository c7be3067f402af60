/**
 * What changes when Socket.IO runs on a cluster adapter (several instances): messages reach local sockets
 * through ordered delivery, never through Socket.IO's recovery buffer, and what is emitted to one socket stays
 * on this instance.
 *
 * With connection state recovery on, `socket.emit` is a broadcast to the socket's own room; on a cluster that
 * means a round trip through Redis before the packet is written, so a catch-up batch could be overtaken by the
 * live messages the replay gate releases after it, and the batch would land in the shared stream, to be
 * "recovered" later on top of a fresh replay. Emits to a socket of this instance are therefore made local:
 * written at once, in order with everything else, exactly as on a single instance.
 *
 * The recovery buffer of a cluster adapter is the shared stream, in publish order, which is not id order and
 * lacks a message whose instance died between commit and publish. So a restored session keeps its identity
 * and its other packets, but loses its live room and its missed messages: connection.ts then treats it like any
 * session that was not recovered and replays from the database, under the replay gate.
 */
import type { Adapter, Session } from "socket.io-adapter";
import type { MessageStore } from "../../../db/message-store";
import { attachOrderedDelivery, type OrderedDelivery } from "../delivery/ordered-delivery";
import type { Logger } from "../logger";
import { messageIdOf } from "./message-packets";
import { LIVE_FEED_ROOM, type TetherServer } from "./types";

/** Events whose delivery the database replay owns; a restored session must not bring stale copies of them. */
const REPLAYED_EVENTS: ReadonlySet<unknown> = new Set(["message:new", "message:batch", "session:ready"]);

function keepDirectEmitsLocal(adapter: Adapter): void {
  const broadcast = adapter.broadcast.bind(adapter);
  adapter.broadcast = (packet, opts) => {
    const [room] = opts.rooms;
    const toOneLocalSocket = opts.rooms.size === 1 && room !== undefined && adapter.nsp.sockets.has(room);
    return broadcast(packet, toOneLocalSocket ? { ...opts, flags: { ...opts.flags, local: true } } : opts);
  };
}

function keepMessagesOutOfRecovery(adapter: Adapter): void {
  const restore = adapter.restoreSession.bind(adapter);
  adapter.restoreSession = async (pid, offset): Promise<Session> => {
    const session = await restore(pid, offset);
    if (!session) return session;
    return {
      ...session,
      rooms: session.rooms.filter((room) => room !== LIVE_FEED_ROOM),
      missedPackets: session.missedPackets.filter((data) => !Array.isArray(data) || !REPLAYED_EVENTS.has(data[0])),
    };
  };
}

export function prepareClusterDelivery(
  io: TetherServer,
  deps: { store: MessageStore; logger: Logger; tailCheckIntervalMs: number },
): OrderedDelivery {
  const adapter = io.of("/").adapter;
  keepDirectEmitsLocal(adapter);
  keepMessagesOutOfRecovery(adapter);
  return attachOrderedDelivery(adapter, {
    getMessagesAfter: (offset, limit) => deps.store.getMessagesAfter(offset, limit),
    getLatestMessageId: () => deps.store.getLatestMessageId(),
    deliverFromStore: (message) => io.local.to(LIVE_FEED_ROOM).emit("message:new", message),
    messageIdOf,
    onError: (error) => deps.logger.error({ err: error }, "ordered delivery could not read the store; retrying"),
    tailCheckIntervalMs: deps.tailCheckIntervalMs,
  });
}
