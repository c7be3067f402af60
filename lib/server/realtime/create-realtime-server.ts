/**
 * Socket.IO on an HTTP server, wired to its components: the composition of the realtime layer. Tests build it
 * on a bare HTTP server with a real store; server.ts builds it next to Next.js.
 */
import type { Server as HttpServer } from "node:http";
import { Server, type ServerOptions } from "socket.io";
import type { MessageStore } from "../../storage/message-store";
import { fail } from "../../shared/ack";
import type { ClientToServerEvents } from "../../shared/events";
import { createDeliveryCore, type DeliveryCore } from "../delivery/delivery-core";
import { clientAddress, isOriginAllowed } from "../http/client-address";
import type { ProxyTrust } from "../http/trust-proxy";
import type { Accounts } from "../auth/create-accounts";
import type { SessionSigner } from "../identity/session-cookie";
import { createConnectionLimiter } from "../limits/connection-limiter";
import { createSendRateLimiter } from "../limits/send-rate-limiter";
import type { Logger } from "../logger";
import type { Metrics } from "../metrics";
import { coalesceFlushedWrites } from "../transport/coalesce-writes";
import { createRecoveryAdapter } from "../transport/recovery-adapter";
import { createPresence, type SharedPresence } from "../activity/presence";
import { createTyping } from "../activity/typing";
import { createReadHandlers } from "../reads/read-handlers";
import { createReadStates } from "../reads/read-states";
import { createSendMentions } from "../reads/send-mentions";
import { createInFlightTracker, registerAckHandler } from "./ack-handler";
import { createChannelAccess } from "./channel-access";
import { createChannelHandlers } from "./channel-handlers";
import { revokedRoom } from "./credential-rooms";
import { createIdentityMiddleware } from "./identity-middleware";
import { createMessageChangeHandlers } from "./message-change-handlers";
import { createMessageHandlers } from "./message-handlers";
import { createProfileHandlers } from "./profile-handlers";
import { createSearchHandlers } from "./search-handlers";
import type { TetherServer } from "./types";

export interface RealtimeOptions {
  store: MessageStore;
  signer: SessionSigner;
  accounts: Accounts;
  /** GUEST_ACCESS: false refuses every connection without an account session or token. */
  guestAccess: boolean;
  logger: Logger;
  metrics: Metrics;
  recoveryWindowMs: number;
  pingIntervalMs: number;
  pingTimeoutMs: number;
  maxPacketBytes: number;
  maxMessageLength: number;
  replayBatchSize: number;
  rateLimit: { burst: number; perSecond: number };
  /** Token bucket for search:messages, per connection and per identity; perSecond 0 turns it off. */
  searchRateLimit: { burst: number; perSecond: number };
  maxConnectionsPerIp: number;
  allowedOrigins: readonly string[];
  /** Which proxies may report the client's address (TRUST_PROXY). */
  trustProxy: ProxyTrust;
  /**
   * A cluster adapter (Redis Streams) to run several instances side by side; absent, the in-memory adapter
   * serves one instance. Requires a store whose commit order is id order (PostgreSQL).
   */
  clusterAdapter?: ServerOptions["adapter"];
  /** On a cluster: how often to look for a stored message whose broadcast never arrived. */
  tailCheckIntervalMs?: number;
  /** How many recently delivered messages the delivery core keeps in memory (default 10,000; tests shrink it). */
  deliveryWindowSize?: number;
  /** Token bucket for messages that say `@channel`, per identity (default 3, then one every 20 s); perSecond 0 turns it off. */
  channelMentionRateLimit?: { burst: number; perSecond: number };
  /** A typing indicator ends this long after its last typing:start (default 5,000). */
  typingExpireMs?: number;
  /** Presence on a cluster: renewal interval and lifetime of an instance's presence entries in Redis. */
  presence?: { heartbeatMs: number; ttlMs: number };
  /** On a cluster: where the instances share presence (Redis); absent, presence is this instance's alone. */
  sharedPresence?: SharedPresence;
}

const DEFAULT_CHANNEL_MENTION_RATE_LIMIT = { burst: 3, perSecond: 0.05 };
const DEFAULT_TYPING_EXPIRE_MS = 5_000;

/** How long an ack waits for the sender's own broadcast on a cluster before it is sent anyway. */
const LOCAL_DELIVERY_WAIT_MS = 2_000;

export interface RealtimeServer {
  io: TetherServer;
  delivery: DeliveryCore;
  /** Stops taking new work, lets in-flight writes finish and acknowledge, then closes every socket. */
  close(): Promise<void>;
}

const KNOWN_EVENTS: ReadonlySet<string> = new Set<keyof ClientToServerEvents>([
  "message:send",
  "history:fetch",
  "channel:list",
  "channel:create",
  "profile:update",
  "channel:join",
  "channel:leave",
  "channel:invite",
  "channel:remove",
  "channel:members",
  "dm:open",
  "search:messages",
  "read:mark",
  "channel:mute",
  "typing:start",
  "typing:stop",
  "presence:set",
  "presence:list",
  "message:edit",
  "message:delete",
  "reaction:add",
  "reaction:remove",
]);

