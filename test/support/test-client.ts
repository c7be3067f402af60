/**
 * A socket.io-client that behaves like a careful Tether client and records what it saw on the wire: keeps
 * messages by id, advances its offset only after a message is stored, presents the offset on every reconnect,
 * and counts anything that arrives twice or out of order.
 */
import { io, type Socket } from "socket.io-client";
import type { Ack } from "../../lib/shared/ack";
import type {
  Channel,
  ChannelReadState,
  ChatMessage,
  Gap,
  HistoryPage,
  MessageChangeResult,
  MessageUpdate,
  PresenceNotice,
  SearchResult,
  SendMessageResult,
  SessionReady,
  TypingNotice,
} from "../../lib/shared/dto";
import { countReceivedMessage, emptyReadState } from "../../lib/shared/read-state";
import type { ClientToServerEvents, HistoryFetchPayload, ReplayRequest, SearchMessagesPayload, ServerToClientEvents } from "../../lib/shared/events";

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface TestClientOptions {
  serverOffset?: number;
  name?: string;
  cookie?: string;
  /** A personal access token, presented in the handshake (`auth.token`). */
  token?: string;
  /** A bounded catch-up (`auth.replay`). */
  replay?: ReplayRequest;
  /** Acknowledge session:ready, as Tether's own client does (default true). */
  confirmCatchUp?: boolean;
  /** socket.io-client options passed through (reconnection delays, ackTimeout, retries…). */
  socketOptions?: Record<string, unknown>;
}

export class TestClient {
  readonly socket: ClientSocket;
  /** Every message as it arrived, including repeats. */
  readonly wire: ChatMessage[] = [];
  readonly messages = new Map<number, ChatMessage>();
  serverOffset: number;
  /** Messages that arrived with an id already stored. */
  duplicates = 0;
  /** New messages (and updates) that arrived with a position below the offset: a reordering that could become a loss. */
  outOfOrder = 0;
  readonly sessions: SessionReady[] = [];
  /** Channels this user was told it can now read (channel:joined), in order. */
  readonly joined: Channel[] = [];
  /** Channels this user was told it can no longer read (channel:left), in order. */
  readonly left: string[] = [];
  /** Every `message:gaps` event's payload, in arrival order. */
  readonly gaps: Gap[][] = [];
  /** The delivery events in arrival order (`message:gaps`, `message:batch`, `message:new`, `message:update`, `session:ready`). */
  readonly events: string[] = [];
  /** Every `read:state` received, in order. */
  readonly readStates: ChannelReadState[] = [];
  /**
   * Each channel's read state as a client keeps it by the protocol's rule: set by `session:ready.channels` and
   * `read:state`, then counted on for every message received after them (lib/shared/read-state.ts).
   */
  readonly counts = new Map<string, ChannelReadState>();
  readonly typing: TypingNotice[] = [];
  readonly presence: PresenceNotice[] = [];
  /** Between this connection's session:ready and its end. */
  private live = false;
  /** Every `message:update` as it arrived. */
  readonly updates: MessageUpdate[] = [];
  /** Log positions (a message's id, an update's offset) in arrival order. */
  readonly positions: number[] = [];
  /** States that arrived with a version below the one held (ignored, as the protocol says). */
  staleStates = 0;
  /** States that arrived older than their own log position (version below the id or offset): a server bug. */
  statesBehindPosition = 0;
  /** Updates that arrived again (same offset), as messages can across reconnections. */
  duplicateUpdates = 0;
  private readonly seenUpdates = new Set<number>();

  constructor(url: string, options: TestClientOptions = {}) {
    this.serverOffset = options.serverOffset ?? 0;
    this.socket = io(url, {
      transports: ["websocket"],
      reconnectionDelay: 50,
      reconnectionDelayMax: 200,
      extraHeaders: options.cookie ? { cookie: options.cookie } : undefined,
      auth: (cb) =>
        cb({
          serverOffset: this.serverOffset,
          ...(options.name ? { name: options.name } : {}),
          ...(options.token ? { token: options.token } : {}),
          ...(options.replay ? { replay: options.replay } : {}),
        }),
      ...options.socketOptions,
    });
    // Messages of a connection's catch-up come before its session:ready (and are in its counts).
    this.socket.on("disconnect", () => (this.live = false));
    this.socket.on("message:gaps", (gaps) => {
      this.events.push("message:gaps");
      this.gaps.push(gaps);
    });
    this.socket.on("message:new", (message) => {
      this.events.push("message:new");
      this.process([message]);
      this.count([message]);
    });
    this.socket.on("message:batch", (batch) => {
      this.events.push("message:batch");
      this.process(batch);
      this.count(batch);
    });
    this.socket.on("read:state", (state) => {
      this.readStates.push(state);
      this.counts.set(state.channel, state);
    });
    this.socket.on("typing", (notice) => this.typing.push(notice));
    this.socket.on("presence", (notice) => this.presence.push(notice));
    this.socket.on("message:update", (update) => {
      this.events.push("message:update");
      this.updates.push(update);
      this.positions.push(update.offset);
      if (update.message.version < update.offset) this.statesBehindPosition++;
      if (this.seenUpdates.has(update.offset)) this.duplicateUpdates++;
      else if (update.offset < this.serverOffset) this.outOfOrder++;
      this.seenUpdates.add(update.offset);
      this.applyState(update.message);
      this.serverOffset = Math.max(this.serverOffset, update.offset);
    });
    this.socket.on("channel:joined", (channel) => this.joined.push(channel));
    this.socket.on("channel:left", ({ channel }) => this.left.push(channel));
    this.socket.on("session:ready", (info, confirm) => {
      this.events.push("session:ready");
      this.sessions.push(info);
      this.live = true;
      this.counts.clear();
      for (const state of info.channels ?? []) this.counts.set(state.channel, state);
      if (options.confirmCatchUp !== false) confirm();
    });
  }

