/**
 * The newest stored messages, in memory, in id order: catch-up replays them without reading SQLite.
 *
 * A 100,000-message catch-up spent most of its server time turning rows into strings and objects; the newest
 * messages are exactly what reconnecting clients ask for, so they are kept ready. Only a store that sees every
 * write may use this (the single-process SQLite store): the cache must hold *every* message above `coveredAfter`.
 *
 * Each message's JSON is kept too, and batches carry their JSON text (encoded-batch.ts): the profile of a 100k
 * catch-up was then dominated by JSON.stringify of every batch, for messages that never change once stored.
 */
import type { ChatMessage } from "../lib/shared/dto";
import { withEncodedJson } from "./encoded-batch";

export interface RecentMessages {
  /** Messages with id > offset, ascending, at most `limit`, with their JSON; null when some may not be cached. */
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
  // `JSON.stringify(cached[i])`, made once per message (the messages never change once stored). Messages
  // loaded at start-up are encoded then: the first catch-up after a restart should not pay for it.
  let encoded: string[] = cached.map((message) => JSON.stringify(message));
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
      const end = Math.min(start + limit, cached.length);
      return withEncodedJson(cached.slice(start, end), encoded.slice(start, end));
    },
    append(messages) {
      if (messages.length === 0) return;
      for (const message of messages) {
        cached.push(message);
        // Encoded now, while the message is fresh: a client that missed it will ask for it soon.
        encoded.push(JSON.stringify(message));
      }
      // Trimmed in chunks, not per message: one copy per `capacity / 4` appends.
      if (cached.length > capacity + capacity / 4) {
        const drop = cached.length - capacity;
        coveredAfter = cached[drop - 1]!.id;
        cached = cached.slice(drop);
        encoded = encoded.slice(drop);
      }
    },
  };
}
