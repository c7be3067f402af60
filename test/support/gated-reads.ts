/**
 * A real store whose catch-up reads wait at a gate the test opens: a replay then lasts exactly as long as the test
 * needs, so "live traffic during a replay" happens by construction, not by luck of scheduling. Catch-up reads are
 * the `getMessagesAfter` calls bounded by `upTo` (the cluster's log tail reads unbounded, and must not wait) and a
 * bounded catch-up's `getChannelMessagesAfter`; everything else (a bounded catch-up's plan included) goes straight
 * to the real store. The gate starts closed; `close()` closes it again.
 */
import type { MessageStore } from "../../lib/storage/message-store";

export interface GatedReads {
  wrap: (store: MessageStore) => MessageStore;
  /** Resolves once a read is waiting at the closed gate. */
  waiting: () => Promise<void>;
  open: () => void;
  close: () => void;
}

export function gateReads(): GatedReads {
  let gate: Promise<void> | null = null;
  let openGate = () => {};
  let someoneWaiting = () => {};
  let waiting = Promise.resolve();
  const close = () => {
    if (gate) return;
    gate = new Promise<void>((resolve) => (openGate = resolve));
    waiting = new Promise<void>((resolve) => (someoneWaiting = resolve));
  };
  close();
  const pass = async () => {
    const closed = gate;
    if (!closed) return;
    someoneWaiting();
    await closed;
  };
  return {
    wrap: (store) => ({
      ...store,
      async getMessagesAfter(offset, limit, upTo) {
        if (upTo !== undefined) await pass();
        return store.getMessagesAfter(offset, limit, upTo);
      },
      async getChannelMessagesAfter(channel, after, limit, upTo) {
        await pass();
        return store.getChannelMessagesAfter(channel, after, limit, upTo);
      },
    }),
    waiting: () => waiting,
    open() {
      gate = null;
      openGate();
    },
    close,
  };
}
