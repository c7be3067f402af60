/**
 * Who is typing where, from the server's `typing` notices. Live only, never persisted: an indicator ends with
 * `typing: false`, with a message of its typist, when this connection drops, or `typingExpireMs` after its last
 * start (which also ends one whose server died). The binding schedules the expiry (bind-socket.ts).
 */
import type { Author } from "../../shared/dto";
import type { SliceCreator } from "./types";

export interface TypingEntry {
  user: Author;
  /** Date.now() after which the entry is stale without a newer start. */
  expiresAt: number;
}

export interface TypingSlice {
  /** By channel, then by user id. */
  typing: Record<string, Record<string, TypingEntry>>;
  typingStarted(channel: string, user: Author, expiresAt: number): void;
  /** Ends an indicator; with `ifExpiresAt`, only the entry of that start (a newer start keeps it alive). */
  typingStopped(channel: string, userId: string, ifExpiresAt?: number): void;
  typingCleared(): void;
}

export const createTypingSlice: SliceCreator<TypingSlice> = (set) => ({
  typing: {},
  typingStarted: (channel, user, expiresAt) =>
    set((s) => ({ typing: { ...s.typing, [channel]: { ...s.typing[channel], [user.id]: { user, expiresAt } } } })),
  typingStopped: (channel, userId, ifExpiresAt) =>
    set((s) => {
      const entry = s.typing[channel]?.[userId];
      if (!entry || (ifExpiresAt !== undefined && entry.expiresAt !== ifExpiresAt)) return {};
      const rest = { ...s.typing[channel] };
      delete rest[userId];
      return { typing: { ...s.typing, [channel]: rest } };
    }),
  typingCleared: () => set((s) => (Object.keys(s.typing).length === 0 ? {} : { typing: {} })),
});

/** "Ann is typing…", "Ann and Bob are typing…", "Several people are typing…", or "" when nobody is. */
export function describeTyping(names: readonly string[]): string {
  if (names.length === 0) return "";
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return "Several people are typing…";
}
