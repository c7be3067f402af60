/** channel:list, channel:create and profile:update. */
import { fail, ok, type Ack } from "../../shared/ack";
import type { Author, Channel } from "../../shared/dto";
import { parseChannelCreate, parseProfileUpdate } from "../../shared/schemas";
import type { MessageStore } from "../../storage/message-store";
import type { ChannelDirectory } from "./channel-directory";
import { PUBLIC_ROOM } from "../delivery/audience";
import type { TetherServer, TetherSocket } from "./types";

export function createChannelHandlers({ io, store, channels }: { io: TetherServer; store: MessageStore; channels: ChannelDirectory }) {
  async function listChannels(): Promise<Ack<{ channels: Channel[] }>> {
    return ok({ channels: await store.listChannels() });
  }

  async function createChannel(socket: TetherSocket, payload: unknown): Promise<Ack<{ channel: Channel }>> {
    const parsed = parseChannelCreate(payload);
    if (!parsed.ok) return { error: parsed.error };
    const { channel, created } = await store.createChannel(parsed.value.name, socket.data.user.id);
    if (!created) return fail("channel_exists", `A channel "${channel.name}" already exists.`);
    channels.remember(channel.name);
    // Every live connection, on every instance (a cluster-wide broadcast; channel:list after each catch-up covers
    // connections that were not live yet).
    io.to(PUBLIC_ROOM).emit("channel:created", channel);
    return ok({ channel });
  }

  async function updateProfile(socket: TetherSocket, payload: unknown): Promise<Ack<{ user: Author }>> {
    const parsed = parseProfileUpdate(payload);
    if (!parsed.ok) return { error: parsed.error };
    // Only the display name changes; the id stays the one the session cookie (or the guest connection) gave.
    socket.data.user = { id: socket.data.user.id, name: parsed.value.name };
    return ok({ user: socket.data.user });
  }

  return { listChannels, createChannel, updateProfile };
}
