/**
 * message:send (optionally a reply to a message of the same channel) and history:fetch (before, after or around an id). A send is validate → persist (durably) → acknowledge; the delivery core delivers
 * what the store commits (delivery-core.ts), so by the time the ack goes out the message has been delivered on this
 * instance, the sender's own connections included. A retry of a stored clientOffset is acknowledged again with the
 * original id and delivered to nobody.
 */
import { fail, ok, type Ack } from "../../shared/ack";
import type { HistoryPage, SendMessageResult } from "../../shared/dto";
import { parseHistoryFetch, parseSendMessage } from "../../shared/schemas";
import { StorageUnavailableError, type MessageStore } from "../../storage/message-store";
import type { SendRateLimiter } from "../limits/send-rate-limiter";
import type { Logger } from "../logger";
import type { Metrics } from "../metrics";
import type { SendMentions } from "../reads/send-mentions";
import type { ChannelAccess } from "./channel-access";
import { pauseReading } from "../transport/pause-reading";
import type { TetherSocket } from "./types";

export interface MessageHandlerDeps {
  store: MessageStore;
  access: ChannelAccess;
  logger: Logger;
  metrics: Metrics;
  rateLimiter: SendRateLimiter;
  maxMessageLength: number;
  /** Resolves once this id has been delivered on this instance (see the log tail); null when it already has been. */
  whenDeliveredLocally: (id: number) => Promise<void> | null;
  /** Who a message mentions, stored with it (lib/server/reads/send-mentions.ts). */
  mentions: SendMentions;
  /** A message of this connection's user was stored (or found stored) in a channel: its typing there stops. */
  onSent?: (socket: TetherSocket, channel: string) => void;
}

export function createMessageHandlers(deps: MessageHandlerDeps) {
  const { store, access, logger, metrics, rateLimiter, maxMessageLength, whenDeliveredLocally, mentions } = deps;
  async function sendMessage(socket: TetherSocket, payload: unknown): Promise<Ack<SendMessageResult>> {
    const limited = rateLimiter.check(socket.id, socket.data.user.id);
    if (limited) {
      metrics.rateLimited.inc();
      pauseReading(socket, limited.retryAfterMs);
      return fail("rate_limited", "You are sending too fast; slow down.", { retryAfterMs: limited.retryAfterMs });
    }
    const parsed = parseSendMessage(payload, maxMessageLength);
    if (!parsed.ok) return { error: parsed.error };
    const { channel, content, clientOffset, replyTo } = parsed.value;
    // The synchronous answers first: with Next.js's AsyncLocalStorage hooks on, each promise a send creates costs
    // (channel-access.ts, `checkKnown`).
    const allowed = access.checkKnown(socket.data.user, channel) ?? (await access.check(socket.data.user, channel));
    if (!allowed.ok) return { error: allowed.error };
    if (replyTo !== undefined) {
      // Messages are never removed from the store, so what is checked here still holds at the insert. Same channel,
      // so the sender, who may write to it, may read the message answered.
      const answered = await store.getMessage(replyTo);
      if (!answered || answered.channel !== channel) return fail("unknown_message", "The message replied to is not in this channel.");
    }
    const resolving = mentions.resolve(socket.data.user, allowed.channel, content);
    const mentioned = resolving instanceof Promise ? await resolving : resolving;
    if (!mentioned.ok) {
      metrics.rateLimited.inc();
      return { error: mentioned.error };
    }

    let stored;
    try {
      stored = await store.insertMessage({
        clientOffset,
        channel,
        content,
        author: socket.data.user,
        mentions: mentioned.mentioned,
        replyTo: replyTo ?? null,
      });
    } catch (error) {
      if (!(error instanceof StorageUnavailableError)) throw error;
      logger.error({ err: error, socketId: socket.id, clientOffset }, "message not stored");
      metrics.errors.inc({ kind: "storage" });
      return fail("unavailable", "The message could not be saved right now; it will be retried.");
    }
    if (stored.duplicate) {
      metrics.duplicatesAbsorbed.inc();
    } else {
      metrics.messagesStored.inc();
      // Keeps "the sender's own copy arrives before its ack" true on a cluster too.
      const delivering = whenDeliveredLocally(stored.message.id);
      if (delivering) await delivering;
    }
    deps.onSent?.(socket, channel);
    return ok({ id: stored.message.id, duplicate: stored.duplicate });
  }

  async function fetchHistory(socket: TetherSocket, payload: unknown): Promise<Ack<HistoryPage>> {
    const parsed = parseHistoryFetch(payload);
    if (!parsed.ok) return { error: parsed.error };
    const { channel, position, limit } = parsed.value;
    const allowed = await access.check(socket.data.user, channel);
    if (!allowed.ok) return { error: allowed.error };
    if ("after" in position) return ok(await store.getHistoryPageAfter(channel, position.after, limit));
    if ("around" in position) return ok(await store.getHistoryPageAround(channel, position.around, limit));
    return ok(await store.getHistoryPage(channel, position.before, limit));
  }

  return { sendMessage, fetchHistory };
}
