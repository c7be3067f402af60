/** Ways of putting messages on the wire: a closed loop with a window of unacknowledged sends, or a fixed rate. */
import { sendMessage, type BenchSocket } from "./clients";

/** Keeps at most `window` sends unacknowledged; records each ack latency (emit → ack, ms). */
export function sendClosedLoop(socket: BenchSocket, offsets: readonly string[], window: number, latencies: number[]): Promise<void> {
  return new Promise((resolve, reject) => {
    let next = 0;
    let inFlight = 0;
    let acked = 0;
    const pump = () => {
      while (inFlight < window && next < offsets.length) {
        const offset = offsets[next++]!;
        inFlight++;
        const sentAt = performance.now();
        sendMessage(socket, offset).then(() => {
          latencies.push(performance.now() - sentAt);
          inFlight--;
          if (++acked === offsets.length) resolve();
          else pump();
        }, reject);
      }
    };
    if (offsets.length === 0) resolve();
    else pump();
  });
}

export interface RateOptions {
  /** Messages per second over all senders together. */
  rate: number;
  durationMs: number;
  prefix: string;
  /** Ack latencies (emit → ack, ms) are pushed here. */
  latencies: number[];
  /** Emit time of each message by client offset, for delivery latency at the receivers. */
  sentAt?: Map<string, number>;
}

/**
 * An open loop: sends are due at a fixed rate whatever the acks do (round robin over the senders), so a slow
 * server shows up as growing latency rather than as a politely slower client. Resolves once all are acked.
 */
export async function sendAtRate(senders: readonly BenchSocket[], options: RateOptions): Promise<{ offsets: string[]; achievedRate: number }> {
  const total = Math.round((options.rate * options.durationMs) / 1000);
  const offsets: string[] = [];
  const acks: Promise<void>[] = [];
  const start = performance.now();
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - start) * options.rate) / 1000));
      while (offsets.length < due) {
        const offset = `${options.prefix}${offsets.length}`;
        const socket = senders[offsets.length % senders.length]!;
        offsets.push(offset);
        const sentAt = performance.now();
        options.sentAt?.set(offset, sentAt);
        acks.push(sendMessage(socket, offset).then(() => void options.latencies.push(performance.now() - sentAt)));
      }
      if (offsets.length >= total) {
        clearInterval(timer);
        resolve();
      }
    };
    const timer = setInterval(tick, 1);
  });
  const elapsed = performance.now() - start;
  await Promise.all(acks);
  return { offsets, achievedRate: (offsets.length * 1000) / elapsed };
}

export async function waitUntil(what: string, condition: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
