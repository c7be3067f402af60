/**
 * The one place where the socket and the browser talk to the store. Every listener is a named function with a
 * matching `off`, so binding, unbinding and binding again (React Strict Mode) leaves exactly one of each.
 */
import { isAckError } from "../shared/ack";
import type { Channel, ChannelReadState, ChatMessage, Gap, MessageUpdate, PresenceNotice, SessionReady, TypingNotice } from "../shared/dto";
import { isSameIdentity, type PageIdentity } from "../shared/page-identity";
import { loadOlderMessages } from "./history";
import { applyDisplayName } from "./profile";
import { syncOutboxFromStorage, type OutboxSender } from "./outbox-sender";
import { offsetPresentedAtHandshake, request, REQUEST_TIMEOUT_MS, type TetherClientSocket } from "./socket";
import type { TetherStore } from "./store";
import { readPersisted } from "./store/persistence";
import { storageKey } from "./store/storage-key";

/** How long a typing indicator lasts without a new start, when the server does not say (docs/protocol.md). */
const DEFAULT_TYPING_EXPIRE_MS = 5000;

/** Pause before coming back after the server dropped this socket on purpose. */
const SERVER_DROP_RETRY_MS = 1000;

/** What else listens to the connection: each is told by the binding, which owns every listener. */
export interface LiveHooks {
  /** A live message arrived (not a catch-up batch): a notification may be due. */
  onLiveMessage?: (message: ChatMessage) => void;
  /** The session is ready on a new connection: read marks, presence and activity are sent again. */
  onSessionReady?: () => void;
}

export interface IdentityBinding {
  /** Whom the page was rendered for: its local state is that identity's. */
  identity: PageIdentity;
  /** Called instead of readying the session when the server says this connection is someone else. */
  onIdentityChanged: () => void;
  /** The server refused the connection for want of an account (GUEST_ACCESS=false, or the session ended). */
  onUnauthorized: () => void;
}