export function createRealtimeServer(httpServer: HttpServer, options: RealtimeOptions): RealtimeServer {
  const { store, logger, metrics } = options;
  const cluster = options.clusterAdapter !== undefined;
  // On one instance, Socket.IO's recovery gives a returning client its session back (recovery-adapter.ts). On a
  // cluster it is off: every reconnection is caught up from the shared database by the delivery core anyway.
  const recovery = options.recoveryWindowMs > 0 && !cluster;
  let accepting = true;
  const io: TetherServer = new Server(httpServer, {
    serveClient: false,
    // Browsers on other sites must not open sockets that carry this site's session cookie.
    allowRequest: (req, callback) => {
      if (!accepting) return callback("server shutting down", false);
      if (isOriginAllowed(req, options.allowedOrigins)) return callback(null, true);
      metrics.connectionsRefused.inc({ reason: "origin" });
      callback("origin not allowed", false);
    },
    cors: options.allowedOrigins.length > 0 ? { origin: [...options.allowedOrigins], credentials: true } : undefined,
    maxHttpBufferSize: options.maxPacketBytes,
    pingInterval: options.pingIntervalMs,
    pingTimeout: options.pingTimeoutMs,
    // Middlewares run for restored sessions too: identity and limits are decided again on every connection.
    connectionStateRecovery: recovery ? { maxDisconnectionDuration: options.recoveryWindowMs, skipMiddlewares: false } : undefined,
    adapter:
      options.clusterAdapter ??
      (recovery
        ? createRecoveryAdapter({
            windowMs: options.recoveryWindowMs,
            onAttempt: (result) => metrics.recoveries.inc({ result }),
          })
        : undefined),
  });
  const { accounts, guestAccess } = options;
  const access = createChannelAccess(store, accounts, {
    // On a cluster another instance's membership change reaches this core a little later: there the store decides.
    knownMember: cluster ? undefined : (userId, channel) => delivery.mayReadChannel(userId, channel),
  });
  const readStates = createReadStates({ io, store, delivery: () => delivery, logger, cluster });
  const typingExpireMs = options.typingExpireMs ?? DEFAULT_TYPING_EXPIRE_MS;
  const delivery = createDeliveryCore({
    io,
    store,
    describeChannel: (name) => access.describe(name),
    logger,
    metrics,
    replayBatchSize: options.replayBatchSize,
    maxMessageLength: options.maxMessageLength,
    windowSize: options.deliveryWindowSize,
    cluster: cluster ? { tailCheckIntervalMs: options.tailCheckIntervalMs ?? 1_000 } : undefined,
    readStates,
    afterJoinedNotice: (userId, channel) => readStates.joined(userId, channel),
    typingExpireMs,
  });
  // A session that ends or a token revoked (here or on another instance's HTTP API) closes its connections
  // everywhere. A plain disconnect, not close(): the server-side reason is then not recoverable, and the
  // client is told ("io server disconnect") instead of reconnecting by itself. Middlewares run again on a
  // recovered connection (skipMiddlewares: false), so an ended credential cannot come back through recovery.
  const stopClosingRevoked = accounts.onRevoked((revocation) => io.in(revokedRoom(revocation)).disconnectSockets());
  const inFlight = createInFlightTracker();
  const rateLimiter = createSendRateLimiter(options.rateLimit.burst, options.rateLimit.perSecond);
  const searchRateLimiter = createSendRateLimiter(options.searchRateLimit.burst, options.searchRateLimit.perSecond);
  const connectionLimiter = createConnectionLimiter(options.maxConnectionsPerIp);
  /** Nothing to wait for when the core already delivered it (always, on one instance): no promise then. */
  const whenDeliveredLocally = (offset: number) =>
    offset <= delivery.deliveredThrough() ? null : delivery.whenDelivered(offset, LOCAL_DELIVERY_WAIT_MS);
  // One `@channel` limit per identity, whether the mention comes with a send or an edit.
  const mentions = createSendMentions({
    users: accounts,
    channelMentionLimit: options.channelMentionRateLimit ?? DEFAULT_CHANNEL_MENTION_RATE_LIMIT,
  });
  const messages = createMessageHandlers({
    store,
    access,
    logger,
    metrics,
    rateLimiter,
    maxMessageLength: options.maxMessageLength,
    whenDeliveredLocally,
    onSent: (socket, channel) => typing.sent(socket, channel),
    mentions,
  });
  const readHandlers = createReadHandlers({ store, access, readStates });
  const typing = createTyping({ io, access, expireMs: typingExpireMs });
  const presence = createPresence({
    io,
    logger,
    shared: cluster ? options.sharedPresence : undefined,
    heartbeatMs: options.presence?.heartbeatMs ?? 10_000,
    ttlMs: options.presence?.ttlMs ?? 30_000,
  });
  const changes = createMessageChangeHandlers({
    store,
    access,
    logger,
    metrics,
    rateLimiter,
    maxMessageLength: options.maxMessageLength,
    whenDeliveredLocally,
    mentions,
    countsChanged: (channel, authorId) => readStates.countsChanged(channel, authorId),
  });
  const channelHandlers = createChannelHandlers({ store, access, users: accounts });
  const profileHandlers = createProfileHandlers({ accounts });
  const searchHandlers = createSearchHandlers({ store, access, rateLimiter: searchRateLimiter });
  const handlerDeps = { logger, metrics, inFlight };
  const addressOf = (socket: { request: Parameters<typeof clientAddress>[0] }) => clientAddress(socket.request, options.trustProxy);

  io.use((socket, next) => {
    if (connectionLimiter.allows(addressOf(socket))) return next();
    metrics.connectionsRefused.inc({ reason: "too_many_connections" });
    const error = new Error("too_many_connections") as Error & { data?: unknown };
    error.data = { code: "too_many_connections", message: "Too many connections from your address." };
    next(error);
  });
  io.use(createIdentityMiddleware({ signer: options.signer, accounts, guestAccess, logger, metrics }));

  io.on("connection", (socket) => {
    const address = addressOf(socket);
    connectionLimiter.opened(address);
    coalesceFlushedWrites(socket);
    metrics.connections.inc();
    socket.on("disconnect", () => {
      connectionLimiter.closed(address);
      rateLimiter.forgetSocket(socket.id);
      searchRateLimiter.forgetSocket(socket.id);
      typing.disconnected(socket);
      presence.disconnected(socket);
      metrics.connections.dec();
    });

    // Handlers first, so that no event the client sends during its catch-up is lost.
    registerAckHandler(socket, "message:send", (payload) => messages.sendMessage(socket, payload), handlerDeps);
    registerAckHandler(socket, "message:edit", (payload) => changes.editMessage(socket, payload), handlerDeps);
    registerAckHandler(socket, "message:delete", (payload) => changes.deleteMessage(socket, payload), handlerDeps);
    registerAckHandler(socket, "reaction:add", (payload) => changes.addReaction(socket, payload), handlerDeps);
    registerAckHandler(socket, "reaction:remove", (payload) => changes.removeReaction(socket, payload), handlerDeps);
    registerAckHandler(socket, "history:fetch", (payload) => messages.fetchHistory(socket, payload), handlerDeps);
    registerAckHandler(socket, "channel:list", () => channelHandlers.listChannels(socket), handlerDeps);
    registerAckHandler(socket, "channel:create", (payload) => channelHandlers.createChannel(socket, payload), handlerDeps);
    registerAckHandler(socket, "channel:join", (payload) => channelHandlers.joinChannel(socket, payload), handlerDeps);
    registerAckHandler(socket, "channel:leave", (payload) => channelHandlers.leaveChannel(socket, payload), handlerDeps);
    registerAckHandler(socket, "channel:invite", (payload) => channelHandlers.inviteMember(socket, payload), handlerDeps);
    registerAckHandler(socket, "channel:remove", (payload) => channelHandlers.removeMember(socket, payload), handlerDeps);
    registerAckHandler(socket, "channel:members", (payload) => channelHandlers.listMembers(socket, payload), handlerDeps);
    registerAckHandler(socket, "dm:open", (payload) => channelHandlers.openDm(socket, payload), handlerDeps);
    registerAckHandler(socket, "profile:update", (payload) => profileHandlers.updateProfile(socket, payload), handlerDeps);
    registerAckHandler(socket, "search:messages", (payload) => searchHandlers.searchMessages(socket, payload), handlerDeps);
    registerAckHandler(socket, "read:mark", (payload) => readHandlers.markRead(socket, payload), handlerDeps);
    registerAckHandler(socket, "channel:mute", (payload) => readHandlers.muteChannel(socket, payload), handlerDeps);
    registerAckHandler(socket, "typing:start", (payload) => typing.start(socket, payload), handlerDeps);
    registerAckHandler(socket, "typing:stop", (payload) => typing.stop(socket, payload), handlerDeps);
    registerAckHandler(socket, "presence:set", (payload) => presence.set(socket, payload), handlerDeps);
    registerAckHandler(socket, "presence:list", (payload) => presence.list(socket, payload), handlerDeps);
    socket.onAny((event: unknown, ...args: unknown[]) => {
      if (typeof event === "string" && KNOWN_EVENTS.has(event)) return;
      const ack = args[args.length - 1];
      // Without an ack there is nobody to tell; the event is ignored.
      if (typeof ack === "function") (ack as (response: unknown) => void)(fail("unknown_event", `Unknown event "${String(event).slice(0, 64)}".`));
    });
    socket.on("error", (error) => logger.warn({ err: error, socketId: socket.id }, "socket error"));

    delivery.attach(socket);
    presence.connected(socket);
  });

  return {
    io,
    delivery,
    async close() {
      // Refuse new connections, let every write already accepted commit and acknowledge, then close sockets;
      // clients see a transport close and reconnect (to another instance, or to this one once restarted).
      accepting = false;
      inFlight.draining = true;
      stopClosingRevoked();
      await inFlight.whenIdle();
      await presence.close();
      await io.close();
      typing.close();
      delivery.close();
    },
  };
}
