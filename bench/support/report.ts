/**
 * Turns one run's results into the rows everyone reads: each figure for the ceiling and for Tether, Tether
 * relative to the ceiling, and the target with PASS/FAIL. Rendered as a console table and as Markdown.
 */
import type { CatchUpResult } from "../scenarios/catch-up";
import type { ColdStartResult } from "../scenarios/cold-start";
import type { ConnectionsResult } from "../scenarios/connections";
import type { FanoutResult, IngestResult, RateResult } from "../scenarios/live";

export interface TargetResults {
  ingest?: IngestResult;
  ingestAtRate?: RateResult;
  fanout?: FanoutResult;
  catchUp?: CatchUpResult[];
  connections?: ConnectionsResult;
}

export interface BenchResults {
  ceiling: TargetResults;
  tether: TargetResults;
  coldStart?: ColdStartResult;
}

export interface Row {
  scenario: string;
  metric: string;
  unit: string;
  ceiling: number | null;
  tether: number | null;
  /** "higher" when more is better (throughput), "lower" for times and latencies. */
  better: "higher" | "lower";
  target: string;
  pass: boolean | null;
}

/** Tether relative to the ceiling: a share for throughput, a multiple for times. */
export function relative(row: Row): string {
  if (row.ceiling === null || row.tether === null || row.ceiling === 0) return "";
  const ratio = row.tether / row.ceiling;
  return row.better === "higher" ? `${Math.round(ratio * 100)}%` : `${ratio.toFixed(2)}×`;
}

function withinFactor(ceiling: number | undefined, tether: number | undefined, factor: number): boolean | null {
  return ceiling === undefined || tether === undefined ? null : tether <= ceiling * factor;
}

/** Server RSS with 5,000 connections: measured when the run had that many, else extrapolated per connection. */
function rssAtFiveThousand(result: ConnectionsResult): number {
  if (result.connections >= 5000) return result.rssAfterMb;
  return result.rssBeforeMb + (result.rssPerConnectionKb * 5000) / 1024;
}

