/**
 * A hostile client for `npm run bench:flood`, in its own process so its busy loop does not slow the clients
 * being measured: fires message:send as fast as it can for the given time, then reports how the server
 * answered (by ack code) to its parent.
 *
 *   tsx bench/flooder.ts <url> <durationMs>
 */
import { io } from "socket.io-client";
import type { Ack } from "../lib/shared/ack";
import type { SendMessageResult } from "../lib/shared/dto";
import { GENERAL_CHANNEL } from "../lib/shared/limits";

const [url, durationArg] = process.argv.slice(2);
const durationMs = Number(durationArg);
const socket = io(url!, { transports: ["websocket"], reconnection: false });
const answers = new Map<string, number>();
let sent = 0;
let answered = 0;

socket.once("session:ready", () => {
  const until = Date.now() + durationMs;
  const burst = () => {
    // 50 sends per turn of the event loop: hundreds in flight at any moment, far beyond any sane client.
    for (let i = 0; i < 50; i++) {
      sent++;
      socket
        .timeout(30_000)
        .emit(
          "message:send",
          { channel: GENERAL_CHANNEL, content: `flood ${sent}`, clientOffset: `flood-${sent}` },
          (err: Error | null, ack: Ack<SendMessageResult>) => {
            answered++;
            const code = err ? "timeout" : "error" in ack ? ack.error.code : "ok";
            answers.set(code, (answers.get(code) ?? 0) + 1);
          },
        );
    }
    if (Date.now() < until) setImmediate(burst);
    else void finish();
  };
  burst();
});

async function finish() {
  const deadline = Date.now() + 30_000;
  while (answered < sent && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  socket.close();
  process.send?.({ type: "result", sent, answers: Object.fromEntries(answers) });
  process.exit(0);
}
