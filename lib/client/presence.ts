/**
 * Presence, both ways: this tab's activity (`presence:set`: away while hidden or idle for IDLE_MS, active again on
 * use) and the state of the people shown (`presence:list` for those a component watches, again on each new
 * session; `presence` pushes keep them current in between).
 */
import { isAckError } from "../shared/ack";
import { request, REQUEST_TIMEOUT_MS, type TetherClientSocket } from "./socket";
import type { TetherStore } from "./store";

export const IDLE_MS = 10 * 60 * 1000;
const ACTIVITY_EVENTS = ["pointerdown", "keydown", "wheel", "touchstart", "mousemove"] as const;
/** presence:list takes at most this many ids a request. */
const LIST_CHUNK = 500;

export interface PresenceTracker {
  /** Start watching these users; returns the matching unwatch. */
  watch(userIds: readonly string[]): () => void;
  /** A new session is ready: its presence starts active, and what is shown is asked for again. */
  sessionReady(): void;
  /** Starts following this tab's activity; returns the stop. */
  trackActivity(): () => void;
}

export function createPresenceTracker(socket: TetherClientSocket, store: TetherStore): PresenceTracker {
  const watched = new Map<string, number>();
  let away = false;
  let lastInputAt = Date.now();

  async function list(userIds: readonly string[]) {
    if (!socket.connected || !store.getState().ready) return;
    for (let i = 0; i < userIds.length; i += LIST_CHUNK) {
      try {
        const ack = await request(socket, REQUEST_TIMEOUT_MS, "presence:list", { userIds: userIds.slice(i, i + LIST_CHUNK) });
        if (isAckError(ack)) console.warn("presence:list refused", ack.error);
        else store.getState().presenceChanged(ack.data.presence);
      } catch (error) {
        console.warn("presence:list got no answer", error);
      }
    }
  }

  function currentlyAway(): boolean {
    return document.visibilityState === "hidden" || Date.now() - lastInputAt >= IDLE_MS;
  }

  function announce(force = false) {
    const now = currentlyAway();
    if (now === away && !force) return;
    away = now;
    if (socket.connected) socket.emit("presence:set", { state: away ? "away" : "active" });
  }

  return {
    watch(userIds) {
      const fresh = userIds.filter((id) => !watched.has(id));
      for (const id of userIds) watched.set(id, (watched.get(id) ?? 0) + 1);
      if (fresh.length > 0) void list(fresh);
      return () => {
        for (const id of userIds) {
          const count = (watched.get(id) ?? 1) - 1;
          if (count <= 0) watched.delete(id);
          else watched.set(id, count);
        }
      };
    },
    sessionReady() {
      // A new connection starts active on the server: tell it when this tab is not.
      away = false;
      if (currentlyAway()) announce();
      void list([...watched.keys()]);
    },
    trackActivity() {
      let idleTimer: ReturnType<typeof setTimeout> | undefined;
      const armIdle = () => {
        clearTimeout(idleTimer);
        idleTimer = setTimeout(() => announce(), IDLE_MS);
      };
      const onInput = () => {
        lastInputAt = Date.now();
        if (away) announce();
        armIdle();
      };
      const onVisibility = () => announce();
      for (const name of ACTIVITY_EVENTS) window.addEventListener(name, onInput, { passive: true });
      document.addEventListener("visibilitychange", onVisibility);
      armIdle();
      return () => {
        clearTimeout(idleTimer);
        for (const name of ACTIVITY_EVENTS) window.removeEventListener(name, onInput);
        document.removeEventListener("visibilitychange", onVisibility);
      };
    },
  };
}
