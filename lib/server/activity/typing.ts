/**
 * Typing indicators: `typing:start` / `typing:stop` from a client become `typing { channel, user, typing }` for the
 * other live connections that may read the channel — the channel's audience room (delivery/audience.ts) minus the
 * typist's own connections — on every instance (the adapter carries the broadcast). Nothing is stored or replayed:
 * a connection that goes live later learns of a typist from their next start (clients resend every 2 s).
 *
 * An indicator ends with `typing: false` when its typist stops, sends a message in the channel, disconnects, or
 * sends no start for TYPING_EXPIRE_MS (the timer lives on the typist's instance; if that instance dies, clients
 * end the indicator themselves after `session:ready.limits.typingExpireMs`).
 */
import { ok, type Ack } from "../../shared/ack";
import type { Author } from "../../shared/dto";
import { TYPING_RESEND_MS } from "../../shared/limits";
import { parseChannelRef } from "../../shared/schemas";
import { channelRoom, PUBLIC_ROOM, userRoom } from "../delivery/audience";
import type { ChannelAccess } from "../realtime/channel-access";
import type { TetherServer, TetherSocket } from "../realtime/types";

interface Typist {
  user: Author;
  channel: string;
  room: string;
  /** The connection whose start is the latest: its disconnect ends the indicator. */
  socketId: string;
  timer: NodeJS.Timeout;
  announcedAt: number;
}

// A typist's repeated starts refresh the timer; the others hear again at most this often.
const REANNOUNCE_MS = TYPING_RESEND_MS / 2;

export function createTyping({ io, access, expireMs }: { io: TetherServer; access: ChannelAccess; expireMs: number }) {
  const typists = new Map<string, Typist>();
  const keyOf = (userId: string, channel: string) => `${userId}\n${channel}`;

  function announce(typist: Typist, typing: boolean): void {
    io.to(typist.room).except(userRoom(typist.user.id)).emit("typing", { channel: typist.channel, user: typist.user, typing });
  }

  function end(key: string): void {
    const typist = typists.get(key);
    if (!typist) return;
    clearTimeout(typist.timer);
    typists.delete(key);
    announce(typist, false);
  }

  async function start(socket: TetherSocket, payload: unknown): Promise<Ack<{ channel: string }>> {
    const parsed = parseChannelRef(payload);
    if (!parsed.ok) return { error: parsed.error };
    const user = socket.data.user;
    // A start repeated within a second only keeps the indicator alive: no access check, no broadcast — so a client
    // that sends starts on every keystroke costs next to nothing.
    const repeated = typists.get(keyOf(user.id, parsed.value.channel));
    if (repeated && Date.now() - repeated.announcedAt < REANNOUNCE_MS) {
      clearTimeout(repeated.timer);
      repeated.timer = setTimeout(() => end(keyOf(user.id, repeated.channel)), expireMs);
      repeated.socketId = socket.id;
      return ok({ channel: repeated.channel });
    }
    const allowed = await access.check(user, parsed.value.channel);
    if (!allowed.ok) return { error: allowed.error };
    const { name: channel, visibility } = allowed.channel;
    const key = keyOf(user.id, channel);
    const now = Date.now();
    const existing = typists.get(key);
    if (existing) clearTimeout(existing.timer);
    const typist: Typist = {
      user: { id: user.id, name: user.name },
      channel,
      room: visibility === "public" ? PUBLIC_ROOM : channelRoom(channel),
      socketId: socket.id,
      timer: setTimeout(() => end(key), expireMs),
      announcedAt: now,
    };
    typists.set(key, typist);
    announce(typist, true);
    return ok({ channel });
  }

  async function stop(socket: TetherSocket, payload: unknown): Promise<Ack<{ channel: string }>> {
    const parsed = parseChannelRef(payload);
    if (!parsed.ok) return { error: parsed.error };
    end(keyOf(socket.data.user.id, parsed.value.channel));
    return ok({ channel: parsed.value.channel });
  }

  return {
    start,
    stop,
    /** The typist's message was stored: their indicator in that channel ends at once. */
    sent(socket: TetherSocket, channel: string): void {
      end(keyOf(socket.data.user.id, channel));
    },
    disconnected(socket: TetherSocket): void {
      for (const [key, typist] of typists) if (typist.socketId === socket.id) end(key);
    },
    close(): void {
      for (const typist of typists.values()) clearTimeout(typist.timer);
      typists.clear();
    },
  };
}
