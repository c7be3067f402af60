/**
 * The pages process: in production with PAGES_PROCESS=true (experimental, off by default), Next.js renders pages in
 * a child process of the server, which hands it the connections that ask for a page (route-connections.ts). The
 * server's own event loop then runs only the realtime path, the accounts API and the operational routes.
 *
 * Why: a page render on the event loop that delivers messages delays every delivery behind it, and leaves that
 * loop slower for good — it enables Next.js's AsyncLocalStorage hooks (a cost on every promise and tick from then
 * on) and runs React's and Next.js's code through the same Node stream and HTTP functions as the sockets, which V8
 * then optimises for both. Measured side by side (`npm run bench:paired`, docs/performance.md, optimisation 15),
 * a server that never loaded Next.js spent about 12% less CPU per fan-out message; this layout, about 5% less.
 *
 * The child is the repository's pages-server.ts, started with the same environment once the server has opened (and
 * migrated) the database; it exits when this process goes away (its IPC channel closes), even on SIGKILL. If it
 * dies, it is started again; meanwhile page requests get a 503.
 */
import { fork, type ChildProcess } from "node:child_process";
import type { Socket } from "node:net";
import type { Logger } from "../logger";

export const PAGES_READY = "tether:pages-ready";
export const PAGES_CONNECTION = "tether:connection";
export const PAGES_TAKEN = "tether:taken";

/** What the server sends the pages process with each connection's handle. */
export interface HandedConnection {
  type: typeof PAGES_CONNECTION;
  id: number;
  /** The bytes already read from the connection, as latin1 (byte for byte). */
  received: string;
}

/** The pages process's answer: it serves that connection now. */
export interface TakenConnection {
  type: typeof PAGES_TAKEN;
  id: number;
}

export interface PagesProcess {
  /** Gives the pages process a connection and the bytes read from it so far (a 503 when it is not running). */
  handOff(socket: Socket, received: Buffer): void;
  close(): Promise<void>;
}

const RESTART_DELAY_MS = 1_000;
const UNAVAILABLE_BODY = "Tether's pages are restarting; try again shortly.";
const UNAVAILABLE = [
  "HTTP/1.1 503 Service Unavailable",
  "Content-Type: text/plain",
  "Retry-After: 5",
  "Connection: close",
  `Content-Length: ${Buffer.byteLength(UNAVAILABLE_BODY)}`,
  "",
  UNAVAILABLE_BODY,
].join("\r\n");

interface Running {
  process: ChildProcess;
  ready: boolean;
  /** Connections sent and not yet confirmed, by id: this process keeps its copy of each until then. */
  handed: Map<number, Socket>;
}

/** Starts the pages process and resolves once it serves; rejects if it exits first. */
export async function startPagesProcess({ logger, entry }: { logger: Logger; entry: string }): Promise<PagesProcess> {
  let current: Running | null = null;
  let closing = false;
  /** Once one pages process has served, one that fails to start is retried; the first one's failure is the start-up's. */
  let served = false;
  let nextId = 0;

  const spawn = () =>
    new Promise<void>((resolve, reject) => {
      // tsx runs the TypeScript entry; --expose-gc lets it settle its heap after the warm-up render as server.ts does.
      // --no-memory-reducer: an idle pages process would otherwise run full collections to shrink its heap, several
      // after the start-up and after every burst of pages, on the cores that deliver messages (measured: 7–13% more
      // server CPU per fan-out message during those seconds, docs/performance.md, optimisation 15). Its heap then stays
      // at its high-water mark, some 40 MB more.
      const started = fork(entry, [], { execArgv: ["--import", "tsx", "--expose-gc", "--no-memory-reducer"], env: process.env, stdio: "inherit" });
      const running: Running = { process: started, ready: false, handed: new Map() };
      current = running;
      started.on("message", (message: Partial<TakenConnection> | { type?: unknown }) => {
        if (message?.type === PAGES_READY) {
          running.ready = true;
          served = true;
          resolve();
        } else if (message?.type === PAGES_TAKEN && "id" in message && typeof message.id === "number") {
          // The pages process has its own descriptor of the connection: this one is closed, the connection lives on.
          running.handed.get(message.id)?.destroy();
          running.handed.delete(message.id);
        }
      });
      started.once("exit", (code, signal) => {
        if (current === running) current = null;
        // Sent but never taken: nobody else will answer them, so they are told to come back rather than left hanging.
        for (const socket of running.handed.values()) socket.end(UNAVAILABLE);
        running.handed.clear();
        if (!running.ready) reject(new Error(`the pages process exited before serving (${signal ?? code})`));
        if (closing || !served) return;
        logger.error({ code, signal }, "the pages process exited; starting it again");
        setTimeout(() => {
          if (!closing) spawn().catch((error: unknown) => logger.error({ err: error }, "the pages process could not start"));
        }, RESTART_DELAY_MS).unref();
      });
    });
  // A failure here fails the server's start-up (server.ts exits), and is not retried.
  await spawn();

  return {
    handOff(socket, received) {
      const running = current;
      if (!running?.ready || !running.process.connected) {
        socket.end(UNAVAILABLE);
        return;
      }
      const id = ++nextId;
      const message: HandedConnection = { type: PAGES_CONNECTION, id, received: received.toString("latin1") };
      // keepOpen: this process holds its descriptor until the pages process confirms it has its own (above). Node
      // would otherwise drop it on sending, and a pages process that died in between would leave the client waiting.
      running.handed.set(id, socket);
      running.process.send(message, socket, { keepOpen: true }, (error) => {
        if (!error || !running.handed.delete(id)) return;
        socket.end(UNAVAILABLE);
      });
    },
    async close() {
      closing = true;
      const running = current;
      if (!running || running.process.exitCode !== null || running.process.signalCode !== null) return;
      const exited = new Promise((resolve) => running.process.once("exit", resolve));
      running.process.kill("SIGTERM");
      await exited;
    },
  };
}
