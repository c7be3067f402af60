/**
 * The newest stored messages, in memory, in id order: catch-up replays them without reading SQLite.
 *
 * A 100,000-message catch-up spent most of its server time turning rows into strings and objects; the newest
 * messages are exactly what reconnecting clients ask for, so they are kept ready. Only a store that sees every
 * write may use this (the single-process SQLite store): the cache must hold *every* message above what it covers.
 */
import type { ChatMessage } from "../lib/shared/dto";
import { OffsetWindow } from "../lib/shared/offset-window";

export interface RecentMessages {
  /** Messages with id > offset (and <= upTo), ascending, at most `limit`; null when some may not be cached. */
  after(offset: number, limit: number, upTo?: number): ChatMessage[] | null;
  /** Newly committed messages, ascending, all above what is cached. */
  append(messages: readonly ChatMessage[]): void;
  /** A message's new state after a change (nothing when it is not cached): the cache holds current states. */
  update(message: ChatMessage): void;
  /** A cached message in its current state. */
  get(id: number): ChatMessage | undefined;
}

/**
 * `newest` are the newest stored messages, ascending; `complete` says whether they are all the stored ones.
 * `capacity` 0 disables the cache.
 */
export function createRecentMessages(capacity: number, newest: readonly ChatMessage[], complete: boolean): RecentMessages {
  const held = newest.slice(-capacity);
  const coveredAfter = complete && held.length === newest.length ? 0 : (held[0]?.id ?? 1) - 1;
  const window = new OffsetWindow<ChatMessage>(capacity, coveredAfter, (message) => message.id);
  window.append(held);
  return {
    after: (offset, limit, upTo) => window.after(offset, limit, upTo),
    append: (messages) => window.append(messages),
    update: (message) => void window.replace(message),
    get: (id) => window.get(id),
  };
}
