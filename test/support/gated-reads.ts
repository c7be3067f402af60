/**
 * A real store whose catch-up reads wait at a gate the test opens: a replay then lasts exactly as long as the test
 * needs, so "live traffic during a replay" happens by construction, not by luck of scheduling. Catch-up reads are
 * the `getMessagesAfter` calls bounded by `upTo` (the cluster's log tail reads unbounded, and must not wait);
 * everything else goes straight to the real store.
 */
import type { MessageStore } from "../../lib/storage/message-store";

export interface GatedReads {
  wrap: (store: MessageStore) => MessageStore;
  /** Resolves once a read is waiting at the closed gate. */
  waiting: () => Promise<void>;
  open: () => void;
}

export function gateReads(): GatedReads {
  let opened = false;
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let someoneWaiting!: () => void;
  const waiting = new Promise<void>((resolve) => (someoneWaiting = resolve));
  return {
    wrap: (store) => ({
      ...store,
      async getMessagesAfter(offset, limit, upTo) {
        if (!opened && upTo !== undefined) {
          someoneWaiting();
          await gate;
        }
        return store.getMessagesAfter(offset, limit, upTo);
      },
    }),
    waiting: () => waiting,
    open() {
      opened = true;
      open();
    },
  };
}
