/** The listeners of a store's `onCommitted`, called in subscription order. */
import type { ChatMessage } from "../lib/shared/dto";
import type { CommitListener } from "../lib/storage/message-store";

export function createCommitListeners() {
  const listeners = new Set<CommitListener>();
  return {
    subscribe(listener: CommitListener): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    notify(messages: readonly ChatMessage[]): void {
      if (messages.length === 0) return;
      for (const listener of listeners) listener(messages);
    },
  };
}
