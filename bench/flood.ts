/**
 * `npm run bench:flood`: what one flooding client does to everyone else, with Tether's default flood limits
 * (RATE_LIMIT_BURST=20, RATE_LIMIT_PER_SECOND=5, MAX_CONNECTIONS_PER_IP=50) on the production server.
 *
 * Ten well-behaved clients send 20 msgs/s between them (2/s each, under the limit) and measure their ack latency,
 * first alone, then while a separate process floods from one connection as fast as it can. Everything the
 * well-behaved clients sent must be stored exactly once in both phases.
 */
import { fork } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { closeAll, connectMany } from "./support/clients";
import { assertExactlyOnce } from "./support/feed-check";
import { sendAtRate } from "./support/load";
import { ROOT } from "./support/server-process";
import { summarize, type LatencySummary } from "./support/stats";
import { ensureProductionBuild, startTether, type Target } from "./support/targets";

const PHASE_MS = 6_000;
const POLITE_CLIENTS = 10;
const POLITE_RATE = 20;

interface FloodReport {
  sent: number;
  answers: Record<string, number>;
}

function runFlooder(url: string, durationMs: number): Promise<FloodReport> {
  const child = fork(path.join(ROOT, "bench", "flooder.ts"), [url, String(durationMs)], { execArgv: ["--import", "tsx"], cwd: ROOT });
  return new Promise((resolve, reject) => {
    child.once("message", (message: { type?: string } & FloodReport) => {
      if (message.type === "result") resolve({ sent: message.sent, answers: message.answers });
    });
    child.once("exit", (code) => {
      if (code !== 0) reject(new Error(`flooder exited with ${code}`));
    });
  });
}

async function politeTraffic(target: Target, prefix: string): Promise<LatencySummary> {
  const senders = await connectMany(target.url, POLITE_CLIENTS);
  const latencies: number[] = [];
  try {
    const { offsets } = await sendAtRate(senders, { rate: POLITE_RATE, durationMs: PHASE_MS, prefix, latencies });
    const stored = target.storedClientOffsets(prefix) ?? [];
    const problems: string[] = [];
    if (stored.length !== offsets.length || new Set(stored).size !== offsets.length) {
      problems.push(`${prefix}: ${offsets.length} sent, ${stored.length} rows stored (${new Set(stored).size} distinct)`);
    }
    assertExactlyOnce(`flood / ${prefix}`, problems);
    return summarize(latencies);
  } finally {
    closeAll(senders);
  }
}

async function main() {
  ensureProductionBuild();
  const loadAverage = os.loadavg()[0]!;
  // The defaults, as a fresh install runs them (the other scenarios turn the limits off).
  const target = await startTether({ env: { RATE_LIMIT_PER_SECOND: "5", RATE_LIMIT_BURST: "20", MAX_CONNECTIONS_PER_IP: "50" } });
  try {
    const quiet = await politeTraffic(target, "polite-quiet-");
    const [flooded, flood] = await Promise.all([politeTraffic(target, "polite-flooded-"), runFlooder(target.url, PHASE_MS)]);
    const rows = [
      ["polite clients' ack latency p50", `${quiet.p50} ms`, `${flooded.p50} ms`],
      ["polite clients' ack latency p99", `${quiet.p99} ms`, `${flooded.p99} ms`],
      ["polite clients' ack latency max", `${quiet.max} ms`, `${flooded.max} ms`],
    ];
    console.log(
      `\nflood: ${POLITE_CLIENTS} polite clients at ${POLITE_RATE} msgs/s, ${PHASE_MS / 1000} s per phase, load average ${loadAverage.toFixed(1)} at start`,
    );
    console.log(`${"".padEnd(34)}${"alone".padStart(12)}${"with a flood".padStart(16)}`);
    for (const [label, a, b] of rows) console.log(`${label!.padEnd(34)}${a!.padStart(12)}${b!.padStart(16)}`);
    const refused = flood.answers.rate_limited ?? 0;
    console.log(
      `flooder: ${flood.sent} sends, ${flood.answers.ok ?? 0} stored, ${refused} refused with rate_limited, other: ${JSON.stringify(flood.answers)}`,
    );
    const result = {
      at: new Date().toISOString(),
      loadAverage,
      phaseMs: PHASE_MS,
      politeClients: POLITE_CLIENTS,
      politeRate: POLITE_RATE,
      quiet,
      flooded,
      flood,
    };
    const file = path.join(ROOT, "bench", "results", "flood-latest.json");
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`Results: ${path.relative(ROOT, file)}`);
  } finally {
    await target.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
