/**
 * Bench clients: real socket.io-client connections over the WebSocket transport, speaking the typed contract.
 * No reconnection: a dropped connection during a measurement is a failure to report, not to paper over.
 */
import { io, type Socket } from "socket.io-client";
import type { Ack } from "../../lib/shared/ack";
import type { ChatMessage, MessageUpdate, SendMessageResult, SessionReady } from "../../lib/shared/dto";
import type { ClientToServerEvents, ServerToClientEvents } from "../../lib/shared/events";
import { GENERAL_CHANNEL } from "../../lib/shared/limits";

export type BenchSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface ConnectOptions {
  serverOffset?: number;
  /** Called for every message, live or replayed, in arrival order. */
  onMessage?: (message: ChatMessage) => void;
  /** Called for every `message:update`, live or replayed, in arrival order. */
  onUpdate?: (update: MessageUpdate) => void;
  timeoutMs?: number;
  /** An account's session cookie (`name=value`); without one the client is a guest. */
  cookie?: string;
}

/** Resolves once the server has sent `session:ready` (any catch-up is then fully delivered). */
export function connectClient(url: string, options: ConnectOptions = {}): Promise<{ socket: BenchSocket; ready: SessionReady }> {
  const socket: BenchSocket = io(url, {
    transports: ["websocket"],
    forceNew: true,
    reconnection: false,
    timeout: options.timeoutMs ?? 20_000,
    auth: options.serverOffset ? { serverOffset: options.serverOffset } : {},
    extraHeaders: options.cookie ? { cookie: options.cookie } : undefined,
  });
  const { onMessage, onUpdate } = options;
  if (onUpdate) socket.on("message:update", onUpdate);
  if (onMessage) {
    socket.on("message:new", onMessage);
    socket.on("message:batch", (batch) => {
      for (const message of batch) onMessage(message);
    });
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error("no session:ready in time")), options.timeoutMs ?? 20_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      socket.close();
      reject(error);
    };
    socket.once("connect_error", fail);
    socket.once("session:ready", (ready) => {
      clearTimeout(timer);
      socket.off("connect_error", fail);
      resolve({ socket, ready });
    });
  });
}

export async function connectMany(url: string, count: number, options: (index: number) => ConnectOptions = () => ({})): Promise<BenchSocket[]> {
  const results = await Promise.all(Array.from({ length: count }, (_, i) => connectClient(url, options(i))));
  return results.map((r) => r.socket);
}

export function closeAll(sockets: readonly BenchSocket[]): void {
  for (const socket of sockets) socket.close();
}

const CONTENT = "The quick brown fox jumps over the lazy dog while the chat keeps every word.";

/** Sends one message; resolves with the stored id, rejects on an error ack, a duplicate or a timeout. */
export function sendMessage(socket: BenchSocket, clientOffset: string, timeoutMs = 30_000, channel = GENERAL_CHANNEL): Promise<number> {
  return new Promise((resolve, reject) => {
    socket.timeout(timeoutMs).emit("message:send", { channel, content: CONTENT, clientOffset }, (err: Error | null, ack: Ack<SendMessageResult>) => {
      if (err) return reject(new Error(`${clientOffset}: no ack within ${timeoutMs} ms`));
      if ("error" in ack) return reject(new Error(`${clientOffset}: ${ack.error.code} ${ack.error.message}`));
      if (ack.data.duplicate) return reject(new Error(`${clientOffset}: first send acknowledged as duplicate`));
      resolve(ack.data.id);
    });
  });
}

export const MESSAGE_CONTENT = CONTENT;
