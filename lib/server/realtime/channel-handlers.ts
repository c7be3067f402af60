/** channel:list and channel:create. */
import { fail, ok, type Ack } from "../../shared/ack";
import type { Channel } from "../../shared/dto";
import { parseChannelCreate } from "../../shared/schemas";
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

  return { listChannels, createChannel };
}
