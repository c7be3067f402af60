/**
 * Runtime validation of every client payload. Each parser returns a value or a stable error, so handlers can
 * answer bad input with a precise code instead of throwing.
 */
import { z } from "zod";
import type { AckError } from "./errors";
import type {
  ChannelCreatePayload,
  ChannelPayload,
  ChannelMutePayload,
  ChannelUserPayload,
  DmOpenPayload,
  PresenceListPayload,
  PresenceSetPayload,
  ReadMarkPayload,
  MessageDeletePayload,
  MessageEditPayload,
  ProfileUpdatePayload,
  ReactionPayload,
  ReplayRequest,
  SendMessagePayload,
} from "./events";
import { USERNAME_PATTERN } from "./identity";
import {
  countCharacters,
  HISTORY_DEFAULT_LIMIT,
  HISTORY_MAX_LIMIT,
  MAX_CHANNEL_NAME_LENGTH,
  MAX_CLIENT_OFFSET_LENGTH,
  MAX_DISPLAY_NAME_LENGTH,
  MAX_PRESENCE_LIST,
  MAX_REPLAY_PER_CHANNEL,
  MAX_SEARCH_QUERY_LENGTH,
  SEARCH_DEFAULT_LIMIT,
  SEARCH_MAX_LIMIT,
} from "./limits";

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: AckError };

const invalid = (code: AckError["code"], message: string): { ok: false; error: AckError } => ({
  ok: false,
  error: { code, message },
});

export const CHANNEL_NAME_PATTERN = new RegExp(`^[a-z0-9][a-z0-9_-]{0,${MAX_CHANNEL_NAME_LENGTH - 1}}$`);
/** A DM's name: made by the server, in a form no channel name a person chooses can take (the colon). */
export const DM_NAME_PATTERN = /^dm:[0-9a-f]{24}$/;
/** Any channel a payload may name: a chosen name or a DM's. */
export function isChannelRef(value: string): boolean {
  return CHANNEL_NAME_PATTERN.test(value) || DM_NAME_PATTERN.test(value);
}
export const CLIENT_OFFSET_PATTERN = new RegExp(`^[A-Za-z0-9._:-]{1,${MAX_CLIENT_OFFSET_LENGTH}}$`);
// A lone surrogate cannot be stored as UTF-8 without being silently replaced, so it is rejected instead.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001F\u007F]/;

// Ids are safe integers (zod's int() refuses anything beyond 2^53 - 1), so every store can compare them exactly.
const messageId = z.number().int().positive();

const sendMessageShape = z.object({
  channel: z.string(),
  content: z.string(),
  clientOffset: z.unknown().optional(),
  replyTo: messageId.optional(),
});

function checkClientOffset(clientOffset: unknown): { ok: false; error: AckError } | null {
  if (typeof clientOffset !== "string" || !CLIENT_OFFSET_PATTERN.test(clientOffset)) {
    return invalid("invalid_client_offset", `clientOffset must be 1-${MAX_CLIENT_OFFSET_LENGTH} characters of [A-Za-z0-9._:-].`);
  }
  return null;
}

/** A message's text, as message:send and message:edit accept it. */
function checkContent(content: string, maxMessageLength: number): { ok: false; error: AckError } | null {
  if (content.trim().length === 0) return invalid("content_empty", "A message cannot be empty.");
  // Cheap bound first, so a megabyte string is not walked code point by code point.
  if (content.length > maxMessageLength * 2 || countCharacters(content) > maxMessageLength) {
    return invalid("content_too_long", `A message can be at most ${maxMessageLength} characters.`);
  }
  if (LONE_SURROGATE.test(content)) return invalid("invalid_content", "The message contains invalid characters.");
  return null;
}

export function parseSendMessage(payload: unknown, maxMessageLength: number): Parsed<SendMessagePayload> {
  const shape = sendMessageShape.safeParse(payload);
  if (!shape.success)
    return invalid("invalid_payload", "Expected { channel: string, content: string, clientOffset: string, replyTo?: a message id }.");
  const { channel, content, clientOffset, replyTo } = shape.data;
  const badOffset = checkClientOffset(clientOffset);
  if (badOffset) return badOffset;
  if (!isChannelRef(channel)) return invalid("unknown_channel", "No such channel.");
  const badContent = checkContent(content, maxMessageLength);
  if (badContent) return badContent;
  return { ok: true, value: { channel, content, clientOffset: clientOffset as string, ...(replyTo !== undefined && { replyTo }) } };
}

