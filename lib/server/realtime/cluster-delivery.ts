/**
 * What changes when Socket.IO runs on a cluster adapter (several instances): messages reach local sockets
 * through ordered delivery, and never through Socket.IO's recovery buffer.
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

function keepMessagesOutOfRecovery(adapter: Adapter): void {
  const restore = adapter.restoreSession.bind(adapter);
  adapter.restoreSession = async (pid, offset): Promise<Session> => {
    const session = await restore(pid, offset);
    if (!session) return session;
    return {
      ...session,
      rooms: session.rooms.filter((room) => room !== LIVE_FEED_ROOM),
      missedPackets: session.missedPackets.filter((data) => !Array.isArray(data) || messageIdOf(data) === null),
    };
  };
}

export function prepareClusterDelivery(
  io: TetherServer,
  deps: { store: MessageStore; logger: Logger; tailCheckIntervalMs: number },
): OrderedDelivery {
  const adapter = io.of("/").adapter;
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
