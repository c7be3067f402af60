/**
 * Socket.IO on an HTTP server, wired to its components: the composition of the realtime layer. Tests build it
 * on a bare HTTP server with a real store; server.ts builds it next to Next.js.
 */
import type { Server as HttpServer } from "node:http";
import { Server, type ServerOptions } from "socket.io";
import type { MessageStore } from "../../../db/message-store";
import { fail } from "../../shared/ack";
import type { ClientToServerEvents } from "../../shared/events";
import { attachReplayGate } from "../delivery/replay-gate";
import { clientAddress, isOriginAllowed } from "../http/client-address";
import type { SessionSigner } from "../identity/session-cookie";
import { createConnectionLimiter } from "../limits/connection-limiter";
import { createSendRateLimiter } from "../limits/send-rate-limiter";
import type { Logger } from "../logger";
import type { Metrics } from "../metrics";
import { createInFlightTracker, registerAckHandler } from "./ack-handler";
import { createChannelDirectory } from "./channel-directory";
import { createChannelHandlers } from "./channel-handlers";
import { prepareClusterDelivery } from "./cluster-delivery";
import { bringSocketUpToDate } from "./connection";
import { createIdentityMiddleware } from "./identity-middleware";
import { createMessageHandlers } from "./message-handlers";
import { isReplayBatch, messageIdOf } from "./message-packets";
import { restoreSessionsOnce } from "./restore-sessions-once";
import { tetherParser } from "./tether-parser";
import type { TetherServer } from "./types";

export interface RealtimeOptions {
  store: MessageStore;
  signer: SessionSigner;
  logger: Logger;
  metrics: Metrics;
  recoveryWindowMs: number;
  pingIntervalMs: number;
  pingTimeoutMs: number;
  maxPacketBytes: number;
  maxMessageLength: number;
  replayBatchSize: number;
  rateLimit: { burst: number; perSecond: number };
  maxConnectionsPerIp: number;
  allowedOrigins: readonly string[];
  trustProxy: boolean;
  /**
   * A cluster adapter (Redis Streams) to run several instances side by side; absent, the in-memory adapter
   * serves one instance. Requires a store whose commit order is id order (PostgreSQL).
   */
  clusterAdapter?: ServerOptions["adapter"];
  /** On a cluster: how often to look for a stored message whose broadcast never arrived. */
  tailCheckIntervalMs?: number;
}

/** How long an ack waits for the sender's own broadcast on a cluster before it is sent anyway. */
const LOCAL_DELIVERY_WAIT_MS = 2_000;

export interface RealtimeServer {
  io: TetherServer;
  /** Stops taking new work, lets in-flight writes finish and acknowledge, then closes every socket. */
  close(): Promise<void>;
}

const KNOWN_EVENTS: ReadonlySet<string> = new Set<keyof ClientToServerEvents>([
  "message:send",
  "history:fetch",
  "channel:list",
  "channel:create",
  "profile:update",
]);

