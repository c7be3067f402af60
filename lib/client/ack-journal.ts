/**
 * The clientOffsets that this browser's tabs had acknowledged while they held the outbox lock, kept where the
 * next holder of the lock is certain to see them: IndexedDB.
 *
 * localStorage cannot promise that. Chromium gives each tab its own copy of it and tells the other tabs of a
 * write asynchronously, apart from the lock's own messages; so a tab granted the outbox lock could read the
 * outbox as it was before the previous holder's ack and send that message again (the two-tab test of e2e/offline.spec.ts caught it
 * in 2 of 10 runs when the second tab's own copy of the broadcast came late). IndexedDB is one database in the
 * browser process: a transaction that completed before the lock was released is seen by every transaction
 * begun after the lock was granted.
 */
import { createStore, get, update, type UseStore } from "idb-keyval";
import { rememberSettled } from "./outbox";

const KEY = "acknowledged";
let journal: UseStore | null | undefined;

/** Null where there is no IndexedDB: each tab then relies on storage, and the server's dedupe on clientOffset. */
function openJournal(): UseStore | null {
  journal ??= typeof indexedDB === "undefined" ? null : createStore("tether-outbox", "journal");
  return journal;
}

/** The clientOffsets acknowledged to any tab of this browser, newest last (at most SETTLED_MEMORY of them). */
export async function readAcknowledged(): Promise<string[]> {
  const store = openJournal();
  if (!store) return [];
  try {
    return (await get<string[]>(KEY, store)) ?? [];
  } catch (error) {
    // Without the journal a stale copy of the outbox may send a message again; the server stores it once.
    console.warn("could not read the outbox journal", error);
    return [];
  }
}

/** Resolves once the acknowledgement is committed: call it before the outbox lock can pass to another tab. */
export async function recordAcknowledged(clientOffset: string): Promise<void> {
  const store = openJournal();
  if (!store) return;
  try {
    await update<string[]>(KEY, (acknowledged) => rememberSettled(acknowledged ?? [], [clientOffset]), store);
  } catch (error) {
    console.warn("could not write the outbox journal", error);
  }
}
