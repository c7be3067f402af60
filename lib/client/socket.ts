/**
 * The tab's one Socket.IO connection, created on first use and never re-created (React Strict Mode mounts twice;
 * the socket must not). It does not connect by itself: the binding connects it once the store is hydrated.
 *
 * `auth` is a callback, so every reconnection presents the offset the store holds *now*. The ack-retry option
 * `retries` is deliberately not used: the outbox sender retries itself, and `retries` with emits made while
 * connecting sends them twice (socket.io#5258).
 */
import { io, type Socket } from "socket.io-client";
import type { Ack, AckCallback } from "../shared/ack";
import type { ClientToServerEvents, HandshakeAuth, ServerToClientEvents } from "../shared/events";
import { normalizeDisplayName } from "../shared/schemas";
import { useTetherStore } from "./store";

export type TetherClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** How long a request waits for its ack before it counts as lost. */
export const REQUEST_TIMEOUT_MS = 8000;

let socket: TetherClientSocket | null = null;
let presentedOffset = 0;

/** The offset the current connection was opened with: 0 means this client started from nothing. */
export function offsetPresentedAtHandshake(): number {
  return presentedOffset;
}

/**
 * Per channel, the most missed messages a reconnection replays; older missed ones are announced as gaps
 * (`message:gaps`) and loaded when the person scrolls to them. Bounds the work of coming back after any absence.
 */
export const REPLAY_PER_CHANNEL = 200;

export function handshakeAuth(): HandshakeAuth {
  const { serverOffset, displayName } = useTetherStore.getState();
  const name = normalizeDisplayName(displayName);
  const replay = { perChannel: REPLAY_PER_CHANNEL };
  return name ? { serverOffset, name, replay } : { serverOffset, replay };
}

export function getSocket(): TetherClientSocket {
  if (socket) return socket;
  socket = io({
    autoConnect: false,
    // WebSocket first, long-polling when a proxy refuses WebSockets.
    transports: ["websocket", "polling"],
    tryAllTransports: true,
    reconnectionDelay: 500,
    reconnectionDelayMax: 4000,
    auth: (cb) => {
      const auth = handshakeAuth();
      presentedOffset = auth.serverOffset ?? 0;
      cb(auth);
    },
  });
  return socket;
}

/** Closes the tab's connection, if it was ever made (a page without the chat has none). */
export function closeSocket(): void {
  socket?.disconnect();
}

type Params<E extends keyof ClientToServerEvents> = Parameters<ClientToServerEvents[E]>;
/** The payload arguments of an event: everything before its ack callback. */
export type PayloadOf<E extends keyof ClientToServerEvents> = Params<E> extends [...infer P, AckCallback<never>] ? P : never;
export type AckDataOf<E extends keyof ClientToServerEvents> = Params<E> extends [...unknown[], AckCallback<infer T>] ? T : never;

/**
 * Emits with an ack and a timeout, typed from the contract (socket.io-client types a timed-out emitWithAck as
 * `any`). Rejects when no ack arrives within `timeoutMs`.
 */
export function request<E extends keyof ClientToServerEvents>(
  target: TetherClientSocket,
  timeoutMs: number,
  event: E,
  ...payload: PayloadOf<E>
): Promise<Ack<AckDataOf<E>>> {
  const timed = target.timeout(timeoutMs);
  // Cast for the generic payload only; the method still runs with the socket as `this`.
  return (timed.emitWithAck as (event: string, ...args: unknown[]) => Promise<Ack<AckDataOf<E>>>).call(timed, event, ...payload);
}
