/**
 * What survives a reload, and how tabs share it. One localStorage entry holds the outbox, a bounded cache of the
 * newest messages per channel (a contiguous suffix, so older history loads without a gap), the offset those
 * messages reach, and the display name. Every write merges the outbox with what another tab may have written
 * since, so two tabs never erase each other's unsent messages.
 *
 * Every read — hydration, another tab's write, the outbox sender's look before each send — goes through the same
 * migration (migrations.ts) and part-by-part validation (persisted-state.ts): a tab still running older code may
 * have written the value in an older version, or anything may have.
 */
import type { PersistStorage, StorageValue } from "zustand/middleware";
import type { ChatMessage } from "../../shared/dto";
import { GENERAL_CHANNEL } from "../../shared/limits";
import { emptyChannel, mergeMessages, newestMessages, type ChannelMessages } from "../message-index";
import { mergeOutboxes } from "../outbox";
import { migrateToCurrent } from "./migrations";
import { CACHED_MESSAGES_PER_CHANNEL, parsePersistedState, type PersistedState } from "./persisted-state";
import { GUEST_STORAGE_KEY, storageKey } from "./storage-key";
import type { TetherState } from "./types";

export { STORAGE_VERSION } from "./migrations";
export type { PersistedState } from "./persisted-state";

/** The entry's default name; the page's identity chooses the one actually used (storage-key.ts). */
export const STORAGE_KEY = GUEST_STORAGE_KEY;
export { CACHED_MESSAGES_PER_CHANNEL };

export function partializeState(state: TetherState, perChannel = CACHED_MESSAGES_PER_CHANNEL): PersistedState {
  const cache: Record<string, ChatMessage[]> = {};
  for (const [name, channel] of Object.entries(state.channels)) {
    // Only what reaches the live end without a gap: a reload then pages back from it and skips nothing.
    const newest = newestMessages(channel, perChannel);
    if (newest.length > 0) cache[name] = newest;
  }
  return {
    displayName: state.displayName,
    displayNameSetAt: state.displayNameSetAt,
    me: state.me,
    activeChannel: state.activeChannel,
    channelList: Object.values(state.channelInfo),
    serverOffset: state.serverOffset,
    cache,
    outbox: state.outbox.filter((e) => e.status !== "sent"),
    settled: state.settled,
  };
}

/** zustand's `migrate`: a state stored by another version of the client, as this version's, validated. */
export function migratePersistedState(state: unknown, version: number): PersistedState {
  return parsePersistedState(migrateToCurrent(state, version));
}

/** zustand's `merge`: the stored state (validated here: a same-version value skips `migrate`) over the initial one. */
export function mergePersistedIntoState(persisted: unknown, current: TetherState): TetherState {
  if (persisted === undefined || persisted === null) return current;
  const p = parsePersistedState(persisted);
  const channels: Record<string, ChannelMessages> = {};
  for (const [name, messages] of Object.entries(p.cache)) channels[name] = mergeMessages(emptyChannel(), messages).channel;
  const channelInfo = Object.fromEntries(p.channelList.map((channel) => [channel.name, channel]));
  return {
    ...current,
    displayName: p.displayName,
    displayNameSetAt: p.displayNameSetAt,
    me: p.me ?? current.me,
    // The open channel is one of the known ones (an older version did not list every one it showed).
    activeChannel: p.activeChannel in channelInfo ? p.activeChannel : GENERAL_CHANNEL,
    channelInfo,
    serverOffset: p.serverOffset,
    channels,
    outbox: p.outbox,
    settled: p.settled,
  };
}

/** The `{ state, version }` envelope as stored, state not yet validated; null when nothing (usable) is stored. */
function readEnvelope(raw: string | null): { state: unknown; version: number } | null {
  if (!raw) return null;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    console.warn("Tether: the stored state is not JSON; starting without it", error);
    return null;
  }
  const version = (value as { version?: unknown } | null)?.version;
  if (typeof version !== "number" || !Number.isInteger(version) || version < 1) {
    console.warn("Tether: the stored state has no version; starting without it", value);
    return null;
  }
  return { state: (value as { state?: unknown }).state, version };
}

/** What is stored now (by any tab, in any version), as this version's state; null when nothing is. */
export function readPersisted(storage: Storage): PersistedState | null {
  const stored = readEnvelope(storage.getItem(storageKey()));
  return stored && migratePersistedState(stored.state, stored.version);
}

function isQuotaError(error: unknown): boolean {
  return error instanceof DOMException && (error.name === "QuotaExceededError" || error.code === 22);
}

export function createMergingStorage(getStorage: () => Storage): PersistStorage<PersistedState> {
  return {
    getItem: (name) =>
      // Validated next: zustand hands another version's state to `migrate`, this version's to `merge`.
      readEnvelope(getStorage().getItem(name)) as StorageValue<PersistedState> | null,
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
