/**
 * Presence: each identity (an account, or a guest identity) is online (a connection of it is active), away (connected,
 * every connection away: tab hidden or idle, `presence:set`) or offline (no connection). Changes are pushed as
 * `presence { userId, state }` to every live connection; `presence:list` answers the current states.
 *
 * Each instance knows its own connections exactly. On a cluster it also keeps a copy of the other instances' users
 * (SharedPresence: Redis keys that live PRESENCE_TTL_MS unless renewed every PRESENCE_HEARTBEAT_MS), told of changes
 * at once by `tether:presence` and re-read in full at every heartbeat. An instance that dies stops renewing: at the
 * next heartbeat after its entries lapse, every other instance drops its users, and those not connected elsewhere
 * go offline — within PRESENCE_TTL_MS + PRESENCE_HEARTBEAT_MS. A connection's presence ends with its disconnect,
 * whatever the reason, so a recovery or a fresh connection never leaves a ghost behind. A script guest (no guest
 * cookie: an id for one connection) has no presence.
 */
import { randomBytes } from "node:crypto";
import { ok, type Ack } from "../../shared/ack";
import type { PresenceNotice, PresenceState } from "../../shared/dto";
import { parsePresenceList, parsePresenceSet } from "../../shared/schemas";
import { PUBLIC_ROOM } from "../delivery/audience";
import type { Logger } from "../logger";
import type { TetherServer, TetherSocket } from "../realtime/types";

/** A user's state on one instance: absent when it has no connection there. */
export type InstancePresence = Exclude<PresenceState, "offline">;

/** The presence of every instance of a cluster, shared (Redis: redis-presence.ts). */
export interface SharedPresence {
  /** Sets (or, with null, removes) one user's state on this instance, renewing the instance's entries. */
  set(instanceId: string, userId: string, state: InstancePresence | null, ttlMs: number): Promise<void>;
  /** Rewrites every state of this instance and renews them for `ttlMs`. */
  renew(instanceId: string, states: ReadonlyMap<string, InstancePresence>, ttlMs: number): Promise<void>;
  /** The states of every other instance whose entries have not lapsed. */
  readOthers(instanceId: string): Promise<Map<string, Map<string, InstancePresence>>>;
  /** This instance is stopping: its entries go at once. */
  remove(instanceId: string): Promise<void>;
}

export interface PresenceOptions {
  io: TetherServer;
  logger: Logger;
  /** Absent on one instance: presence is this process's alone. */
  shared?: SharedPresence;
  heartbeatMs: number;
  ttlMs: number;
}

const RANK: Record<PresenceState, number> = { offline: 0, away: 1, online: 2 };
const best = (a: PresenceState, b: PresenceState): PresenceState => (RANK[a] >= RANK[b] ? a : b);

