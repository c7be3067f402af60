/**
 * What the UI can ask of the chat, callable from any component: each action updates the store and talks to the
 * socket singleton. Components import this module and the store hooks, nothing below them.
 */
import { isAckError } from "../shared/ack";
import { signOut, signOutEverywhere } from "./account-api";
import { countCharacters } from "../shared/limits";
import type { PageIdentity } from "../shared/page-identity";
import { bindSocketToStore } from "./bind-socket";
import { loadOlderMessages } from "./history";
import { createOutboxSender, type OutboxSender } from "./outbox-sender";
import { applyDisplayName } from "./profile";
import { closeSocket, getSocket, request, REQUEST_TIMEOUT_MS } from "./socket";
import { useTetherStore } from "./store";
import { selectStorageFor, storageKeyFor } from "./store/storage-key";

let sender: OutboxSender | null = null;

function outboxSender(): OutboxSender {
  sender ??= createOutboxSender(getSocket(), useTetherStore);
  return sender;
}

/**
 * Hydrates the store from the storage entry of the identity the page is for, binds the socket to it and
 * connects. Returns the unbinding; the socket itself stays (one per tab), so a Strict Mode remount re-binds
 * without a second connection.
 */
export function startChatClient(identity: PageIdentity): () => void {
  const socket = getSocket();
  // Before hydrating: this identity's entry, never another's (storage-key.ts).
  useTetherStore.persist.setOptions({ name: selectStorageFor(identity) });
  // Synchronous with localStorage: the offset is in the store before the handshake reads it.
  void useTetherStore.persist.rehydrate();
  const unbind = bindSocketToStore(socket, useTetherStore, outboxSender(), {
    identity,
    onIdentityChanged: reloadForNewIdentity,
    // Full page loads on purpose, here and below: the page starts over for the identity the server renders it for.
    // eslint-disable-next-line @next/next/no-location-assign-relative-destination
    onUnauthorized: () => window.location.assign(SIGN_IN_PAGE),
  });
  if (!socket.connected && useTetherStore.getState().phase !== "disconnected") socket.connect();
  return unbind;
}

const SIGN_IN_PAGE = "/sign-in";

/** Guards against a reload loop, should the page and the socket keep disagreeing about who this is. */
const IDENTITY_RELOAD_KEY = "tether:identity-reload-at";
const IDENTITY_RELOAD_GUARD_MS = 10_000;

/**
 * The server says this connection is someone other than the page was opened for (the session was ended on
 * another device, or someone signed in or out in another tab). Nothing more is done with this page's state —
 * no outbox is sent, no session confirmed — and the page reloads as whoever it now is.
 */
function reloadForNewIdentity(): void {
  getSocket().disconnect();
  const last = Number(window.sessionStorage.getItem(IDENTITY_RELOAD_KEY) ?? 0);
  if (Date.now() - last < IDENTITY_RELOAD_GUARD_MS) return;
  window.sessionStorage.setItem(IDENTITY_RELOAD_KEY, String(Date.now()));
  window.location.reload();
}

/**
 * After signing out: closes the connection and deletes the account's local state (its cache and any unsent
 * messages), so the next person on this browser finds nothing of it.
 */
function forgetLocalState(identity: PageIdentity): void {
  closeSocket();
  window.localStorage.removeItem(storageKeyFor(identity));
}

/**
 * Signs this browser out (`everywhere`: every session of the account), forgets the account's local state and
 * opens the chat anew, as a guest. Resolves with a message for the person when the server refused.
 */
export async function signOutAndLeave(identity: PageIdentity, { everywhere = false } = {}): Promise<string | null> {
  const result = everywhere ? await signOutEverywhere() : await signOut();
  if (!result.ok) return result.message;
  forgetLocalState(identity);
  // eslint-disable-next-line @next/next/no-location-assign-relative-destination
  window.location.assign("/");
  return null;
}

export function sendMessage(channel: string, content: string): boolean {
  const { maxMessageLength } = useTetherStore.getState();
  if (content.trim().length === 0 || countCharacters(content) > maxMessageLength) return false;
  useTetherStore.getState().enqueue(channel, content);
  outboxSender().requestDrain();
  return true;
}

export function retryMessage(clientOffset: string): void {
  useTetherStore.getState().retry(clientOffset);
  outboxSender().requestDrain();
}

export function discardMessage(clientOffset: string): void {
  useTetherStore.getState().discard(clientOffset);
}

export function loadOlder(channel: string): Promise<void> {
  return loadOlderMessages(getSocket(), useTetherStore, channel);
}

export function switchChannel(channel: string): void {
  useTetherStore.getState().setActiveChannel(channel);
  const held = useTetherStore.getState().channels[channel];
  if (!held || held.ids.length === 0) void loadOlder(channel);
}

/** Creates a channel and switches to it; resolves with an error message for the person, or null. */
export async function createChannel(name: string): Promise<string | null> {
  const socket = getSocket();
  if (!socket.connected) return "You are offline; connect to create a channel.";
  try {
    const ack = await request(socket, REQUEST_TIMEOUT_MS, "channel:create", { name });
    if (isAckError(ack)) return ack.error.message;
    useTetherStore.getState().setChannelNames([ack.data.channel.name]);
    switchChannel(ack.data.channel.name);
    return null;
  } catch (error) {
    console.warn("channel:create got no answer", error);
    return "The server did not answer; try again.";
  }
}

/** Remembers the name and tells the server at once, so the next message already carries it. */
export function setDisplayName(name: string): void {
  applyDisplayName(getSocket(), useTetherStore, name);
}

/** The Disconnect/Connect toggle: really closes the socket, and opens it again. */
export function toggleConnection(): void {
  const socket = getSocket();
  if (useTetherStore.getState().phase === "disconnected") {
    useTetherStore.setState({ phase: "connecting" });
    socket.connect();
  } else {
    socket.disconnect();
  }
}
