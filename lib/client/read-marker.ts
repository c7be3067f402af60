/**
 * Sends `read:mark` for what the person has seen: the highest message id visible in a focused, visible tab. Marks
 * are debounced (scrolling through a channel sends one, not one per row) and only move forward; one that got no
 * answer (the connection dropped) is sent again once the next session is ready. The server answers every
 * connection of the identity with `read:state`, which is what changes the counts here too.
 */
import { isAckError } from "../shared/ack";
import { request, REQUEST_TIMEOUT_MS, type TetherClientSocket } from "./socket";
import type { TetherStore } from "./store";

/** Rows seen within this long of each other make one mark. */
export const READ_MARK_DEBOUNCE_MS = 250;

export interface ReadMarker {
  /** The person saw message `id` of `channel` (and so everything before it). */
  seen(channel: string, id: number): void;
  /** Sends what is waiting now (a new session is ready). */
  flush(): void;
}

export function createReadMarker(socket: TetherClientSocket, store: TetherStore): ReadMarker {
  const waiting = new Map<string, number>();
  /** The highest mark sent per channel: a row seen again sends nothing. */
  const sent = new Map<string, number>();
  let timer: ReturnType<typeof setTimeout> | undefined;

  async function mark(channel: string, upTo: number) {
    try {
      const ack = await request(socket, REQUEST_TIMEOUT_MS, "read:mark", { channel, upTo });
      // Refused (a channel left meanwhile): nothing to retry.
      if (isAckError(ack)) console.warn("read:mark refused", ack.error);
    } catch (error) {
      console.warn("read:mark got no answer", error);
      if ((sent.get(channel) ?? 0) <= upTo) sent.delete(channel);
      if ((waiting.get(channel) ?? 0) < upTo) waiting.set(channel, upTo);
    }
  }

  function flush() {
    clearTimeout(timer);
    timer = undefined;
    if (!socket.connected || !store.getState().ready) return;
    for (const [channel, upTo] of waiting) {
      waiting.delete(channel);
      if ((sent.get(channel) ?? 0) >= upTo) continue;
      sent.set(channel, upTo);
      void mark(channel, upTo);
    }
  }

  return {
    seen(channel, id) {
      const readUpTo = store.getState().readStates[channel]?.readUpTo ?? 0;
      if (id <= readUpTo || id <= (sent.get(channel) ?? 0) || id <= (waiting.get(channel) ?? 0)) return;
      waiting.set(channel, id);
      timer ??= setTimeout(flush, READ_MARK_DEBOUNCE_MS);
    },
    flush,
  };
}
