/**
 * The `@username` being typed at the caret, for the composer's autocomplete, and the text once a suggestion is
 * picked. The `@` counts where lib/shared/mentions.ts would read a mention: at the start or after a character that
 * cannot be part of a word or an address.
 */
import type { Member } from "../shared/dto";
import { CHANNEL_MENTION } from "../shared/mentions";

export interface MentionQuery {
  /** Index of the `@`. */
  start: number;
  /** What follows it up to the caret (possibly empty). */
  text: string;
}

const AT_CARET = /(?:^|[^\p{L}\p{N}_@.-])@([A-Za-z0-9_-]{0,32})$/u;

export function mentionQueryAt(value: string, caret: number): MentionQuery | null {
  const match = AT_CARET.exec(value.slice(0, caret));
  if (!match) return null;
  return { start: caret - match[1]!.length - 1, text: match[1]! };
}

export interface MentionSuggestion {
  username: string;
  /** What is shown beside it: the display name, or what `@channel` does. */
  label: string;
}

/** Members whose username (or display name) starts with the query, then `@channel` where it applies; at most `limit`. */
export function suggestMentions(
  members: readonly Member[],
  query: string,
  { myId, channelMention, limit = 8 }: { myId: string | null; channelMention: boolean; limit?: number },
): MentionSuggestion[] {
  const q = query.toLowerCase();
  const people = members
    .filter((m): m is Member & { username: string } => m.username !== null && m.id !== myId)
    .filter((m) => m.username.startsWith(q) || m.name.toLowerCase().startsWith(q))
    .sort((a, b) => a.username.localeCompare(b.username))
    .map((m) => ({ username: m.username, label: m.name }));
  const everyone = channelMention && CHANNEL_MENTION.startsWith(q) ? [{ username: CHANNEL_MENTION, label: "everyone in this channel" }] : [];
  return [...people, ...everyone].slice(0, limit);
}

/** The text with the query replaced by `@username ` and where the caret goes. */
export function applyMention(value: string, query: MentionQuery, username: string): { value: string; caret: number } {
  const end = query.start + 1 + query.text.length;
  const inserted = `@${username} `;
  const rest = value.slice(end).replace(/^ /, "");
  return { value: value.slice(0, query.start) + inserted + rest, caret: query.start + inserted.length };
}