  /** The protocol's rule: a state replaces the one held only when its version is higher (or the message is new). */
  private applyState(message: ChatMessage) {
    const held = this.messages.get(message.id);
    if (!held || message.version > held.version) this.messages.set(message.id, message);
    else if (message.version < held.version) this.staleStates++;
  }

  private process(batch: ChatMessage[]) {
    for (const message of batch) {
      this.wire.push(message);
      this.positions.push(message.id);
      if (message.version < message.id) this.statesBehindPosition++;
      if (this.messages.has(message.id)) {
        this.duplicates++;
        this.applyState(message);
        continue;
      }
      if (message.id < this.serverOffset) this.outOfOrder++;
      this.messages.set(message.id, message);
      this.serverOffset = Math.max(this.serverOffset, message.id);
    }
  }

  /** Counts the messages that arrive after this connection's session:ready (those before are in its counts). */
  private count(batch: ChatMessage[]) {
    const session = this.sessions[this.sessions.length - 1];
    if (!session || !this.live) return;
    for (const message of batch) {
      const state = this.counts.get(message.channel) ?? emptyReadState(message.channel);
      const visibility = message.channel.startsWith("dm:") ? "dm" : undefined;
      this.counts.set(message.channel, countReceivedMessage(state, message, visibility, session.user));
    }
  }

  /** Messages in id order. */
  ordered(): ChatMessage[] {
    return [...this.messages.values()].sort((a, b) => a.id - b.id);
  }

  ready(count = 1, timeoutMs = 10_000): Promise<void> {
    return waitFor(() => this.sessions.length >= count, timeoutMs, `session:ready #${count}`);
  }

  send(channel: string, content: string, clientOffset: string, timeoutMs = 5_000): Promise<Ack<SendMessageResult>> {
    return this.socket.timeout(timeoutMs).emitWithAck("message:send", { channel, content, clientOffset });
  }

  /** An event with an ack, typed loosely: for channel operations and hostile input alike. */
  request<T = unknown>(event: string, payload?: unknown): Promise<{ data?: T; error?: { code: string; message: string } }> {
    return this.emitRaw(event, ...(payload === undefined ? [] : [payload])) as Promise<{ data?: T; error?: { code: string; message: string } }>;
  }

  /** Messages of one channel, in id order. */
  inChannel(channel: string): ChatMessage[] {
    return this.ordered().filter((message) => message.channel === channel);
  }

  history(payload: HistoryFetchPayload, timeoutMs = 5_000): Promise<Ack<HistoryPage>> {
    return this.socket.timeout(timeoutMs).emitWithAck("history:fetch", payload);
  }

  search(payload: SearchMessagesPayload, timeoutMs = 5_000): Promise<Ack<SearchResult>> {
    return this.socket.timeout(timeoutMs).emitWithAck("search:messages", payload);
  }

  edit(id: number, content: string, clientOffset: string): Promise<Ack<MessageChangeResult>> {
    return this.socket.timeout(5_000).emitWithAck("message:edit", { id, content, clientOffset });
  }

  delete(id: number, clientOffset: string): Promise<Ack<MessageChangeResult>> {
    return this.socket.timeout(5_000).emitWithAck("message:delete", { id, clientOffset });
  }

  react(id: number, emoji: string, clientOffset: string, remove = false): Promise<Ack<MessageChangeResult>> {
    return this.socket.timeout(5_000).emitWithAck(remove ? "reaction:remove" : "reaction:add", { id, emoji, clientOffset });
  }

  /** Any event, any arguments: for hostile-input tests. */
  emitRaw(event: string, ...args: unknown[]): Promise<unknown> {
    return (this.socket.timeout(5_000) as unknown as { emitWithAck(e: string, ...a: unknown[]): Promise<unknown> }).emitWithAck(event, ...args);
  }

  /** One channel's counts as this client keeps them. */
  countsOf(channel: string): { readUpTo: number; unread: number; mentions: number; muted: boolean } | undefined {
    const state = this.counts.get(channel);
    return state && { readUpTo: state.readUpTo, unread: state.unread, mentions: state.mentions, muted: state.muted };
  }

  close() {
    this.socket.disconnect();
  }
}

export async function waitFor(condition: () => boolean, timeoutMs = 10_000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export function connected(client: TestClient): Promise<void> {
  return waitFor(() => client.socket.connected, 10_000, "connect");
}