export function bindSocketToStore(
  socket: TetherClientSocket,
  store: TetherStore,
  sender: OutboxSender,
  binding: IdentityBinding,
  hooks: LiveHooks = {},
): () => void {
  const state = () => store.getState();

  function receive(messages: readonly ChatMessage[]) {
    // Counted on top of the read states held (docs/protocol.md, "The rule that keeps counts exact"); the offset
    // before them tells a message new to this client from a repeat.
    const receivedUpTo = state().serverOffset;
    const added = state().receiveMessages(messages);
    state().countReceived(messages, receivedUpTo);
    if (added > 0) state().countArrivals(added);
    // A message of a channel this client has not been told about (channel:joined can come after the first
    // message): ask for the list, which describes it. Before the session is ready, the list is asked for anyway.
    if (state().ready && messages.some((message) => !(message.channel in state().channelInfo))) listChannels();
  }

  const onConnect = () => state().connectionOpened();
  let serverDropTimer: ReturnType<typeof setTimeout> | undefined;
  const onDisconnect = (reason: string) => {
    state().connectionLost(reason === "io client disconnect");
    // Typing is live only: the next connection learns of those still typing from their next start.
    clearTypingTimers();
    state().typingCleared();
    // Socket.IO does not reconnect by itself after the server closed the socket on purpose (the server does so
    // when a catch-up failed, precisely so that the client comes back and is caught up again).
    if (reason === "io server disconnect") {
      clearTimeout(serverDropTimer);
      serverDropTimer = setTimeout(() => {
        if (!socket.connected && state().phase !== "disconnected") socket.connect();
      }, SERVER_DROP_RETRY_MS);
    }
  };
  // A refusal by the server's middleware is final for socket.io-client (`active` is false): it does not retry.
  const onConnectError = (error: Error & { data?: { code?: unknown } }) => {
    if (socket.active) return;
    if (error.data?.code === "unauthorized") {
      binding.onUnauthorized();
    } else if (error.data?.code === "unavailable") {
      clearTimeout(serverDropTimer);
      serverDropTimer = setTimeout(() => {
        if (!socket.connected && state().phase !== "disconnected") socket.connect();
      }, SERVER_DROP_RETRY_MS);
    }
  };
  const onReconnectAttempt = (attempt: number) => state().reconnectAttempted(attempt);
  const onMessageNew = (message: ChatMessage) => {
    const isNew = message.id > state().serverOffset;
    receive([message]);
    // A message ends its author's typing there (the server says so too; this is at once).
    state().typingStopped(message.channel, message.author.id);
    if (isNew) hooks.onLiveMessage?.(message);
  };
  const onMessageBatch = (messages: ChatMessage[]) => receive(messages);
  const onMessageUpdate = (update: MessageUpdate) => state().receiveUpdate(update);
  // Recorded before the replay that follows raises the offset past them (docs/protocol.md, "Bounded catch-up").
  const onMessageGaps = (gaps: Gap[]) => {
    const skipped = state().receiveGaps(gaps);
    if (skipped > 0) state().countArrivals(skipped);
  };
  const onChannelCreated = (channel: Channel) => state().channelsKnown([channel]);
  const onChannelJoined = (channel: Channel) => state().channelsKnown([channel]);
  const onChannelLeft = ({ channel }: { channel: string }) => {
    // Leaving a public channel ends a membership, not the right to read it: it stays listed, as to everyone.
    if (state().channelInfo[channel]?.visibility !== "public") state().channelLeft(channel);
  };

  const onReadState = (readState: ChannelReadState) => state().readStateChanged(readState);

  const typingTimers = new Map<string, ReturnType<typeof setTimeout>>();
  function clearTypingTimers() {
    for (const timer of typingTimers.values()) clearTimeout(timer);
    typingTimers.clear();
  }
  let typingExpireMs = DEFAULT_TYPING_EXPIRE_MS;
  // An indicator ends `typingExpireMs` after its last start even without `typing: false` (its server may have died).
  const onTyping = ({ channel, user, typing }: TypingNotice) => {
    const key = `${channel}\n${user.id}`;
    clearTimeout(typingTimers.get(key));
    typingTimers.delete(key);
    if (!typing) {
      state().typingStopped(channel, user.id);
      return;
    }
    const expiresAt = Date.now() + typingExpireMs;
    state().typingStarted(channel, user, expiresAt);
    typingTimers.set(
      key,
      setTimeout(() => {
        typingTimers.delete(key);
        state().typingStopped(channel, user.id, expiresAt);
      }, typingExpireMs),
    );
  };
  const onPresence = (notice: PresenceNotice) => state().presenceChanged([notice]);

  async function refreshChannels() {
    // Changes the server announces while the list is on its way are newer than it (channels-slice.ts).
    const requestedAt = state().channelChanges;
    const ack = await request(socket, REQUEST_TIMEOUT_MS, "channel:list");
    if (isAckError(ack)) console.warn("channel:list failed", ack.error);
    else state().channelsListed(ack.data.channels, requestedAt);
  }

  let listing = false;
  let listAgain = false;
  /** One channel:list at a time; a request made meanwhile is answered by one more after it. */
  function listChannels(): void {
    if (listing) {
      listAgain = true;
      return;
    }
    listing = true;
    listAgain = false;
    refreshChannels()
      .catch((error: unknown) => console.warn("could not list channels", error))
      .finally(() => {
        listing = false;
        if (listAgain && socket.connected) listChannels();
      });
  }

  const onSessionReady = (info: SessionReady, confirm: () => void) => {
    if (!isSameIdentity(binding.identity, info.user)) {
      binding.onIdentityChanged();
      return;
    }
    const presented = offsetPresentedAtHandshake();
    if (presented === 0 && !info.recovered) state().startFromLatest(info.latestId);
    else if (presented > info.latestId) state().forgetHistory(info.latestId);
    state().setMe(info.user);
    state().sessionReady(info);
    typingExpireMs = info.limits.typingExpireMs ?? DEFAULT_TYPING_EXPIRE_MS;
    state().readStatesReady({ id: info.user.id, username: info.user.username }, info.channels ?? []);
    // Everything this connection replayed is in the store (and its offset persisted with it): tell the server,
    // so that the next short drop can be recovered by Socket.IO instead of a database catch-up.
    confirm();
    sender.requestDrain();
    listChannels();
    const active = state().activeChannel;
    // An empty (or short) channel view fills itself with the newest history page.
    if ((state().channels[active]?.ids.length ?? 0) === 0) void loadOlderMessages(socket, store, active);
    hooks.onSessionReady?.();
  };

  const onOnline = () => {
    state().browserOnlineChanged(true);
    // Back online: try at once instead of waiting out the reconnection back-off (up to seconds). Closing the
    // manager and opening it again is the supported way; it resets the back-off and keeps one connection.
    if (!socket.connected && state().phase !== "disconnected") {
      socket.disconnect();
      socket.connect();
    }
  };
  const onOffline = () => state().browserOnlineChanged(false);
  const onStorage = (event: StorageEvent) => {
    if (event.key !== storageKey()) return;
    const theirs = readPersisted(window.localStorage);
    if (theirs && theirs.displayNameSetAt > state().displayNameSetAt) {
      applyDisplayName(socket, store, theirs.displayName, theirs.displayNameSetAt);
    }
    syncOutboxFromStorage(store);
    // Another tab queued something: if this tab is the one connected, it may be the one to send it.
    sender.requestDrain();
  };

  socket.on("connect", onConnect);
  socket.on("disconnect", onDisconnect);
  socket.on("connect_error", onConnectError);
  socket.io.on("reconnect_attempt", onReconnectAttempt);
  socket.on("message:new", onMessageNew);
  socket.on("message:gaps", onMessageGaps);
  socket.on("message:batch", onMessageBatch);
  socket.on("message:update", onMessageUpdate);
  socket.on("channel:created", onChannelCreated);
  socket.on("channel:joined", onChannelJoined);
  socket.on("channel:left", onChannelLeft);
  socket.on("session:ready", onSessionReady);
  socket.on("read:state", onReadState);
  socket.on("typing", onTyping);
  socket.on("presence", onPresence);
  window.addEventListener("online", onOnline);
  window.addEventListener("offline", onOffline);
  window.addEventListener("storage", onStorage);
  state().browserOnlineChanged(navigator.onLine);

  return () => {
    clearTimeout(serverDropTimer);
    socket.off("connect", onConnect);
    socket.off("disconnect", onDisconnect);
    socket.off("connect_error", onConnectError);
    socket.io.off("reconnect_attempt", onReconnectAttempt);
    socket.off("message:new", onMessageNew);
    socket.off("message:gaps", onMessageGaps);
    socket.off("message:batch", onMessageBatch);
    socket.off("message:update", onMessageUpdate);
    socket.off("channel:created", onChannelCreated);
    socket.off("channel:joined", onChannelJoined);
    socket.off("channel:left", onChannelLeft);
    socket.off("session:ready", onSessionReady);
    socket.off("read:state", onReadState);
    socket.off("typing", onTyping);
    socket.off("presence", onPresence);
    clearTypingTimers();
    window.removeEventListener("online", onOnline);
    window.removeEventListener("offline", onOffline);
    window.removeEventListener("storage", onStorage);
  };
}