const editShape = z.object({ id: messageId, content: z.string(), clientOffset: z.unknown().optional() });

export function parseMessageEdit(payload: unknown, maxMessageLength: number): Parsed<MessageEditPayload> {
  const shape = editShape.safeParse(payload);
  if (!shape.success) return invalid("invalid_payload", "Expected { id: a message id, content: string, clientOffset: string }.");
  const { id, content, clientOffset } = shape.data;
  const badOffset = checkClientOffset(clientOffset);
  if (badOffset) return badOffset;
  const badContent = checkContent(content, maxMessageLength);
  if (badContent) return badContent;
  return { ok: true, value: { id, content, clientOffset: clientOffset as string } };
}

const deleteShape = z.object({ id: messageId, clientOffset: z.unknown().optional() });

export function parseMessageDelete(payload: unknown): Parsed<MessageDeletePayload> {
  const shape = deleteShape.safeParse(payload);
  if (!shape.success) return invalid("invalid_payload", "Expected { id: a message id, clientOffset: string }.");
  const badOffset = checkClientOffset(shape.data.clientOffset);
  if (badOffset) return badOffset;
  return { ok: true, value: { id: shape.data.id, clientOffset: shape.data.clientOffset as string } };
}

/** Longer than any emoji sequence in use (a family with skin tones is about 35 UTF-16 units). */
const MAX_EMOJI_LENGTH = 64;
/**
 * One emoji sequence: a flag (two regional indicators), a keycap, or pictographs with their presentation selectors,
 * skin-tone modifiers and tags, joined by ZWJ. Together with "one grapheme cluster" this refuses text, two emoji,
 * and stray combining marks.
 */
