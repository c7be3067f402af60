/**
 * `typing:start` while the person types in a channel, at most every TYPING_RESEND_MS, and `typing:stop` when the
 * text is cleared or sent. Sent only on a live connection: socket.io-client would otherwise buffer a start and send
 * it, stale, after a reconnection.
 */
import type { TetherClientSocket } from "./socket";

export const TYPING_RESEND_MS = 2000;

export interface TypingSender {
  /** The draft of `channel` is now `text`. */
  draftChanged(channel: string, text: string): void;
  /** The draft was sent (or abandoned). */
  stopped(channel: string): void;
}

export function createTypingSender(socket: TetherClientSocket, now: () => number = Date.now): TypingSender {
  const startedAt = new Map<string, number>();

  function stopped(channel: string) {
    if (!startedAt.delete(channel)) return;
    if (socket.connected) socket.emit("typing:stop", { channel });
  }

  return {
    draftChanged(channel, text) {
      if (text.trim() === "") {
        stopped(channel);
        return;
      }
      const last = startedAt.get(channel);
      if (!socket.connected || (last !== undefined && now() - last < TYPING_RESEND_MS)) return;
      startedAt.set(channel, now());
      socket.emit("typing:start", { channel });
    },
    stopped,
  };
}
