/**
 * The persisted client state of the current version, and how a stored value is read: part by part, so that a bad
 * part costs only itself. The outbox matters most — it holds messages nobody else has — so each entry is judged
 * alone, and only on what sending it needs; a field that can be derived again (status, server id, error text)
 * falls back instead of costing the message. Everything else is a cache of what the server has, and falls back
 * to "not cached" (offset 0 is a fresh client, which catches up from the server's latest message).
 */
import { z } from "zod";
import type { ChatMessage, Member } from "../../shared/dto";
import { ERROR_CODES } from "../../shared/errors";
import { GENERAL_CHANNEL } from "../../shared/limits";
import type { OutboxEntry } from "../outbox";
import { GENERAL_INFO, type ChannelInfo } from "./channels-slice";
import type { TetherState } from "./types";

/** Messages kept per channel across reloads: the newest page, enough to show the channel at once. */
export const CACHED_MESSAGES_PER_CHANNEL = 50;

export interface PersistedState {
  displayName: string;
  displayNameSetAt: number;
  me: TetherState["me"];
  activeChannel: string;
  /** The channels this client may read (version 3; version 2 kept their names only, as `channelNames`). */
  channelList: ChannelInfo[];
  serverOffset: number;
  cache: Record<string, ChatMessage[]>;
  /** Pending and failed entries only: an acknowledged one is in `settled` and its message comes by catch-up. */
  outbox: OutboxEntry[];
  settled: string[];
}

const authorSchema = z.object({ id: z.string(), name: z.string() });

const memberSchema = z.object({
  id: z.string(),
  username: z.string().nullable(),
  name: z.string(),
  role: z.enum(["owner", "member"]).optional().catch(undefined),
}) satisfies z.ZodType<Member>;

const channelInfoSchema = z.object({
  name: z.string().min(1),
  visibility: z.enum(["public", "private", "dm"]),
  members: z.array(memberSchema).optional().catch(undefined),
}) satisfies z.ZodType<ChannelInfo>;

const reactionSchema = z.object({ emoji: z.string(), count: z.number().int().nonnegative(), userIds: z.array(z.string()) });

// Messages cached before messages could change (issue 15) lack the fields of a change: never changed, so their
// version is their id.
const chatMessageSchema = z
  .object({
    id: z.number().int().positive(),
    channel: z.string(),
    content: z.string(),
    clientOffset: z.string(),
    author: authorSchema,
    createdAt: z.string(),
    version: z.number().int().positive().optional().catch(undefined),
    editedAt: z.string().nullable().catch(null),
    deletedAt: z.string().nullable().catch(null),
    reactions: z.array(reactionSchema).catch([]),
    replyTo: z.number().int().positive().nullable().catch(null),
  })
  .transform((message) => ({ ...message, version: message.version ?? message.id })) satisfies z.ZodType<ChatMessage>;

const sendEntrySchema = z.object({
  kind: z.literal("send"),
  clientOffset: z.string().min(1),
  channel: z.string().min(1),
  content: z.string(),
  createdAt: z.number(),
  seq: z.number(),
  // Pending is always safe: the server stores a clientOffset once and acknowledges a repeat as a duplicate.
  status: z.enum(["pending", "sent", "failed"]).catch("pending"),
  id: z.number().int().positive().optional().catch(undefined),
  error: z
    .object({ code: z.enum(ERROR_CODES), message: z.string() })
    .optional()
    .catch(undefined),
});

const changeFields = {
  clientOffset: z.string().min(1),
  channel: z.string().min(1),
  createdAt: z.number(),
  seq: z.number(),
  // A change is removed once acknowledged: a stored one is pending (or refused).
  status: z.enum(["pending", "failed"]).catch("pending"),
  error: z
    .object({ code: z.enum(ERROR_CODES), message: z.string() })
    .optional()
    .catch(undefined),
  messageId: z.number().int().positive().optional().catch(undefined),
  target: z.string().min(1),
};

