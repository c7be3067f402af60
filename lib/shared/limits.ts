/** Limits both sides agree on. The server may lower MAX_MESSAGE_LENGTH by env; it tells clients in `session:ready`. */
export const DEFAULT_MAX_MESSAGE_LENGTH = 4000;
export const HISTORY_DEFAULT_LIMIT = 50;
export const HISTORY_MAX_LIMIT = 500;
export const SEARCH_DEFAULT_LIMIT = 20;
export const SEARCH_MAX_LIMIT = 100;
export const MAX_SEARCH_QUERY_LENGTH = 200;
/** The largest `auth.replay.perChannel` a client may ask for. */
export const MAX_REPLAY_PER_CHANNEL = 10_000;
export const MAX_DISPLAY_NAME_LENGTH = 32;
export const MAX_CHANNEL_NAME_LENGTH = 32;
export const MAX_CLIENT_OFFSET_LENGTH = 128;
export const GENERAL_CHANNEL = "general";
/** Unread and mention counts stop here: a count at the cap means "at least this many" (and keeps counting cheap). */
export const MAX_UNREAD_COUNT = 100_000;
/** The most user ids one `presence:list` may ask about. */
export const MAX_PRESENCE_LIST = 500;
/** How often a client should repeat `typing:start` while someone keeps typing (it expires server-side after TYPING_EXPIRE_MS). */
export const TYPING_RESEND_MS = 2_000;
/** Distinct emoji a message can carry (`too_many_reactions` beyond). */
export const MAX_REACTIONS_PER_MESSAGE = 20;

/** Length as a person counts it: code points, so an emoji is one character, not two UTF-16 units. */
export function countCharacters(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}
