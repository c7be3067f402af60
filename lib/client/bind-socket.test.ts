/**
 * The status line's count of messages that arrived during a drop, fed by a deterministic stand-in for the socket
 * that emits events in the orders socket.io-client can emit them. Notably: the packets a recovering server sends
 * before CONNECT wait in socket.io-client's receive buffer and are emitted before `connect` (and emitted again
 * when the attempt that received them was cut before CONNECT and the next one receives them too).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { Channel, ChatMessage, SessionReady } from "../shared/dto";
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
  /** The server's channel list; while `holdLists`, each request waits in `heldLists` until the test answers it. */
  channels: Channel[] = [];
  holdLists = false;
  readonly heldLists: Array<(channels: Channel[]) => void> = [];
  /** The requests the binding makes on its own (channel list, first history page) get empty answers. */
  async emitWithAck(event: string): Promise<unknown> {
    if (event === "channel:list") {
      if (!this.holdLists) return { data: { channels: this.channels } };
      return new Promise((resolve) => this.heldLists.push((channels) => resolve({ data: { channels } })));
    }
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
  version: id,
  editedAt: null,
  deletedAt: null,
  reactions: [],
  replyTo: null,
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

describe("channels the server tells of", () => {
  const ann = { id: "u_ann", username: "ann", name: "Ann" };
  const bob = { id: "u_bob", username: null, name: "Bob" };
  const plans: Channel = { name: "plans", createdAt: new Date(0).toISOString(), visibility: "private" };
  const dm: Channel = { name: "dm:0123456789abcdef01234567", createdAt: new Date(0).toISOString(), visibility: "dm", members: [ann, bob] };
  const general: Channel = { name: "general", createdAt: new Date(0).toISOString(), visibility: "public" };
  const inChannel = (id: number, channel: string): ChatMessage => ({ ...message(id), channel, content: `${channel} secret ${id}` });
  const state = () => useTetherStore.getState();
  /** What the page has persisted: the guest's entry of the stubbed localStorage. */
  const stored = () => window.localStorage.getItem("tether") ?? "";
  /** Lets the answers the scripted socket gave (already resolved promises) reach the binding. */
  const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

  beforeEach(async () => {
    socket.fire("connect");
    socket.fire("session:ready", ready(true, 1), () => {});
    await settle();
  });

  it("lists a channel the person joins, and a DM opened with them, without reconnecting", () => {
    socket.fire("channel:joined", plans);
    socket.fire("channel:joined", dm);
    expect(state().channelInfo.plans).toEqual({ name: "plans", visibility: "private" });
    expect(state().channelInfo[dm.name]).toEqual({ name: dm.name, visibility: "dm", members: [ann, bob] });
  });

  it("forgets a channel the person left or was removed from: its messages, in memory and in storage, and the view of it", () => {
    socket.fire("channel:joined", plans);
    socket.fire("message:new", inChannel(2, "plans"));
    state().setActiveChannel("plans");
    state().enqueue("plans", "my unsent words");
    expect(stored()).toContain("plans secret 2");

    socket.fire("channel:left", { channel: "plans" });
    expect(state().channelInfo.plans).toBeUndefined();
    expect(state().channels.plans).toBeUndefined();
    expect(state().activeChannel).toBe("general");
    expect(stored()).not.toContain("plans secret 2");
    expect((JSON.parse(stored()) as { state: { channelList: unknown } }).state.channelList).toEqual([{ name: "general", visibility: "public" }]);
    // The person's own unsent message is kept: the server refuses it when it is sent, and that is shown.
    expect(state().outbox.map((e) => (e.kind === "send" ? e.content : e.kind))).toEqual(["my unsent words"]);
  });

  it("keeps a public channel listed when its membership ends: everyone reads it", () => {
    socket.fire("channel:created", { ...general, name: "random" });
    socket.fire("message:new", inChannel(2, "random"));
    socket.fire("channel:left", { channel: "random" });
    expect(state().channelInfo.random).toEqual({ name: "random", visibility: "public" });
    expect(state().channels.random?.ids).toEqual([2]);
  });

  it("drops, on connecting, a channel the list no longer has (removed while away), with its messages", async () => {
    socket.fire("channel:joined", plans);
    socket.fire("message:new", inChannel(2, "plans"));
    socket.fire("disconnect", "transport close");
    socket.channels = [general];
    socket.fire("connect");
    socket.fire("session:ready", ready(true, 2), () => {});
    await settle();
    expect(Object.keys(state().channelInfo)).toEqual(["general"]);
    expect(state().channels.plans).toBeUndefined();
    expect(stored()).not.toContain("plans secret");
  });

  it("lets a change announced while the list is on its way win over the list", async () => {
    socket.fire("channel:joined", plans);
    socket.fire("disconnect", "transport close");
    socket.holdLists = true;
    socket.fire("connect");
    socket.fire("session:ready", ready(true, 1), () => {});
    // The list was read before the invitation to the DM and before the removal from plans were announced.
    socket.fire("channel:joined", dm);
    socket.fire("channel:left", { channel: "plans" });
    socket.heldLists.shift()!([general, plans]);
    await settle();
    expect(Object.keys(state().channelInfo).sort()).toEqual([dm.name, "general"]);
  });

  it("keeps the messages of a channel that arrive before channel:joined describes it, and asks for the list", async () => {
    socket.channels = [general, plans];
    socket.fire("message:new", inChannel(2, "plans"));
    await settle();
    expect(state().channels.plans?.ids).toEqual([2]);
    expect(state().channelInfo.plans).toEqual({ name: "plans", visibility: "private" });
  });
});

describe("a bounded catch-up", () => {
  const inChannel = (id: number, channel: string): ChatMessage => ({ ...message(id), channel });

  it("records each gap before its replay raises the offset, counts it as unread, and reports it as arrived", () => {
    useTetherStore.getState().channelsKnown([{ name: "random", visibility: "public" }]);
    socket.fire("connect");
    socket.fire("message:gaps", [
      { channel: "general", afterId: 1, beforeId: 900, count: 800 },
      { channel: "random", afterId: 1, beforeId: 1200, count: 50 },
    ]);
    socket.fire("message:batch", [inChannel(900, "general"), inChannel(1200, "random"), inChannel(1201, "random")]);
    socket.fire("session:ready", ready(false, 1201), () => {});

    const state = useTetherStore.getState();
    expect(state.serverOffset).toBe(1201);
    expect(state.channels.general?.gaps).toEqual([{ afterId: 1, beforeId: 900, count: 800 }]);
    expect(state.channels.general?.ids).toEqual([1, 900]);
    // The open channel counts nothing as unread; another counts its gap and its replayed messages exactly.
    expect(state.channels.general?.unread).toBe(0);
    expect(state.channels.random?.unread).toBe(52);
    expect(lastSession()).toEqual({ recovered: false, arrived: 853, afterDrop: true });
  });

  it("does not hold live messages in a window that does not reach the newest, but remembers them", () => {
    useTetherStore.getState().updateChannel("general", (c) => ({ ...c, hasMoreNewer: true }));
    socket.fire("connect");
    socket.fire("session:ready", ready(false, 1), () => {});
    socket.fire("message:new", message(5));
    const general = useTetherStore.getState().channels.general!;
    expect(general.ids).toEqual([1]);
    expect(general).toMatchObject({ newestNotHeldId: 5, newBelow: 1 });
    expect(useTetherStore.getState().serverOffset).toBe(5);
  });
});
