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

/** @type {{ file: string, synchronous: string }} */
const { file, synchronous } = workerData;
const db = new Database(file, { fileMustExist: true });
// The checkpoint's own syncs (the WAL before copying it, the database file after) follow the store's setting.
db.pragma(`synchronous = ${synchronous === "NORMAL" ? "NORMAL" : "FULL"}`);
// This connection never checkpoints on commit (it never commits); it checkpoints when asked.
db.pragma("wal_autocheckpoint = 0");

/**
 * PASSIVE never blocks the writer: frames committed while it runs are simply left for the next one. When those
 * are few, one more pass usually copies everything before the next commit, and only a fully copied WAL lets
 * the writer start it again from the beginning instead of growing it.
 */
function checkpoint() {
  const started = performance.now();
  let passes = 0;
  /** @type {{ busy: number, log: number, checkpointed: number }} */
  let result = { busy: 0, log: 0, checkpointed: 0 };
  while (passes < 3) {
    passes++;
    result = /** @type {typeof result} */ (db.pragma("wal_checkpoint(PASSIVE)", { simple: false })[0]);
    if (result.busy || result.checkpointed >= result.log) break;
  }
  return { ...result, passes, ms: performance.now() - started };
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