/** One outbox entry of any kind; later kinds join this union. */
export const outboxEntrySchema = z.discriminatedUnion("kind", [
  sendEntrySchema.extend({ replyTo: z.number().int().positive().optional().catch(undefined) }),
  z.object({ kind: z.literal("edit"), content: z.string(), ...changeFields }),
  z.object({ kind: z.literal("delete"), ...changeFields }),
  z.object({ kind: z.enum(["react", "unreact"]), emoji: z.string().min(1), ...changeFields }),
]) satisfies z.ZodType<OutboxEntry>;

/** The state of a client that has stored nothing. */
export function emptyPersistedState(): PersistedState {
  return {
    displayName: "",
    displayNameSetAt: 0,
    me: null,
    activeChannel: GENERAL_CHANNEL,
    channelList: [GENERAL_INFO],
    serverOffset: 0,
    cache: {},
    outbox: [],
    settled: [],
  };
}

function dropped(what: string, value: unknown, error?: z.ZodError): void {
  console.warn(`Tether: ignored an unreadable ${what} in the stored state`, value, ...(error ? [z.prettifyError(error)] : []));
}

export const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** A scalar part: its value when it reads, else the fallback (silently when absent, with a warning when wrong). */
function part<T>(state: Record<string, unknown>, key: keyof PersistedState, schema: z.ZodType<T>, fallback: T): T {
  if (state[key] === undefined) return fallback;
  const parsed = schema.safeParse(state[key]);
  if (parsed.success) return parsed.data;
  dropped(key, state[key], parsed.error);
  return fallback;
}

function readOutbox(value: unknown): OutboxEntry[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    dropped("outbox", value);
    return [];
  }
  const outbox: OutboxEntry[] = [];
  for (const raw of value) {
    const entry = outboxEntrySchema.safeParse(raw);
    if (entry.success) outbox.push(entry.data);
    else dropped("outbox entry", raw, entry.error);
  }
  return outbox;
}

/** Each channel alone: a bad one is simply not listed until the server lists it again. `general` is always there. */
function readChannelList(value: unknown): ChannelInfo[] {
  const list: ChannelInfo[] = [];
  if (Array.isArray(value)) {
    for (const raw of value) {
      const channel = channelInfoSchema.safeParse(raw);
      if (channel.success) list.push(channel.data);
      else dropped("channel", raw, channel.error);
    }
  } else if (value !== undefined) {
    dropped("channel list", value);
  }
  return list.some((channel) => channel.name === GENERAL_CHANNEL) ? list : [GENERAL_INFO, ...list];
}

function readCache(value: unknown): Record<string, ChatMessage[]> {
  if (value === undefined) return {};
  if (!isRecord(value)) {
    dropped("message cache", value);
    return {};
  }
  const cache: Record<string, ChatMessage[]> = {};
  for (const [channel, raw] of Object.entries(value)) {
    // A channel's cache is a contiguous run of its newest messages: a hole would hide messages for good, so a
    // channel with one bad message is dropped whole and reloads from the server.
    const messages = z.array(chatMessageSchema.refine((m) => m.channel === channel, "message of another channel")).safeParse(raw);
    if (messages.success) cache[channel] = messages.data;
    else dropped(`cache of channel ${channel}`, raw, messages.error);
  }
  return cache;
}

/** Reads a stored state of the current version, keeping every part that reads and falling back for the rest. */
export function parsePersistedState(value: unknown): PersistedState {
  const empty = emptyPersistedState();
  if (!isRecord(value)) {
    if (value !== undefined && value !== null) dropped("state", value);
    return empty;
  }
  const serverOffset = part(value, "serverOffset", z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER), -1);
  return {
    displayName: part(value, "displayName", z.string(), empty.displayName),
    displayNameSetAt: part(value, "displayNameSetAt", z.number().nonnegative(), empty.displayNameSetAt),
    me: part(value, "me", authorSchema.nullable(), empty.me),
    activeChannel: part(value, "activeChannel", z.string().min(1), empty.activeChannel),
    channelList: readChannelList(value.channelList),
    // Offset and cache go together: cached messages without the offset they reach would leave a gap between
    // them and what a fresh client (offset 0) receives, so a missing or unreadable offset drops the cache too.
    serverOffset: Math.max(serverOffset, 0),
    cache: serverOffset >= 0 ? readCache(value.cache) : {},
    outbox: readOutbox(value.outbox),
    settled: part(value, "settled", z.array(z.string()), empty.settled),
  };
}
