/**
 * Mentions, decided from a message's content alone, the same way on the server (which stores them at send time,
 * db table `message_mentions`) and in a client (which counts the messages it receives after a `read:state`): a
 * message mentions a reader when it is in a DM (every DM message does), when it says `@channel`, or when it says
 * `@username` with the reader's username. Nobody is mentioned by their own message.
 */
import type { ChannelVisibility } from "./dto";

/** `@channel`: everyone who reads the channel. */
export const CHANNEL_MENTION = "channel";
/** At most this many distinct `@username`s of one message are stored as mentions. */
export const MAX_MENTIONS_PER_MESSAGE = 50;

// `@` at the start or after a character that cannot be part of a word or an address (so `a@b.com` is no mention),
// followed by a username (3-32 of a-z 0-9 _ -, any case) that does not go on.
const MENTION = /(?:^|[^\p{L}\p{N}_@.-])@([A-Za-z0-9_-]{3,32})(?![A-Za-z0-9_-])/gu;

export interface ParsedMentions {
  /** Lower-cased, distinct, in order of appearance; at most MAX_MENTIONS_PER_MESSAGE. `channel` is not one. */
  usernames: string[];
  /** The content says `@channel`. */
  channel: boolean;
}

export interface FoundMention {
  /** Where the `@` is. */
  index: number;
  /** As written, e.g. `@Ann`. */
  text: string;
  /** Lower-cased, without the `@` (`channel` for `@channel`). */
  username: string;
}

/** Every mention in `content`, in order, by the one rule the server and every client read mentions with. */
export function* findMentions(content: string): Generator<FoundMention> {
  for (const match of content.matchAll(MENTION)) {
    const text = `@${match[1]!}`;
    yield { index: match.index + match[0].length - text.length, text, username: match[1]!.toLowerCase() };
  }
}

export function parseMentions(content: string): ParsedMentions {
  const usernames: string[] = [];
  let channel = false;
  for (const { username: name } of findMentions(content)) {
    if (name === CHANNEL_MENTION) channel = true;
    else if (!usernames.includes(name) && usernames.length < MAX_MENTIONS_PER_MESSAGE) usernames.push(name);
  }
  return { usernames, channel };
}

export interface MentionReader {
  id: string;
  /** null for a guest: only DMs (which guests never read) and `@channel` mention them. */
  username: string | null;
}

/** Whether `message`, in a channel of `visibility`, mentions `reader`. */
export function mentionsReader(
  message: { content: string; author: { id: string } },
  visibility: ChannelVisibility | undefined,
  reader: MentionReader,
): boolean {
  if (message.author.id === reader.id) return false;
  if (visibility === "dm") return true;
  const parsed = parseMentions(message.content);
  return parsed.channel || (reader.username !== null && parsed.usernames.includes(reader.username));
}
