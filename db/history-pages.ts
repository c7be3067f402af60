/**
 * History pages in every direction (before, after, around an id), built the same way on both dialects from two
 * reads of the (channel, id) index that each store provides. Pages are ascending; `hasMoreBefore`/`hasMoreAfter`
 * say whether the channel holds messages outside the page on either side.
 */
import type { ChatMessage } from "../lib/shared/dto";
import type { MessageStore } from "../lib/storage/message-store";

export interface ChannelReads {
  /** The newest `limit` messages of `channel` with `id < below`, descending. */
  olderThan: (channel: string, below: number, limit: number) => Promise<ChatMessage[]>;
  /** The oldest `limit` messages of `channel` with `id > above`, ascending. */
  newerThan: (channel: string, above: number, limit: number) => Promise<ChatMessage[]>;
}

type HistoryPages = Pick<MessageStore, "getHistoryPage" | "getHistoryPageAfter" | "getHistoryPageAround">;

export function historyPages({ olderThan, newerThan }: ChannelReads): HistoryPages {
  return {
    async getHistoryPage(channel, before, limit) {
      // One row more than asked tells whether older ones remain.
      const older = await olderThan(channel, before ?? Number.MAX_SAFE_INTEGER, limit + 1);
      const hasMoreBefore = older.length > limit;
      const hasMoreAfter = before !== undefined && (await newerThan(channel, before - 1, 1)).length > 0;
      return { messages: older.slice(0, limit).reverse(), hasMore: hasMoreBefore, hasMoreBefore, hasMoreAfter };
    },

    async getHistoryPageAfter(channel, after, limit) {
      const newer = await newerThan(channel, after, limit + 1);
      const hasMoreAfter = newer.length > limit;
      const hasMoreBefore = (await olderThan(channel, after + 1, 1)).length > 0;
      return { messages: newer.slice(0, limit), hasMore: hasMoreAfter, hasMoreBefore, hasMoreAfter };
    },

    async getHistoryPageAround(channel, around, limit) {
      // The message itself, when it is in the channel, opens the newer side (id >= around).
      const older = await olderThan(channel, around, limit + 1);
      const newer = await newerThan(channel, around - 1, limit + 1);
      const olderCount = Math.min(older.length, Math.max(Math.floor(limit / 2), limit - newer.length));
      const newerCount = Math.min(newer.length, limit - olderCount);
      const hasMoreBefore = older.length > olderCount;
      const hasMoreAfter = newer.length > newerCount;
      return {
        messages: [...older.slice(0, olderCount).reverse(), ...newer.slice(0, newerCount)],
        hasMore: hasMoreBefore || hasMoreAfter,
        hasMoreBefore,
        hasMoreAfter,
      };
    },
  };
}

/** A page of at most `limit` from `limit + 1` rows read newest first (search results). */
export function newestFirstPage(rows: ChatMessage[], limit: number): { messages: ChatMessage[]; hasMore: boolean } {
  return { messages: rows.slice(0, limit), hasMore: rows.length > limit };
}
