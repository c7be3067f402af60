/**
 * message:edit, message:delete, reaction:add and reaction:remove (issue 15). Each reads as validate → persist →
 * acknowledge; the store decides the change against the message's state inside its write transaction
 * (lib/storage/message-change-rules.ts) and stores it at the next offset of the log, and the delivery core sends it
 * as `message:update` to exactly the connections that may read the channel, in log order. A retry of a stored
 * clientOffset is acknowledged again with the original offset and `duplicate: true`; a call that changes nothing
 * stores and sends nothing (`offset: null`).
 *
 * An edit is stored with whom its new content mentions. An applied delete, and an applied edit whose text mentioned
 * or mentions someone, is told to `countsChanged` (lib/server/reads): it can change readers' unread and mention
 * counts, which the server then sends afresh.
 */
import { fail, ok, type Ack } from "../../shared/ack";
import type { Channel, ChatMessage, MessageChangeResult } from "../../shared/dto";
import type { Identity } from "../../shared/identity";
import { parseMentions } from "../../shared/mentions";
import { parseMessageDelete, parseMessageEdit, parseReaction } from "../../shared/schemas";
import { StorageUnavailableError, type MessageChangeOutcome, type MessageChangeRequest, type MessageStore } from "../../storage/message-store";
import type { SendRateLimiter } from "../limits/send-rate-limiter";
import type { Logger } from "../logger";
import type { Metrics } from "../metrics";
import type { SendMentions } from "../reads/send-mentions";
import { pauseReading } from "../transport/pause-reading";
import type { ChannelAccess } from "./channel-access";
import type { TetherSocket } from "./types";

export interface MessageChangeHandlerDeps {
  store: MessageStore;
  access: ChannelAccess;
  logger: Logger;
  metrics: Metrics;
  /** The send limiter: a change costs what a send costs. */
  rateLimiter: SendRateLimiter;
  maxMessageLength: number;
  /** Resolves once this offset has been delivered on this instance (see the log tail); null when it already has been. */
  whenDeliveredLocally: (offset: number) => Promise<void> | null;
  /** Who an edited message mentions, as for a send. */
  mentions: SendMentions;
  /** An edit or a delete of a message of `channel` by `authorId` was applied: readers' counts may have changed. */
  countsChanged: (channel: string, authorId: string) => void;
}

const REFUSALS = {
  unknown_message: "There is no such message.",
  forbidden: "You may not change this message.",
  message_deleted: "This message was deleted.",
  too_many_reactions: "This message has as many different reactions as it can.",
} as const;

/** A change request before the server adds who makes it (from the connection, never the payload). */
type UnattributedChange = MessageChangeRequest extends infer R ? (R extends MessageChangeRequest ? Omit<R, "actor"> : never) : never;

