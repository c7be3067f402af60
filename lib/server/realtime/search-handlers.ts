/**
 * search:messages: full-text search over the channels the connection may read, newest first. The store searches
 * only the channels it is given; which ones is decided here, from readable-channels.ts alone.
 *
 * Rate-limited per connection and per identity: a search, unlike a send, can make the database walk a large part
 * of its index (a one-letter prefix in a busy workspace), so a client typing fast — or a script — must not be
 * able to keep the store busy for everyone else.
 */
import { fail, ok, type Ack } from "../../shared/ack";
import type { SearchResult } from "../../shared/dto";
import { parseSearchMessages } from "../../shared/schemas";
import type { MessageStore } from "../../storage/message-store";
import { readableChannels } from "../delivery/readable-channels";
import type { SendRateLimiter } from "../limits/send-rate-limiter";
import type { ChannelAccess } from "./channel-access";
import type { TetherSocket } from "./types";

export interface SearchHandlerDeps {
  store: MessageStore;
  access: ChannelAccess;
  /** The same token buckets as for sends (per connection and per identity), with their own budget. */
  rateLimiter: SendRateLimiter;
}

export function createSearchHandlers({ store, access, rateLimiter }: SearchHandlerDeps) {
  async function searchMessages(socket: TetherSocket, payload: unknown): Promise<Ack<SearchResult>> {
    const limited = rateLimiter.check(socket.id, socket.data.user.id);
    if (limited) return fail("rate_limited", "You are searching too fast; slow down.", { retryAfterMs: limited.retryAfterMs });
    const parsed = parseSearchMessages(payload);
    if (!parsed.ok) return { error: parsed.error };
    const { query, channel, author, before, limit } = parsed.value;
    if (channel !== undefined) {
      const allowed = await access.check(socket.data.user, channel);
      if (!allowed.ok) return { error: allowed.error };
    }
    const searched = channel === undefined ? await readableChannels(store, socket.data.user) : [channel];
    return ok(await store.searchMessages({ text: query, channels: searched, authorId: author, before, limit }));
  }

  return { searchMessages };
}
