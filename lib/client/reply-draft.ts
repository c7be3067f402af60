/**
 * The message the person is answering, per channel: set by a message's "Reply", shown above the composer and sent
 * with the next message of that channel. Not persisted: a reply in progress is a moment's state, like a selection.
 */
import { create } from "zustand";

export interface ReplyTarget {
  id: number;
  authorName: string;
}

interface ReplyDraftState {
  byChannel: Record<string, ReplyTarget | undefined>;
  replyTo: (channel: string, target: ReplyTarget | undefined) => void;
}

export const useReplyDraft = create<ReplyDraftState>()((set) => ({
  byChannel: {},
  replyTo: (channel, target) => set((s) => ({ byChannel: { ...s.byChannel, [channel]: target } })),
}));
