/**
 * Chaos for messages that change (issue 15), shared by the single-server, two-instance and SIGKILL tests: script
 * clients that send, edit, delete and react from a seeded PRNG, each operation retried with its clientOffset until
 * acknowledged, while the test cuts their connections; then the checks — every operation stored once, and every
 * client's state of every message equal to the server's (content, deleted, reactions, version).
 */
import { expect } from "vitest";
import type { Ack } from "../../lib/shared/ack";
import type { ChatMessage } from "../../lib/shared/dto";
import { waitFor, type TestClient } from "./test-client";

/** A small deterministic PRNG (mulberry32): the same seed, the same script. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const EMOJI = ["👍", "🎉", "❤️", "😂", "👀"];

/** What the scripts were told: the acknowledged result of every operation, by clientOffset. */
export interface ChaosLedger {
  sends: Map<string, number>;
  /** A change's offset, or null when it changed nothing; refusals are not recorded. */
  changes: Map<string, number | null>;
  /** Changes refused with a permanent code (a reaction to a message deleted meanwhile, say). */
  refused: Map<string, string>;
}

export function newLedger(): ChaosLedger {
  return { sends: new Map(), changes: new Map(), refused: new Map() };
}

type Operation =
  | { event: "message:send"; payload: { channel: string; content: string; clientOffset: string } }
  | { event: "message:edit"; payload: { id: number; content: string; clientOffset: string } }
  | { event: "message:delete"; payload: { id: number; clientOffset: string } }
  | { event: "reaction:add" | "reaction:remove"; payload: { id: number; emoji: string; clientOffset: string } };

/** Emits until acknowledged (same clientOffset every time), as a careful client does through cuts. */
async function untilAcked(client: TestClient, operation: Operation, deadlineMs = 45_000): Promise<Ack<unknown>> {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    if (!client.socket.connected) {
      await waitFor(() => client.socket.connected || Date.now() > deadline, deadlineMs + 1_000, "reconnect");
      continue;
    }
    try {
      const ack = (await client.emitRaw(operation.event, operation.payload)) as Ack<unknown>;
      if ("data" in ack || !["unavailable", "internal", "rate_limited"].includes(ack.error.code)) return ack;
    } catch (error) {
      // The ack timed out (the connection was cut): the same clientOffset goes again.
      expect(error).toBeInstanceOf(Error);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${operation.payload.clientOffset} was not acknowledged within ${deadlineMs} ms`);
}

/**
 * One client's script: `operations` steps, about 60% sends, 15% edits and 5% deletes of its own messages, 20%
 * reactions (added or removed) on any message it holds. Sequential, like a person; returns when all are acked.
 */
export async function runScript(client: TestClient, name: string, seed: number, operations: number, ledger: ChaosLedger, channel = "general") {
  const random = seededRandom(seed);
  const own: number[] = [];
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  for (let step = 0; step < operations; step++) {
    const clientOffset = `${name}-${step}`;
    const roll = random();
    const held = [...client.messages.keys()];
    let operation: Operation;
    if (roll < 0.6 || own.length === 0 || held.length === 0) {
      operation = { event: "message:send", payload: { channel, content: `${name} says ${step}`, clientOffset } };
    } else if (roll < 0.75) {
      operation = { event: "message:edit", payload: { id: pick(own), content: `${name} edited at ${step}`, clientOffset } };
    } else if (roll < 0.8) {
      operation = { event: "message:delete", payload: { id: pick(own), clientOffset } };
    } else {
      operation = { event: random() < 0.7 ? "reaction:add" : "reaction:remove", payload: { id: pick(held), emoji: pick(EMOJI), clientOffset } };
    }
    const ack = await untilAcked(client, operation);
    if ("error" in ack) {
      // Only a change can be refused, and only because the message was deleted (by its author, in this script).
      expect(ack.error.code, clientOffset).toBe("message_deleted");
      ledger.refused.set(clientOffset, ack.error.code);
    } else if (operation.event === "message:send") {
      const id = (ack.data as { id: number }).id;
      ledger.sends.set(clientOffset, id);
      own.push(id);
    } else {
      ledger.changes.set(clientOffset, (ack.data as { offset: number | null }).offset);
    }
  }
}

/** Every message of a channel in its current state, read through history pages (ascending). */
export async function serverState(reader: TestClient, channel = "general"): Promise<ChatMessage[]> {
  const all: ChatMessage[] = [];
  let after = 0;
  for (;;) {
    const page = await reader.history({ channel, after, limit: 500 });
    if (!("data" in page)) throw new Error(JSON.stringify(page));
    all.push(...page.data.messages);
    if (!page.data.hasMoreAfter || page.data.messages.length === 0) return all;
    after = page.data.messages[page.data.messages.length - 1]!.id;
  }
}

/** What a state is compared on. */
const essence = (message: ChatMessage | undefined) =>
  message && { content: message.content, deleted: message.deletedAt !== null, reactions: message.reactions, version: message.version };

/**
 * The end condition and checks: every operation stored once (`rows` reads the database), then every client —
 * caught up to the log's end — holds every message after `fromId` in exactly the server's state, having never
 * received an entry out of log order nor a state older than its position.
 */
export async function expectConverged(
  clients: TestClient[],
  reader: TestClient,
  ledger: ChaosLedger,
  rows: <T extends Record<string, unknown>>(sql: string) => Promise<T[]>,
  fromId: number,
) {
  const storedMessages = await rows<{ id: number | string; client_offset: string }>("SELECT id, client_offset FROM messages");
  const storedChanges = await rows<{ offset: number | string; client_offset: string }>('SELECT "offset", client_offset FROM message_changes');
  const messageIds = new Map(storedMessages.map((row) => [row.client_offset, Number(row.id)]));
  const changeOffsets = new Map(storedChanges.map((row) => [row.client_offset, Number(row.offset)]));
  for (const [clientOffset, id] of ledger.sends) expect(messageIds.get(clientOffset), clientOffset).toBe(id);
  // A change acknowledged with an offset is stored once under it; one that changed nothing is not stored at all.
  for (const [clientOffset, offset] of ledger.changes) expect(changeOffsets.get(clientOffset) ?? null, clientOffset).toBe(offset);
  for (const clientOffset of ledger.refused.keys()) expect(changeOffsets.has(clientOffset), clientOffset).toBe(false);
  expect(storedChanges.length).toBe([...ledger.changes.values()].filter((offset) => offset !== null).length);
  expect(storedMessages.filter((row) => Number(row.id) > fromId).length).toBe(ledger.sends.size);

  const server = (await serverState(reader)).filter((message) => message.id > fromId);
  const latest = Math.max(fromId, ...server.map((message) => message.version));
  await waitFor(() => clients.every((c) => c.serverOffset >= latest), 30_000, "every client to reach the end of the log").catch((error: Error) => {
    throw new Error(
      `${error.message}: ${clients.map((c, i) => `client ${i} at ${c.serverOffset}, connected=${c.socket.connected}`).join("; ")} (log at ${latest})`,
    );
  });
  for (const [i, c] of clients.entries()) {
    const held = [...c.messages.values()].filter((message) => message.id > fromId).sort((a, b) => a.id - b.id);
    expect(
      held.map((message) => message.id),
      `client ${i} ids`,
    ).toEqual(server.map((message) => message.id));
    for (const message of server) expect(essence(c.messages.get(message.id)), `client ${i}, message ${message.id}`).toEqual(essence(message));
    expect(c.outOfOrder, `client ${i} out of order`).toBe(0);
    expect(c.statesBehindPosition, `client ${i} states older than their position`).toBe(0);
  }
}
