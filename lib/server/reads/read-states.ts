/**
 * Read states on one instance: what `session:ready.channels` carries, and the `read:state` pushes that keep every
 * connection of an identity (every tab, device and instance) in step after a read, a mute or a channel joined.
 *
 * Counts are exact at a point of each connection's stream: a state counts every message the connection received
 * before it and none after. The store counts up to the position this instance had delivered when the read began
 * (`asOf`); `settle` then adds what was delivered since, from the delivery core's window, in the same synchronous
 * step that emits the state — so the counts match the core's position at the emit, which is also what the
 * connection has been sent. Nothing is recomputed per message: a client counts the messages it receives after a
 * state itself (lib/shared/read-state.ts).
 *
 * A read state changed elsewhere reaches this instance as `tether:read` (cluster only); every instance computes the
 * states of its own connections. Pushes for one identity are serialised, so its connections see them in order.
 *
 * An edit or a delete changes counts without a message arriving (a deleted message counts for nobody; an edit may
 * change whom it mentions — one that mentions no one before or after changes nothing, and is not told here), which
 * no client can count on its own — it may not even hold the message. So every
 * reader of the channel followed here (its author aside) is sent that channel's state afresh (`countsChanged`, and
 * `tether:recount` from the other instances); a push already waiting for the same channel covers it.
 */
import type { ChannelReadState } from "../../shared/dto";
import type { Identity } from "../../shared/identity";
import { MAX_UNREAD_COUNT } from "../../shared/limits";
import { countReceivedMessage } from "../../shared/read-state";
import type { MessageStore } from "../../storage/message-store";
import type { ReadStateCounts } from "../../storage/read-state-store";
import type { DeliveryCore, SessionReadStates } from "../delivery/delivery-core";
import { userRoom } from "../delivery/audience";
import type { Logger } from "../logger";
import type { TetherServer, TetherSocket } from "../realtime/types";

interface Snapshot {
  asOf: number;
  counts: ReadStateCounts[];
}

interface FollowedIdentity {
  identity: Identity;
  /**
   * Positions below this count as this: 0, except for an ephemeral guest (a script without the guest cookie), whose
   * identity began with its connection — everything before it counts as read, so its counts cost nothing.
   */
  floor: number;
  connections: number;
  /** Bumped by every push: a session whose snapshot began before a push must be refreshed once it is live. */
  changes: number;
  /** The pushes still to be sent, each after the one before. */
  queue: Promise<void>;
}

export interface ReadStates extends SessionReadStates {
  /** A message of `channel` by `authorId` was edited or deleted (here): fresh counts to its readers, on every instance. */
  countsChanged(channel: string, authorId: string): void;
  /** A read state of `identityId` changed on this instance (a mark, a mute): pushes it here and on the other instances. */
  changed(identityId: string, channel: string): void;
  /** `identityId` can now read `channel` (called after its `channel:joined`): pushes that channel's state here. */
  joined(identityId: string, channel: string): Promise<void>;
  /** The lowest position `identityId` can have (see FollowedIdentity.floor). */
  floorOf(identityId: string): number;
}

export interface ReadStatesOptions {
  io: TetherServer;
  store: MessageStore;
  delivery: () => DeliveryCore;
  logger: Logger;
  cluster: boolean;
}

/** Retries of a push whose window no longer held what was delivered since its read. */
const MAX_SETTLE_ATTEMPTS = 3;