export function createPresence({ io, logger, shared, heartbeatMs, ttlMs }: PresenceOptions) {
  const instanceId = randomBytes(8).toString("hex");
  /** userId → socket id → that connection's activity. */
  const local = new Map<string, Map<string, "active" | "away">>();
  /** Other instances' users, as last heard. */
  let others = new Map<string, Map<string, InstancePresence>>();
  /** What this instance's connections were last told (absent: offline). */
  const announced = new Map<string, PresenceState>();

  function localState(userId: string): PresenceState {
    const sockets = local.get(userId);
    if (!sockets || sockets.size === 0) return "offline";
    for (const activity of sockets.values()) if (activity === "active") return "online";
    return "away";
  }

  function stateOf(userId: string): PresenceState {
    let state = localState(userId);
    for (const users of others.values()) state = best(state, users.get(userId) ?? "offline");
    return state;
  }

  function announce(userIds: Iterable<string>): void {
    for (const userId of userIds) {
      const state = stateOf(userId);
      if (state === (announced.get(userId) ?? "offline")) continue;
      if (state === "offline") announced.delete(userId);
      else announced.set(userId, state);
      const notice: PresenceNotice = { userId, state };
      io.local.to(PUBLIC_ROOM).emit("presence", notice);
    }
  }

  /** A local change: announced here, told to the other instances and written to the shared copy. */
  function changedHere(userId: string): void {
    announce([userId]);
    // A stopping instance's entries were removed at once; its connections closing must not write them back.
    if (!shared || closed) return;
    const state = localState(userId);
    const instanceState = state === "offline" ? null : state;
    io.serverSideEmit("tether:presence", { instanceId, userId, state: instanceState });
    shared.set(instanceId, userId, instanceState, ttlMs).catch((error: unknown) => logger.warn({ err: error }, "could not share a presence change"));
  }

  function setActivity(socket: TetherSocket, activity: "active" | "away" | null): void {
    // A script guest's id lasts one connection: nobody can look it up, and a storm of such connections must not
    // become a storm of announcements to everyone.
    if (socket.data.user.ephemeral) return;
    const userId = socket.data.user.id;
    let sockets = local.get(userId);
    if (activity === null) {
      if (!sockets?.delete(socket.id)) return;
      if (sockets.size === 0) local.delete(userId);
    } else {
      if (!sockets) local.set(userId, (sockets = new Map<string, "active" | "away">()));
      if (sockets.get(socket.id) === activity) return;
      sockets.set(socket.id, activity);
    }
    changedHere(userId);
  }

  let heartbeat: NodeJS.Timeout | null = null;
  let closed = false;
  if (shared) {
    io.on("tether:presence", (notice: unknown) => {
      const { instanceId: from, userId, state } = (notice ?? {}) as { instanceId?: unknown; userId?: unknown; state?: unknown };
      if (typeof from !== "string" || from === instanceId || typeof userId !== "string") return;
      let users = others.get(from);
      if (!users) others.set(from, (users = new Map<string, InstancePresence>()));
      if (state === "online" || state === "away") users.set(userId, state);
      else users.delete(userId);
      announce([userId]);
    });
    const beat = async () => {
      const mine = new Map<string, InstancePresence>();
      for (const userId of local.keys()) {
        const state = localState(userId);
        if (state !== "offline") mine.set(userId, state);
      }
      await shared.renew(instanceId, mine, ttlMs);
      const previous = others;
      others = await shared.readOthers(instanceId);
      const touched = new Set<string>();
      for (const users of [...previous.values(), ...others.values()]) for (const userId of users.keys()) touched.add(userId);
      announce(touched);
    };
    const tick = () => {
      beat()
        .catch((error: unknown) => logger.warn({ err: error }, "presence heartbeat failed"))
        .finally(() => {
          if (heartbeat) heartbeat = setTimeout(tick, heartbeatMs);
        });
    };
    heartbeat = setTimeout(tick, 0);
  }

  return {
    connected: (socket: TetherSocket) => setActivity(socket, "active"),
    disconnected: (socket: TetherSocket) => setActivity(socket, null),

    async set(socket: TetherSocket, payload: unknown): Promise<Ack<{ state: "active" | "away" }>> {
      const parsed = parsePresenceSet(payload);
      if (!parsed.ok) return { error: parsed.error };
      setActivity(socket, parsed.value.state);
      return ok({ state: parsed.value.state });
    },

    async list(_socket: TetherSocket, payload: unknown): Promise<Ack<{ presence: PresenceNotice[] }>> {
      const parsed = parsePresenceList(payload);
      if (!parsed.ok) return { error: parsed.error };
      return ok({ presence: parsed.value.userIds.map((userId) => ({ userId, state: stateOf(userId) })) });
    },

    async close(): Promise<void> {
      closed = true;
      if (heartbeat) clearTimeout(heartbeat);
      heartbeat = null;
      await shared?.remove(instanceId).catch((error: unknown) => logger.warn({ err: error }, "could not remove this instance's presence"));
    },
  };
}
