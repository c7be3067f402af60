/**
 * Stops reading from a connection whose sends are being refused, until its bucket has refilled.
 *
 * Refusing a send still costs the server a parse, a handler call and an ack frame. A client firing tens of
 * thousands of sends a second would keep the event loop busy refusing it and raise everyone else's latency;
 * paused, its packets wait in the kernel and TCP flow control slows the sender itself, at no cost here. Every
 * packet is still answered, just later. Only WebSocket connections can be paused this way (ws pause/resume);
 * a long-polling client is slow by nature.
 */
import type { TetherSocket } from "../realtime/types";

interface PausableWebSocket {
  pause(): void;
  resume(): void;
}

const paused = new WeakSet<PausableWebSocket>();

export function pauseReading(socket: TetherSocket, ms: number): void {
  const transport = socket.conn.transport as unknown as { name: string; socket?: Partial<PausableWebSocket> };
  const ws = transport.name === "websocket" ? transport.socket : undefined;
  if (!ws || typeof ws.pause !== "function" || typeof ws.resume !== "function") return;
  const pausable = ws as PausableWebSocket;
  if (paused.has(pausable)) return;
  paused.add(pausable);
  pausable.pause();
  setTimeout(() => {
    paused.delete(pausable);
    pausable.resume();
  }, ms);
}
