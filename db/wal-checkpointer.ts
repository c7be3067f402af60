/**
 * Checkpoints the SQLite WAL on a worker thread, so that copying the WAL into the database file (and its
 * fsync) never blocks the event loop.
 *
 * With SQLite's automatic checkpoint, the commit that crosses 1,000 WAL pages also copies them all and syncs
 * the database file before it returns. better-sqlite3 is synchronous, so every socket of the process waited:
 * measured under the fan-out bench (200 msgs/s, 100 receivers), that commit took 10–18 ms about once a second
 * — the worst store latency there, and with SQLITE_SYNCHRONOUS=NORMAL the only one above 5 ms.
 *
 * The store turns the automatic checkpoint down to a backstop and tells this module how many rows it committed;
 * every `everyRows` rows, or `maxDelayMs` after the first uncopied one, the worker runs a PASSIVE checkpoint
 * from its own connection. PASSIVE never blocks the writer, and SQLite's locking keeps the two connections
 * correct; durability is unchanged, since a commit is durable in the WAL before any checkpoint.
 *
 * SQLite starts the WAL over from its first frame only when a write begins with the WAL entirely copied, so the
 * worker repeats short passes until one copies everything while no write is in progress — the store brackets
 * its writes with `writing()`, counted in shared memory the worker reads. Under writes so steady that it never
 * gets there, the WAL would only grow: then the writer's own connection copies the remainder (`finishOnWriter`)
 * when the worker reports back — a few pages and two fsyncs, on the main thread between two writes, where none
 * can slip in before the next one starts the WAL over.
 */
import path from "node:path";
import { Worker } from "node:worker_threads";

export interface CheckpointResult {
  /**
   * 1 when the last pass could not run (SQLITE_BUSY: another process was checkpointing); log and checkpointed are
   * then -1. A busy pass on the worker is repeated and then finished on the writer's connection, so 1 means that
   * this connection was refused too.
   */
  busy: number;
  /** Frames in the WAL, and how many of them are now copied into the database file. */
  log: number;
  checkpointed: number;
  passes: number;
  /** The last pass copied every frame and overlapped no write: the next write starts the WAL over. */
  converged: boolean;
  ms: number;
}

export type CheckpointCounts = Pick<CheckpointResult, "busy" | "log" | "checkpointed">;

/** A PASSIVE checkpoint on a better-sqlite3 connection (the writer's, for `finishOnWriter`). */
export function passiveCheckpoint(connection: { pragma(source: string): unknown }): CheckpointCounts {
  return (connection.pragma("wal_checkpoint(PASSIVE)") as CheckpointCounts[])[0]!;
}

export interface WalCheckpointerOptions {
  synchronous: "FULL" | "NORMAL";
  /** Checkpoint after this many committed rows. */
  everyRows?: number;
  /** …or this long after the first row not yet checkpointed, whichever comes first. */
  maxDelayMs?: number;
  /** Runs a PASSIVE checkpoint on the writer's connection: copies what the worker's passes could not catch. */
  finishOnWriter: () => CheckpointCounts;
  onCheckpoint?: (result: CheckpointResult) => void;
  /** The worker failed; the store then goes back to checkpointing inline. */
  onFailure: (error: Error) => void;
}

export interface WalCheckpointer {
  /** Runs a write on the store's connection (synchronous, as better-sqlite3's are), telling the worker about it. */
  writing<T>(write: () => T): T;
  /** Notes `rows` rows just committed. */
  committed(rows: number): void;
  /** Checkpoints now (after any checkpoint in progress). */
  checkpoint(): Promise<CheckpointResult>;
  /** Waits for a checkpoint in progress, then closes the worker's connection and ends the thread. */
  close(): Promise<void>;
}

type WorkerReply = { type: "checkpointed"; result: CheckpointResult } | { type: "failed"; message: string };

const WORKER_FILE = path.join(__dirname, "wal-checkpoint-worker.cjs");

