/**
 * Which localStorage entry holds this page's state. One entry per identity, so that one identity's cached
 * messages and outbox are never shown to, nor sent as, another on the same browser (sign out, sign in as someone
 * else): the entry is chosen from the identity the server rendered the page for, before the store hydrates, and
 * every read and write of the page (the store, tab sync, the outbox sender) goes to it.
 *
 * Guests — one per browser, by the guest cookie — keep the entry Tether has always used; each account has its
 * own. An entry is only ever opened by pages of its identity; signing out deletes the account's entry.
 */
import type { PageIdentity } from "../../shared/page-identity";

export const GUEST_STORAGE_KEY = "tether";

let current = GUEST_STORAGE_KEY;

export function storageKeyFor(identity: Pick<PageIdentity, "kind" | "id">): string {
  return identity.kind === "account" ? `${GUEST_STORAGE_KEY}:account:${identity.id}` : GUEST_STORAGE_KEY;
}

/** The entry this page reads and writes. */
export function storageKey(): string {
  return current;
}

/** Chooses the entry for the identity the page is for; called once, before the store hydrates. */
export function selectStorageFor(identity: Pick<PageIdentity, "kind" | "id">): string {
  current = storageKeyFor(identity);
  return current;
}
