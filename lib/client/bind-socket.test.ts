/**
 * The status line's count of messages that arrived during a drop, fed by a deterministic stand-in for the socket
 * that emits events in the orders socket.io-client can emit them. Notably: the packets a recovering server sends
 * before CONNECT wait in socket.io-client's receive buffer and are emitted before `connect` (and emitted again
 * when the attempt that received them was cut before CONNECT and the next one receives them too).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { ChatMessage, SessionReady } from "../shared/dto";
import type { TetherClientSocket } from "./socket";
import { memoryStorage } from "./store/memory-storage";

type Listener = (...args: unknown[]) => void;

/** The part of a socket.io-client Socket the binding uses; `fire` emits an event as socket.io-client would. */
class ScriptedSocket {
  connected = false;
  private readonly listeners = new Map<string, Listener[]>();
  readonly io = { on: () => this.io, off: () => this.io };

  on(event: string, listener: Listener) {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }
  off(event: string, listener: Listener) {
    this.listeners.set(
      event,
      (this.listeners.get(event) ?? []).filter((l) => l !== listener),
    );
    return this;
  }
  once(event: string, listener: Listener) {
    const wrapped: Listener = (...args) => {
      this.off(event, wrapped);
      listener(...args);
    };
    return this.on(event, wrapped);
  }
  timeout() {
    return this;
  }
  /** The requests the binding makes on its own (channel list, first history page) get empty answers. */
  async emitWithAck(event: string): Promise<unknown> {
    if (event === "channel:list") return { data: { channels: [] } };
    if (event === "history:fetch") return { data: { messages: [], hasMore: false } };
    throw new Error(`unexpected request ${event}`);
  }
  connect() {
    return this;
  }
  disconnect() {
    return this;
  }
  fire(event: string, ...args: unknown[]) {
    if (event === "connect") this.connected = true;
    if (event === "disconnect") this.connected = false;
    for (const listener of this.listeners.get(event) ?? []) listener(...args);
  }
}

const message = (id: number): ChatMessage => ({
  id,
  channel: "general",
  content: `message ${id}`,
  clientOffset: `offset-${id}`,
  author: { id: "u_alice", name: "Alice" },
  createdAt: new Date(0).toISOString(),
});

const ready = (recovered: boolean, latestId: number): SessionReady => ({
  user: { id: "u_bob", name: "Bob", username: null },
  recovered,
  replayed: 0,
  latestId,
  limits: { maxMessageLength: 4000 },
});

// The binding and the store are browser modules: they get a window (its events and localStorage) and a navigator.
beforeAll(() => {
  vi.stubGlobal("window", Object.assign(new EventTarget(), { localStorage: memoryStorage() }));
  vi.stubGlobal("navigator", { onLine: true });
});
afterAll(() => {
  vi.unstubAllGlobals();
});

const { bindSocketToStore } = await import("./bind-socket");
const { useTetherStore } = await import("./store");

let socket: ScriptedSocket;
beforeEach(() => {
  useTetherStore.setState(useTetherStore.getInitialState(), true);
  socket = new ScriptedSocket();
  const unbind = bindSocketToStore(
    socket as unknown as TetherClientSocket,
    useTetherStore,
    { requestDrain: () => {} },
    {
      identity: { kind: "guest", id: "u_bob" },
      onIdentityChanged: () => expect.fail("same guest"),
      onUnauthorized: () => expect.fail("a guest workspace"),
    },
  );
  // Live with message 1, then the connection drops.
  socket.fire("connect");
  socket.fire("session:ready", ready(false, 0), () => {});
  socket.fire("message:new", message(1));
  socket.fire("disconnect", "transport close");
  return unbind;
});

/** What the status line reports once the session is ready: "session recovered, N new messages". */
const lastSession = () => useTetherStore.getState().lastSession;

describe("the count of messages that arrived during a drop", () => {
  it("counts a missed message that socket.io-client emits from its receive buffer before `connect`", () => {
    socket.fire("message:new", message(2));
    socket.fire("connect");
    socket.fire("session:ready", ready(true, 2), () => {});
    expect(lastSession()).toEqual({ recovered: true, arrived: 1, afterDrop: true });
  });

  it("counts a missed message that arrives between `connect` and session:ready", () => {
    socket.fire("connect");
    socket.fire("message:batch", [message(2), message(3)]);
    socket.fire("session:ready", ready(false, 3), () => {});
    expect(lastSession()).toEqual({ recovered: false, arrived: 2, afterDrop: true });
  });

  it("counts once a message received by an attempt cut before CONNECT and again by the next one", () => {
    // Both copies wait in the receive buffer and are emitted together when the second attempt connects.
    socket.fire("message:new", message(2));
    socket.fire("message:new", message(2));
    socket.fire("connect");
    socket.fire("session:ready", ready(true, 2), () => {});
    expect(lastSession()).toEqual({ recovered: true, arrived: 1, afterDrop: true });
  });

  it("keeps counting across an attempt that connected but dropped before its session was ready", () => {
    socket.fire("message:new", message(2));
    socket.fire("connect");
    socket.fire("disconnect", "transport close");
    socket.fire("message:new", message(3));
    socket.fire("connect");
    socket.fire("session:ready", ready(true, 3), () => {});
    expect(lastSession()).toEqual({ recovered: true, arrived: 2, afterDrop: true });
  });

  it("does not count a message that arrives live after the session is ready, nor carry it into the next drop", () => {
    socket.fire("connect");
    socket.fire("session:ready", ready(true, 1), () => {});
    socket.fire("message:new", message(2));
    expect(lastSession()).toEqual({ recovered: true, arrived: 0, afterDrop: true });
    socket.fire("disconnect", "transport close");
    socket.fire("message:new", message(3));
    socket.fire("connect");
    socket.fire("session:ready", ready(true, 3), () => {});
    expect(lastSession()).toEqual({ recovered: true, arrived: 1, afterDrop: true });
  });
});
