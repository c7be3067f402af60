/**
 * What the UI can ask of the chat, callable from any component: each action updates the store and talks to the
 * socket singleton. Components import this module and the store hooks, nothing below them.
 */
import { isAckError } from "../shared/ack";
import { countCharacters } from "../shared/limits";
import { bindSocketToStore } from "./bind-socket";
import { loadOlderMessages } from "./history";
import { createOutboxSender, type OutboxSender } from "./outbox-sender";
import { applyDisplayName } from "./profile";
import { getSocket, request, REQUEST_TIMEOUT_MS } from "./socket";
import { useTetherStore } from "./store";

let sender: OutboxSender | null = null;

function outboxSender(): OutboxSender {
  sender ??= createOutboxSender(getSocket(), useTetherStore);
  return sender;
}

/**
 * Hydrates the store from storage, binds the socket to it and connects. Returns the unbinding; the socket itself
 * stays (one per tab), so a Strict Mode remount re-binds without a second connection.
 */
export function startChatClient(): () => void {
  const socket = getSocket();
  // Synchronous with localStorage: the offset is in the store before the handshake reads it.
  void useTetherStore.persist.rehydrate();
  const unbind = bindSocketToStore(socket, useTetherStore, outboxSender());
  if (!socket.connected && useTetherStore.getState().phase !== "disconnected") socket.connect();
  return unbind;
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
