/**
 * How replayed entries go out on a connection: runs of new messages as `message:batch` (at most `batchSize` each),
 * each change as `message:update`, in log order. Live delivery sends the same events one entry at a time.
 *
 * A catch-up sends current states (docs/protocol.md, *Messages that change*): a message replayed after being
 * changed already carries its changes, and the first update of a message the client held carries all of them. An
 * update whose state this connection was already sent in this catch-up — at that version or a newer one — would
 * change nothing on the client (it applies a state only if its version is higher), so it is not sent: a log where
 * a third of the entries are changes replays in about the packets of its messages. The catch-up's last entry is
 * always sent, so the client's `serverOffset` ends at the server's position.
 */
import type { ChatMessage } from "../../shared/dto";
import type { MessageEntry } from "../../storage/message-store";
import type { TetherSocket } from "../realtime/types";

export class CatchUpSender {
  /** The newest version of each message sent in this catch-up, for those that had changed (version above id). */
  private readonly sentVersions = new Map<number, number>();
  /** The last entry, when it was left out: sent by finish() unless something came after it. */
  private lastSkipped: MessageEntry | null = null;

  constructor(
    private readonly socket: TetherSocket,
    private readonly batchSize: number,
  ) {}

  /** Sends `entries` (ascending, after those sent before); returns how many of them were messages. */
  send(entries: readonly MessageEntry[]): number {
    let messages = 0;
    let run: ChatMessage[] = [];
    const flush = () => {
      if (run.length === 0) return;
      this.socket.emit("message:batch", run);
      messages += run.length;
      run = [];
    };
    for (const entry of entries) {
      const state = entry.update ? entry.update.message : entry.message;
      const sent = this.sentVersions.get(state.id);
      if (entry.update && sent !== undefined && sent >= state.version) {
        this.lastSkipped = entry;
        continue;
      }
      this.lastSkipped = null;
      // A state that is its message's first (never changed) is older than any update of it: nothing to remember.
      if (state.version > state.id) this.sentVersions.set(state.id, state.version);
      if (entry.update) {
        flush();
        this.socket.emit("message:update", entry.update);
      } else {
        run.push(entry.message);
        if (run.length >= this.batchSize) flush();
      }
    }
    flush();
    return messages;
  }

  /** The end of the catch-up: its last entry goes out even if it changed nothing, so the client's offset reaches it. */
  finish(): void {
    if (this.lastSkipped?.update) this.socket.emit("message:update", this.lastSkipped.update);
    this.lastSkipped = null;
  }
}

/** The channel an entry belongs to, for audience checks. */
export const channelOf = (entry: MessageEntry): string => (entry.update ? entry.update.message.channel : entry.message.channel);
