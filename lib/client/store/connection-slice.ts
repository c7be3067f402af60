import type { SessionReady } from "../../shared/dto";
import { DEFAULT_MAX_MESSAGE_LENGTH } from "../../shared/limits";
import type { SliceCreator } from "./types";

/** `disconnected` means the person pressed Disconnect; a dropped connection is `reconnecting`. */
export type ConnectionPhase = "connecting" | "connected" | "reconnecting" | "disconnected";

export interface SessionSummary {
  recovered: boolean;
  /** Messages that arrived between the drop and the session being ready (buffer or database replay). */
  arrived: number;
  /** False for the first connection of this page: nothing to report then. */
  afterDrop: boolean;
}

export interface ConnectionSlice {
  phase: ConnectionPhase;
  /** Reconnection attempt number while reconnecting. */
  attempt: number;
  browserOnline: boolean;
  /** Caught up and live: `session:ready` arrived on the current connection. */
  ready: boolean;
  lastSession: SessionSummary | null;
  arrivedSinceDrop: number;
  hasConnectedBefore: boolean;
  maxMessageLength: number;
  connectionOpened(): void;
  connectionLost(byUser: boolean): void;
  reconnectAttempted(attempt: number): void;
  browserOnlineChanged(online: boolean): void;
  countArrivals(count: number): void;
  sessionReady(info: SessionReady): void;
}

export const createConnectionSlice: SliceCreator<ConnectionSlice> = (set) => ({
  phase: "connecting",
  attempt: 0,
  browserOnline: true,
  ready: false,
  lastSession: null,
  arrivedSinceDrop: 0,
  hasConnectedBefore: false,
  maxMessageLength: DEFAULT_MAX_MESSAGE_LENGTH,
  connectionOpened: () => set({ phase: "connected", attempt: 0 }),
  connectionLost: (byUser) =>
    set((s) => ({
      phase: byUser ? "disconnected" : "reconnecting",
      ready: false,
      attempt: 0,
      // A drop during an earlier catch-up keeps counting: the person has not been told about those yet.
      arrivedSinceDrop: s.ready ? 0 : s.arrivedSinceDrop,
    })),
  reconnectAttempted: (attempt) => set((s) => (s.phase === "disconnected" ? {} : { phase: "reconnecting", attempt })),
  browserOnlineChanged: (online) => set({ browserOnline: online }),
  countArrivals: (count) => set((s) => (s.ready ? {} : { arrivedSinceDrop: s.arrivedSinceDrop + count })),
  sessionReady: (info) =>
    set((s) => ({
      phase: "connected",
      ready: true,
      attempt: 0,
      maxMessageLength: info.limits.maxMessageLength,
      lastSession: { recovered: info.recovered, arrived: s.arrivedSinceDrop, afterDrop: s.hasConnectedBefore },
      arrivedSinceDrop: 0,
      hasConnectedBefore: true,
    })),
});
