/**
 * Turns one run's results into the rows everyone reads: each figure for the ceiling and for Tether, Tether
 * relative to the ceiling, and the target with PASS/FAIL. Rendered as a console table and as Markdown.
 */
import type { BrowserResult } from "../scenarios/browser";
import type { CatchUpResult } from "../scenarios/catch-up";
import type { ColdStartResult } from "../scenarios/cold-start";
import type { ConnectionsResult } from "../scenarios/connections";
import type { FanoutResult, IngestResult, RateResult } from "../scenarios/live";
import type { MixedResults } from "../scenarios/mixed";
import type { PrivateChannelsResult } from "../scenarios/private-channels";

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
  /** Tether only: delivery by audience against Tether's own public delivery. */
  privateChannels?: PrivateChannelsResult;
  /** Tether only: messages that change (issue 15), against the ceiling's message rate and Tether's own catch-up of messages. */
  mixed?: MixedResults;
  /** Tether only: the web client in Chromium after a long absence. */
  browser?: BrowserResult[];
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
  /** One figure for both servers, picked out of each one's results. */
  const compare = (
    scenario: string,
    metric: string,
    unit: string,
    better: Row["better"],
    pick: (r: TargetResults) => number | undefined,
    target = "",
    pass: boolean | null = null,
  ) => rows.push({ scenario, metric, unit, better, ceiling: pick(c) ?? null, tether: pick(t) ?? null, target, pass });

  const ingest = t.ingest ?? c.ingest;
  if (ingest) {
    const name = `ingest ${ingest.clients}×${ingest.messagesPerClient}, ≤${ingest.window} unacked`;
    const share = c.ingest && t.ingest ? t.ingest.ackedPerSecond >= 0.8 * c.ingest.ackedPerSecond : null;
    compare(name, "acked msgs/s", "msg/s", "higher", (r) => r.ingest?.ackedPerSecond, "≥ 80% of ceiling", share);
    compare(name, "ack latency p50", "ms", "lower", (r) => r.ingest?.ackLatency.p50);
    compare(name, "ack latency p99", "ms", "lower", (r) => r.ingest?.ackLatency.p99);
    compare(name, "server CPU per 1,000 msgs", "ms", "lower", (r) => r.ingest?.serverCpuMsPer1000);
  }
  const rate = t.ingestAtRate ?? c.ingestAtRate;
  if (rate) {
    const pass = t.ingestAtRate ? t.ingestAtRate.ackLatency.p99 <= 25 : null;
    compare(`ingest at ${rate.offeredRate} msgs/s offered`, "ack latency p99", "ms", "lower", (r) => r.ingestAtRate?.ackLatency.p99, "≤ 25 ms", pass);
  }
  const fanout = t.fanout ?? c.fanout;
  if (fanout) {
    const name = `fan-out ${fanout.receivers} receivers, ${fanout.rate} msgs/s`;
    const p99 = (r: TargetResults) => r.fanout?.deliveryLatency.p99;
    compare(name, "delivery p50", "ms", "lower", (r) => r.fanout?.deliveryLatency.p50);
    compare(name, "delivery p99", "ms", "lower", p99, "≤ 1.5× ceiling", withinFactor(p99(c), p99(t), 1.5));
    compare(name, "server event-loop delay max", "ms", "lower", (r) => r.fanout?.serverLoop.max);
    compare(name, "server longest GC pause", "ms", "lower", (r) => r.fanout?.serverLoop.gcMaxMs);
    const cpu = (r: TargetResults) => r.fanout?.serverCpuMsPerMessage;
    compare(name, "server CPU per message", "ms", "lower", cpu, "≤ 1.3× ceiling", withinFactor(cpu(c), cpu(t), 1.3));
    compare(name, "lost", "", "lower", (r) => r.fanout?.lost, "= 0", t.fanout ? t.fanout.lost === 0 : null);
  }
  for (const { missed } of t.catchUp ?? c.catchUp ?? []) {
    const name = `catch-up of ${missed.toLocaleString("en")} missed`;
    const of = (r: TargetResults) => r.catchUp?.find((result) => result.missed === missed);
    const time = (r: TargetResults) => of(r)?.timeMs;
    const bystander = (r: TargetResults) => of(r)?.bystanderRtt.p99;
    compare(name, "time to receive all", "ms", "lower", time, "≤ 1.5× ceiling", withinFactor(time(c), time(t), 1.5));
    compare(name, "bystander round trip p99", "ms", "lower", bystander, "≤ 50 ms", of(t) ? bystander(t)! <= 50 : null);
    compare(name, "server CPU per catch-up", "ms", "lower", (r) => of(r)?.serverCpuMs);
    compare(name, "server event-loop delay p99", "ms", "lower", (r) => of(r)?.serverLoopDelay.p99);
  }
  const conns = t.connections ?? c.connections;
  if (conns) {
    const name = `${conns.connections.toLocaleString("en")} idle WebSocket connections`;
    const budget = conns.connections >= 5000 ? "≤ 1024 MB" : "≤ 1024 MB at 5,000 (extrapolated)";
    compare(name, "connect rate", "conn/s", "higher", (r) => r.connections?.connectPerSecond);
    compare(name, "RSS per connection", "KB", "lower", (r) => r.connections?.rssPerConnectionKb);
    compare(
      name,
      "server RSS",
      "MB",
      "lower",
      (r) => r.connections?.rssAfterMb,
      budget,
      t.connections ? rssAtFiveThousand(t.connections) <= 1024 : null,
    );
  }
  const priv = results.privateChannels;
  if (priv) {
    const scenario = `${priv.channels} private channels of ${priv.members} members, ${priv.rate} msgs/s`;
    // The comparison is Tether's own public channel read by as many connections; shown in the ceiling column.
    const row = (metric: string, unit: string, pub: number, value: number, target = "", pass: boolean | null = null) =>
      rows.push({ scenario, metric: `${metric} (vs public)`, unit, better: "lower", ceiling: pub, tether: value, target, pass });
    row("delivery p99", "ms", priv.public.deliveryLatency.p99, priv.private.deliveryLatency.p99);
    row(
      "server CPU per delivered message",
      "ms",
      priv.public.serverCpuMsPerDelivery,
      priv.private.serverCpuMsPerDelivery,
      "≤ 1.3× public",
      priv.private.serverCpuMsPerDelivery <= 1.3 * priv.public.serverCpuMsPerDelivery,
    );
  }
  const mixed = results.mixed;
  if (mixed?.ingest) {
    const { ingest } = mixed;
    const scenario = `mixed ingest ${ingest.clients}×${ingest.opsPerClient} ops (70% send, 20% react, 10% edit), ≤${ingest.window} unacked`;
    // The ceiling column holds the ceiling's acked msgs/s (it has no edits or reactions): the reference.
    const reference = mixed.ceilingMessagesPerSecond ?? null;
    rows.push({
      scenario,
      metric: "acked ops/s (ceiling: msgs/s)",
      unit: "op/s",
      better: "higher",
      ceiling: reference,
      tether: ingest.ackedPerSecond,
      target: "≥ 80% of ceiling msgs/s",
      pass: reference === null ? null : ingest.ackedPerSecond >= 0.8 * reference,
    });
    rows.push({
      scenario,
      metric: "ack latency p99",
      unit: "ms",
      better: "lower",
      ceiling: null,
      tether: ingest.ackLatency.p99,
      target: "",
      pass: null,
    });
    // Against Tether's own message ingest of the same run, when it ran: what a change costs the server next to a send.
    rows.push({
      scenario,
      metric: "server CPU per 1,000 ops (ceiling: Tether's per 1,000 msgs)",
      unit: "ms",
      better: "lower",
      ceiling: t.ingest?.serverCpuMsPer1000 ?? null,
      tether: ingest.serverCpuMsPer1000,
      target: "",
      pass: null,
    });
  }
  if (mixed?.catchUp) {
    const { catchUp } = mixed;
    rows.push({
      scenario: `catch-up of ${catchUp.entries.toLocaleString("en")} mixed log entries (${catchUp.mixedMessages.toLocaleString("en")} messages, ${catchUp.mixedUpdates.toLocaleString("en")} updates sent)`,
      metric: "time to session:ready (vs as many messages)",
      unit: "ms",
      better: "lower",
      ceiling: catchUp.messagesOnlyMs,
      tether: catchUp.mixedMs,
      target: "≤ 1.5× messages",
      pass: catchUp.mixedMs <= 1.5 * catchUp.messagesOnlyMs,
    });
  }
  const cold = results.coldStart;
  if (cold) {
    const tetherOnly = (metric: string, value: number) =>
      rows.push({
        scenario: "cold start (production server.ts)",
        metric,
        unit: "ms",
        better: "lower",
        ceiling: null,
        tether: value,
        target: "",
        pass: null,
      });
    tetherOnly("first page served", cold.firstPageMs);
    tetherOnly("first socket accepted", cold.firstSocketMs);
  }
  for (const run of results.browser ?? []) {
    const scenario = `web page back after ${run.missed.toLocaleString("en")} missed (+${run.otherMissed.toLocaleString("en")} elsewhere)`;
    const row = (metric: string, unit: string, value: number | null, target = "", pass: boolean | null = null) =>
      rows.push({ scenario, metric, unit, better: "lower", ceiling: null, tether: value, target, pass });
    row("newest message visible", "ms", run.newestVisibleMs, "≤ 1,000 ms", run.newestVisibleMs <= 1000);
    row("JS heap after catch-up", "MB", run.heapMb, "< 150 MB", run.heapMb < 150);
    row("longest main-thread task", "ms", run.longestTaskMs, "≤ 100 ms", run.longestTaskMs <= 100);
    row("next send acknowledged", "ms", run.ackMs, "≤ 300 ms", run.ackMs <= 300);
    row("other channel's unread exact", "", null, run.otherChannelName, run.otherUnreadExact);
    row(
      `scroll back through ${run.scrolledBack.toLocaleString("en")} older`,
      "px jump",
      run.maxScrollJumpPx,
      "each once, in order",
      run.scrollEachOnceInOrder && run.scrolledBack >= Math.min(5000, run.missed),
    );
  }
  // Reaching this point means every scenario's check passed: a violation aborts the run before the table.
  rows.push({
    scenario: "every scenario above",
    metric: "exactly-once (each client, each row)",
    unit: "",
    better: "lower",
    ceiling: null,
    tether: null,
    target: "no loss, duplicate, reorder",
    pass: true,
  });
  return rows;
}

export function formatValue(value: number | null, unit: string): string {
  if (value === null) return "–";
  const text = Number.isInteger(value) ? value.toLocaleString("en") : value.toFixed(value < 1 ? 3 : value < 10 ? 2 : 1);
  return unit ? `${text} ${unit}` : text;
}

function verdict(pass: boolean | null): string {
  return pass === null ? "" : pass ? "PASS" : "FAIL";
}

function cells(row: Row): string[] {
  return [
    row.scenario,
    row.metric,
    formatValue(row.ceiling, row.unit),
    formatValue(row.tether, row.unit),
    relative(row),
    row.target,
    verdict(row.pass),
  ];
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
