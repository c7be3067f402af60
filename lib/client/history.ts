/** Older messages of a channel, one page at a time, below the oldest one held (or the newest page when none). */
import { isAckError } from "../shared/ack";
import { HISTORY_DEFAULT_LIMIT } from "../shared/limits";
import { oldestId } from "./message-index";
import { request, REQUEST_TIMEOUT_MS, type TetherClientSocket } from "./socket";
import type { TetherStore } from "./store";

export async function loadOlderMessages(socket: TetherClientSocket, store: TetherStore, channelName: string): Promise<void> {
  const channel = store.getState().channels[channelName];
  if (channel && (channel.loadingOlder || !channel.hasMoreOlder)) return;
  if (!socket.connected) return;
  store.getState().setLoadingOlder(channelName, true);
  const before = channel ? oldestId(channel) : undefined;
  try {
    const payload =
      before === undefined ? { channel: channelName, limit: HISTORY_DEFAULT_LIMIT } : { channel: channelName, before, limit: HISTORY_DEFAULT_LIMIT };
    const ack = await request(socket, REQUEST_TIMEOUT_MS, "history:fetch", payload);
    if (isAckError(ack)) {
      // A refused page (say, a channel this server does not know) is not asked for again and again.
      console.warn("history:fetch failed", ack.error);
      store.getState().receiveHistoryPage(channelName, [], false);
      return;
    }
    store.getState().receiveHistoryPage(channelName, ack.data.messages, ack.data.hasMore);
  } catch (error) {
    // No answer in time (the connection dropped): the next scroll or reconnect asks again.
    console.warn("history:fetch got no answer", error);
    store.getState().setLoadingOlder(channelName, false);
  }
}