export function startWalCheckpointer(file: string, options: WalCheckpointerOptions): WalCheckpointer {
  const everyRows = options.everyRows ?? 1000;
  const maxDelayMs = options.maxDelayMs ?? 1000;
  // [writes begun, writes ended]: lets a pass tell whether it overlapped a write (see the worker).
  const writes = new Int32Array(new SharedArrayBuffer(8));
  const worker = new Worker(WORKER_FILE, {
    // No inherited loaders or --import preloads (tsx, the bench's monitor): the worker is plain CommonJS.
    execArgv: [],
    workerData: { file: path.resolve(file), synchronous: options.synchronous, writes: writes.buffer },
  });
  // An idle checkpoint thread must not keep the process alive.
  worker.unref();

  let pendingRows = 0;
  let timer: NodeJS.Timeout | null = null;
  let inFlight = false;
  let again = false;
  let failed = false;
  let closing = false;
  let waiters: Array<{ resolve: (result: CheckpointResult) => void; reject: (error: Error) => void }> = [];
  let current: typeof waiters = [];

  const fail = (error: Error) => {
    if (failed) return;
    failed = true;
    if (timer) clearTimeout(timer);
    for (const waiter of [...current, ...waiters]) waiter.reject(error);
    current = waiters = [];
    void worker.terminate();
    options.onFailure(error);
  };

  const request = () => {
    if (failed || closing) return;
    if (inFlight) {
      again = true;
      return;
    }
    if (timer) clearTimeout(timer);
    timer = null;
    pendingRows = 0;
    inFlight = true;
    current = waiters;
    waiters = [];
    worker.postMessage("checkpoint");
  };

  worker.on("message", (reply: WorkerReply) => {
    inFlight = false;
    if (closing) {
      for (const waiter of current) waiter.reject(new Error("the WAL checkpointer is closing"));
      current = [];
      return void worker.postMessage("close");
    }
    if (reply.type === "failed") return fail(new Error(`WAL checkpoint failed: ${reply.message}`));
    let result = reply.result;
    // Whatever the worker's passes left, busy ones included: between two writes on this thread nothing on this
    // process holds a lock, so only another process's checkpoint can keep this one from copying everything.
    if (!result.converged) {
      const started = performance.now();
      try {
        result = { ...result, ...options.finishOnWriter(), passes: result.passes + 1, converged: true };
      } catch (error) {
        return fail(new Error("WAL checkpoint failed on the writer's connection", { cause: error }));
      }
      result.ms += performance.now() - started;
    }
    for (const waiter of current) waiter.resolve(result);
    current = [];
    options.onCheckpoint?.(result);
    if (again || waiters.length > 0) {
      again = false;
      request();
    }
  });
  worker.on("error", fail);
  const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
  void exited.then(() => {
    if (!closing) fail(new Error("the WAL checkpoint thread exited"));
  });

  return {
    writing(write) {
      Atomics.add(writes, 0, 1);
      try {
        return write();
      } finally {
        Atomics.add(writes, 1, 1);
      }
    },
    committed(rows) {
      if (failed || closing || rows === 0) return;
      pendingRows += rows;
      if (pendingRows >= everyRows) return request();
      if (!timer) {
        timer = setTimeout(request, maxDelayMs);
        timer.unref();
      }
    },
    checkpoint() {
      if (failed || closing) return Promise.reject(new Error("the WAL checkpoint thread is not running"));
      return new Promise((resolve, reject) => {
        waiters.push({ resolve, reject });
        if (!inFlight) request();
      });
    },
    async close() {
      if (timer) clearTimeout(timer);
      // Unref'd while idle, the thread must keep the process alive while it closes: otherwise a process with
      // nothing else to do (server.ts shutting down) ends mid-close, before the store's last connection closes.
      worker.ref();
      if (!failed && !closing) {
        closing = true;
        for (const waiter of waiters) waiter.reject(new Error("the WAL checkpointer is closing"));
        waiters = [];
        // A checkpoint in progress finishes first; its reply then sends "close".
        if (!inFlight) worker.postMessage("close");
      }
      await exited;
    },
  };
}
