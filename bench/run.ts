/**
 * `npm run bench`: Tether's production server against the ceiling, scenario by scenario, each on freshly
 * started servers (interleaved, so both see the same machine), then a table, JSON in bench/results/, and —
 * for a full run — the table and chart in docs/performance.md. Exits non-zero on any exactly-once violation.
 *
 *   npm run bench                       full run (~3–5 min)
 *   npm run bench -- --quick            smoke run with small sizes (< 1 min)
 *   npm run bench -- --only=ingest,fanout --targets=tether --cpu-prof
 *   npm run bench -- --help             every option
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { runBrowser } from "./scenarios/browser";
import { runCatchUps } from "./scenarios/catch-up";
import { runColdStart } from "./scenarios/cold-start";
import { runConnections } from "./scenarios/connections";
import { betterFanout, runFanout, runIngest, runIngestAtRate } from "./scenarios/live";
import { runMixedCatchUp, runMixedIngest, type MixedIngestResult } from "./scenarios/mixed";
import { betterPrivatePhases, runPrivateChannels } from "./scenarios/private-channels";
import { renderChart } from "./support/chart";
import { parseOptions, type BenchOptions } from "./support/options";
import { buildRows, renderConsoleTable, renderMarkdownTable, type BenchResults } from "./support/report";
import { ROOT } from "./support/server-process";
import { ensureProductionBuild, startTarget, type Target, type TargetName } from "./support/targets";

const RESULTS_DIR = path.join(ROOT, "bench", "results");
const DOC = path.join(ROOT, "docs", "performance.md");
const CHART = path.join(ROOT, "docs", "performance.svg");

async function withTarget<T>(name: TargetName, options: BenchOptions, seed: number, work: (target: Target) => Promise<T>): Promise<T> {
  const target = await startTarget(name, { seed, nodeFlags: name === "tether" ? options.tetherNodeFlags : [] });
  try {
    return await work(target);
  } catch (error) {
    // The server's own account of a failure is usually the quickest way to its cause.
    const tail = target.server.output.trim().split("\n").slice(-30).join("\n");
    if (error instanceof Error && tail) error.message += `\n--- ${name} server output (last lines) ---\n${tail}`;
    throw error;
  } finally {
    await target.stop();
  }
}

/** A session's server CPU by thread, for the progress log: "main.user 950, main.sys 1180, …". */
const threadSplit = (byThread: Record<string, number> | undefined) =>
  Object.entries(byThread ?? {})
    .map(([thread, ms]) => `${thread} ${Math.round(ms)}`)
    .join(", ");

/** Runs `work` with every one of `names` started (in that order), each on its own fresh server. */
async function withTargets<T>(
  names: readonly TargetName[],
  options: BenchOptions,
  seed: number,
  work: (targets: Target[]) => Promise<T>,
): Promise<T> {
  const start = (rest: readonly TargetName[], started: Target[]): Promise<T> =>
    rest.length === 0 ? work(started) : withTarget(rest[0]!, options, seed, (target) => start(rest.slice(1), [...started, target]));
  return start(names, []);
}