export function createReadStates({ io, store, delivery, logger, cluster }: ReadStatesOptions): ReadStates {
  const followed = new Map<string, FollowedIdentity>();

  async function snapshot(identity: Identity, only?: readonly string[]): Promise<Snapshot> {
    const asOf = delivery().deliveredThrough();
    const channels = only ?? (await store.listChannelsReadableBy(identity.kind === "account" ? identity.id : null)).map((channel) => channel.name);
    const floor = followed.get(identity.id)?.floor ?? 0;
    return { asOf, counts: await store.getReadStates(identity.id, channels, asOf, MAX_UNREAD_COUNT, floor) };
  }

  /** Synchronous: the snapshot brought to the core's current position. `exact` false when the window could not. */
  function settle(identity: Identity, { asOf, counts }: Snapshot): { states: ChannelReadState[]; exact: boolean } {
    const core = delivery();
    const states = new Map<string, ChannelReadState>();
    for (const { channel, readUpTo, unread, mentions, muted } of counts) {
      // A channel left meanwhile is not told about; every message of a DM mentions its readers.
      if (!core.mayReadChannel(identity.id, channel)) continue;
      states.set(channel, { channel, readUpTo, unread, mentions: core.visibilityOf(channel) === "dm" ? unread : mentions, muted });
    }
    const since = core.deliveredAfter(asOf);
    for (const message of since ?? []) {
      const state = states.get(message.channel);
      if (state && core.mayRead(identity.id, message)) {
        states.set(message.channel, countReceivedMessage(state, message, core.visibilityOf(message.channel), identity));
      }
    }
    return { states: [...states.values()], exact: since !== null };
  }

  function enqueue(identityId: string, push: () => Promise<void>): Promise<void> {
    const entry = followed.get(identityId);
    if (!entry) return Promise.resolve();
    entry.queue = entry.queue.then(push).catch((error: unknown) => logger.warn({ err: error, identityId }, "could not push a read state"));
    return entry.queue;
  }

  /** Reads, settles and sends in one go, reading again in the rare case the window moved past the read. */
  async function computeAndSend(identity: Identity, only: readonly string[] | undefined, send: (states: ChannelReadState[]) => void) {
    for (let attempt = 1; ; attempt++) {
      const settled = settle(identity, await snapshot(identity, only));
      if (settled.exact || attempt === MAX_SETTLE_ATTEMPTS) {
        send(settled.states);
        return;
      }
    }
  }

  /** `identity:channel` recounts queued and not yet begun: a burst of deletes in one channel costs one count each. */
  const recountsWaiting = new Set<string>();

  function recountHere(channel: string, authorId: string): void {
    const core = delivery();
    for (const [identityId, entry] of followed) {
      if (identityId === authorId || !core.mayReadChannel(identityId, channel)) continue;
      const key = `${identityId}\u0000${channel}`;
      if (recountsWaiting.has(key)) continue;
      recountsWaiting.add(key);
      entry.changes++;
      void enqueue(identityId, () => {
        recountsWaiting.delete(key);
        return computeAndSend(entry.identity, [channel], (states) => {
          for (const state of states) io.local.to(userRoom(identityId)).emit("read:state", state);
        });
      });
    }
  }

  function pushHere(identityId: string, channels?: readonly string[]): Promise<void> {
    const entry = followed.get(identityId);
    if (!entry) return Promise.resolve();
    entry.changes++;
    return enqueue(identityId, () =>
      computeAndSend(entry.identity, channels, (states) => {
        for (const state of states) io.local.to(userRoom(identityId)).emit("read:state", state);
      }),
    );
  }

  if (cluster) {
    io.on("tether:read", (notice: unknown) => {
      const { identityId, channel } = (notice ?? {}) as { identityId?: unknown; channel?: unknown };
      if (typeof identityId === "string" && typeof channel === "string") void pushHere(identityId, [channel]);
    });
    io.on("tether:recount", (notice: unknown) => {
      const { channel, authorId } = (notice ?? {}) as { channel?: unknown; authorId?: unknown };
      if (typeof channel === "string" && typeof authorId === "string") recountHere(channel, authorId);
    });
  }

  return {
    prepare(socket: TetherSocket) {
      const identity = socket.data.user;
      let entry = followed.get(identity.id);
      if (entry) {
        entry.connections++;
        entry.identity = identity;
      } else {
        const floor = identity.ephemeral ? delivery().deliveredThrough() : 0;
        entry = { identity, floor, connections: 1, changes: 0, queue: Promise.resolve() };
        followed.set(identity.id, entry);
      }
      const held = entry;
      socket.once("disconnect", () => {
        if (--held.connections === 0 && followed.get(identity.id) === held) followed.delete(identity.id);
      });
      const changesAtStart = held.changes;
      let read: Snapshot | null = null;
      const ready = snapshot(identity).then((found) => {
        read = found;
      });
      return {
        ready,
        settle() {
          const { states, exact } = settle(identity, read!);
          // A read elsewhere or a channel joined while this connection caught up was pushed to the live connections
          // only; this one gets every state again, now that it is live.
          if (!exact || held.changes !== changesAtStart) {
            void enqueue(identity.id, () =>
              computeAndSend(identity, undefined, (fresh) => fresh.forEach((state) => socket.emit("read:state", state))),
            );
          }
          return states;
        },
      };
    },

    changed(identityId, channel) {
      void pushHere(identityId, [channel]);
      if (cluster) io.serverSideEmit("tether:read", { identityId, channel });
    },

    countsChanged(channel, authorId) {
      recountHere(channel, authorId);
      if (cluster) io.serverSideEmit("tether:recount", { channel, authorId });
    },

    joined: (identityId, channel) => pushHere(identityId, [channel]),

    floorOf: (identityId) => followed.get(identityId)?.floor ?? 0,
  };
}
