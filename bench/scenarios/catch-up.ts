/**
 * Catch-up: a client reconnects with `auth.serverOffset` after missing N messages and must receive all of
 * them, once, in order. Meanwhile a bystander (a separate probe process) keeps doing round trips, and the
 * server's own event-loop delay is sampled: a big replay must not freeze everyone else.
 */
import { connectClient } from "../support/clients";
import { assertExactlyOnce, FeedRecorder } from "../support/feed-check";
import type { LoopDelay } from "../support/server-process";
import { ProbeProcess } from "../support/probe-process";
import { median, round, summarize, type LatencySummary } from "../support/stats";
import type { Target } from "../support/targets";

export interface CatchUpResult {
  missed: number;
  runs: number;
  /** Median over runs, from connect to the last missed message received (ms). */
  timeMs: number;
  timesMs: number[];
  /** Round trips of the bystander during the replays. */
  bystanderRtt: LatencySummary;
  /** Event-loop delay inside the server during the replays. */
  serverLoopDelay: LoopDelay;
  /** Server CPU time per replay (ms), less disturbed by a busy machine than the wall time. */
  serverCpuMs: number;
}

async function catchUpOnce(target: Target, backlog: number, missed: number): Promise<number> {
  const recorder = new FeedRecorder(`catch-up ${missed}`);
  const start = performance.now();
  let doneAt = 0;
  const { socket } = await connectClient(target.url, {
    serverOffset: backlog - missed,
    timeoutMs: 120_000,
    onMessage: (message) => {
      recorder.record(message.id, message.clientOffset);
      if (recorder.received.length === missed) doneAt = performance.now();
    },
  });
  socket.close();
  const expected = new Set(Array.from({ length: missed }, (_, i) => `seed-${backlog - missed + 1 + i}`));
  const problems = recorder.verify(expected);
  if (recorder.received.length !== missed) problems.push(`catch-up ${missed}: received ${recorder.received.length} messages`);
  assertExactlyOnce(`catch-up ${missed} (${target.name})`, problems);
  return doneAt - start;
}

/** `target` must have been started with a backlog of `backlog` messages (ids 1..backlog). */
export async function runCatchUp(target: Target, options: { backlog: number; sizes: number[]; runs: number }): Promise<CatchUpResult[]> {
  const probe = await ProbeProcess.start(target.url);
  try {
    await catchUpOnce(target, options.backlog, Math.min(1000, options.backlog - 1));
    const results: CatchUpResult[] = [];
    for (const missed of options.sizes) {
      await probe.newWindow();
      await target.server.resetLoopDelay();
      const times: number[] = [];
      for (let run = 0; run < options.runs; run++) times.push(await catchUpOnce(target, options.backlog, missed));
      const serverLoopDelay = await target.server.readLoopDelay();
      results.push({
        missed,
        runs: options.runs,
        timeMs: round(median(times)),
        timesMs: times.map((t) => round(t)),
        bystanderRtt: summarize(await probe.collect()),
        serverLoopDelay,
        serverCpuMs: round(serverLoopDelay.cpuMs / options.runs, 0),
      });
    }
    return results;
  } finally {
    await probe.stop();
  }
}
