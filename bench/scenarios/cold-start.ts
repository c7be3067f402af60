/** Cold start: from spawning Tether's production server to its first served page and first accepted socket. */
import { connectClient } from "../support/clients";
import { median, round } from "../support/stats";
import { startTether } from "../support/targets";

export interface ColdStartResult {
  runs: number;
  /** Medians over runs (ms). */
  firstPageMs: number;
  firstSocketMs: number;
}

export async function runColdStart(options: { runs: number }): Promise<ColdStartResult> {
  const pages: number[] = [];
  const sockets: number[] = [];
  for (let run = 0; run < options.runs; run++) {
    const target = await startTether({ noWait: true });
    const { server } = target;
    try {
      // Both are polled at once from the moment of spawning, each timed when it first succeeds.
      await Promise.all([
        server
          .waitFor("first page", async () => (await fetch(`${target.url}/`)).status === 200)
          .then(() => pages.push(performance.now() - server.startedAt)),
        server
          .waitFor("first socket", async () => {
            const { socket } = await connectClient(target.url, { timeoutMs: 5000 });
            socket.close();
            return true;
          })
          .then(() => sockets.push(performance.now() - server.startedAt)),
      ]);
    } finally {
      await target.stop();
    }
  }
  return { runs: options.runs, firstPageMs: round(median(pages), 0), firstSocketMs: round(median(sockets), 0) };
}
