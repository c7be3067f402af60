/**
 * The one listening socket of a production server whose pages run in a process of their own (pages-process.ts):
 * every TCP connection is routed once, by its first request, to this process's HTTP server (Socket.IO, the
 * accounts API, /healthz, /metrics) or to the pages process.
 *
 * Why per connection and not per request: handing over a connection costs this process one IPC message, where
 * proxying a request would run an HTTP client and a response through its event loop, the one that delivers
 * messages. Both sides answer with `Connection: close` (except a WebSocket upgrade, which keeps its connection for
 * good), so a connection never carries a second request that the other side should have had.
 *
 * Public APIs only: `http.Server`'s documented 'connection' event, emitted by hand to give it a socket, and the
 * bytes already read from it re-emitted as its first 'data' (the pattern of @socket.io/sticky).
 */
import type { Server as HttpServer } from "node:http";
import { createServer, type Server as NetServer, type Socket } from "node:net";
import { readRequestLine, type RequestLine } from "./request-head";

export interface ConnectionRoutes {
  /** Where the connection's requests are served: this process (everything but pages), or the pages process. */
  servesHere(request: RequestLine): boolean;
  /** This process's HTTP server, which never listens itself. */
  httpServer: HttpServer;
  /** Hands the connection, paused, and the bytes read from it so far to the pages process. */
  toPages(socket: Socket, received: Buffer): void;
  /** How long a connection may take to send its first request head (Node's default headersTimeout). */
  headTimeoutMs?: number;
}

/**
 * Gives an HTTP server a connection that was read from before: emitted as a new connection, with the bytes already
 * read as its first data. Used here, by the pages process for each connection it is handed, and by the tests.
 */
export function adoptConnection(server: HttpServer, socket: Socket, received: Buffer): void {
  server.emit("connection", socket);
  socket.emit("data", received);
  socket.resume();
}

export function routeConnections(routes: ConnectionRoutes): NetServer {
  const headTimeoutMs = routes.headTimeoutMs ?? 60_000;
  return createServer((socket) => {
    let received: Buffer = Buffer.alloc(0);
    const timer = setTimeout(() => socket.destroy(), headTimeoutMs);
    const stop = () => {
      clearTimeout(timer);
      socket.off("data", onData);
      socket.off("error", onError);
      socket.off("close", onClose);
    };
    const onError = () => {
      stop();
      socket.destroy();
    };
    const onClose = () => stop();
    const onData = (chunk: Buffer) => {
      received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
      const request = readRequestLine(received);
      if (request === "incomplete") return;
      stop();
      socket.pause();
      // Whatever was read past the 'data' event above is part of the same connection's bytes.
      for (let more = socket.read() as Buffer | null; more !== null; more = socket.read() as Buffer | null) {
        received = Buffer.concat([received, more]);
      }
      // Anything unrecognised goes to the HTTP server here, which answers it as malformed or too large.
      if (request !== null && !routes.servesHere(request)) {
        routes.toPages(socket, received);
        return;
      }
      adoptConnection(routes.httpServer, socket, received);
    };
    socket.on("data", onData);
    socket.on("error", onError);
    socket.on("close", onClose);
  });
}
