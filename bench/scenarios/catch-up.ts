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
  /** Event-loop delay inside the server during the replays (the worst of the runs' windows; CPU and GC summed). */
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

/**
 * Each target's catch-ups, by turns (ceiling, Tether, Tether, ceiling, …) on servers kept up side by side: the
 * machine's speed drifts by up to 2× over minutes, and runs of one target after all of the other's compared two
 * different machines. A target's bystander round trips and event-loop figures are taken around its own runs only
 * (the other server and its probe are idle then, but share the machine). Every target must have been started with a
 * backlog of `backlog` messages (ids 1..backlog). Results are in the order of `targets`.
 */
export async function runCatchUps(targets: Target[], options: { backlog: number; sizes: number[]; runs: number }): Promise<CatchUpResult[][]> {
  const probes: ProbeProcess[] = [];
  try {
    // A probe pings only during its own target's runs: the other server is idle then, and so is its probe.
    for (const target of targets) {
      const probe = await ProbeProcess.start(target.url);
      probes.push(probe);
      await probe.pause();
    }
    for (const target of targets) await catchUpOnce(target, options.backlog, Math.min(1000, options.backlog - 1));
    const results = targets.map((): CatchUpResult[] => []);
    for (const missed of options.sizes) {
      const runs = targets.map(() => ({ times: [] as number[], rtts: [] as number[], loops: [] as LoopDelay[] }));
      for (let run = 0; run < options.runs; run++) {
        const order = targets.map((_, i) => i);
        if (run % 2 === 1) order.reverse();
        for (const i of order) {
          const target = targets[i]!;
          await probes[i]!.resume();
          await probes[i]!.newWindow();
          await target.server.resetLoopDelay();
          runs[i]!.times.push(await catchUpOnce(target, options.backlog, missed));
          runs[i]!.loops.push(await target.server.readLoopDelay());
          runs[i]!.rtts.push(...(await probes[i]!.collect()));
          await probes[i]!.pause();
        }
      }
      runs.forEach(({ times, rtts, loops }, i) => {
        const serverLoopDelay = combineWindows(loops);
        results[i]!.push({
          missed,
          runs: options.runs,
          timeMs: round(median(times)),
          timesMs: times.map((t) => round(t)),
          bystanderRtt: summarize(rtts),
          serverLoopDelay,
          serverCpuMs: round(serverLoopDelay.cpuMs / options.runs, 0),
        });
      });
    }
    return results;
  } finally {
    await Promise.all(probes.map((probe) => probe.stop()));
  }
}

/** The event-loop figures of several windows as one: the worst delays and pauses, the CPU and GC time summed. */
function combineWindows(windows: LoopDelay[]): LoopDelay {
  const longestGc = windows.reduce((a, b) => (b.gcMaxMs > a.gcMaxMs ? b : a));
  const cpuByThread: Record<string, number> = {};
  for (const window of windows) {
    for (const [thread, ms] of Object.entries(window.cpuByThread ?? {})) cpuByThread[thread] = (cpuByThread[thread] ?? 0) + ms;
  }
  return {
    p50: round(median(windows.map((w) => w.p50))),
    p99: Math.max(...windows.map((w) => w.p99)),
    max: Math.max(...windows.map((w) => w.max)),
    cpuMs: windows.reduce((sum, w) => sum + w.cpuMs, 0),
    gcMaxMs: longestGc.gcMaxMs,
    gcMaxKind: longestGc.gcMaxKind,
    gcTotalMs: windows.reduce((sum, w) => sum + w.gcTotalMs, 0),
    cpuByThread,
  };
}
