/**
 * What happens when a socket connects: handlers are registered at once (so no early event is lost), then the
 * socket is brought up to date — by Socket.IO's recovery when it worked, otherwise by a database replay from
 * the client's `serverOffset` — and only then does it receive live messages, in id order, without a gap.
 */
import type { MessageStore } from "../../../db/message-store";
import { parseServerOffset } from "../../shared/schemas";
import { replayMissedMessages } from "../delivery/catch-up";
import type { ReplayGate } from "../delivery/replay-gate";
import type { Logger } from "../logger";
import { LIVE_FEED_ROOM, type TetherSocket } from "./types";

export interface ConnectionDeps {
  store: MessageStore;
  gate: ReplayGate;
  logger: Logger;
  replayBatchSize: number;
  maxMessageLength: number;
}

export async function bringSocketUpToDate(socket: TetherSocket, deps: ConnectionDeps): Promise<void> {
  const { store, gate, logger } = deps;
  // A recovered session that lacks the live room was saved while a replay was still running (see below):
  // Socket.IO restored nothing useful, so it is caught up from the database like any other connection.
  const recovered = socket.recovered && socket.rooms.has(LIVE_FEED_ROOM);
  let replayed = 0;

  if (!recovered) {
    const fromOffset = parseServerOffset((socket.handshake.auth as Record<string, unknown> | undefined)?.serverOffset) ?? 0;
    if (fromOffset > 0) {
      gate.hold(socket.id);
      // If the connection drops mid-replay, the session Socket.IO saves must not hold the live room: a later
      // recovery would then replay from the buffer on top of a replay that never finished.
      const leaveIfReplaying = () => {
        if (gate.isHeld(socket.id)) socket.leave(LIVE_FEED_ROOM);
        gate.discard(socket.id);
      };
      socket.once("disconnecting", leaveIfReplaying);
      await socket.join(LIVE_FEED_ROOM);
      const result = await replayMissedMessages(socket, store, fromOffset, deps.replayBatchSize);
      if (result.aborted) return;
      socket.off("disconnecting", leaveIfReplaying);
      replayed = result.replayed;
      gate.release(socket.id, result.lastId);
      logger.debug({ socketId: socket.id, fromOffset, replayed }, "caught up from the database");
    } else {
      await socket.join(LIVE_FEED_ROOM);
    }
  }

  if (!socket.connected) return;
  socket.data.live = true;
  socket.emit("session:ready", {
    user: socket.data.user,
    recovered,
    replayed,
    latestId: await store.getLatestMessageId(),
    limits: { maxMessageLength: deps.maxMessageLength },
  });
}
