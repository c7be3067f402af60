/**
 * Messages that change (issue 15), Tether only:
 * - mixed ingest: clients in a closed loop, each operation 70% a send, 20% a reaction toggled on one of its own
 *   messages, 10% an edit of one — acknowledged operations per second, compared with the ceiling's message rate;
 * - mixed catch-up: a client that missed 100,000 log entries (70% messages, 30% changes) against one that missed
 *   100,000 messages, both on Tether, alternating runs.
 * Both end with exactness checks: every operation stored once and delivered to every client; every entry of the
 * catch-up received once, in log order.
 */
import type { Ack } from "../../lib/shared/ack";
import type { MessageChangeResult } from "../../lib/shared/dto";
import { closeAll, connectClient, sendMessage, type BenchSocket } from "../support/clients";
import { assertExactlyOnce, FeedRecorder } from "../support/feed-check";
import { waitUntil } from "../support/load";
import { median, round, summarize, type LatencySummary } from "../support/stats";
import { BENCH_EMOJI, startTether, type Target } from "../support/targets";

export interface MixedOptions {
  clients: number;
  opsPerClient: number;
  window: number;
  runs: number;
  /** Log entries missed by the catch-up client (both the mixed and the messages-only one). */
  catchUpEntries: number;
  catchUpRuns: number;
}

export interface MixedIngestResult {
  clients: number;
  opsPerClient: number;
  window: number;
  ops: { sends: number; reactions: number; edits: number };
  ackedPerSecond: number;
  ackedPerSecondRuns: number[];
  ackLatency: LatencySummary;
  /** Server CPU time per 1,000 operations acknowledged and broadcast (ms): less disturbed by a busy machine. */
  serverCpuMsPer1000: number;
}

export interface MixedCatchUpResult {
  entries: number;
  runs: number;
  /** Median time from connect to session:ready (the whole catch-up delivered), ms. */
  messagesOnlyMs: number;
  mixedMs: number;
  messagesOnlyRunsMs: number[];
  mixedRunsMs: number[];
  /** What the mixed catch-up carried: its messages, and the updates not already reflected in a message it sent. */
  mixedMessages: number;
  mixedUpdates: number;
}

export interface MixedResults {
  ingest?: MixedIngestResult;
  /** The ceiling's acked msgs/s in the same bench run (its ingest scenario). */
  ceilingMessagesPerSecond?: number;
  catchUp?: MixedCatchUpResult;
}

type Op =
  | { kind: "send"; clientOffset: string }
  | { kind: "react"; event: "reaction:add" | "reaction:remove"; id: number; emoji: string; clientOffset: string }
  | { kind: "edit"; id: number; clientOffset: string };

function emitChange(socket: BenchSocket, op: Exclude<Op, { kind: "send" }>): Promise<void> {
  const payload =
    op.kind === "edit"
      ? { id: op.id, content: `edited by ${op.clientOffset}`, clientOffset: op.clientOffset }
      : { id: op.id, emoji: op.emoji, clientOffset: op.clientOffset };
  const event = op.kind === "edit" ? "message:edit" : op.event;
  return new Promise((resolve, reject) => {
    (socket.timeout(30_000) as unknown as { emit(e: string, p: unknown, cb: (err: Error | null, ack: Ack<MessageChangeResult>) => void): void }).emit(
      event,
      payload,
      (err, ack) => {
        if (err) return reject(new Error(`${op.clientOffset}: no ack within 30 s`));
        if ("error" in ack) return reject(new Error(`${op.clientOffset}: ${ack.error.code} ${ack.error.message}`));
        // Each client toggles only its own reactions on its own messages: every change changes something.
        if (ack.data.duplicate || ack.data.offset === null) return reject(new Error(`${op.clientOffset}: ${JSON.stringify(ack.data)}`));
        resolve();
      },
    );
  });
}

