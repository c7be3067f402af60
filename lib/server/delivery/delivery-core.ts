/**
 * The delivery core: the one module through which every message reaches a connection — live, by catch-up, or
 * after a recovery — and which owns each connection's delivery state. Written against Socket.IO's public API only
 * (rooms, `io.local`, `socket.emit`, `serverSideEmit`); docs/architecture.md draws the path.
 *
 * The log. Committed messages reach the core in id order: on one instance straight from the store's commit
 * listener; on a cluster through the log tail (log-tail.ts), which merges this instance's commits with the other
 * instances' `tether:committed` notifications and fills any gap from the store. The core delivers each message
 * once, to the audience room of its channel, and keeps the newest ones in an in-memory window. A change to a message
 * (issue 15) is an entry like a message: `message:update` to its channel's audience, kept in the window, replayed.
 *
 * A connection moves through an explicit state machine: catching-up → live → closed (or catching-up → closed).
 * Every connection is caught up from the offset its client presents — recovered by Socket.IO or not — first from
 * the store in batches (catch-up.ts), bounded by what the core has delivered, then from the window in one
 * synchronous step that also adds it to its rooms. Nothing is delivered between that last read and the join (both
 * happen in one turn of the event loop, and the core delivers synchronously), so the connection sees every message
 * once, in id order, without the core ever holding or filtering a broadcast per socket.
 */
import type { LogEntry, LogEvent, MessageEntry, MessageStore } from "../../storage/message-store";
import type { Channel, ChannelReadState, ChannelVisibility, ChatMessage, SessionReady } from "../../shared/dto";
import { publicUser } from "../../shared/identity";
import { OffsetWindow } from "../../shared/offset-window";
import { parseReplayRequest, parseServerOffset } from "../../shared/schemas";
import type { Logger } from "../logger";
import type { Metrics } from "../metrics";
import type { TetherServer, TetherSocket } from "../realtime/types";
import { Audiences, channelRoom, PUBLIC_ROOM, userRoom } from "./audience";
import { planBoundedReplay, type BoundedReplay } from "./bounded-replay";
import { replayMissed } from "./catch-up";
import { createLogTail, type LogTail } from "./log-tail";
import { readableChannels } from "./readable-channels";
import { CatchUpSender, channelOf } from "./send-entries";

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

/** How long a connection waits for this instance's log tail to reach the offset it presents (then: as a reset). */
const LAGGING_TAIL_WAIT_MS = 5_000;

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
  /** A channel as `channel:joined` announces it to a new member (a DM with its participants); null if gone. */
  describeChannel: (name: string) => Promise<Channel | null>;
  /** The read states `session:ready` carries (lib/server/reads): prepared while the connection catches up. */
  readStates?: SessionReadStates;
  /** Called after a member's connections were sent `channel:joined`, in the same order (the member's read state follows it). */
  afterJoinedNotice?: (userId: string, channel: string) => Promise<void> | void;
  /** Told to clients in `session:ready.limits`. */
  typingExpireMs?: number;
}

/**
 * What `session:ready.channels` needs from outside the core. `prepare` starts reading while the connection catches
 * up (so the counts never delay it); `ready` is awaited before the last, synchronous step of the catch-up, and
 * `settle` is called in that step, right after the connection went live: what it returns is exact as of the core's
 * position then, which is the `latestId` session:ready reports.
 */
export interface SessionReadStates {
  prepare(socket: TetherSocket): { ready: Promise<void>; settle(): ChannelReadState[] };
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
  /**
   * Messages delivered here with an id above `offset`, ascending, but those a later entry of the window deleted; null
   * when the in-memory window no longer holds them all.
   */
  deliveredAfter(offset: number): ChatMessage[] | null;
  /**
   * Whether a user with a connection on this instance may read this message, as the log has told this instance so
   * far (the catch-up's rule: a public channel, or a member since before the message).
   */
  mayRead(userId: string, message: ChatMessage): boolean;
  /** Whether a user with a connection on this instance may read this channel now. */
  mayReadChannel(userId: string, channel: string): boolean;
  visibilityOf(channel: string): ChannelVisibility | undefined;
  close(): void;
}

const DEFAULT_WINDOW_SIZE = 10_000;

