/**
 * Delivers the outbox: the oldest pending message first, one at a time (so the server stores them in the order
 * they were written), each retried with the same clientOffset until the server acknowledges it. The server
 * stores a clientOffset once and acknowledges a repeat with `duplicate: true`, which counts as sent.
 *
 * Tabs of one browser share the outbox through localStorage. A Web Lock lets only one tab drain at a time; the
 * drainer re-reads storage before each message, and reads the acknowledgements journal (ack-journal.ts) when it
 * takes the lock, so a message another tab already had acknowledged is never sent again: storage alone can
 * still show it pending to a tab that has just been granted the lock.
 *
 * The socket, timers, lock, storage and journal are passed in (`createOutboxSenderWith`), so that unit tests drive
 * the algorithm with fakes; `createOutboxSender` wires the real ones.
 */
import { isAckError, type Ack } from "../shared/ack";
import type { MessageChangeResult, SendMessageResult } from "../shared/dto";
import type { MessageDeletePayload, MessageEditPayload, ReactionPayload, SendMessagePayload } from "../shared/events";
import { RETRYABLE_ERROR_CODES } from "../shared/errors";
import { readAcknowledged, recordAcknowledged } from "./ack-journal";
import { nextPending, type ChangeEntry, type OutboxEntry } from "./outbox";
import { request, REQUEST_TIMEOUT_MS, type TetherClientSocket } from "./socket";
import type { TetherStore } from "./store";
import { readPersisted } from "./store/persistence";

const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 15_000;
const OUTBOX_LOCK = "tether:outbox";

type Outcome = "next" | "retry" | "stop";

/** What goes on the wire for a change entry. */
export type ChangeRequestOnWire =
  | { event: "message:edit"; payload: MessageEditPayload }
  | { event: "message:delete"; payload: MessageDeletePayload }
  | { event: "reaction:add" | "reaction:remove"; payload: ReactionPayload };

function wireRequest(entry: ChangeEntry, id: number): ChangeRequestOnWire {
  const { clientOffset } = entry;
  switch (entry.kind) {
    case "edit":
      return { event: "message:edit", payload: { id, content: entry.content, clientOffset } };
    case "delete":
      return { event: "message:delete", payload: { id, clientOffset } };
    case "react":
      return { event: "reaction:add", payload: { id, emoji: entry.emoji, clientOffset } };
    case "unreact":
      return { event: "reaction:remove", payload: { id, emoji: entry.emoji, clientOffset } };
  }
}

export interface OutboxSender {
  /** Starts draining, or makes a running drain look again. Safe to call any time. */
  requestDrain(): void;
}

/** What the sender uses of the connection. */
export interface OutboxSocket {
  readonly connected: boolean;
  /** `message:send` with its ack; rejects when no ack arrives in time. */
  sendMessage(payload: SendMessagePayload): Promise<Ack<SendMessageResult>>;
  /** A change to a message with its ack; rejects when no ack arrives in time. */
  changeMessage(request: ChangeRequestOnWire): Promise<Ack<MessageChangeResult>>;
  once(event: "disconnect", listener: () => void): void;
  off(event: "disconnect", listener: () => void): void;
}

export interface OutboxSenderDeps {
  socket: OutboxSocket;
  /** Calls `callback` after `ms`, unless the returned cancel function is called first. */
  after: (ms: number, callback: () => void) => () => void;
  /** Runs `work` while this tab holds the outbox lock shared by the browser's tabs. */
  withLock: (work: () => Promise<void>) => Promise<void>;
  /** What the tabs share in storage (null when nothing is stored yet). */
  readStorage: () => ReturnType<typeof readPersisted>;
  /** The acknowledgements every tab of this browser records before it can release the lock (ack-journal.ts). */
  journal: { read: () => Promise<string[]>; record: (clientOffset: string) => Promise<void> };
}

const readLocalStorage = () => readPersisted(window.localStorage);

/** Takes in what other tabs stored (new entries, settled ones) before deciding what to send. */
export function syncOutboxFromStorage(store: TetherStore, readStorage = readLocalStorage): void {
  const theirs = readStorage();
  if (theirs) store.getState().adoptOutbox({ outbox: theirs.outbox, settled: theirs.settled });
}

/** Resolves after `ms`, or early with false when the socket disconnects. */
function pause({ socket, after }: OutboxSenderDeps, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const onDisconnect = () => {
      cancel();
      resolve(false);
    };
    const cancel = after(ms, () => {
      socket.off("disconnect", onDisconnect);
      resolve(true);
    });
    socket.once("disconnect", onDisconnect);
  });
}

