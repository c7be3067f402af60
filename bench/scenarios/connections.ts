/**
 * Connections: ramp up to N idle WebSocket clients (each fully connected: `session:ready` received), report
 * the connect rate and the server's resident memory per connection, read from /proc/<pid>/status.
 */
import { closeAll, connectClient, type BenchSocket } from "../support/clients";
import { round } from "../support/stats";
import type { Target } from "../support/targets";

export interface ConnectionsResult {
  connections: number;
  connectPerSecond: number;
  rssBeforeMb: number;
  rssAfterMb: number;
  rssPerConnectionKb: number;
}

const CONCURRENT_HANDSHAKES = 100;

export async function runConnections(target: Target, options: { connections: number }): Promise<ConnectionsResult> {
  // One connect/disconnect first, so the baseline already includes Socket.IO's lazily created structures.
  closeAll([(await connectClient(target.url)).socket]);
  await new Promise((resolve) => setTimeout(resolve, 500));
  const rssBefore = target.server.rssBytes();
  const sockets: BenchSocket[] = [];
  const start = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < options.connections) {
      next++;
      sockets.push((await connectClient(target.url, { timeoutMs: 60_000 })).socket);
    }
  };
  try {
    await Promise.all(Array.from({ length: CONCURRENT_HANDSHAKES }, worker));
    const elapsed = performance.now() - start;
    // Let allocation settle before reading RSS.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const rssAfter = target.server.rssBytes();
    const connected = sockets.filter((s) => s.connected).length;
    if (connected !== options.connections) throw new Error(`connections: only ${connected} of ${options.connections} still connected`);
    return {
      connections: options.connections,
      connectPerSecond: round((options.connections * 1000) / elapsed, 0),
      rssBeforeMb: round(rssBefore / 2 ** 20, 1),
      rssAfterMb: round(rssAfter / 2 ** 20, 1),
      rssPerConnectionKb: round((rssAfter - rssBefore) / 1024 / options.connections, 1),
    };
  } finally {
    closeAll(sockets);
  }
}
