/**
 * The delivery core: the one module through which every message reaches a connection — live, by catch-up, or
 * after a recovery — and which owns each connection's delivery state. Written against Socket.IO's public API only
 * (rooms, `io.local`, `socket.emit`, `serverSideEmit`); docs/architecture.md draws the path.
 *
 * The log. Committed messages reach the core in id order: on one instance straight from the store's commit
 * listener; on a cluster through the log tail (log-tail.ts), which merges this instance's commits with the other
 * instances' `tether:committed` notifications and fills any gap from the store. The core delivers each message
 * once, to the audience room of its channel, and keeps the newest ones in an in-memory window.
 *
 * A connection moves through an explicit state machine: catching-up → live → closed (or catching-up → closed).
 * Every connection is caught up from the offset its client presents — recovered by Socket.IO or not — first from
 * the store in batches (catch-up.ts), bounded by what the core has delivered, then from the window in one
 * synchronous step that also adds it to its rooms. Nothing is delivered between that last read and the join (both
 * happen in one turn of the event loop, and the core delivers synchronously), so the connection sees every message
 * once, in id order, without the core ever holding or filtering a broadcast per socket.
 */
import type { MessageStore } from "../../storage/message-store";
import type { ChatMessage, SessionReady } from "../../shared/dto";
import { publicUser } from "../../shared/identity";
import { OffsetWindow } from "../../shared/offset-window";
import { parseReplayRequest, parseServerOffset } from "../../shared/schemas";
import type { Logger } from "../logger";
import type { Metrics } from "../metrics";
import type { TetherServer, TetherSocket } from "../realtime/types";
import { roomForChannel, roomsOfLiveConnection } from "./audience";
import { planBoundedReplay, type BoundedReplay } from "./bounded-replay";
import { replayMissed } from "./catch-up";
import { createLogTail, type LogTail } from "./log-tail";
import { readableChannels } from "./readable-channels";

export type DeliveryPhase = "catching-up" | "live" | "closed";

const TRANSITIONS: Record<DeliveryPhase, readonly DeliveryPhase[]> = {
  "catching-up": ["live", "closed"],
  live: ["closed"],
  closed: [],
};

/** One connection's delivery state. Only the core moves it, and only along TRANSITIONS. */
class ConnectionDelivery {
  private current: DeliveryPhase = "catching-up";

  constructor(readonly socket: TetherSocket) {}

  get phase(): DeliveryPhase {
    return this.current;
  }

  moveTo(next: DeliveryPhase): void {
    if (!TRANSITIONS[this.current].includes(next)) {
      throw new Error(`connection ${this.socket.id}: no transition from ${this.current} to ${next}`);
    }
    this.current = next;
  }
}

export interface DeliveryCoreOptions {
  io: TetherServer;
  store: MessageStore;
  logger: Logger;
  metrics: Metrics;
  replayBatchSize: number;
  maxMessageLength: number;
  /** How many recently delivered messages stay in memory to finish catch-ups (default 10,000). */
  windowSize?: number;
  /** Set on a cluster: deliveries come through the log tail, fed by every instance's commits. */
  cluster?: { tailCheckIntervalMs: number };
}

export interface DeliveryCore {
  /** Resolves once the core knows where the log stands; connections are caught up only after. */
  ready(): Promise<void>;
  /** Takes charge of a new connection: catches it up, makes it live, sends `session:ready`. */
  attach(socket: TetherSocket): void;
  /** The highest message id delivered by this instance. */
  deliveredThrough(): number;
  /** Resolves once `id` has been delivered here (at once on one instance), or after `timeoutMs`. */
  whenDelivered(id: number, timeoutMs: number): Promise<void>;
  /** The phase of this instance's connection with that socket id, if it has one. */
  phaseOf(socketId: string): DeliveryPhase | undefined;
  close(): void;
}

const DEFAULT_WINDOW_SIZE = 10_000;

