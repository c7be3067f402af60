/**
 * read:mark and channel:mute: validate → check the channel is readable → store → acknowledge → push the new state
 * to every connection of the identity (read-states.ts). Both are idempotent by nature — a position only moves
 * forward (a repeated or stale mark changes nothing), a mute is set, not toggled — so neither needs a clientOffset.
 */
import { ok, type Ack } from "../../shared/ack";
import { parseChannelMute, parseReadMark } from "../../shared/schemas";
import type { MessageStore } from "../../storage/message-store";
import type { ChannelAccess } from "../realtime/channel-access";
import type { TetherSocket } from "../realtime/types";
import type { ReadStates } from "./read-states";

export function createReadHandlers({ store, access, readStates }: { store: MessageStore; access: ChannelAccess; readStates: ReadStates }) {
  async function markRead(socket: TetherSocket, payload: unknown): Promise<Ack<{ channel: string; readUpTo: number }>> {
    const parsed = parseReadMark(payload);
    if (!parsed.ok) return { error: parsed.error };
    const { channel, upTo } = parsed.value;
    const user = socket.data.user;
    const allowed = await access.check(user, channel);
    if (!allowed.ok) return { error: allowed.error };
    const stored = await store.markRead(user.id, channel, upTo);
    readStates.changed(user.id, channel);
    return ok({ channel, readUpTo: Math.max(stored.readUpTo, readStates.floorOf(user.id)) });
  }

  async function muteChannel(socket: TetherSocket, payload: unknown): Promise<Ack<{ channel: string; muted: boolean }>> {
    const parsed = parseChannelMute(payload);
    if (!parsed.ok) return { error: parsed.error };
    const { channel, muted } = parsed.value;
    const user = socket.data.user;
    const allowed = await access.check(user, channel);
    if (!allowed.ok) return { error: allowed.error };
    const stored = await store.setMuted(user.id, channel, muted);
    readStates.changed(user.id, channel);
    return ok({ channel, muted: stored.muted });
  }

  return { markRead, muteChannel };
}
