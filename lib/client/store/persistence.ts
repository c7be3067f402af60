/**
 * What survives a reload, and how tabs share it. One localStorage entry holds the outbox, a bounded cache of the
 * newest messages per channel (a contiguous suffix, so older history loads without a gap), the offset those
 * messages reach, and the display name. Every write merges the outbox with what another tab may have written
 * since, so two tabs never erase each other's unsent messages.
 */
import type { PersistStorage, StorageValue } from "zustand/middleware";
import type { ChatMessage } from "../../shared/dto";
import { GENERAL_CHANNEL } from "../../shared/limits";
import { emptyChannel, mergeMessages, newestMessages, type ChannelMessages } from "../message-index";
import { mergeOutboxes, type OutboxEntry } from "../outbox";
import { GUEST_STORAGE_KEY, storageKey } from "./storage-key";
import type { TetherState } from "./types";

/** The entry's default name; the page's identity chooses the one actually used (storage-key.ts). */
export const STORAGE_KEY = GUEST_STORAGE_KEY;
export const STORAGE_VERSION = 1;
export const CACHED_MESSAGES_PER_CHANNEL = 100;

export interface PersistedState {
  displayName: string;
  displayNameSetAt: number;
  me: TetherState["me"];
  activeChannel: string;
  channelNames: string[];
  serverOffset: number;
  cache: Record<string, ChatMessage[]>;
  /** Pending and failed entries only: an acknowledged one is in `settled` and its message comes by catch-up. */
  outbox: OutboxEntry[];
  settled: string[];
}

export function partializeState(state: TetherState, perChannel = CACHED_MESSAGES_PER_CHANNEL): PersistedState {
  const cache: Record<string, ChatMessage[]> = {};
  for (const [name, channel] of Object.entries(state.channels)) {
    if (channel.ids.length > 0) cache[name] = newestMessages(channel, perChannel);
  }
  return {
    displayName: state.displayName,
    displayNameSetAt: state.displayNameSetAt,
    me: state.me,
    activeChannel: state.activeChannel,
    channelNames: state.channelNames,
    serverOffset: state.serverOffset,
    cache,
    outbox: state.outbox.filter((e) => e.status !== "sent"),
    settled: state.settled,
  };
}

export function mergePersistedIntoState(persisted: unknown, current: TetherState): TetherState {
  const p = persisted as Partial<PersistedState> | undefined;
  if (!p) return current;
  const channels: Record<string, ChannelMessages> = {};
  for (const [name, messages] of Object.entries(p.cache ?? {})) channels[name] = mergeMessages(emptyChannel(), messages).channel;
  return {
    ...current,
    displayName: p.displayName ?? current.displayName,
    displayNameSetAt: p.displayNameSetAt ?? 0,
    me: p.me ?? current.me,
    activeChannel: p.activeChannel ?? GENERAL_CHANNEL,
    channelNames: p.channelNames ?? current.channelNames,
    serverOffset: p.serverOffset ?? 0,
    channels,
    outbox: p.outbox ?? [],
    settled: p.settled ?? [],
  };
}

export function readPersisted(storage: Storage): PersistedState | null {
  const raw = storage.getItem(storageKey());
  if (!raw) return null;
  const value = JSON.parse(raw) as StorageValue<PersistedState>;
  return value.version === STORAGE_VERSION ? value.state : null;
}

function isQuotaError(error: unknown): boolean {
  return error instanceof DOMException && (error.name === "QuotaExceededError" || error.code === 22);
}

export function createMergingStorage(getStorage: () => Storage): PersistStorage<PersistedState> {
  return {
    getItem: (name) => {
      const raw = getStorage().getItem(name);
      return raw ? (JSON.parse(raw) as StorageValue<PersistedState>) : null;
    },
    setItem: (name, value) => {
      const storage = getStorage();
      const theirs = readPersisted(storage);
      const state = theirs ? { ...value.state, ...mergeOutboxes(value.state, theirs) } : value.state;
      if (theirs && (theirs.displayNameSetAt ?? 0) > state.displayNameSetAt) {
        // Another tab renamed more recently than this one: its name stays.
        state.displayName = theirs.displayName;
        state.displayNameSetAt = theirs.displayNameSetAt;
      }
      state.outbox = state.outbox.filter((e) => e.status !== "sent");
      try {
        storage.setItem(name, JSON.stringify({ state, version: value.version }));
      } catch (error) {
        if (!isQuotaError(error)) throw error;
        // Storage is full: the outbox and offset matter, the cache is a convenience. Keep a small cache.
        const trimmed = Object.fromEntries(Object.entries(state.cache).map(([k, v]) => [k, v.slice(-10)]));
        storage.setItem(name, JSON.stringify({ state: { ...state, cache: trimmed }, version: value.version }));
      }
    },
    removeItem: (name) => getStorage().removeItem(name),
  };
}
