/**
 * Preloaded into a server process by the bench (`--import`), so the server's own code stays untouched: samples
 * the event-loop delay with monitorEventLoopDelay and answers the bench over the IPC channel.
 * `{ type: "eld:reset" }` starts a window; `{ type: "eld:read" }` replies with that window's percentiles (ms)
 * and the CPU time the process used in it — a figure far less disturbed by a busy machine than wall time.
 */
import fs from "node:fs";
import { Session } from "node:inspector";
import path from "node:path";
import { constants, monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks";

/**
 * With BENCH_WINDOW_PROFILE_DIR set, each measured window is also CPU-profiled on its own (a .cpuprofile per
 * window, read with bench/profile-summary.ts): unlike `--cpu-prof`, start-up and the scenarios' set-up stay out.
 * BENCH_WINDOW_PROFILE_INTERVAL_US sets the sampling interval (default 1,000 µs).
 */
function windowProfiler(dir: string | undefined) {
  if (!dir) return { start() {}, stop() {} };
  fs.mkdirSync(dir, { recursive: true });
  const session = new Session();
  session.connect();
  let windows = 0;
  return {
    start() {
      // V8 samples every 1,000 µs by default: too coarse for a window of a few tens of milliseconds.
      const interval = Number(process.env.BENCH_WINDOW_PROFILE_INTERVAL_US ?? 1000);
      session.post("Profiler.enable", () => session.post("Profiler.setSamplingInterval", { interval }, () => session.post("Profiler.start")));
    },
    stop() {
      const file = path.join(dir, `${path.basename(process.argv[1] ?? "server", ".ts")}-${process.pid}-window${++windows}.cpuprofile`);
      session.post("Profiler.stop", (error, result) => {
        if (!error) fs.writeFileSync(file, JSON.stringify(result.profile));
      });
    },
  };
}

if (process.send) {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  let cpuAtReset = process.cpuUsage();
  const profiler = windowProfiler(process.env.BENCH_WINDOW_PROFILE_DIR);
  // Garbage-collection pauses stop the loop like any other work; they are reported apart to tell them from it.
  let gcPauses: number[] = [];
  let longestGc = { ms: 0, kind: "" };
  /** perf_hooks' GC kinds: what was collected tells a young-generation scavenge from a full mark-compact. */
  const GC_KINDS: Record<number, string> = {
    [constants.NODE_PERFORMANCE_GC_MINOR]: "minor",
    [constants.NODE_PERFORMANCE_GC_MAJOR]: "major",
    [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: "incremental",
    [constants.NODE_PERFORMANCE_GC_WEAKCB]: "weak callbacks",
  };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gcPauses.push(entry.duration);
      if (entry.duration <= longestGc.ms) continue;
      longestGc = { ms: entry.duration, kind: GC_KINDS[(entry as { detail?: { kind?: number } }).detail?.kind ?? 0] ?? "other" };
    }
  }).observe({ entryTypes: ["gc"] });
  process.on("message", (request: { type?: string }) => {
    if (request?.type === "eld:reset") {
      histogram.reset();
      cpuAtReset = process.cpuUsage();
      gcPauses = [];
      longestGc = { ms: 0, kind: "" };
      profiler.start();
      process.send!({ type: "eld:reset:done" });
    } else if (request?.type === "eld:read") {
      const ms = (ns: number) => Math.round(ns / 1e4) / 100;
      const cpu = process.cpuUsage(cpuAtReset);
      profiler.stop();
      const cpuMs = Math.round((cpu.user + cpu.system) / 1000);
      process.send!({
        type: "eld:read:done",
        p50: ms(histogram.percentile(50)),
        p99: ms(histogram.percentile(99)),
        max: ms(histogram.max),
        cpuMs,
        gcMaxMs: Math.round(longestGc.ms * 100) / 100,
        gcMaxKind: longestGc.kind,
        gcTotalMs: Math.round(gcPauses.reduce((a, b) => a + b, 0)),
      });
    }
  });
  // The IPC channel must not keep a server alive that wants to exit on its own.
  process.channel?.unref();
}
