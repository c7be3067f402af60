/**
 * Who may change a message and what a change does to it, decided in one place for both stores, inside their write
 * transaction (so against the message's state at that moment, not the one a handler read before):
 * - only the author edits; the author or the workspace admin deletes (a guest is never the admin);
 * - a deleted message cannot be edited or reacted to (`message_deleted`); deleting it again changes nothing;
 * - a reaction is the actor's own: adding one they have, or removing one they do not have, changes nothing;
 * - at most MAX_REACTIONS_PER_MESSAGE distinct emoji per message (`too_many_reactions`).
 */
import type { Reaction } from "../shared/dto";
import { MAX_REACTIONS_PER_MESSAGE } from "../shared/limits";
import type { MessageChangeRequest } from "./message-store";

/** The part of a message's state a change reads and writes. */
export interface ChangeableState {
  authorId: string;
  content: string;
  deleted: boolean;
  /** In first-reaction order. */
  reactions: Reaction[];
}

export type ChangeDecision =
  | { status: "forbidden" | "message_deleted" | "too_many_reactions" }
  | { status: "unchanged" }
  | { status: "change"; content: string; deleted: boolean; edited: boolean; reactions: Reaction[] };

export function decideChange(state: ChangeableState, request: MessageChangeRequest): ChangeDecision {
  const { actor } = request;
  switch (request.kind) {
    case "edit": {
      if (state.authorId !== actor.id) return { status: "forbidden" };
      if (state.deleted) return { status: "message_deleted" };
      if (state.content === request.content) return { status: "unchanged" };
      return { status: "change", content: request.content, deleted: false, edited: true, reactions: state.reactions };
    }
    case "delete": {
      if (state.authorId !== actor.id && !actor.isAdmin) return { status: "forbidden" };
      if (state.deleted) return { status: "unchanged" };
      return { status: "change", content: "", deleted: true, edited: false, reactions: [] };
    }
    case "reaction_add": {
      if (state.deleted) return { status: "message_deleted" };
      const existing = state.reactions.find((reaction) => reaction.emoji === request.emoji);
      if (existing?.userIds.includes(actor.id)) return { status: "unchanged" };
      if (!existing && state.reactions.length >= MAX_REACTIONS_PER_MESSAGE) return { status: "too_many_reactions" };
      const reactions = existing
        ? state.reactions.map((reaction) => (reaction === existing ? withUsers([...reaction.userIds, actor.id], reaction.emoji) : reaction))
        : [...state.reactions, withUsers([actor.id], request.emoji)];
      return { status: "change", content: state.content, deleted: false, edited: false, reactions };
    }
    case "reaction_remove": {
      if (state.deleted) return { status: "message_deleted" };
      const existing = state.reactions.find((reaction) => reaction.emoji === request.emoji);
      if (!existing?.userIds.includes(actor.id)) return { status: "unchanged" };
      const userIds = existing.userIds.filter((id) => id !== actor.id);
      // An emoji nobody reacts with any more leaves the list: added again later, it comes last.
      const reactions =
        userIds.length === 0
          ? state.reactions.filter((reaction) => reaction !== existing)
          : state.reactions.map((reaction) => (reaction === existing ? withUsers(userIds, reaction.emoji) : reaction));
      return { status: "change", content: state.content, deleted: false, edited: false, reactions };
    }
  }
}

function withUsers(userIds: string[], emoji: string): Reaction {
  return { emoji, count: userIds.length, userIds };
}

/** Reactions as a message row stores them: JSON of `[emoji, userIds][]`, null for none. */
export function encodeReactions(reactions: readonly Reaction[]): string | null {
  return reactions.length === 0 ? null : JSON.stringify(reactions.map((reaction) => [reaction.emoji, reaction.userIds]));
}

export function decodeReactions(stored: string | null): Reaction[] {
  if (stored === null || stored === "") return [];
  return (JSON.parse(stored) as Array<[string, string[]]>).map(([emoji, userIds]) => ({ emoji, count: userIds.length, userIds }));
}
