/**
 * A plain socket.io client for setting up scenarios fast (seeding a long history, creating channels) without
 * driving a browser. It talks the same wire contract as the web client.
 */
import { io, type Socket } from "socket.io-client";
import type { Ack } from "../../lib/shared/ack";
import type { ClientToServerEvents, ServerToClientEvents } from "../../lib/shared/events";

type ScriptSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

function unwrap<T>(ack: Ack<T>): T {
  if ("error" in ack) throw new Error(`${ack.error.code}: ${ack.error.message}`);
  return ack.data;
}

export async function withScriptClient<T>(url: string, name: string, work: (socket: ScriptSocket) => Promise<T>): Promise<T> {
  const socket: ScriptSocket = io(url, { transports: ["websocket"], auth: { name }, reconnection: false });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once("session:ready", () => resolve());
      socket.once("connect_error", reject);
    });
    return await work(socket);
  } finally {
    socket.close();
  }
}

export async function createChannel(socket: ScriptSocket, name: string): Promise<void> {
  unwrap(await socket.timeout(10_000).emitWithAck("channel:create", { name }));
}

/** Sends the messages one after another (each acknowledged before the next), so they are stored in this order. */
export async function sendAll(socket: ScriptSocket, channel: string, contents: string[], offsetPrefix: string): Promise<number[]> {
  const ids: number[] = [];
  for (const [i, content] of contents.entries()) {
    const ack: Ack<{ id: number }> = await socket
      .timeout(10_000)
      .emitWithAck("message:send", { channel, content, clientOffset: `${offsetPrefix}-${i}` });
    ids.push(unwrap(ack).id);
  }
  return ids;
}

/** A script that connects with a personal access token, as a bot would: `io(url, { auth: { token } })`. */
export function connectWithToken(url: string, token: string): ScriptSocket {
  return io(url, { transports: ["websocket"], auth: { token }, reconnection: false });
}