export function createDeliveryCore(options: DeliveryCoreOptions): DeliveryCore {
  const { io, store, logger, metrics } = options;
  const connections = new Map<string, ConnectionDelivery>();
  const audiences = new Audiences();
  let head = 0;
  /** The newest delivered messages and changes, by offset. */
  let window: OffsetWindow<MessageEntry> | null = null;
  let tail: LogTail<LogEntry> | null = null;

  /** Every committed entry of the log, exactly once and in offset order, reaches this function on every instance. */
  function deliver(entries: readonly LogEntry[]): void {
    // Before the start no connection is live, and every catch-up reads the store up to `head`; events still update
    // what is known of channels and members (a connection may already be loading its memberships).
    const fresh: MessageEntry[] = [];
    for (const entry of entries) {
      if (entry.offset <= head) continue;
      head = entry.offset;
      if (entry.message) {
        if (!window) continue;
        fresh.push(entry);
        io.local.to(audiences.roomFor(entry.message.channel)).emit("message:new", entry.message);
      } else if (entry.update) {
        // A change goes to the same audience as its message, in its place in the log.
        if (!window) continue;
        fresh.push(entry);
        io.local.to(audiences.roomFor(entry.update.message.channel)).emit("message:update", entry.update);
      } else if (entry.event) {
        // Between two messages of this list: an event applies exactly between them.
        window?.append(fresh.splice(0));
        applyEvent(entry.event);
      }
    }
    window?.append(fresh);
  }

  function applyEvent(event: LogEvent): void {
    switch (event.kind) {
      case "channel_created": {
        audiences.channelCreated(event.channel, event.visibility);
        if (event.visibility === "public") {
          io.local.to(PUBLIC_ROOM).emit("channel:created", { name: event.channel, createdAt: event.createdAt, visibility: "public" });
        }
        return;
      }
      case "member_added":
      case "member_removed": {
        const added = event.kind === "member_added";
        if (audiences.visibilityOf(event.channel) !== "public") {
          audiences.memberChanged(event.userId, event.channel, added ? event.offset : null);
          const connections = io.local.in(userRoom(event.userId));
          if (added) connections.socketsJoin(channelRoom(event.channel));
          else connections.socketsLeave(channelRoom(event.channel));
        }
        const { userId, channel } = event;
        if (added) {
          // The description (a DM's participants) is read from the store first.
          notify(userId, channel, async () => {
            const joined = await options.describeChannel(channel);
            if (joined) io.local.to(userRoom(userId)).emit("channel:joined", joined);
            await options.afterJoinedNotice?.(userId, channel);
          });
        } else {
          notify(userId, channel, () => void io.local.to(userRoom(userId)).emit("channel:left", { channel }));
        }
        return;
      }
    }
  }

  /** Per user, the notices still to be sent: each waits for the one before it. */
  const notices = new Map<string, Promise<void>>();

  /**
   * Sends a user's connections a notice of a membership change, in log order: a `channel:joined` whose description
   * is still being read must not be overtaken by a later `channel:left`, or the client would list a channel it was
   * removed from.
   */
  function notify(userId: string, channel: string, send: () => Promise<void> | void): void {
    const sent = (notices.get(userId) ?? Promise.resolve())
      .then(send)
      .catch((error: unknown) => logger.warn({ err: error, channel }, "could not send a membership notice"));
    notices.set(userId, sent);
    void sent.then(() => {
      if (notices.get(userId) === sent) notices.delete(userId);
    });
  }

  const deliverSafely = (entries: readonly LogEntry[]) => {
    try {
      deliver(entries);
    } catch (error) {
      // A delivery bug must not fail the commit that triggered it; connections then catch up on reconnect.
      logger.error({ err: error }, "delivery failed");
      metrics.errors.inc({ kind: "delivery" });
    }
  };

  /** Learns the channels that exist once the log's position is known (later ones come as events). */
  const start = async (position: number) => {
    for (const channel of await store.listChannels()) audiences.channelCreated(channel.name, channel.visibility);
    head = Math.max(head, position);
    window = new OffsetWindow<MessageEntry>(options.windowSize ?? DEFAULT_WINDOW_SIZE, head, (entry) => entry.offset);
  };

  let started: Promise<void>;
  if (options.cluster) {
    const logTail = createLogTail<LogEntry>({
      getEntriesAfter: (after, limit) => store.getEntriesAfter(after, limit),
      getLatestOffset: () => store.getLatestOffset(),
      deliver: deliverSafely,
      onError: (error) => logger.error({ err: error }, "the log tail could not read the store; retrying"),
      tailCheckIntervalMs: options.cluster.tailCheckIntervalMs,
    });
    tail = logTail;
    store.onCommitted((entries) => {
      logTail.offer(entries);
      io.serverSideEmit("tether:committed", [...entries]);
    });
    io.on("tether:committed", (entries: unknown) => {
      if (Array.isArray(entries)) logTail.offer(entries.filter(isLogEntry));
    });
    started = logTail.ready().then(() => start(logTail.deliveredThrough()));
  } else {
    store.onCommitted(deliverSafely);
    started = store.getLatestOffset().then(start);
  }
  // Whoever waits for the start (listen, every connection) sees its failure; a server closed before its start
  // finished must not end the process with an unhandled rejection.
  started.catch(() => {});

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
  async function catchUp(
    connection: ConnectionDelivery,
    fromOffset: number,
    readStates: ReturnType<SessionReadStates["prepare"]> | undefined,
  ): Promise<{ sent: number; fromStore: number; channels: ChannelReadState[] } | null> {
    const { socket } = connection;
    const userId = socket.data.user.id;
    const mayReplay = (entry: MessageEntry) => audiences.mayReplay(userId, channelOf(entry), entry.offset);
    const bounded = await planBoundedCatchUp(socket, fromOffset);
    const sender = new CatchUpSender(socket, options.replayBatchSize);
    // Before any batch, so that a client records a gap before its offset moves past it.
    if (bounded) socket.emit("message:gaps", bounded.gaps);
    const replay = await replayMissed(socket, fromOffset, {
      store,
      batchSize: options.replayBatchSize,
      deliveredThrough: () => head,
      fromWindow: (offset, limit, upTo) => window!.after(offset, limit, upTo),
      mayReplay,
      bounded,
      sender,
    });
    if (replay.aborted || !socket.connected) return null;
    // Usually long done (it started with the catch-up); never awaited inside the synchronous step below.
    if (readStates) {
      await readStates.ready;
      if (!socket.connected) return null;
    }
    // From here on, synchronous: nothing can be delivered between reading the window and joining the rooms. The
    // window holds what was delivered since the replay's last check (microtasks may have run in between).
    const rest = window!.after(replay.sentThrough)?.filter(mayReplay);
    if (rest === undefined) throw new Error(`the delivery window no longer covers offset ${replay.sentThrough}`);
    const sent = sender.send(rest);
    sender.finish();
    void socket.join(audiences.roomsOf(userId));
    connection.moveTo("live");
    return { sent: replay.sent + sent, fromStore: replay.fromStore, channels: readStates?.settle() ?? [] };
  }

  async function run(connection: ConnectionDelivery, following: Promise<void>): Promise<void> {
    const { socket } = connection;
    await started;
    // The read states are read while the memberships load and the catch-up runs; a failure surfaces where it is
    // awaited (catchUp), and is handled here if the connection goes away first.
    const readStates = socket.connected ? options.readStates?.prepare(socket) : undefined;
    readStates?.ready.catch(() => {});
    await following;
    if (connection.phase === "closed") return;
    const auth = (socket.handshake.auth ?? {}) as Record<string, unknown>;
    const fromOffset = Math.min(parseServerOffset(auth.serverOffset) ?? 0, Number.MAX_SAFE_INTEGER);
    if (tail && fromOffset > head && (await store.getLatestOffset()) >= fromOffset) {
      // On a cluster this instance learns of commits (even its own) through the log tail, which can trail the store
      // for a moment: a client that already saw those entries (on another instance, or here through a fast store
      // read) is not ahead of the store. Wait until they are delivered here rather than take it for a database reset,
      // which would replay nothing.
      await tail.whenDelivered(fromOffset, LAGGING_TAIL_WAIT_MS);
      if (!socket.connected) return;
    }
    // A fresh client (offset 0) reads history instead of a replay; a client ahead of the store (its database was
    // reset or restored from a backup) has nothing to catch up: it learns the store's latest id below.
    const startAt = fromOffset === 0 || fromOffset >= head ? head : fromOffset;
    if (startAt < head) metrics.replays.inc();
    const result = await catchUp(connection, startAt, readStates);
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
      limits: { maxMessageLength: options.maxMessageLength, typingExpireMs: options.typingExpireMs },
      channels: result.channels,
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
      // Which private channels and DMs this user reads: loaded now, kept up to date by the log from now on.
      const user = socket.data.user;
      const following = audiences.acquire(user.id, () =>
        user.kind === "account" ? store.getPrivateMemberships(user.id) : Promise.resolve(new Map<string, number>()),
      );
      socket.once("disconnect", () => {
        following.release();
        connection.moveTo("closed");
        // A restored session reuses its socket id: only this connection's own entry is removed.
        if (connections.get(socket.id) === connection) connections.delete(socket.id);
      });
      run(connection, following.loaded).catch((error: unknown) => {
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

    deliveredAfter(offset) {
      const entries = window?.after(offset);
      if (!entries) return null;
      // A message deleted since counts for nobody (read-states.ts): it is left out, as the store's counts leave it.
      const deleted = new Set(entries.flatMap((entry) => (entry.update?.message.deletedAt ? [entry.update.message.id] : [])));
      return entries.flatMap((entry) => (entry.message && !deleted.has(entry.message.id) ? [entry.message] : []));
    },
    mayRead: (userId, message) => audiences.mayReplay(userId, message.channel, message.id),
    mayReadChannel: (userId, channel) => audiences.mayRead(userId, channel),
    visibilityOf: (channel) => audiences.visibilityOf(channel),

    close() {
      tail?.close();
    },
  };
}

/** An entry as another instance announced it (JSON through Redis): only its shape is checked, it is our own. */
function isLogEntry(value: unknown): value is LogEntry {
  if (typeof value !== "object" || value === null) return false;
  const entry = value as { offset?: unknown; message?: unknown; update?: unknown; event?: unknown };
  return (
    typeof entry.offset === "number" && (typeof entry.message === "object" || typeof entry.update === "object" || typeof entry.event === "object")
  );
}
