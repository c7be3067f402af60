/**
 * What the UI can ask of the chat, callable from any component: each action updates the store and talks to the
 * socket singleton. Components import this module and the store hooks, nothing below them.
 */
import { isAckError } from "../shared/ack";
import { signOut, signOutEverywhere } from "./account-api";
import type { Channel, Member, SearchResult } from "../shared/dto";
import type { ClientToServerEvents } from "../shared/events";
import { countCharacters } from "../shared/limits";
import type { PageIdentity } from "../shared/page-identity";
import { bindSocketToStore } from "./bind-socket";
import { jumpTo, loadGap, loadNewerMessages, loadOlderMessages } from "./history";
import { trimNewest, trimOldest } from "./message-index";
import { notifyOfMessage } from "./notifications";
import { createOutboxSender, type OutboxSender } from "./outbox-sender";
import { createPresenceTracker, type PresenceTracker } from "./presence";
import { createReadMarker, type ReadMarker } from "./read-marker";
import { createTypingSender, type TypingSender } from "./typing-sender";
import { applyDisplayName } from "./profile";
import { closeSocket, getSocket, request, REQUEST_TIMEOUT_MS, type AckDataOf, type PayloadOf } from "./socket";
import { useTetherStore } from "./store";
import type { ChangeRequest } from "./store/outbox-slice";
import { selectStorageFor, storageKeyFor } from "./store/storage-key";

let sender: OutboxSender | null = null;

function outboxSender(): OutboxSender {
  sender ??= createOutboxSender(getSocket(), useTetherStore);
  return sender;
}

// One of each per tab, like the socket they talk through.
let readMarker: ReadMarker | null = null;
let typingSender: TypingSender | null = null;
let presenceTracker: PresenceTracker | null = null;

function reads(): ReadMarker {
  readMarker ??= createReadMarker(getSocket(), useTetherStore);
  return readMarker;
}

function typing(): TypingSender {
  typingSender ??= createTypingSender(getSocket());
  return typingSender;
}

function presence(): PresenceTracker {
  presenceTracker ??= createPresenceTracker(getSocket(), useTetherStore);
  return presenceTracker;
}

/**
 * Hydrates the store from the storage entry of the identity the page is for, binds the socket to it and
 * connects. Returns the unbinding; the socket itself stays (one per tab), so a Strict Mode remount re-binds
 * without a second connection.
 */