export function createDeliveryCore(options: DeliveryCoreOptions): DeliveryCore {
  const { io, store, logger, metrics } = options;
  const connections = new Map<string, ConnectionDelivery>();
  let head = 0;
  let window: OffsetWindow<ChatMessage> | null = null;
  let tail: LogTail | null = null;

  /** Every committed message, exactly once and in id order, reaches this function on every instance. */
  function deliver(messages: readonly ChatMessage[]): void {
    if (!window) {
      // Not started: no connection is live yet, and every catch-up reads the store up to `head`.
      for (const message of messages) head = Math.max(head, message.id);
      return;
    }
    const fresh: ChatMessage[] = [];
    for (const message of messages) {
      if (message.id <= head) continue;
      head = message.id;
      fresh.push(message);
      io.local.to(roomForChannel(message.channel)).emit("message:new", message);
    }
    window.append(fresh);
  }

  const deliverSafely = (messages: readonly ChatMessage[]) => {
    try {
      deliver(messages);
    } catch (error) {
      // A delivery bug must not fail the commit that triggered it; connections then catch up on reconnect.
      logger.error({ err: error }, "delivery failed");
      metrics.errors.inc({ kind: "delivery" });
    }
  };

  let started: Promise<void>;
  if (options.cluster) {
    const logTail = createLogTail({
      getMessagesAfter: (offset, limit) => store.getMessagesAfter(offset, limit),
      getLatestMessageId: () => store.getLatestMessageId(),
      deliver: deliverSafely,
      onError: (error) => logger.error({ err: error }, "the log tail could not read the store; retrying"),
      tailCheckIntervalMs: options.cluster.tailCheckIntervalMs,
    });
    tail = logTail;
    store.onCommitted((messages) => {
      logTail.offer(messages);
      io.serverSideEmit("tether:committed", [...messages]);
    });
    io.on("tether:committed", (messages: unknown) => {
      if (Array.isArray(messages)) logTail.offer(messages.filter(isChatMessage));
    });
    started = logTail.ready().then(() => {
      head = logTail.deliveredThrough();
      window = new OffsetWindow(options.windowSize ?? DEFAULT_WINDOW_SIZE, head, (message) => message.id);
    });
  } else {
    store.onCommitted(deliverSafely);
    started = store.getLatestMessageId().then((latest) => {
      head = Math.max(head, latest);
      window = new OffsetWindow(options.windowSize ?? DEFAULT_WINDOW_SIZE, head, (message) => message.id);
    });
  }

  /** The plan of a bounded catch-up (`auth.replay`, validated at the handshake), or null for the full one. */
  async function planBoundedCatchUp(socket: TetherSocket, fromOffset: number): Promise<BoundedReplay | null> {
    const request = parseReplayRequest((socket.handshake.auth as Record<string, unknown> | undefined)?.replay);
    if (!request.ok || request.value === null || fromOffset >= head) return null;
    const sources = {
      store,
      channels: () => readableChannels(store, socket.data.user),
      fromWindow: (offset: number, upTo: number) => window!.after(offset, Number.POSITIVE_INFINITY, upTo),
      batchSize: options.replayBatchSize,
    };
    return planBoundedReplay(sources, fromOffset, head, request.value.perChannel);
  }

  /** Catches a connection up and makes it live; resolves null when it went away first. */
  async function catchUp(connection: ConnectionDelivery, fromOffset: number): Promise<{ sent: number; fromStore: number } | null> {
    const { socket } = connection;
    const bounded = await planBoundedCatchUp(socket, fromOffset);
    // Before any batch, so that a client records a gap before its offset moves past it.
    if (bounded) socket.emit("message:gaps", bounded.gaps);
    const replay = await replayMissed(socket, fromOffset, {
      store,
      batchSize: options.replayBatchSize,
      deliveredThrough: () => head,
      fromWindow: (offset, limit, upTo) => window!.after(offset, limit, upTo),
      bounded,
    });
    if (replay.aborted || !socket.connected) return null;
    // From here on, synchronous: nothing can be delivered between reading the window and joining the rooms. The
    // window holds what was delivered since the replay's last check (microtasks may have run in between).
    const rest = window!.after(replay.sentThrough);
    if (rest === null) throw new Error(`the delivery window no longer covers offset ${replay.sentThrough}`);
    for (let start = 0; start < rest.length; start += options.replayBatchSize) {
      socket.emit("message:batch", rest.slice(start, start + options.replayBatchSize));
    }
    void socket.join(roomsOfLiveConnection());
    connection.moveTo("live");
    return { sent: replay.sent + rest.length, fromStore: replay.fromStore };
  }

  async function run(connection: ConnectionDelivery): Promise<void> {
    const { socket } = connection;
    await started;
    if (connection.phase === "closed") return;
    const auth = (socket.handshake.auth ?? {}) as Record<string, unknown>;
    const fromOffset = Math.min(parseServerOffset(auth.serverOffset) ?? 0, Number.MAX_SAFE_INTEGER);
    // A fresh client (offset 0) reads history instead of a replay; a client ahead of the store (its database was
    // reset or restored from a backup) has nothing to catch up: it learns the store's latest id below.
    const startAt = fromOffset === 0 || fromOffset >= head ? head : fromOffset;
    if (startAt < head) metrics.replays.inc();
    const result = await catchUp(connection, startAt);
    if (!result) return;
    // A recovered session is served from memory, as Socket.IO's own buffer would have; only what had to be read
    // from the store counts as replayed then (docs/protocol.md).
    const replayed = socket.recovered ? result.fromStore : result.sent;
    metrics.replayedMessages.inc(result.sent);
    const ready: SessionReady = {
      user: publicUser(socket.data.user),
      recovered: socket.recovered,
      replayed,
      latestId: head,
      limits: { maxMessageLength: options.maxMessageLength },
    };
    // The acknowledgement is accepted for compatibility; nothing depends on it any more.
    socket.emit("session:ready", ready, () => {});
    logger.debug({ socketId: socket.id, fromOffset, replayed: result.sent, recovered: socket.recovered }, "connection live");
  }

  return {
    ready: () => started,

    attach(socket) {
      const connection = new ConnectionDelivery(socket);
      connections.set(socket.id, connection);
      socket.once("disconnect", () => {
        connection.moveTo("closed");
        // A restored session reuses its socket id: only this connection's own entry is removed.
        if (connections.get(socket.id) === connection) connections.delete(socket.id);
      });
      run(connection).catch((error: unknown) => {
        if (connection.phase === "closed") return;
        // Without a complete catch-up the client would have a silent gap. Closing the transport (not a
        // server-side disconnect, which socket.io-client never retries) lets any client reconnect with its
        // usual back-off and be caught up again.
        logger.error({ err: error, socketId: socket.id }, "catch-up failed; closing the connection");
        metrics.errors.inc({ kind: "catch_up" });
        socket.conn.close();
      });
    },

    deliveredThrough: () => head,

    whenDelivered(id, timeoutMs) {
      if (id <= head) return Promise.resolve();
      return tail ? tail.whenDelivered(id, timeoutMs) : Promise.resolve();
    },

    phaseOf: (socketId) => connections.get(socketId)?.phase,

    close() {
      tail?.close();
    },
  };
}

function isChatMessage(value: unknown): value is ChatMessage {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { id?: unknown }).id === "number" &&
    typeof (value as { channel?: unknown }).channel === "string"
  );
}
