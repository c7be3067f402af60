/** The listeners of a store's `onCommitted`, called in subscription order. */
import type { CommitListener, LogEntry } from "../lib/storage/message-store";

export function createCommitListeners() {
  const listeners = new Set<CommitListener>();
  return {
    subscribe(listener: CommitListener): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    notify(entries: readonly LogEntry[]): void {
      if (entries.length === 0) return;
      for (const listener of listeners) listener(entries);
    },
  };
}