/** The ack, or null when it timed out or the connection dropped first (either way: send again later). */
function sendOnce(socket: OutboxSocket, entry: OutboxEntry, messageId: number): Promise<Ack<SendMessageResult | MessageChangeResult> | null> {
  return new Promise((resolve) => {
    const onDisconnect = () => resolve(null);
    socket.once("disconnect", onDisconnect);
    const sent: Promise<Ack<SendMessageResult | MessageChangeResult>> =
      entry.kind === "send"
        ? socket.sendMessage({
            channel: entry.channel,
            content: entry.content,
            clientOffset: entry.clientOffset,
            ...(entry.replyTo !== undefined && { replyTo: entry.replyTo }),
          })
        : socket.changeMessage(wireRequest(entry, messageId));
    sent
      .then(
        (ack) => resolve(ack),
        (error: unknown) => {
          console.warn(`${entry.kind} got no ack in time; retrying`, entry.clientOffset, error);
          resolve(null);
        },
      )
      .finally(() => socket.off("disconnect", onDisconnect));
  });
}

function withOutboxLock(work: () => Promise<void>): Promise<void> {
  // Web Locks exist only in secure contexts (https, localhost, 127.0.0.1); elsewhere each tab drains alone
  // and the server's clientOffset dedupe still stores every message once.
  const locks = typeof navigator !== "undefined" ? navigator.locks : undefined;
  return locks ? locks.request(OUTBOX_LOCK, () => work()).then(() => undefined) : work();
}

/** The sender on the tab's socket, real timers, the Web Lock and localStorage. */
export function createOutboxSender(socket: TetherClientSocket, store: TetherStore): OutboxSender {
  return createOutboxSenderWith(store, {
    socket: {
      get connected() {
        return socket.connected;
      },
      sendMessage: (payload) => request(socket, REQUEST_TIMEOUT_MS, "message:send", payload),
      changeMessage: (change) => request(socket, REQUEST_TIMEOUT_MS, change.event, change.payload),
      once: (event, listener) => void socket.once(event, listener),
      off: (event, listener) => void socket.off(event, listener),
    },
    after(ms, callback) {
      const timer = setTimeout(callback, ms);
      return () => clearTimeout(timer);
    },
    withLock: withOutboxLock,
    readStorage: readLocalStorage,
    journal: { read: readAcknowledged, record: recordAcknowledged },
  });
}

export function createOutboxSenderWith(store: TetherStore, deps: OutboxSenderDeps): OutboxSender {
  const { socket, withLock } = deps;
  let draining = false;
  let again = false;
  let failures = 0;

  /** The id of the message a change is about: known, or found by its send's clientOffset (sent before it). */
  function targetId(entry: ChangeEntry): number | undefined {
    if (entry.messageId !== undefined) return entry.messageId;
    const s = store.getState();
    const send = s.outbox.find((e) => e.kind === "send" && e.clientOffset === entry.target);
    if (send?.kind === "send" && send.id !== undefined) return send.id;
    return Object.values(s.channels[entry.channel]?.byId ?? {}).find((m) => m.clientOffset === entry.target)?.id;
  }

  async function deliver(entry: OutboxEntry): Promise<Outcome> {
    const messageId = entry.kind === "send" ? 0 : targetId(entry);
    if (messageId === undefined) {
      // Its message was never sent (refused or discarded): the change has nothing to apply to.
      store.getState().markFailed(entry.clientOffset, { code: "unknown_message", message: "Its message was not sent." });
      return "next";
    }
    const ack = await sendOnce(socket, entry, messageId);
    if (ack && !isAckError(ack)) {
      failures = 0;
      if ("id" in ack.data) store.getState().markSent(entry.clientOffset, ack.data.id);
      else store.getState().markChanged(entry.clientOffset);
      await deps.journal.record(entry.clientOffset);
      return "next";
    }
    if (ack && !RETRYABLE_ERROR_CODES.has(ack.error.code)) {
      store.getState().markFailed(entry.clientOffset, { code: ack.error.code, message: ack.error.message });
      return "next";
    }
    if (!socket.connected) return "stop";
    failures++;
    const backoff = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** (failures - 1));
    const wait = ack && ack.error.code === "rate_limited" && ack.error.retryAfterMs ? Math.max(ack.error.retryAfterMs, backoff) : backoff;
    return (await pause(deps, wait)) ? "retry" : "stop";
  }

  async function drainWhileConnected(): Promise<void> {
    // What the tabs that held the lock before had acknowledged: storage may not show it here yet.
    const acknowledged = await deps.journal.read();
    if (acknowledged.length > 0) store.getState().adoptOutbox({ outbox: [], settled: acknowledged });
    for (;;) {
      syncOutboxFromStorage(store, deps.readStorage);
      if (!socket.connected || !store.getState().ready) return;
      const entry = nextPending(store.getState().outbox);
      if (!entry) return;
      if ((await deliver(entry)) === "stop") return;
    }
  }

  async function drain(): Promise<void> {
    draining = true;
    try {
      do {
        again = false;
        await withLock(drainWhileConnected);
      } while (again && socket.connected);
    } finally {
      draining = false;
    }
  }

  return {
    requestDrain() {
      if (draining) {
        again = true;
        return;
      }
      drain().catch((error: unknown) => console.error("outbox drain failed", error));
    },
  };
}
