/**
 * Stops reading from a connection whose sends are being refused, until its bucket has refilled.
 *
 * Refusing a send still costs the server a parse, a handler call and an ack frame. A client firing tens of
 * thousands of sends a second would keep the event loop busy refusing it and raise everyone else's latency;
 * paused, its packets wait in the kernel and TCP flow control slows the sender itself, at no cost here. Every
 * packet is still answered, just later.
 *
 * Only a connection that opened as a WebSocket can be paused: its handshake request's TCP socket
 * (`socket.request.socket`, Node's public `net.Socket`) is the one the WebSocket reads from, and pausing it is
 * exactly what `ws`'s own `pause()` does. A long-polling client (or one upgraded from polling, whose first request
 * used another TCP connection) is slow by nature and is left alone.
 */
import type { TetherSocket } from "../realtime/types";
import { webSocketStream } from "./websocket-stream";

export function pauseReading(socket: TetherSocket, ms: number): void {
  const stream = webSocketStream(socket);
  if (!stream || stream.isPaused() || stream.destroyed) return;
  stream.pause();
  const resume = () => {
    clearTimeout(timer);
    socket.off("disconnect", resume);
    if (!stream.destroyed) stream.resume();
  };
  const timer = setTimeout(resume, ms);
  timer.unref();
  // A connection closed while paused (the server shutting down, or a timeout) must still read its peer's close
  // frame: `ws` waits up to 30 s for it before destroying the socket, and held the server's close that long.
  socket.once("disconnect", resume);
}
