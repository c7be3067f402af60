/**
 * What happens when a socket connects: handlers are registered at once (so no early event is lost), then the
 * socket is brought up to date — by Socket.IO's recovery when it worked, otherwise by a database replay from
 * the client's `serverOffset` — and only then does it receive live messages, in id order, without a gap.
 */
import type { MessageStore } from "../../../db/message-store";
import { publicUser } from "../../shared/identity";
import { parseServerOffset } from "../../shared/schemas";
import { replayMissedMessages } from "../delivery/catch-up";
import type { ReplayGate } from "../delivery/replay-gate";
import type { Logger } from "../logger";
import type { Metrics } from "../metrics";
import { LIVE_FEED_ROOM, type TetherSocket } from "./types";

export interface ConnectionDeps {
  store: MessageStore;
  gate: ReplayGate;
  logger: Logger;
  metrics: Metrics;
  replayBatchSize: number;
  maxMessageLength: number;
}

export async function bringSocketUpToDate(socket: TetherSocket, deps: ConnectionDeps): Promise<void> {
  const { store, gate, logger, metrics } = deps;
  // A recovered session without the live room was saved before its catch-up was confirmed (see below):
  // Socket.IO restored nothing useful, so it is caught up from the database like any other connection.
  const recovered = socket.recovered && socket.rooms.has(LIVE_FEED_ROOM);
  let replayed = 0;
  const auth = (socket.handshake.auth ?? {}) as Record<string, unknown>;
  // socket.io-client sends pid and offset whenever it hopes to resume a session.
  if (auth.pid !== undefined) {
    metrics.recoveries.inc({ result: recovered ? "succeeded" : "missed" });
  }

  if (!recovered) {
    socket.data.live = false;
    // Until the client confirms it received the catch-up (by acknowledging session:ready), a dropped
    // connection must not leave a recoverable session in the live room: Socket.IO recovery re-sends buffered
    // broadcasts only, never the replay batches the client may have lost, so it would silently leave a gap.
    socket.once("disconnecting", () => {
      if (!socket.data.live) socket.leave(LIVE_FEED_ROOM);
    });
    const fromOffset = parseServerOffset(auth.serverOffset) ?? 0;
    if (fromOffset > 0) {
      // Join first, then replay: whatever is committed from now on reaches the socket either in the replay or
      // as a held broadcast, and the gate drops held ones the replay already covered.
      metrics.replays.inc();
      gate.hold(socket.id);
      await socket.join(LIVE_FEED_ROOM);
      const result = await replayMissedMessages(socket, store, fromOffset, deps.replayBatchSize);
      if (result.aborted) return;
      replayed = result.replayed;
      metrics.replayedMessages.inc(replayed);
      // The floor is what the replay sent, not the client's offset: a client whose offset is past the database
      // (reset or restored from a backup) must still get the new messages that reuse those ids.
      gate.release(socket.id, result.replayed > 0 ? result.lastId : 0);
      logger.debug({ socketId: socket.id, fromOffset, replayed }, "caught up from the database");
    } else {
      // Nothing to catch up (a fresh client reads history instead), so nothing can be lost in a drop.
      await socket.join(LIVE_FEED_ROOM);
      socket.data.live = true;
    }
  }

  const latestId = await store.getLatestMessageId();
  if (!socket.connected) return;
  const ready = { user: publicUser(socket.data.user), recovered, replayed, latestId, limits: { maxMessageLength: deps.maxMessageLength } };
  socket.emit("session:ready", ready, () => {
    socket.data.live = true;
  });
}
