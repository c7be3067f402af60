/**
 * How a state stored by an older version of the client becomes the current version's, one version at a time.
 * Each step sees raw, unvalidated data: it must accept anything without throwing and reshape only what it
 * recognises, leaving the rest for validation (persisted-state.ts) to keep or drop part by part. Adding a version
 * is appending one step (and updating the schema to what it produces).
 */
import { DM_NAME_PATTERN } from "../../shared/schemas";
import { CACHED_MESSAGES_PER_CHANNEL, isRecord } from "./persisted-state";

type Migration = (state: Record<string, unknown>) => Record<string, unknown>;

/** MIGRATIONS[n - 1] turns the state of version n into that of version n + 1. */
const MIGRATIONS: readonly Migration[] = [
  // 1 → 2: outbox entries get a discriminator; every version-1 entry was a message to send.
  (state) => ({
    ...state,
    outbox: Array.isArray(state.outbox) ? state.outbox.map((entry: unknown) => (isRecord(entry) ? { ...entry, kind: "send" } : entry)) : state.outbox,
  }),
  // 2 → 3: channels are known with their visibility (and a DM with its participants), not by name only. A name
  // alone does not say whether a channel is private: it reads as public (a DM by its reserved name) until the
  // server's list, asked for on every connection, describes it — or drops it, if this person may no longer read it.
  ({ channelNames, ...state }) => ({
    ...state,
    channelList: Array.isArray(channelNames)
      ? channelNames.map((name: unknown) => (typeof name === "string" ? { name, visibility: DM_NAME_PATTERN.test(name) ? "dm" : "public" } : name))
      : channelNames,
  }),
  // 3 → 4: the client holds a bounded window of each channel and replays a bounded catch-up, so the cache is one
  // page per channel: the newest CACHED_MESSAGES_PER_CHANNEL of what version 3 kept (its contiguous newest run).
  (state) => ({
    ...state,
    cache: isRecord(state.cache)
      ? Object.fromEntries(
          Object.entries(state.cache).map(([name, list]) => [name, Array.isArray(list) ? list.slice(-CACHED_MESSAGES_PER_CHANNEL) : list]),
        )
      : state.cache,
  }),
  // 4 → 5: the outbox also holds changes to messages (edit, delete, react, unreact) and a send may answer a
  // message (`replyTo`). Every version-4 entry is a send as it was: the shape only grew, so nothing is reshaped;
  // the version says that a version-4 client must not read these entries as messages to send.
  (state) => state,
];

/** The version this code writes. Version 1 is the first Tether ever stored. */
export const STORAGE_VERSION = MIGRATIONS.length + 1;

/**
 * The state stored by `version`, brought to the current version's shape (not yet validated). A state from a
 * newer version is returned as it is: validation keeps what this code understands of it.
 */
export function migrateToCurrent(state: unknown, version: number): unknown {
  if (!isRecord(state)) return state;
  let migrated = state;
  for (let from = Math.max(version, 1); from < STORAGE_VERSION; from++) migrated = MIGRATIONS[from - 1]!(migrated);
  return migrated;
}
