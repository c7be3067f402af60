/**
 * The one client store, built from slices, persisted to localStorage. Actions are callable outside React, so the
 * socket binding and the outbox sender use `useTetherStore.getState()` directly.
 */
import { create } from "zustand";
import { persist } from "zustand/middleware";
import { createChannelsSlice } from "./channels-slice";
import { createConnectionSlice } from "./connection-slice";
import { createMessagesSlice } from "./messages-slice";
import { createOutboxSlice } from "./outbox-slice";
import {
  createMergingStorage,
  mergePersistedIntoState,
  migratePersistedState,
  partializeState,
  STORAGE_KEY,
  STORAGE_VERSION,
  type PersistedState,
} from "./persistence";
import { createPresenceSlice } from "./presence-slice";
import { createProfileSlice } from "./profile-slice";
import { createReadStateSlice } from "./read-state-slice";
import { createTypingSlice } from "./typing-slice";
import type { TetherState } from "./types";

export type { TetherState } from "./types";

/** The store over a given Storage: the page's localStorage in the app, another one in tests. */
export function createTetherStore(getStorage: () => Storage) {
  return create<TetherState>()(
    persist<TetherState, [], [], PersistedState>(
      (...a) => ({
        ...createChannelsSlice(...a),
        ...createConnectionSlice(...a),
        ...createMessagesSlice(...a),
        ...createOutboxSlice(...a),
        ...createProfileSlice(...a),
        ...createReadStateSlice(...a),
        ...createTypingSlice(...a),
        ...createPresenceSlice(...a),
      }),
      {
        name: STORAGE_KEY,
        version: STORAGE_VERSION,
        migrate: migratePersistedState,
        storage: createMergingStorage(getStorage),
        partialize: (state) => partializeState(state),
        merge: mergePersistedIntoState,
        // Hydrated explicitly, in the browser, before the socket first connects (see use-tether-connection.ts).
        skipHydration: true,
      },
    ),
  );
}

export const useTetherStore = createTetherStore(() => window.localStorage);

export type TetherStore = typeof useTetherStore;