export function startChatClient(identity: PageIdentity): () => void {
  pageIdentity = identity;
  const socket = getSocket();
  // Before hydrating: this identity's entry, never another's (storage-key.ts).
  useTetherStore.persist.setOptions({ name: selectStorageFor(identity) });
  // Synchronous with localStorage: the offset is in the store before the handshake reads it.
  void useTetherStore.persist.rehydrate();
  const unbind = bindSocketToStore(
    socket,
    useTetherStore,
    outboxSender(),
    {
      identity,
      onIdentityChanged: reloadForNewIdentity,
      // Full page loads on purpose, here and below: the page starts over for the identity the server renders it for.
      // eslint-disable-next-line @next/next/no-location-assign-relative-destination
      onUnauthorized: () => window.location.assign(SIGN_IN_PAGE),
    },
    {
      onLiveMessage: (message) => notifyOfMessage(useTetherStore, message, (channel, id) => void jumpToMessage(channel, id)),
      onSessionReady: () => {
        reads().flush();
        presence().sessionReady();
      },
    },
  );
  const stopActivity = presence().trackActivity();
  if (!socket.connected && useTetherStore.getState().phase !== "disconnected") socket.connect();
  return () => {
    stopActivity();
    unbind();
  };
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

export function sendMessage(channel: string, content: string, replyTo?: number): boolean {
  const { maxMessageLength } = useTetherStore.getState();
  if (content.trim().length === 0 || countCharacters(content) > maxMessageLength) return false;
  useTetherStore.getState().enqueue(channel, content, replyTo);
  outboxSender().requestDrain();
  typing().stopped(channel);
  // What one writes belongs at the live end: a view reading the past goes back to it.
  void jumpToLatest(channel);
  return true;
}

/** A message a change is about: by id once the server gave it one, else by its clientOffset (still in the outbox). */
export interface MessageRef {
  channel: string;
  id?: number;
  clientOffset: string;
}

function queueChange(change: ChangeRequest): void {
  useTetherStore.getState().enqueueChange(change);
  outboxSender().requestDrain();
}

/** Queues an edit (shown at once); false when the text cannot be sent. */
export function editMessage(message: MessageRef, content: string): boolean {
  const { maxMessageLength } = useTetherStore.getState();
  if (content.trim().length === 0 || countCharacters(content) > maxMessageLength) return false;
  queueChange({ kind: "edit", channel: message.channel, messageId: message.id, target: message.clientOffset, content });
  return true;
}

export function deleteMessage(message: MessageRef): void {
  queueChange({ kind: "delete", channel: message.channel, messageId: message.id, target: message.clientOffset });
}

/** Adds this person's reaction, or removes it (`on` false). */
export function setReaction(message: MessageRef, emoji: string, on: boolean): void {
  queueChange({ kind: on ? "react" : "unreact", channel: message.channel, messageId: message.id, target: message.clientOffset, emoji });
}

/** Whether this page's person is the workspace admin (who may delete anyone's message). */
export function isAdmin(): boolean {
  return pageIdentity?.kind === "account" && pageIdentity.isAdmin;
}

let pageIdentity: PageIdentity | null = null;

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

export function loadGapBefore(channel: string, beforeId: number): Promise<void> {
  return loadGap(getSocket(), useTetherStore, channel, beforeId);
}

export function loadNewer(channel: string): Promise<void> {
  return loadNewerMessages(getSocket(), useTetherStore, channel);
}

/**
 * Keeps the window bounded by dropping the end far from what is on screen: the newest messages while the person
 * reads far older ones (the window is then detached), else the oldest.
 */
export function dropFarMessages(channel: string, keep: "older" | "newer"): void {
  useTetherStore.getState().updateChannel(channel, keep === "older" ? trimNewest : trimOldest);
}

/** The person follows the live end of the open channel again; a detached window is replaced by the newest page. */
export async function jumpToLatest(channel: string): Promise<void> {
  useTetherStore.getState().setFollowingLatest(true);
  if (!useTetherStore.getState().channels[channel]?.hasMoreNewer) return;
  await jumpTo(getSocket(), useTetherStore, channel);
  // Scrolling meanwhile (in the window being replaced) must not leave the new one unpinned.
  useTetherStore.getState().setFollowingLatest(true);
}

/** Opens a message's channel with the message and its neighbours on both sides loaded, to be scrolled to. */
export async function jumpToMessage(channel: string, id: number): Promise<boolean> {
  if (useTetherStore.getState().activeChannel !== channel) useTetherStore.getState().setActiveChannel(channel);
  useTetherStore.getState().setFollowingLatest(false);
  return jumpTo(getSocket(), useTetherStore, channel, id);
}

/** The scroll to a jumped-to message happened: it is not scrolled to again. */
export function focusShown(channel: string): void {
  useTetherStore.getState().updateChannel(channel, (c) => (c.focusId === null ? c : { ...c, focusId: null }));
}

export function switchChannel(channel: string): void {
  useTetherStore.getState().setActiveChannel(channel);
  const held = useTetherStore.getState().channels[channel];
  if (!held || held.ids.length === 0) void loadOlder(channel);
}

/** A request's answer for the UI: its data, or a message for the person (offline, refused, no answer). */
export type Outcome<T> = { ok: true; data: T } | { ok: false; message: string };

async function ask<E extends keyof ClientToServerEvents>(event: E, ...payload: PayloadOf<E>): Promise<Outcome<AckDataOf<E>>> {
  const socket = getSocket();
  if (!socket.connected) return { ok: false, message: "You are offline; connect and try again." };
  try {
    const ack = await request(socket, REQUEST_TIMEOUT_MS, event, ...payload);
    return isAckError(ack) ? { ok: false, message: ack.error.message } : { ok: true, data: ack.data };
  } catch (error) {
    console.warn(`${event} got no answer`, error);
    return { ok: false, message: "The server did not answer; try again." };
  }
}

/** The server described a channel this person can read now: it is listed at once, and opened. */
function openKnownChannel(channel: Channel): void {
  useTetherStore.getState().channelsKnown([channel]);
  switchChannel(channel.name);
}

/** Creates a channel (private: invite-only) and switches to it; resolves with an error message for the person, or null. */
export async function createChannel(name: string, { private: isPrivate = false } = {}): Promise<string | null> {
  const outcome = await ask("channel:create", isPrivate ? { name, visibility: "private" } : { name });
  if (!outcome.ok) return outcome.message;
  openKnownChannel(outcome.data.channel);
  return null;
}

/** Opens (or reopens) the DM with these people, typed as comma-separated usernames, and switches to it. */
export async function openDirectMessage(usernames: string): Promise<string | null> {
  const list = usernames
    .split(",")
    .map((username) => username.trim())
    .filter((username) => username !== "");
  if (list.length === 0) return "Enter at least one username.";
  const outcome = await ask("dm:open", { usernames: list });
  if (!outcome.ok) return outcome.message;
  openKnownChannel(outcome.data.channel);
  return null;
}

export async function listMembers(channel: string): Promise<Outcome<Member[]>> {
  const outcome = await ask("channel:members", { channel });
  return outcome.ok ? { ok: true, data: outcome.data.members } : outcome;
}

export async function inviteMember(channel: string, username: string): Promise<string | null> {
  const outcome = await ask("channel:invite", { channel, username });
  return outcome.ok ? null : outcome.message;
}

export async function removeMember(channel: string, username: string): Promise<string | null> {
  const outcome = await ask("channel:remove", { channel, username });
  return outcome.ok ? null : outcome.message;
}

/** Joins a public channel (its member list; everyone reads it anyway). */
export async function joinChannel(channel: string): Promise<string | null> {
  const outcome = await ask("channel:join", { channel });
  return outcome.ok ? null : outcome.message;
}

/**
 * Leaves a channel. A private channel or a DM is forgotten at once (channel:left, which every connection of the
 * person receives, would do the same a moment later); a public one stays listed, as it is to everyone.
 */
export async function leaveChannel(channel: string): Promise<string | null> {
  const outcome = await ask("channel:leave", { channel });
  if (!outcome.ok) return outcome.message;
  if (useTetherStore.getState().channelInfo[channel]?.visibility !== "public") useTetherStore.getState().channelLeft(channel);
  return null;
}

/**
 * Full-text search over every channel this person may read (or one of them), newest first. A search refused for
 * its rate is tried once more after the wait the server names.
 */
export async function searchMessages(query: string, channel?: string, before?: number): Promise<Outcome<SearchResult>> {
  const payload = { query, ...(channel && { channel }), ...(before !== undefined && { before }) };
  const socket = getSocket();
  if (!socket.connected) return { ok: false, message: "You are offline; connect and try again." };
  for (let attempt = 0; ; attempt++) {
    try {
      const ack = await request(socket, REQUEST_TIMEOUT_MS, "search:messages", payload);
      if (!isAckError(ack)) return { ok: true, data: ack.data };
      if (ack.error.code !== "rate_limited" || attempt > 0) return { ok: false, message: ack.error.message };
      await new Promise((resume) => setTimeout(resume, ack.error.retryAfterMs ?? 1000));
    } catch (error) {
      console.warn("search:messages got no answer", error);
      return { ok: false, message: "The server did not answer; try again." };
    }
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

/** The person saw message `id` of `channel` (visible in a focused, visible tab): read up to it, sent debounced. */
export function markSeen(channel: string, id: number): void {
  reads().seen(channel, id);
}

/** Mutes or unmutes a channel for this person on every device; shown at once, undone if the server refuses. */
export async function setChannelMuted(channel: string, muted: boolean): Promise<string | null> {
  const before = useTetherStore.getState().readStates[channel]?.muted ?? false;
  useTetherStore.getState().muteChanged(channel, muted);
  const outcome = await ask("channel:mute", { channel, muted });
  if (outcome.ok) return null;
  useTetherStore.getState().muteChanged(channel, before);
  return outcome.message;
}

/** The composer's draft of `channel` changed: typing indicators for the others. */
export function draftChanged(channel: string, text: string): void {
  typing().draftChanged(channel, text);
}

/** Keeps the presence of these people current while they are shown; returns the matching release. */
export function watchPresence(userIds: readonly string[]): () => void {
  return presence().watch(userIds);
}