/** One client's closed loop: at most `window` operations unacknowledged; edits and reactions target its acked messages. */
function runClient(
  socket: BenchSocket,
  prefix: string,
  count: number,
  window: number,
  seed: number,
  latencies: number[],
  tally: MixedIngestResult["ops"],
) {
  let random = seed;
  const next = () => (random = (random * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const own: number[] = [];
  const reacted = new Set<string>();
  let issued = 0;
  let inFlight = 0;
  let acked = 0;
  const nextOp = (): Op => {
    const clientOffset = `${prefix}-${issued}`;
    const roll = next();
    if (roll < 0.7 || own.length === 0) return { kind: "send", clientOffset };
    const id = own[Math.max(0, own.length - 1 - Math.floor(next() * 20))]!;
    if (roll >= 0.9) return { kind: "edit", id, clientOffset };
    const emoji = BENCH_EMOJI[Math.floor(next() * BENCH_EMOJI.length)]!;
    const key = `${id}:${emoji}`;
    const event = reacted.has(key) ? "reaction:remove" : "reaction:add";
    if (event === "reaction:add") reacted.add(key);
    else reacted.delete(key);
    return { kind: "react", event, id, emoji, clientOffset };
  };
  return new Promise<void>((resolve, reject) => {
    const pump = () => {
      while (inFlight < window && issued < count) {
        const op = nextOp();
        issued++;
        inFlight++;
        const sentAt = performance.now();
        const done = op.kind === "send" ? sendMessage(socket, op.clientOffset).then((id) => void own.push(id)) : emitChange(socket, op);
        if (op.kind === "send") tally.sends++;
        else if (op.kind === "edit") tally.edits++;
        else tally.reactions++;
        done.then(() => {
          latencies.push(performance.now() - sentAt);
          inFlight--;
          if (++acked === count) resolve();
          else pump();
        }, reject);
      }
    };
    pump();
  });
}

export async function runMixedIngest(target: Target, options: MixedOptions): Promise<MixedIngestResult> {
  const recorders = Array.from({ length: options.clients }, (_, i) => new FeedRecorder(`mixed client ${i}`));
  const updates = Array.from({ length: options.clients }, () => 0);
  const sockets: BenchSocket[] = [];
  try {
    for (let i = 0; i < options.clients; i++) {
      const { socket } = await connectClient(target.url, {
        onMessage: (message) => recorders[i]!.record(message.id, message.clientOffset),
        onUpdate: () => void updates[i]!++,
      });
      sockets.push(socket);
    }
    const latencies: number[] = [];
    const tally = { sends: 0, reactions: 0, edits: 0 };
    // Warm-up, not measured: the JIT and the first pages, checked like the rest.
    await Promise.all(
      sockets.map((socket, c) => runClient(socket, `mixed-warm-c${c}`, 50, options.window, 100 + c, [], { sends: 0, reactions: 0, edits: 0 })),
    );
    const rates: number[] = [];
    await target.server.resetLoopDelay();
    for (let run = 0; run < options.runs; run++) {
      const start = performance.now();
      await Promise.all(
        sockets.map((socket, c) =>
          runClient(socket, `mixed-run${run}-c${c}`, options.opsPerClient, options.window, 1000 * run + c, latencies, tally),
        ),
      );
      rates.push(round((options.clients * options.opsPerClient * 1000) / (performance.now() - start), 0));
    }

    const { cpuMs } = await target.server.readLoopDelay();
    // Every operation stored once, and every send and change delivered to every client.
    const sent = new Set(target.storedClientOffsets("mixed-") ?? []);
    const changes = target.storedChangeOffsets("mixed-") ?? [];
    const problems: string[] = [];
    const totalOps = options.clients * (50 + options.opsPerClient * options.runs);
    if (sent.size + changes.length !== totalOps)
      problems.push(`mixed: ${sent.size} messages and ${changes.length} changes stored for ${totalOps} operations`);
    if (new Set(changes).size !== changes.length) problems.push("mixed: a change stored twice");
    await waitUntil(
      "mixed: delivery to every client",
      () => recorders.every((r, i) => r.received.length >= sent.size && updates[i]! >= changes.length),
      120_000,
    );
    for (const [i, recorder] of recorders.entries()) {
      problems.push(...recorder.verify(sent));
      if (updates[i] !== changes.length) problems.push(`mixed client ${i}: ${updates[i]} updates for ${changes.length} changes`);
    }
    assertExactlyOnce("mixed ingest (tether)", problems);
    return {
      clients: options.clients,
      opsPerClient: options.opsPerClient,
      window: options.window,
      ops: tally,
      ackedPerSecond: median(rates),
      ackedPerSecondRuns: rates,
      ackLatency: summarize(latencies),
      serverCpuMsPer1000: round((cpuMs * 1000) / (options.clients * options.opsPerClient * options.runs), 1),
    };
  } finally {
    closeAll(sockets);
  }
}

/**
 * One catch-up of everything after offset 1: time to session:ready, with the stream checked — positions strictly
 * ascending, every message of the range once, the last position the log's end. Updates whose state the client was
 * already sent in the catch-up are left out by design (docs/protocol.md), so they are counted, not required.
 */
async function catchUpOnce(target: Target, entries: number, label: string): Promise<{ ms: number; messages: number; updates: number }> {
  let last = 1;
  let messages = 0;
  let updates = 0;
  const problems: string[] = [];
  const position = (at: number) => {
    if (at <= last && problems.length < 5) problems.push(`${label}: position ${at} after ${last}`);
    last = Math.max(last, at);
  };
  const start = performance.now();
  const { socket } = await connectClient(target.url, {
    serverOffset: 1,
    timeoutMs: 120_000,
    onMessage: (message) => {
      messages++;
      position(message.id);
    },
    onUpdate: (update) => {
      updates++;
      position(update.offset);
    },
  });
  const ms = performance.now() - start;
  socket.close();
  // Offset 1 is the seed's first message: every other stored message is in the range.
  const stored = (target.storedClientOffsets("seed-")?.length ?? 0) - 1;
  if (messages !== stored) problems.push(`${label}: ${messages} messages of ${stored}`);
  if (last !== entries + 1) problems.push(`${label}: ended at position ${last}, the log at ${entries + 1}`);
  assertExactlyOnce(`${label} (tether)`, problems);
  return { ms, messages, updates };
}

/** Two Tether servers side by side: one seeded with messages only, one with a mixed log; runs alternate. */
export async function runMixedCatchUp(options: MixedOptions): Promise<MixedCatchUpResult> {
  const seed = options.catchUpEntries + 1;
  const [plain, mixed] = await Promise.all([startTether({ seed }), startTether({ seed, mixedSeed: true })]);
  try {
    // Warm-up of both: the JIT, and the store's first read of its rows.
    await catchUpOnce(plain, options.catchUpEntries, "catch-up of messages");
    await catchUpOnce(mixed, options.catchUpEntries, "catch-up of a mixed log");
    const plainRuns: number[] = [];
    const mixedRuns: number[] = [];
    let carried = { messages: 0, updates: 0 };
    for (let run = 0; run < options.catchUpRuns; run++) {
      plainRuns.push((await catchUpOnce(plain, options.catchUpEntries, "catch-up of messages")).ms);
      const result = await catchUpOnce(mixed, options.catchUpEntries, "catch-up of a mixed log");
      mixedRuns.push(result.ms);
      carried = result;
    }
    return {
      entries: options.catchUpEntries,
      runs: options.catchUpRuns,
      messagesOnlyMs: round(median(plainRuns)),
      mixedMs: round(median(mixedRuns)),
      messagesOnlyRunsMs: plainRuns.map((t) => round(t)),
      mixedRunsMs: mixedRuns.map((t) => round(t)),
      mixedMessages: carried.messages,
      mixedUpdates: carried.updates,
    };
  } finally {
    await Promise.all([plain.stop(), mixed.stop()]);
  }
}