export function buildRows(results: BenchResults): Row[] {
  const { ceiling: c, tether: t } = results;
  const rows: Row[] = [];
  const add = (row: Omit<Row, "ceiling" | "tether"> & { ceiling?: number; tether?: number }) =>
    rows.push({ ...row, ceiling: row.ceiling ?? null, tether: row.tether ?? null });

  const ingest = t.ingest ?? c.ingest;
  if (ingest) {
    const name = `ingest ${ingest.clients}×${ingest.messagesPerClient}, ≤${ingest.window} unacked`;
    add({
      scenario: name,
      metric: "acked msgs/s",
      unit: "msg/s",
      better: "higher",
      ceiling: c.ingest?.ackedPerSecond,
      tether: t.ingest?.ackedPerSecond,
      target: "≥ 80% of ceiling",
      pass: c.ingest && t.ingest ? t.ingest.ackedPerSecond >= 0.8 * c.ingest.ackedPerSecond : null,
    });
    for (const p of ["p50", "p99"] as const) {
      add({ scenario: name, metric: `ack latency ${p}`, unit: "ms", better: "lower", ceiling: c.ingest?.ackLatency[p], tether: t.ingest?.ackLatency[p], target: "", pass: null });
    }
    add({ scenario: name, metric: "server CPU per 1,000 msgs", unit: "ms", better: "lower", ceiling: c.ingest?.serverCpuMsPer1000, tether: t.ingest?.serverCpuMsPer1000, target: "", pass: null });
  }
  const rate = t.ingestAtRate ?? c.ingestAtRate;
  if (rate) {
    add({
      scenario: `ingest at ${rate.offeredRate} msgs/s offered`,
      metric: "ack latency p99",
      unit: "ms",
      better: "lower",
      ceiling: c.ingestAtRate?.ackLatency.p99,
      tether: t.ingestAtRate?.ackLatency.p99,
      target: "≤ 25 ms",
      pass: t.ingestAtRate ? t.ingestAtRate.ackLatency.p99 <= 25 : null,
    });
  }
  const fanout = t.fanout ?? c.fanout;
  if (fanout) {
    const name = `fan-out ${fanout.receivers} receivers, ${fanout.rate} msgs/s`;
    add({ scenario: name, metric: "delivery p50", unit: "ms", better: "lower", ceiling: c.fanout?.deliveryLatency.p50, tether: t.fanout?.deliveryLatency.p50, target: "", pass: null });
    add({
      scenario: name,
      metric: "delivery p99",
      unit: "ms",
      better: "lower",
      ceiling: c.fanout?.deliveryLatency.p99,
      tether: t.fanout?.deliveryLatency.p99,
      target: "≤ 1.5× ceiling",
      pass: withinFactor(c.fanout?.deliveryLatency.p99, t.fanout?.deliveryLatency.p99, 1.5),
    });
    add({ scenario: name, metric: "server event-loop delay max", unit: "ms", better: "lower", ceiling: c.fanout?.serverLoop.max, tether: t.fanout?.serverLoop.max, target: "", pass: null });
    add({ scenario: name, metric: "server longest GC pause", unit: "ms", better: "lower", ceiling: c.fanout?.serverLoop.gcMaxMs, tether: t.fanout?.serverLoop.gcMaxMs, target: "", pass: null });
    add({ scenario: name, metric: "server CPU per message", unit: "ms", better: "lower", ceiling: c.fanout?.serverCpuMsPerMessage, tether: t.fanout?.serverCpuMsPerMessage, target: "", pass: null });
    add({ scenario: name, metric: "lost", unit: "", better: "lower", ceiling: c.fanout?.lost, tether: t.fanout?.lost, target: "= 0", pass: t.fanout ? t.fanout.lost === 0 : null });
  }
  for (const tc of t.catchUp ?? c.catchUp ?? []) {
    const cc = c.catchUp?.find((r) => r.missed === tc.missed);
    const tt = t.catchUp?.find((r) => r.missed === tc.missed);
    const name = `catch-up of ${tc.missed.toLocaleString("en")} missed`;
    add({
      scenario: name,
      metric: "time to receive all",
      unit: "ms",
      better: "lower",
      ceiling: cc?.timeMs,
      tether: tt?.timeMs,
      target: "≤ 1.5× ceiling",
      pass: withinFactor(cc?.timeMs, tt?.timeMs, 1.5),
    });
    add({
      scenario: name,
      metric: "bystander round trip p99",
      unit: "ms",
      better: "lower",
      ceiling: cc?.bystanderRtt.p99,
      tether: tt?.bystanderRtt.p99,
      target: "≤ 50 ms",
      pass: tt ? tt.bystanderRtt.p99 <= 50 : null,
    });
    add({ scenario: name, metric: "server CPU per catch-up", unit: "ms", better: "lower", ceiling: cc?.serverCpuMs, tether: tt?.serverCpuMs, target: "", pass: null });
    add({ scenario: name, metric: "server event-loop delay p99", unit: "ms", better: "lower", ceiling: cc?.serverLoopDelay.p99, tether: tt?.serverLoopDelay.p99, target: "", pass: null });
  }
  const conns = t.connections ?? c.connections;
  if (conns) {
    const name = `${conns.connections.toLocaleString("en")} idle WebSocket connections`;
    add({ scenario: name, metric: "connect rate", unit: "conn/s", better: "higher", ceiling: c.connections?.connectPerSecond, tether: t.connections?.connectPerSecond, target: "", pass: null });
    add({ scenario: name, metric: "RSS per connection", unit: "KB", better: "lower", ceiling: c.connections?.rssPerConnectionKb, tether: t.connections?.rssPerConnectionKb, target: "", pass: null });
    add({
      scenario: name,
      metric: "server RSS",
      unit: "MB",
      better: "lower",
      ceiling: c.connections?.rssAfterMb,
      tether: t.connections?.rssAfterMb,
      target: conns.connections >= 5000 ? "≤ 1024 MB" : "≤ 1024 MB at 5,000 (extrapolated)",
      pass: t.connections ? rssAtFiveThousand(t.connections) <= 1024 : null,
    });
  }
  if (results.coldStart) {
    const name = "cold start (production server.ts)";
    add({ scenario: name, metric: "first page served", unit: "ms", better: "lower", tether: results.coldStart.firstPageMs, target: "", pass: null });
    add({ scenario: name, metric: "first socket accepted", unit: "ms", better: "lower", tether: results.coldStart.firstSocketMs, target: "", pass: null });
  }
  // Reaching this point means every scenario's check passed: a violation aborts the run before the table.
  add({ scenario: "every scenario above", metric: "exactly-once (each client, each row)", unit: "", better: "lower", target: "no loss, duplicate, reorder", pass: true });
  return rows;
}

function formatValue(value: number | null, unit: string): string {
  if (value === null) return "–";
  const text = Number.isInteger(value) ? value.toLocaleString("en") : value.toFixed(value < 1 ? 3 : value < 10 ? 2 : 1);
  return unit ? `${text} ${unit}` : text;
}

function verdict(pass: boolean | null): string {
  return pass === null ? "" : pass ? "PASS" : "FAIL";
}

function cells(row: Row): string[] {
  return [row.scenario, row.metric, formatValue(row.ceiling, row.unit), formatValue(row.tether, row.unit), relative(row), row.target, verdict(row.pass)];
}

const HEADER = ["scenario", "metric", "ceiling", "Tether", "Tether vs ceiling", "target", ""];

export function renderConsoleTable(rows: Row[]): string {
  const all = [HEADER, ...rows.map(cells)];
  const widths = HEADER.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((cell, i) => (i >= 2 && i <= 4 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join("  ");
  return [line(all[0]!), widths.map((w) => "─".repeat(w)).join("  "), ...all.slice(1).map(line)].join("\n");
}

export function renderMarkdownTable(rows: Row[]): string {
  const escape = (cell: string) => cell.replace(/\|/g, "\\|");
  const out = [`| ${HEADER.map(escape).join(" | ")} |`, "|---|---|---:|---:|---:|---|---|"];
  for (const row of rows) out.push(`| ${cells(row).map(escape).join(" | ")} |`);
  return out.join("\n");
}
