/**
 * How replayed entries go out on a connection: runs of new messages as `message:batch` (at most `batchSize` each),
 * each change as `message:update`, in log order. Live delivery sends the same events one entry at a time.
 */
import type { ChatMessage } from "../../shared/dto";
import type { MessageEntry } from "../../storage/message-store";
import type { TetherSocket } from "../realtime/types";

/** Sends `entries` in order; returns how many of them were messages. */
export function sendEntries(socket: TetherSocket, entries: readonly MessageEntry[], batchSize: number): number {
  let messages = 0;
  let run: ChatMessage[] = [];
  const flush = () => {
    if (run.length === 0) return;
    socket.emit("message:batch", run);
    messages += run.length;
    run = [];
  };
  for (const entry of entries) {
    if (entry.update) {
      flush();
      socket.emit("message:update", entry.update);
    } else {
      run.push(entry.message);
      if (run.length >= batchSize) flush();
    }
  }
  flush();
  return messages;
}

/** The channel an entry belongs to, for audience checks. */
export const channelOf = (entry: MessageEntry): string => (entry.update ? entry.update.message.channel : entry.message.channel);
