/**
 * The newest stored messages, in memory, in id order: catch-up replays them without reading SQLite.
 *
 * A 100,000-message catch-up spent most of its server time turning rows into strings and objects; the newest
 * messages are exactly what reconnecting clients ask for, so they are kept ready. Only a store that sees every
 * write may use this (the single-process SQLite store): the cache must hold *every* message above `coveredAfter`.
 */
import type { ChatMessage } from "../lib/shared/dto";

export interface RecentMessages {
  /** Messages with id > offset, ascending, at most `limit`; null when some of them may not be cached. */
  after(offset: number, limit: number): ChatMessage[] | null;
  /** Newly committed messages, ascending, all above what is cached. */
  append(messages: readonly ChatMessage[]): void;
}

/**
 * `newest` are the newest stored messages, ascending; `complete` says whether they are all the stored ones.
 * `capacity` 0 disables the cache.
 */
export function createRecentMessages(capacity: number, newest: readonly ChatMessage[], complete: boolean): RecentMessages {
  if (capacity === 0) return { after: () => null, append: () => {} };
  let cached: ChatMessage[] = newest.slice(-capacity);
  // Every message with an id above this is in `cached`.
  let coveredAfter = complete && cached.length === newest.length ? 0 : (cached[0]?.id ?? 1) - 1;

  function firstIndexAbove(offset: number): number {
    let low = 0;
    let high = cached.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (cached[middle]!.id <= offset) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  return {
    after(offset, limit) {
      if (offset < coveredAfter) return null;
      const start = firstIndexAbove(offset);
      return cached.slice(start, start + limit);
    },
    append(messages) {
      if (messages.length === 0) return;
      cached.push(...messages);
      // Trimmed in chunks, not per message: one copy per `capacity / 4` appends.
      if (cached.length > capacity + capacity / 4) {
        const drop = cached.length - capacity;
        coveredAfter = cached[drop - 1]!.id;
        cached = cached.slice(drop);
      }
    },
  };
}
