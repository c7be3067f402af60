/**
 * Live traffic: ingest (closed loop, then at a fixed offered load) and fan-out. Every scenario ends with the
 * exactly-once check on every client's stream and, for Tether, on the rows in the SQLite file.
 */
import type { ChatMessage } from "../../lib/shared/dto";
import { closeAll, connectMany, type BenchSocket } from "../support/clients";
import { assertExactlyOnce, FeedRecorder } from "../support/feed-check";
import { sendAtRate, sendClosedLoop, waitUntil } from "../support/load";
import { median, summarize, type LatencySummary, round } from "../support/stats";
import type { LoopDelay } from "../support/server-process";
import type { Target } from "../support/targets";

interface Audience {
  sockets: BenchSocket[];
  recorders: FeedRecorder[];
}

async function connectAudience(target: Target, count: number, label: string, onMessage?: (message: ChatMessage) => void): Promise<Audience> {
  const recorders = Array.from({ length: count }, (_, i) => new FeedRecorder(`${label} client ${i}`));
  const sockets = await connectMany(target.url, count, (i) => ({
    onMessage: (message) => {
      recorders[i]!.record(message.id, message.clientOffset);
      onMessage?.(message);
    },
  }));
  return { sockets, recorders };
}

/** Waits until every client has everything, then checks each stream and what the server stored. */
async function verifyDelivery(scenario: string, target: Target, audience: Audience, prefix: string, sent: readonly string[]) {
  const expected = new Set(sent);
  await waitUntil(`${scenario}: delivery to every client`, () => audience.recorders.every((r) => r.received.length >= expected.size), 120_000);
  const problems = audience.recorders.flatMap((r) => r.verify(expected));
  const stored = target.storedClientOffsets(prefix);
  if (stored) {
    const counts = new Map<string, number>();
    for (const offset of stored) counts.set(offset, (counts.get(offset) ?? 0) + 1);
    for (const offset of expected) if (counts.get(offset) !== 1) problems.push(`${scenario}: ${offset} stored ${counts.get(offset) ?? 0} times`);
    if (stored.length !== expected.size) problems.push(`${scenario}: ${stored.length} rows stored for ${expected.size} messages`);
  }
  assertExactlyOnce(`${scenario} (${target.name})`, problems);
}

export interface IngestOptions {
  clients: number;
  messagesPerClient: number;
  window: number;
  /** Measured repetitions on the same clients; the median throughput is reported, latencies are pooled. */
  runs: number;
}

export interface IngestResult extends IngestOptions {
  messages: number;
  durationMs: number;
  ackedPerSecond: number;
  ackedPerSecondRuns: number[];
  ackLatency: LatencySummary;
  /** Server CPU time per 1,000 messages ingested and broadcast (ms). */
  serverCpuMsPer1000: number;
  /** The same CPU time by thread and user/system (ms over all measured runs), to tell the loop from the rest. */
  serverCpuByThread?: Record<string, number>;
}

export async function runIngest(target: Target, options: IngestOptions): Promise<IngestResult> {
  const audience = await connectAudience(target, options.clients, "ingest");
  try {
    const offsetsOf = (phase: string, client: number, count: number) => Array.from({ length: count }, (_, i) => `${phase}-c${client}-${i}`);
    // Warm-up: the JIT and the first SQLite pages, not measured, but delivered and checked like the rest.
    const warm = audience.sockets.map((_, c) => offsetsOf("ingest-warm", c, Math.min(50, options.messagesPerClient)));
    await Promise.all(audience.sockets.map((socket, c) => sendClosedLoop(socket, warm[c]!, options.window, [])));

    const latencies: number[] = [];
    const sent = warm.flat();
    const durations: number[] = [];
    const messages = options.clients * options.messagesPerClient;
    await target.server.resetLoopDelay();
    for (let run = 0; run < options.runs; run++) {
      const measured = audience.sockets.map((_, c) => offsetsOf(`ingest-run${run}`, c, options.messagesPerClient));
      const start = performance.now();
      await Promise.all(audience.sockets.map((socket, c) => sendClosedLoop(socket, measured[c]!, options.window, latencies)));
      durations.push(performance.now() - start);
      sent.push(...measured.flat());
      // Each run starts on a quiet server: the previous run's broadcasts are all delivered first.
      await waitUntil("ingest: delivery between runs", () => audience.recorders.every((r) => r.received.length >= sent.length), 120_000);
    }

    const { cpuMs, cpuByThread } = await target.server.readLoopDelay();
    await verifyDelivery("ingest", target, audience, "ingest-", sent);
    const rates = durations.map((d) => round((messages * 1000) / d, 0));
    return {
      ...options,
      messages,
      durationMs: round(median(durations)),
      ackedPerSecond: median(rates),
      ackedPerSecondRuns: rates,
      ackLatency: summarize(latencies),
      serverCpuMsPer1000: round((cpuMs * 1000) / (messages * options.runs), 1),
      serverCpuByThread: cpuByThread,
    };
  } finally {
    closeAll(audience.sockets);
  }
}

