/**
 * A bystander client in its own process: it keeps asking the server for `channel:list` and times each
 * round trip, so the delay it sees is the server's (this process has nothing else to do), not the load
 * generator's. Driven by the bench over IPC: `{ type: "window" }` starts a new window of samples,
 * `{ type: "collect" }` returns them, `{ type: "pause" }` / `{ type: "resume" }` stop and restart the round trips
 * (a probe of a server that is not being measured must not load the machine).
 */
import { connectClient } from "./support/clients";

const url = process.argv[2];
const PAUSE_MS = 2;
let samples: number[] = [];
let stopping = false;
let paused = false;
/** A round trip is in flight or scheduled. */
let pinging = false;

async function main() {
  if (!url || !process.send) throw new Error("usage: forked by the bench with the server URL");
  const { socket } = await connectClient(url);
  process.on("message", (request: { type?: string }) => {
    if (request?.type === "window") {
      samples = [];
      process.send!({ type: "window:done" });
    } else if (request?.type === "collect") {
      process.send!({ type: "collect:done", samples });
    } else if (request?.type === "pause") {
      paused = true;
      process.send!({ type: "pause:done" });
    } else if (request?.type === "resume") {
      paused = false;
      if (!pinging) ping();
      process.send!({ type: "resume:done" });
    } else if (request?.type === "stop") {
      // Closing fails the pending round trip at once; that is not the server going silent.
      stopping = true;
      socket.close();
      process.exit(0);
    }
  });
  const ping = () => {
    pinging = true;
    const sentAt = performance.now();
    socket.timeout(30_000).emit("channel:list", (err: Error | null) => {
      if (stopping) return;
      if (err) {
        console.error("probe: channel:list unanswered for 30 s");
        process.exit(1);
      }
      samples.push(performance.now() - sentAt);
      if (paused) pinging = false;
      else setTimeout(ping, PAUSE_MS);
    });
  };
  ping();
  process.send({ type: "ready" });
}

main().catch((error: unknown) => {
  console.error("probe failed:", error);
  process.exit(1);
});