const EMOJI_SEQUENCE =
  /^(?:\p{Regional_Indicator}{2}|[0-9#*]\uFE0F?\u20E3|\p{Extended_Pictographic}[\uFE0F\p{Emoji_Modifier}\u{E0020}-\u{E007F}]*(?:\u200D\p{Extended_Pictographic}[\uFE0F\p{Emoji_Modifier}]*)*)$/u;
const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/**
 * Emoji found valid so far, up to a bound: a chat uses a few dozen, and segmenting each one again (ICU's grapheme
 * iterator) took most of a reaction:add's validation time in the mixed bench's profile.
 */
const validEmoji = new Set<string>();
const MAX_REMEMBERED_EMOJI = 512;

/** Whether `value` is a single emoji: one grapheme cluster, made of emoji characters only. */
export function isSingleEmoji(value: string): boolean {
  if (validEmoji.has(value)) return true;
  if (value.length === 0 || value.length > MAX_EMOJI_LENGTH || !EMOJI_SEQUENCE.test(value)) return false;
  let clusters = 0;
  for (const _ of graphemes.segment(value)) if (++clusters > 1) return false;
  if (validEmoji.size < MAX_REMEMBERED_EMOJI) validEmoji.add(value);
  return true;
}

const reactionShape = z.object({ id: messageId, emoji: z.string(), clientOffset: z.unknown().optional() });

export function parseReaction(payload: unknown): Parsed<ReactionPayload> {
  const shape = reactionShape.safeParse(payload);
  if (!shape.success) return invalid("invalid_payload", "Expected { id: a message id, emoji: string, clientOffset: string }.");
  const { id, emoji, clientOffset } = shape.data;
  const badOffset = checkClientOffset(clientOffset);
  if (badOffset) return badOffset;
  if (!isSingleEmoji(emoji)) return invalid("invalid_payload", "emoji must be a single emoji.");
  return { ok: true, value: { id, emoji, clientOffset: clientOffset as string } };
}

const historyShape = z.object({
  channel: z.string(),
  before: messageId.optional(),
  after: z.number().int().nonnegative().optional(),
  around: messageId.optional(),
  limit: z.number().int().optional(),
});

/** Where a history page sits: below an id (the newest page without one), above an id, or centred on one. */
export type HistoryPosition = { before?: number } | { after: number } | { around: number };

export interface HistoryQuery {
  channel: string;
  position: HistoryPosition;
  limit: number;
}

/** Out-of-range limits are clamped rather than refused: a client asking for too much still gets a page. */
const clamp = (value: number | undefined, fallback: number, max: number) => Math.min(max, Math.max(1, value ?? fallback));

export function parseHistoryFetch(payload: unknown): Parsed<HistoryQuery> {
  const shape = historyShape.safeParse(payload);
  const expected = "Expected { channel: string, before?, after? or around?: a message id (at most one), limit?: integer }.";
  if (!shape.success) return invalid("invalid_payload", expected);
  const { channel, before, after, around } = shape.data;
  if ([before, after, around].filter((id) => id !== undefined).length > 1) return invalid("invalid_payload", expected);
  if (!isChannelRef(channel)) return invalid("unknown_channel", "No such channel.");
  const limit = clamp(shape.data.limit, HISTORY_DEFAULT_LIMIT, HISTORY_MAX_LIMIT);
  const position: HistoryPosition = after !== undefined ? { after } : around !== undefined ? { around } : before !== undefined ? { before } : {};
  return { ok: true, value: { channel, position, limit } };
}

const MAX_AUTHOR_ID_LENGTH = 128;

const searchShape = z.object({
  query: z.string(),
  channel: z.string().optional(),
  author: z.string().min(1).max(MAX_AUTHOR_ID_LENGTH).optional(),
  before: messageId.optional(),
  limit: z.number().int().optional(),
});

export interface SearchQuery {
  /** Trimmed, 1–200 characters. */
  query: string;
  channel?: string;
  author?: string;
  before?: number;
  limit: number;
}

export function parseSearchMessages(payload: unknown): Parsed<SearchQuery> {
  const shape = searchShape.safeParse(payload);
  if (!shape.success) {
    return invalid("invalid_payload", "Expected { query: string, channel?: string, author?: string, before?: a message id, limit?: integer }.");
  }
  const { channel, author, before } = shape.data;
  const query = shape.data.query.trim();
  if (query.length === 0 || query.length > MAX_SEARCH_QUERY_LENGTH * 2 || countCharacters(query) > MAX_SEARCH_QUERY_LENGTH) {
    return invalid("invalid_payload", `A search query is 1-${MAX_SEARCH_QUERY_LENGTH} characters.`);
  }
  if (LONE_SURROGATE.test(query)) return invalid("invalid_payload", "The search query contains invalid characters.");
  if (channel !== undefined && !isChannelRef(channel)) return invalid("unknown_channel", "No such channel.");
  const limit = clamp(shape.data.limit, SEARCH_DEFAULT_LIMIT, SEARCH_MAX_LIMIT);
  return {
    ok: true,
    value: {
      query,
      limit,
      ...(channel !== undefined && { channel }),
      ...(author !== undefined && { author }),
      ...(before !== undefined && { before }),
    },
  };
}

export function parseChannelCreate(payload: unknown): Parsed<Required<ChannelCreatePayload>> {
  const shape = z.object({ name: z.string(), visibility: z.enum(["public", "private"]).optional() }).safeParse(payload);
  if (!shape.success) return invalid("invalid_payload", 'Expected { name: string, visibility?: "public" | "private" }.');
  const name = shape.data.name.trim().toLowerCase();
  if (!CHANNEL_NAME_PATTERN.test(name)) {
    return invalid(
      "invalid_channel_name",
      `A channel name is 1-${MAX_CHANNEL_NAME_LENGTH} characters: lowercase letters, digits, - and _, starting with a letter or digit.`,
    );
  }
  return { ok: true, value: { name, visibility: shape.data.visibility ?? "public" } };
}

/** `{ channel }`: an existing channel is looked up by the handler; a malformed name is simply unknown. */
export function parseChannelRef(payload: unknown): Parsed<ChannelPayload> {
  const shape = z.object({ channel: z.string() }).safeParse(payload);
  if (!shape.success) return invalid("invalid_payload", "Expected { channel: string }.");
  if (!isChannelRef(shape.data.channel)) return invalid("unknown_channel", "No such channel.");
  return { ok: true, value: { channel: shape.data.channel } };
}

/** A username as people type it: trimmed, any case (usernames are unique ignoring case, stored lowercase). */
function normalizeUsername(value: string): string | null {
  const username = value.trim().replace(/^@/, "").toLowerCase();
  return USERNAME_PATTERN.test(username) ? username : null;
}

export function parseChannelUser(payload: unknown): Parsed<ChannelUserPayload> {
  const shape = z.object({ channel: z.string(), username: z.string() }).safeParse(payload);
  if (!shape.success) return invalid("invalid_payload", "Expected { channel: string, username: string }.");
  if (!isChannelRef(shape.data.channel)) return invalid("unknown_channel", "No such channel.");
  const username = normalizeUsername(shape.data.username);
  if (username === null) return invalid("unknown_user", "No account has this username.");
  return { ok: true, value: { channel: shape.data.channel, username } };
}

/** The other participants of a DM: 1-7 distinct usernames (a DM has at most 8 participants, the caller included). */
export const MAX_DM_PARTICIPANTS = 8;

export function parseDmOpen(payload: unknown): Parsed<DmOpenPayload> {
  const shape = z.object({ usernames: z.array(z.string()).min(1).max(MAX_DM_PARTICIPANTS) }).safeParse(payload);
  if (!shape.success) return invalid("invalid_payload", `Expected { usernames: string[] } with 1-${MAX_DM_PARTICIPANTS - 1} usernames.`);
  const usernames: string[] = [];
  for (const value of shape.data.usernames) {
    const username = normalizeUsername(value);
    if (username === null) return invalid("unknown_user", `No account has the username "${value.slice(0, 40)}".`);
    if (!usernames.includes(username)) usernames.push(username);
  }
  return { ok: true, value: { usernames } };
}

/** A display name: trimmed, 1-32 characters, no control characters. */
export function normalizeDisplayName(name: unknown): string | null {
  if (typeof name !== "string") return null;
  const trimmed = name.trim().replace(/\s+/g, " ");
  if (trimmed.length === 0 || countCharacters(trimmed) > MAX_DISPLAY_NAME_LENGTH) return null;
  if (CONTROL_CHARACTERS.test(trimmed) || LONE_SURROGATE.test(trimmed)) return null;
  return trimmed;
}

export function parseProfileUpdate(payload: unknown): Parsed<ProfileUpdatePayload> {
  const shape = z.object({ name: z.unknown() }).safeParse(payload);
  const name = shape.success ? normalizeDisplayName(shape.data.name) : null;
  if (name === null) return invalid("invalid_name", `A display name is 1-${MAX_DISPLAY_NAME_LENGTH} characters.`);
  return { ok: true, value: { name } };
}

/** `serverOffset` from the handshake: absent means 0 (a fresh client). */
export function parseServerOffset(value: unknown): number | null {
  if (value === undefined || value === null) return 0;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) return null;
  return value;
}

const replayShape = z.object({ perChannel: z.number().int().min(1).max(MAX_REPLAY_PER_CHANNEL) });

/** `replay` from the handshake: null when absent (a full catch-up), an error when malformed. */
export function parseReplayRequest(value: unknown): Parsed<ReplayRequest | null> {
  if (value === undefined || value === null) return { ok: true, value: null };
  const shape = replayShape.safeParse(value);
  if (!shape.success) return invalid("invalid_payload", `auth.replay must be { perChannel: an integer 1-${MAX_REPLAY_PER_CHANNEL} }.`);
  return { ok: true, value: { perChannel: shape.data.perChannel } };
}

export function parseReadMark(payload: unknown): Parsed<ReadMarkPayload> {
  const shape = z.object({ channel: z.string(), upTo: z.number().int().nonnegative() }).safeParse(payload);
  if (!shape.success) return invalid("invalid_payload", "Expected { channel: string, upTo: an integer >= 0 }.");
  if (!isChannelRef(shape.data.channel)) return invalid("unknown_channel", "No such channel.");
  return { ok: true, value: { channel: shape.data.channel, upTo: shape.data.upTo } };
}

export function parseChannelMute(payload: unknown): Parsed<ChannelMutePayload> {
  const shape = z.object({ channel: z.string(), muted: z.boolean() }).safeParse(payload);
  if (!shape.success) return invalid("invalid_payload", "Expected { channel: string, muted: boolean }.");
  if (!isChannelRef(shape.data.channel)) return invalid("unknown_channel", "No such channel.");
  return { ok: true, value: { channel: shape.data.channel, muted: shape.data.muted } };
}

export function parsePresenceSet(payload: unknown): Parsed<PresenceSetPayload> {
  const shape = z.object({ state: z.enum(["active", "away"]) }).safeParse(payload);
  if (!shape.success) return invalid("invalid_payload", 'Expected { state: "active" | "away" }.');
  return { ok: true, value: { state: shape.data.state } };
}

const MAX_USER_ID_LENGTH = 128;

export function parsePresenceList(payload: unknown): Parsed<PresenceListPayload> {
  const shape = z.object({ userIds: z.array(z.string().min(1).max(MAX_USER_ID_LENGTH)).min(1).max(MAX_PRESENCE_LIST) }).safeParse(payload);
  if (!shape.success) return invalid("invalid_payload", `Expected { userIds: string[] } with 1-${MAX_PRESENCE_LIST} ids.`);
  return { ok: true, value: { userIds: [...new Set(shape.data.userIds)] } };
}