export function createRealtimeServer(httpServer: HttpServer, options: RealtimeOptions): RealtimeServer {
  const { store, logger, metrics } = options;
  const io: TetherServer = new Server(httpServer, {
    serveClient: false,
    // The default parser, with catch-up batches from the cache sent as already encoded (same bytes).
    parser: tetherParser,
    // Browsers on other sites must not open sockets that carry this site's session cookie.
    allowRequest: (req, callback) => {
      if (isOriginAllowed(req, options.allowedOrigins)) return callback(null, true);
      metrics.connectionsRefused.inc({ reason: "origin" });
      callback("origin not allowed", false);
    },
    cors: options.allowedOrigins.length > 0 ? { origin: [...options.allowedOrigins], credentials: true } : undefined,
    maxHttpBufferSize: options.maxPacketBytes,
    pingInterval: options.pingIntervalMs,
    pingTimeout: options.pingTimeoutMs,
    // A window of 0 turns recovery off (every reconnection is caught up from the database); passing 0 on to
    // Socket.IO would make the Redis Streams adapter save sessions with an invalid expiry and reject.
    connectionStateRecovery: options.recoveryWindowMs > 0 ? { maxDisconnectionDuration: options.recoveryWindowMs, skipMiddlewares: true } : undefined,
    ...(options.clusterAdapter ? { adapter: options.clusterAdapter } : {}),
  });
  // Ordered delivery hooks the adapter first, so the replay gate sees broadcasts only once they are in order.
  const ordered = options.clusterAdapter
    ? prepareClusterDelivery(io, { store, logger, tailCheckIntervalMs: options.tailCheckIntervalMs ?? 1_000 })
    : null;
  restoreSessionsOnce(io.of("/").adapter);
  const gate = attachReplayGate(io.of("/").adapter, messageIdOf, isReplayBatch);
  const channels = createChannelDirectory(store);
  const inFlight = createInFlightTracker();
  const rateLimiter = createSendRateLimiter(options.rateLimit.burst, options.rateLimit.perSecond);
  const connectionLimiter = createConnectionLimiter(options.maxConnectionsPerIp);
  const messages = createMessageHandlers({
    io,
    store,
    channels,
    logger,
    metrics,
    rateLimiter,
    maxMessageLength: options.maxMessageLength,
    whenDeliveredLocally: ordered ? (id) => ordered.whenDelivered(id, LOCAL_DELIVERY_WAIT_MS) : undefined,
  });
  const channelHandlers = createChannelHandlers({ io, store, channels });
  const handlerDeps = { logger, metrics, inFlight };
  const addressOf = (socket: { request: Parameters<typeof clientAddress>[0] }) => clientAddress(socket.request, options.trustProxy);

  io.use((socket, next) => {
    if (connectionLimiter.allows(addressOf(socket))) return next();
    metrics.connectionsRefused.inc({ reason: "too_many_connections" });
    const error = new Error("too_many_connections") as Error & { data?: unknown };
    error.data = { code: "too_many_connections", message: "Too many connections from your address." };
    next(error);
  });
  io.use(createIdentityMiddleware(options.signer));

  io.on("connection", (socket) => {
    // Counted here rather than in the middleware, so recovered sessions (which skip middlewares) count too.
    const address = addressOf(socket);
    connectionLimiter.opened(address);
    metrics.connections.inc();
    socket.on("disconnect", () => {
      connectionLimiter.closed(address);
      rateLimiter.forgetSocket(socket.id);
      // The gate's per-socket state must not outlive the socket: a recovered session reuses its id.
      gate.discard(socket.id);
      metrics.connections.dec();
    });

    registerAckHandler(socket, "message:send", (payload) => messages.sendMessage(socket, payload), handlerDeps);
    registerAckHandler(socket, "history:fetch", (payload) => messages.fetchHistory(payload), handlerDeps);
    registerAckHandler(socket, "channel:list", () => channelHandlers.listChannels(), handlerDeps);
    registerAckHandler(socket, "channel:create", (payload) => channelHandlers.createChannel(socket, payload), handlerDeps);
    registerAckHandler(socket, "profile:update", (payload) => channelHandlers.updateProfile(socket, payload), handlerDeps);
    socket.onAny((event: unknown, ...args: unknown[]) => {
      if (typeof event === "string" && KNOWN_EVENTS.has(event)) return;
      const ack = args[args.length - 1];
      // Without an ack there is nobody to tell; the event is ignored.
      if (typeof ack === "function") ack(fail("unknown_event", `Unknown event "${String(event).slice(0, 64)}".`));
    });
    socket.on("error", (error) => logger.warn({ err: error, socketId: socket.id }, "socket error"));

    const catchUp = () =>
      bringSocketUpToDate(socket, {
        store,
        gate,
        logger,
        metrics,
        replayBatchSize: options.replayBatchSize,
        maxMessageLength: options.maxMessageLength,
      });
    // On a cluster, no socket joins the live room before ordered delivery knows where it starts.
    (ordered ? ordered.ready().then(catchUp) : catchUp()).catch((error: unknown) => {
      // Without a complete catch-up the client would have a silent gap: drop it so it reconnects and retries.
      logger.error({ err: error, socketId: socket.id }, "catch-up failed; disconnecting");
      metrics.errors.inc({ kind: "catch_up" });
      gate.discard(socket.id);
      socket.disconnect(true);
    });
  });

  return {
    io,
    async close() {
      // Refuse new connections, let every write already accepted commit and acknowledge, then close sockets;
      // clients see a transport close and reconnect (to another instance, or to this one once restarted).
      io.engine.opts.allowRequest = (_req, callback) => callback("server shutting down", false);
      inFlight.draining = true;
      await inFlight.whenIdle();
      await io.close();
      ordered?.close();
    },
  };
}
