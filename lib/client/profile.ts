/** The display name: remembered, shared with other tabs, and told to the server at once when connected. */
import { isAckError } from "../shared/ack";
import { normalizeDisplayName } from "../shared/schemas";
import { request, REQUEST_TIMEOUT_MS, type TetherClientSocket } from "./socket";
import type { TetherStore } from "./store";

/** `at` orders edits across tabs: the newest edit wins wherever it was made. */
export function applyDisplayName(socket: TetherClientSocket, store: TetherStore, name: string, at = Date.now()): void {
  store.getState().setDisplayName(name, at);
  const valid = normalizeDisplayName(name);
  if (!valid || !socket.connected) return;
  request(socket, REQUEST_TIMEOUT_MS, "profile:update", { name: valid })
    .then((ack) => {
      if (!isAckError(ack)) store.getState().setMe(ack.data.user);
    })
    .catch((error: unknown) => console.warn("profile:update got no answer", error));
}
