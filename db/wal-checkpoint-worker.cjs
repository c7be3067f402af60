// @ts-check
/**
 * The thread behind wal-checkpointer.ts: its own connection to the SQLite file, running a PASSIVE checkpoint
 * each time the main thread asks. Plain CommonJS on purpose: a worker thread does not inherit a TypeScript
 * loader under every runner (tsx does, Vitest does not), and this file has to load the same way under all.
 */
"use strict";
const { parentPort, workerData } = require("node:worker_threads");
const Database = require("better-sqlite3");

if (!parentPort) throw new Error("wal-checkpoint-worker.cjs runs as a worker thread");
const port = parentPort;

/** @type {{ file: string, synchronous: string, writes: SharedArrayBuffer }} */
const { file, synchronous, writes: writesBuffer } = workerData;
/** [writes begun, writes ended] on the writer's connection, counted by the main thread (wal-checkpointer.ts). */
const writes = new Int32Array(writesBuffer);
const db = new Database(file, { fileMustExist: true });
// The checkpoint's own syncs (the WAL before copying it, the database file after) follow the store's setting.
db.pragma(`synchronous = ${synchronous === "NORMAL" ? "NORMAL" : "FULL"}`);
// This connection never checkpoints on commit (it never commits); it checkpoints when asked.
db.pragma("wal_autocheckpoint = 0");

/** Passes before giving up on catching the writer; the main thread then copies the rest (wal-checkpointer.ts). */
const MAX_PASSES = 10;
/** Pause before another pass, to let the write that overlapped the last one end. */
const PAUSE_MS = 1;
const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * PASSIVE never blocks the writer: it copies the frames committed when it started, and a write that commits
 * while it runs is left for the next pass. SQLite starts the WAL over from its first frame only when a write
 * begins with every frame copied, so passes repeat until one both copies everything it sees and overlaps no
 * write (none in progress when it started, none begun or ended while it ran): then nothing is left anywhere.
 * After the first pass they are short: a few pages.
 *
 * A busy pass (SQLITE_BUSY: log and checkpointed -1) copied nothing. Not only another checkpointer causes one:
 * the writer's own locks do, in about 3% of checkpoints under a loop of bracketed writes with no other
 * connection checkpointing. So a busy pass is repeated, like one that overlapped a write.
 */
function checkpoint() {
  const started = performance.now();
  /** @type {{ busy: number, log: number, checkpointed: number }} */
  let result = { busy: 0, log: 0, checkpointed: 0 };
  let passes = 0;
  let converged = false;
  while (passes < MAX_PASSES && !converged) {
    if (passes > 0) Atomics.wait(pause, 0, 0, PAUSE_MS);
    const begunBefore = Atomics.load(writes, 0);
    const endedBefore = Atomics.load(writes, 1);
    result = /** @type {typeof result} */ (db.pragma("wal_checkpoint(PASSIVE)")[0]);
    passes++;
    const quiet = begunBefore === endedBefore && Atomics.load(writes, 0) === begunBefore && Atomics.load(writes, 1) === endedBefore;
    converged = !result.busy && quiet && result.checkpointed === result.log;
  }
  return { ...result, passes, converged, ms: performance.now() - started };
}

port.on("message", (request) => {
  if (request === "checkpoint") {
    try {
      port.postMessage({ type: "checkpointed", result: checkpoint() });
    } catch (error) {
      port.postMessage({ type: "failed", message: error instanceof Error ? error.message : String(error) });
    }
  } else if (request === "close") {
    db.close();
    port.close();
  }
});