export interface RateResult {
  clients: number;
  offeredRate: number;
  achievedRate: number;
  messages: number;
  ackLatency: LatencySummary;
}

export async function runIngestAtRate(target: Target, options: { clients: number; rate: number; durationMs: number }): Promise<RateResult> {
  const audience = await connectAudience(target, options.clients, "ingest-rate");
  try {
    await sendAtRate(audience.sockets, { rate: options.rate, durationMs: Math.min(1000, options.durationMs), prefix: "rate-warm-", latencies: [] });
    const latencies: number[] = [];
    const run = await sendAtRate(audience.sockets, { rate: options.rate, durationMs: options.durationMs, prefix: "rate-run-", latencies });
    const warmCount = Math.round((options.rate * Math.min(1000, options.durationMs)) / 1000);
    const warm = Array.from({ length: warmCount }, (_, i) => `rate-warm-${i}`);
    await verifyDelivery("ingest-rate", target, audience, "rate-", [...warm, ...run.offsets]);
    return {
      clients: options.clients,
      offeredRate: options.rate,
      achievedRate: round(run.achievedRate, 0),
      messages: run.offsets.length,
      ackLatency: summarize(latencies),
    };
  } finally {
    closeAll(audience.sockets);
  }
}

export interface FanoutResult {
  receivers: number;
  rate: number;
  messages: number;
  deliveries: number;
  lost: number;
  deliveryLatency: LatencySummary;
  /** Server CPU time per message sent and delivered to every receiver (ms). */
  serverCpuMsPerMessage: number;
  /** The server's event loop during the run: delay percentiles and garbage-collection pauses. */
  serverLoop: LoopDelay;
  /** Every session's two compared figures, in the order run (set when sessions are combined: betterFanout). */
  sessions?: Array<{ deliveryP99: number; serverCpuMsPerMessage: number }>;
}

/**
 * Two sessions of one target combined: the session with the lower delivery p99 (its latencies, loop and GC figures),
 * with the lower of the two CPU figures. Each compared figure is the target's best, as for every other figure: a busy
 * moment only ever raises either.
 */
export function betterFanout(current: FanoutResult | undefined, next: FanoutResult): FanoutResult {
  const figures = (r: FanoutResult) => r.sessions ?? [{ deliveryP99: r.deliveryLatency.p99, serverCpuMsPerMessage: r.serverCpuMsPerMessage }];
  if (!current) return next;
  const sessions = [...figures(current), ...figures(next)];
  const kept = current.deliveryLatency.p99 <= next.deliveryLatency.p99 ? current : next;
  return { ...kept, serverCpuMsPerMessage: Math.min(...sessions.map((s) => s.serverCpuMsPerMessage)), sessions };
}

export async function runFanout(target: Target, options: { receivers: number; rate: number; durationMs: number }): Promise<FanoutResult> {
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const audience = await connectAudience(target, options.receivers, "fanout", (message) => {
    const sent = sentAt.get(message.clientOffset);
    if (sent !== undefined && message.clientOffset.startsWith("fanout-run-")) latencies.push(performance.now() - sent);
  });
  const sender = await connectAudience(target, 1, "fanout sender");
  try {
    await sendAtRate(sender.sockets, {
      rate: options.rate,
      durationMs: Math.min(1000, options.durationMs),
      prefix: "fanout-warm-",
      latencies: [],
      sentAt,
    });
    await target.server.resetLoopDelay();
    const run = await sendAtRate(sender.sockets, {
      rate: options.rate,
      durationMs: options.durationMs,
      prefix: "fanout-run-",
      latencies: [],
      sentAt,
    });
    const serverLoop = await target.server.readLoopDelay();
    const warm = [...sentAt.keys()].filter((offset) => offset.startsWith("fanout-warm-"));
    const all = [...warm, ...run.offsets];
    const everyone: Audience = { sockets: [...audience.sockets, ...sender.sockets], recorders: [...audience.recorders, ...sender.recorders] };
    await verifyDelivery("fanout", target, everyone, "fanout-", all);
    const expectedDeliveries = run.offsets.length * options.receivers;
    return {
      receivers: options.receivers,
      rate: options.rate,
      messages: run.offsets.length,
      deliveries: latencies.length,
      lost: expectedDeliveries - latencies.length,
      deliveryLatency: summarize(latencies),
      serverCpuMsPerMessage: round(serverLoop.cpuMs / run.offsets.length, 3),
      serverLoop,
    };
  } finally {
    closeAll([...audience.sockets, ...sender.sockets]);
  }
}
