/**
 * Preloaded into a server process by the bench (`--import`), so the server's own code stays untouched: samples
 * the event-loop delay with monitorEventLoopDelay and answers the bench over the IPC channel.
 * `{ type: "eld:reset" }` starts a window; `{ type: "eld:read" }` replies with that window's percentiles (ms)
 * and the CPU time the process used in it — a figure far less disturbed by a busy machine than wall time.
 */
import { monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks";

if (process.send) {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  let cpuAtReset = process.cpuUsage();
  // Garbage-collection pauses stop the loop like any other work; they are reported apart to tell them from it.
  let gcPauses: number[] = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcPauses.push(entry.duration);
  }).observe({ entryTypes: ["gc"] });
  process.on("message", (request: { type?: string }) => {
    if (request?.type === "eld:reset") {
      histogram.reset();
      cpuAtReset = process.cpuUsage();
      gcPauses = [];
      process.send!({ type: "eld:reset:done" });
    } else if (request?.type === "eld:read") {
      const ms = (ns: number) => Math.round(ns / 1e4) / 100;
      const cpu = process.cpuUsage(cpuAtReset);
      const cpuMs = Math.round((cpu.user + cpu.system) / 1000);
      process.send!({
        type: "eld:read:done",
        p50: ms(histogram.percentile(50)),
        p99: ms(histogram.percentile(99)),
        max: ms(histogram.max),
        cpuMs,
        gcMaxMs: Math.round(Math.max(0, ...gcPauses) * 100) / 100,
        gcTotalMs: Math.round(gcPauses.reduce((a, b) => a + b, 0)),
      });
    }
  });
  // The IPC channel must not keep a server alive that wants to exit on its own.
  process.channel?.unref();
}