async function main() {
  const options = parseOptions(process.argv.slice(2));
  const started = new Date();
  const loadAverageAtStart = os.loadavg();
  if (options.targets.includes("tether")) ensureProductionBuild();
  const results: BenchResults = { ceiling: {}, tether: {} };
  const log = (text: string) => console.log(`[${((Date.now() - started.getTime()) / 1000).toFixed(1)} s] ${text}`);
  const busy = loadAverageAtStart[0]! > os.cpus().length / 2;
  const busyWarning = `WARNING: load average ${loadAverageAtStart[0]!.toFixed(1)} on ${os.cpus().length} cores at start — other work is running; wall-clock figures will be off.`;
  if (busy) console.log(busyWarning);

  // Live scenarios run in rounds of one session per target, each on a fresh server, alternating the order (ceiling,
  // Tether, Tether, ceiling, ceiling, Tether, …) so that a load that rises or falls during the run weighs on both
  // alike. Each figure keeps the best of a target's sessions — a busy machine only ever makes a run slower — and
  // fan-out keeps its two compared figures, delivery p99 and CPU per message, each from its own best session.
  const sessions = Array.from({ length: options.liveRounds }, (_, round) =>
    round % 2 === 0 ? options.targets : [...options.targets].reverse(),
  ).flat();
  const better = <T>(current: T | undefined, next: T, score: (r: T) => number): T => (current && score(current) >= score(next) ? current : next);
  // The mixed ingest (Tether only) is compared with the ceiling's ingest rate: it runs in the same rounds, on a fresh
  // server right after each of Tether's live sessions, so that both figures come from the same minutes of the
  // machine (its speed drifts by up to 2× over a few minutes).
  const mixedIngest = options.scenarios.has("mixed") && options.targets.includes("tether");
  let mixed: MixedIngestResult | undefined;
  for (const name of sessions) {
    if (!options.scenarios.has("ingest") && !options.scenarios.has("fanout") && !mixedIngest) break;
    await withTarget(name, options, 0, async (target) => {
      const mine = results[name];
      if (!options.scenarios.has("ingest") && name === "ceiling" && mixedIngest) {
        log("ceiling: ingest (the mixed scenario's reference)");
        mine.ingest = better(mine.ingest, await runIngest(target, options.ingest), (r) => r.ackedPerSecond);
      }
      if (options.scenarios.has("ingest")) {
        log(`${name}: ingest`);
        const ingest = await runIngest(target, options.ingest);
        log(`  ${ingest.ackedPerSecond} msgs/s, server CPU ${ingest.serverCpuMsPer1000} ms per 1,000 (${threadSplit(ingest.serverCpuByThread)} ms)`);
        mine.ingest = better(mine.ingest, ingest, (r) => r.ackedPerSecond);
        log(`${name}: ingest at ${options.rate.rate} msgs/s`);
        mine.ingestAtRate = better(mine.ingestAtRate, await runIngestAtRate(target, options.rate), (r) => -r.ackLatency.p99);
      }
      if (options.scenarios.has("fanout")) {
        log(`${name}: fan-out`);
        const fanout = await runFanout(target, options.fanout);
        log(
          `  delivery p99 ${fanout.deliveryLatency.p99} ms, server CPU ${fanout.serverCpuMsPerMessage} ms per message (${threadSplit(fanout.serverLoop.cpuByThread)} ms)`,
        );
        mine.fanout = betterFanout(mine.fanout, fanout);
      }
    });
    if (mixedIngest && name === "tether") {
      log("tether: mixed ingest (70% sends, 20% reactions, 10% edits)");
      mixed = better(mixed, await withTarget("tether", options, 0, (target) => runMixedIngest(target, options.mixed)), (r) => r.ackedPerSecond);
    }
  }
  // The Tether-only scenarios below run in as many sessions as the live rounds and keep the better, like the live
  // ones: their targets compare with a figure that already had that chance (the ceiling's best ingest session), or
  // are a ratio of two CPU figures each of which a busy moment can only inflate.
  const tetherSessions = options.liveRounds;
  if (options.scenarios.has("private") && options.targets.includes("tether")) {
    for (let session = 1; session <= tetherSessions; session++) {
      log(`tether: ${options.privateChannels.channels} private channels (session ${session} of ${tetherSessions})`);
      const next = await withTarget("tether", options, 0, (target) => runPrivateChannels(target, options.privateChannels));
      results.privateChannels = results.privateChannels ? betterPrivatePhases(results.privateChannels, next) : next;
    }
  }
  if (options.scenarios.has("catch-up")) {
    const backlog = Math.max(...options.catchUp.sizes) + 1;
    log(`${options.targets.join(" and ")}: catch-up (backlog ${backlog}), by turns`);
    const catchUps = await withTargets(options.targets, options, backlog, (targets) => runCatchUps(targets, { ...options.catchUp, backlog }));
    options.targets.forEach((name, i) => (results[name].catchUp = catchUps[i]));
  }
  if (mixedIngest) {
    log(`tether: catch-up of ${options.mixed.catchUpEntries} mixed entries vs as many messages`);
    const catchUp = await runMixedCatchUp(options.mixed);
    results.mixed = { ingest: mixed!, catchUp, ceilingMessagesPerSecond: results.ceiling.ingest?.ackedPerSecond };
  }
  if (options.scenarios.has("connections")) {
    for (const name of options.targets) {
      log(`${name}: ${options.connections.connections} connections`);
      results[name].connections = await withTarget(name, options, 0, (target) => runConnections(target, options.connections));
    }
  }
  if (options.scenarios.has("cold-start") && options.targets.includes("tether")) {
    log("tether: cold start");
    results.coldStart = await runColdStart(options.coldStart);
  }

  if (options.scenarios.has("browser") && options.targets.includes("tether")) {
    results.browser = await runBrowser(options.browser, log);
  }

  const rows = buildRows(results);
  console.log(`\n${renderConsoleTable(rows)}\n`);
  const report = {
    startedAt: started.toISOString(),
    durationSeconds: Math.round((Date.now() - started.getTime()) / 1000),
    mode: options.quick ? "quick" : "full",
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version, loadAverageAtStart, loadAverageAtEnd: os.loadavg() },
    options: { ...options, scenarios: [...options.scenarios] },
    results,
    rows,
  };
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const stamp = started.toISOString().replace(/[:.]/g, "-");
  const file = path.join(RESULTS_DIR, `${report.mode}-${stamp}.json`);
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`Results: ${path.relative(ROOT, file)}`);

  // Only a complete full run may stand as "the latest figures" in the repository.
  if (!options.quick && options.isDefaultRun) {
    fs.writeFileSync(path.join(RESULTS_DIR, "latest.json"), `${JSON.stringify(report, null, 2)}\n`);
    const load = `${loadAverageAtStart[0]!.toFixed(1)} → ${report.machine.loadAverageAtEnd[0]!.toFixed(1)}`;
    const caption = `${started.toISOString().slice(0, 16).replace("T", " ")} UTC · ${os.cpus().length} cores · Node ${process.version} · load generator on the same machine · load average ${load} (start → end)`;
    fs.writeFileSync(CHART, renderChart(rows, caption));
    updateDoc(renderMarkdownTable(rows), caption);
    console.log(`Updated bench/results/latest.json, docs/performance.md and docs/performance.svg`);
  }
  if (busy) console.log(busyWarning);
  const failed = rows.filter((row) => row.pass === false);
  if (failed.length > 0) {
    console.log(`${failed.length} target(s) missed: ${failed.map((r) => `${r.scenario} / ${r.metric}`).join("; ")}`);
    if (options.strict) process.exitCode = 3;
  }
}

/** Replaces the generated block of docs/performance.md (between its markers) with this run's table. */
function updateDoc(table: string, caption: string): void {
  const start = "<!-- bench:latest:start -->";
  const end = "<!-- bench:latest:end -->";
  const doc = fs.existsSync(DOC) ? fs.readFileSync(DOC, "utf8") : `# Performance\n\n${start}\n${end}\n`;
  const from = doc.indexOf(start);
  const to = doc.indexOf(end);
  if (from < 0 || to < from) throw new Error(`${DOC} lacks the ${start} … ${end} markers`);
  const block = `${start}\n_Generated by \`npm run bench\` — ${caption}._\n\n${table}\n\n![Tether vs the ceiling](performance.svg)\n${end}`;
  fs.writeFileSync(DOC, doc.slice(0, from) + block + doc.slice(to + end.length));
}

main().catch((error: unknown) => {
  console.error(`\nBENCH FAILED\n${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
