/**
 * On a cluster: this instance's view of the log (messages and events), delivered in ascending offset order with no
 * offset left out, whatever order the entries are offered in, and even when an offer never arrives.
 *
 * Why it is needed: with several instances, a message reaches this one either from its own commit or from another
 * instance's `tether:committed` notification (Redis pub/sub), so id N+1 can be offered before N, or N never (its
 * instance died between commit and notification, or the notification was lost). A client that processed N+1 and
 * then reconnected would resume after N+1 and lose N. The store guarantees that commit order equals id order
 * (pg-message-store.ts): once N+1 is visible, every lower id is. So when a message is offered whose predecessors
 * have not been delivered, they are read from the store and delivered first; an offer already delivered that way
 * is dropped when it turns up late.
 *
 * `deliveredThrough` is the highest id delivered. Offers wait in `pending` until every id below them is delivered
 * or known not to exist (`verifiedThrough`). With dense ids (PostgreSQL), N+1 right after N needs no query; only a
 * hole costs one. A periodic tail check delivers a message whose offer was lost while nothing else came after it.
 */

const MAX_FETCH = 1000;

/** What the tail orders: an entry of the log, known by its offset. */
export interface Offsetted {
  offset: number;
}

export interface LogTailDeps<E extends Offsetted> {
  /** Stored entries with `offset > after`, ascending, at most `limit`. */
  getEntriesAfter(after: number, limit: number): Promise<E[]>;
  getLatestOffset(): Promise<number>;
  /** Receives every entry exactly once, in ascending offset order. */
  deliver(entries: readonly E[]): void;
  onError(error: unknown): void;
  /** How often to look for committed messages whose offer never arrived; 0 turns it off. */
  tailCheckIntervalMs: number;
  retryDelayMs?: number;
  /** Timers, injectable for deterministic unit tests. */
  timers?: Pick<typeof globalThis, "setTimeout" | "clearTimeout" | "setInterval" | "clearInterval">;
}

export interface LogTail<E extends Offsetted> {
  /** Resolves once the starting point (the newest stored id) is known; nothing is delivered before. */
  ready(): Promise<void>;
  /** Entries committed (here or on another instance), in any order, possibly repeated. */
  offer(entries: readonly E[]): void;
  deliveredThrough(): number;
  /** Resolves once `id` has been delivered, or after `timeoutMs`. */
  whenDelivered(id: number, timeoutMs: number): Promise<void>;
  close(): void;
}

export function createLogTail<E extends Offsetted>(deps: LogTailDeps<E>): LogTail<E> {
  const timers = deps.timers ?? globalThis;
  const pending = new Map<number, E>();
  let deliveredThrough = 0;
  let verifiedThrough = 0;
  let started = false;
  let running = false;
  let tailCheckDue = false;
  let closed = false;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let waiters: Array<{ id: number; resolve: () => void }> = [];
  let resolveReady!: () => void;
  const readyPromise = new Promise<void>((resolve) => (resolveReady = resolve));

  /** Reads what is stored after `deliveredThrough` (below `before`, when given) into `pending`. */
  async function fetchMissing(before: number | undefined): Promise<void> {
    const limit = Math.min(MAX_FETCH, before === undefined ? MAX_FETCH : before - deliveredThrough - 1);
    const batch = await deps.getEntriesAfter(deliveredThrough, limit);
    const found = before === undefined ? batch : batch.filter((entry) => entry.offset < before);
    for (const entry of found) if (!pending.has(entry.offset)) pending.set(entry.offset, entry);
    // Commit order is id order, so everything below the highest id read (or below `before`, when the read
    // went past it or came back short) is now known.
    const complete = before !== undefined && (batch.length < limit || found.length < batch.length);
    const last = found[found.length - 1];
    verifiedThrough = Math.max(verifiedThrough, complete ? before - 1 : (last?.offset ?? verifiedThrough));
  }

  function lowestPending(): number {
    let lowest = Number.POSITIVE_INFINITY;
    for (const id of pending.keys()) if (id < lowest) lowest = id;
    return lowest;
  }

  async function drain(): Promise<void> {
    if (running || closed) return;
    running = true;
    try {
      if (!started) {
        deliveredThrough = verifiedThrough = await deps.getLatestOffset();
        for (const id of pending.keys()) if (id <= deliveredThrough) pending.delete(id);
        started = true;
        resolveReady();
      }
      for (;;) {
        if (closed) break;
        if (pending.size === 0) {
          if (!tailCheckDue) break;
          tailCheckDue = false;
          if ((await deps.getLatestOffset()) > deliveredThrough) await fetchMissing(undefined);
          continue;
        }
        const next = lowestPending();
        if (next <= deliveredThrough) {
          pending.delete(next);
          continue;
        }
        if (next > deliveredThrough + 1 && next > verifiedThrough + 1) {
          await fetchMissing(next);
          continue;
        }
        // Deliver the whole run of consecutive ids that is ready, in one call.
        const run: E[] = [];
        let offset = next;
        for (;;) {
          const entry = pending.get(offset);
          if (!entry) break;
          pending.delete(offset);
          run.push(entry);
          deliveredThrough = offset;
          offset++;
        }
        deps.deliver(run);
        if (waiters.length > 0) wakeWaiters();
      }
    } catch (error) {
      deps.onError(error);
      if (!closed && !retryTimer) {
        retryTimer = timers.setTimeout(() => {
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
      ? timers.setInterval(() => {
          tailCheckDue = true;
          void drain();
        }, deps.tailCheckIntervalMs)
      : null;
  (tailTimer as { unref?: () => void } | null)?.unref?.();
  void drain();

  return {
    ready: () => readyPromise,
    offer(entries) {
      if (closed) return;
      for (const entry of entries) {
        if (started && entry.offset <= deliveredThrough) continue;
        if (!pending.has(entry.offset)) pending.set(entry.offset, entry);
      }
      void drain();
    },
    deliveredThrough: () => deliveredThrough,
    whenDelivered(id, timeoutMs) {
      if (started && id <= deliveredThrough) return Promise.resolve();
      return new Promise((resolve) => {
        const waiter = { id, resolve: () => {} };
        const timer = timers.setTimeout(() => {
          waiters = waiters.filter((other) => other !== waiter);
          resolve();
        }, timeoutMs);
        waiter.resolve = () => {
          timers.clearTimeout(timer);
          resolve();
        };
        waiters.push(waiter);
      });
    },
    close() {
      closed = true;
      if (tailTimer) timers.clearInterval(tailTimer);
      if (retryTimer) timers.clearTimeout(retryTimer);
      for (const waiter of waiters.splice(0)) waiter.resolve();
    },
  };
}