export function createMessageChangeHandlers(deps: MessageChangeHandlerDeps) {
  const { store, access, logger, metrics, rateLimiter, maxMessageLength, whenDeliveredLocally, mentions, countsChanged } = deps;

  /** The message and its channel if `user` may read it: an id of a channel they cannot read is as unknown as a missing one. */
  async function readable(user: Identity, messageId: number): Promise<{ message: ChatMessage; channel: Channel } | null> {
    const message = await store.getMessage(messageId);
    if (!message) return null;
    const allowed = access.checkKnown(user, message.channel) ?? (await access.check(user, message.channel));
    return allowed.ok ? { message, channel: allowed.channel } : null;
  }

  async function change(socket: TetherSocket, request: UnattributedChange): Promise<Ack<MessageChangeResult>> {
    const user = socket.data.user;
    const found = await readable(user, request.messageId);
    if (!found) return fail("unknown_message", REFUSALS.unknown_message);
    let mentioned: string[] | undefined;
    // Only the author's edit can be applied (the store refuses the others): no one else's @channel takes a token.
    if (request.kind === "edit" && found.message.author.id === user.id) {
      // An `@channel` the message already had notified when it was sent: keeping it costs no second token.
      const resolving = mentions.resolve(user, found.channel, request.content, {
        hadChannelMention: parseMentions(found.message.content).channel,
      });
      const resolved = resolving instanceof Promise ? await resolving : resolving;
      if (!resolved.ok) {
        metrics.rateLimited.inc();
        return { error: resolved.error };
      }
      mentioned = resolved.mentioned;
    }
    let outcome: MessageChangeOutcome;
    try {
      const attributed = { ...request, actor: { id: user.id, isAdmin: user.isAdmin } };
      outcome = await store.changeMessage(attributed.kind === "edit" ? { ...attributed, mentions: mentioned } : attributed);
    } catch (error) {
      if (!(error instanceof StorageUnavailableError)) throw error;
      logger.error({ err: error, socketId: socket.id, clientOffset: request.clientOffset }, "change not stored");
      metrics.errors.inc({ kind: "storage" });
      return fail("unavailable", "The change could not be saved right now; it will be retried.");
    }
    switch (outcome.status) {
      case "applied": {
        // As for a send: this connection has its message:update before the ack, on a cluster too.
        const delivering = whenDeliveredLocally(outcome.offset);
        if (delivering) await delivering;
        // After the update, so that readers here get their fresh counts after the message:update.
        if (request.kind === "delete" || (request.kind === "edit" && editMayChangeMentions(outcome.contentBefore, mentioned))) {
          countsChanged(outcome.message.channel, outcome.message.author.id);
        }
        return ok({ offset: outcome.offset, duplicate: false });
      }
      case "duplicate":
        metrics.duplicatesAbsorbed.inc();
        return ok({ offset: outcome.offset, duplicate: true });
      case "unchanged":
        return ok({ offset: null, duplicate: false });
      default:
        return fail(outcome.status, REFUSALS[outcome.status]);
    }
  }

  /**
   * Whether an edit can change a count: only whom the message mentions can (it stays unread for whoever had it
   * unread). Text that named no one, edited into text that mentions no one, leaves every count as it was, and
   * recounting every reader of the channel for each such edit was most of the server's work under a stream of edits.
   * The text before is the store's, read in the edit's own transaction: another edit of the same message committed
   * since this handler read it cannot make a change of mentions pass unseen.
   */
  function editMayChangeMentions(contentBefore: string, mentionedAfter: readonly string[] | undefined): boolean {
    const before = parseMentions(contentBefore);
    return before.channel || before.usernames.length > 0 || (mentionedAfter?.length ?? 0) > 0;
  }

  /** The rate limit first, as for message:send: a flood is refused before it costs a parse or a read. */
  function limited(socket: TetherSocket): Ack<MessageChangeResult> | null {
    const wait = rateLimiter.check(socket.id, socket.data.user.id);
    if (!wait) return null;
    metrics.rateLimited.inc();
    pauseReading(socket, wait.retryAfterMs);
    return fail("rate_limited", "You are making changes too fast; slow down.", { retryAfterMs: wait.retryAfterMs });
  }

  return {
    async editMessage(socket: TetherSocket, payload: unknown): Promise<Ack<MessageChangeResult>> {
      const refused = limited(socket);
      if (refused) return refused;
      const parsed = parseMessageEdit(payload, maxMessageLength);
      if (!parsed.ok) return { error: parsed.error };
      const { id, content, clientOffset } = parsed.value;
      return change(socket, { kind: "edit", messageId: id, content, clientOffset });
    },

    async deleteMessage(socket: TetherSocket, payload: unknown): Promise<Ack<MessageChangeResult>> {
      const refused = limited(socket);
      if (refused) return refused;
      const parsed = parseMessageDelete(payload);
      if (!parsed.ok) return { error: parsed.error };
      return change(socket, { kind: "delete", messageId: parsed.value.id, clientOffset: parsed.value.clientOffset });
    },

    async addReaction(socket: TetherSocket, payload: unknown): Promise<Ack<MessageChangeResult>> {
      return react(socket, payload, "reaction_add");
    },

    async removeReaction(socket: TetherSocket, payload: unknown): Promise<Ack<MessageChangeResult>> {
      return react(socket, payload, "reaction_remove");
    },
  };

  async function react(socket: TetherSocket, payload: unknown, kind: "reaction_add" | "reaction_remove"): Promise<Ack<MessageChangeResult>> {
    const refused = limited(socket);
    if (refused) return refused;
    const parsed = parseReaction(payload);
    if (!parsed.ok) return { error: parsed.error };
    const { id, emoji, clientOffset } = parsed.value;
    return change(socket, { kind, messageId: id, emoji, clientOffset });
  }
}
