/**
 * Cross-instance ordering: this process's sockets receive `message:new` in ascending id order with no id left
 * out, whatever order the broadcasts arrive in and even when a broadcast never arrives.
 *
 * Why it is needed: with several instances, the broadcasts of two messages take different paths (one is local,
 * the other comes through Redis; an instance can die between its commit and its publish), so id N+1 can reach a
 * socket before N, or N never. A client that processed N+1 and then reconnected would resume after N+1 and lose
 * N. The store guarantees that commit order equals id order (pg-message-store.ts): once N+1 is visible, every
 * lower id is. So when a broadcast arrives whose predecessors have not been delivered here, they are read from
 * the store and delivered first; a broadcast already delivered that way is dropped when it turns up late.
 *
 * `deliveredThrough` is the highest id written to the live room on this process. Broadcasts wait in `pending`
 * until every id below them is delivered or known not to exist (`verifiedThrough`). With dense ids (PostgreSQL)
 * id N+1 directly after N needs no query; only a hole costs one. A periodic tail check delivers a message whose
 * broadcast was lost while nothing else is sent after it.
 */
import type { Adapter } from "socket.io-adapter";
import type { ChatMessage } from "../../shared/dto";
import { interceptBroadcasts } from "./broadcast-hook";

const MAX_FETCH = 1000;

export interface OrderedDeliveryDeps {
  /** Stored messages with `id > offset`, ascending, at most `limit`. */
  getMessagesAfter(offset: number, limit: number): Promise<ChatMessage[]>;
  getLatestMessageId(): Promise<number>;
  /** Writes a message read from the store to the live room of this process only. */
  deliverFromStore(message: ChatMessage): void;
  messageIdOf(packetData: unknown[]): number | null;
  onError(error: unknown): void;
  /** How often to look for committed messages whose broadcast never arrived; 0 turns it off. */
  tailCheckIntervalMs: number;
  retryDelayMs?: number;
}

export interface OrderedDelivery {
  /** Resolves once the starting point is known; sockets must not join the live room before. */
  ready(): Promise<void>;
  deliveredThrough(): number;
  /**
   * Resolves once `id` has been written to the live room here, or after `timeoutMs` (the message is stored
   * either way; waiting only keeps "the sender's own copy arrives before its ack" true on a cluster too).
   */
  whenDelivered(id: number, timeoutMs: number): Promise<void>;
  close(): void;
}

export function attachOrderedDelivery(adapter: Adapter, deps: OrderedDeliveryDeps): OrderedDelivery {
  const pending = new Map<number, () => void>();
  let deliveredThrough = 0;
  let verifiedThrough = 0;
  let started = false;
  let running = false;
  let tailCheckDue = false;
  let writingFromStore = false;
  let closed = false;
  let retryTimer: NodeJS.Timeout | null = null;
  let waiters: Array<{ id: number; resolve: () => void }> = [];
  let resolveReady!: () => void;
  const readyPromise = new Promise<void>((resolve) => (resolveReady = resolve));

  interceptBroadcasts(adapter, (packet, send) => {
    const id = Array.isArray(packet.data) ? deps.messageIdOf(packet.data) : null;
    if (id === null || writingFromStore) return send();
    if (started && id <= deliveredThrough) return;
    if (!pending.has(id)) pending.set(id, () => send());
    void drain();
  });

  const fromStore = (message: ChatMessage) => () => {
    writingFromStore = true;
    try {
      deps.deliverFromStore(message);
    } finally {
      writingFromStore = false;
    }
  };

  /** Reads what is stored after `deliveredThrough` (below `before`, when given) into `pending`. */
  async function fetchMissing(before: number | undefined): Promise<void> {
    const limit = Math.min(MAX_FETCH, before === undefined ? MAX_FETCH : before - deliveredThrough - 1);
    const batch = await deps.getMessagesAfter(deliveredThrough, limit);
    const found = before === undefined ? batch : batch.filter((message) => message.id < before);
    for (const message of found) {
      if (!pending.has(message.id)) pending.set(message.id, fromStore(message));
    }
    // Commit order is id order, so everything below the highest id read (or below `before`, when the read
    // went past it or came back short) is now known.
    const complete = before !== undefined && (batch.length < limit || found.length < batch.length);
    const last = found[found.length - 1];
    verifiedThrough = Math.max(verifiedThrough, complete ? before - 1 : (last?.id ?? verifiedThrough));
  }

  async function drain(): Promise<void> {
    if (running || closed) return;
    running = true;
    try {
      if (!started) {
        deliveredThrough = verifiedThrough = await deps.getLatestMessageId();
        started = true;
        resolveReady();
      }
      for (;;) {
        if (pending.size === 0) {
          if (!tailCheckDue) break;
          tailCheckDue = false;
          if ((await deps.getLatestMessageId()) > deliveredThrough) await fetchMissing(undefined);
          continue;
        }
        const next = Math.min(...pending.keys());
        if (next <= deliveredThrough) {
          pending.delete(next);
          continue;
        }
        if (next > deliveredThrough + 1 && next > verifiedThrough + 1) {
          await fetchMissing(next);
          continue;
        }
        const send = pending.get(next)!;
        pending.delete(next);
        deliveredThrough = next;
        send();
        if (waiters.length > 0) wakeWaiters();
      }
    } catch (error) {
      deps.onError(error);
      if (!closed && !retryTimer) {
        retryTimer = setTimeout(() => {
          retryTimer = null;
          void drain();
        }, deps.retryDelayMs ?? 500);
      }
    } finally {
      running = false;
    }
  }

  function wakeWaiters() {
    const due = waiters.filter((waiter) => waiter.id <= deliveredThrough);
    waiters = waiters.filter((waiter) => waiter.id > deliveredThrough);
    for (const waiter of due) waiter.resolve();
  }

  const tailTimer =
    deps.tailCheckIntervalMs > 0
      ? setInterval(() => {
          tailCheckDue = true;
          void drain();
        }, deps.tailCheckIntervalMs)
      : null;
  tailTimer?.unref();
  void drain();

  return {
    ready: () => readyPromise,
    deliveredThrough: () => deliveredThrough,
    whenDelivered(id, timeoutMs) {
      if (started && id <= deliveredThrough) return Promise.resolve();
      return new Promise((resolve) => {
        const waiter = { id, resolve: () => {} };
        const timer = setTimeout(() => {
          waiters = waiters.filter((other) => other !== waiter);
          resolve();
        }, timeoutMs);
        waiter.resolve = () => {
          clearTimeout(timer);
          resolve();
        };
        waiters.push(waiter);
      });
    },
    close() {
      closed = true;
      if (tailTimer) clearInterval(tailTimer);
      if (retryTimer) clearTimeout(retryTimer);
      for (const waiter of waiters.splice(0)) waiter.resolve();
    },
  };
}
