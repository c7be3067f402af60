import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { openSqliteMessageStore } from "./sqlite-message-store";
import {
  passiveCheckpoint,
  startWalCheckpointer,
  type CheckpointResult,
  type WalCheckpointer,
  type WalCheckpointerOptions,
} from "./wal-checkpointer";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});
function tempFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tether-wal-"));
  dirs.push(dir);
  return path.join(dir, "test.db");
}
const walSize = (file: string) => fs.statSync(`${file}-wal`).size;

/** A writer like the store's: WAL, and no checkpoint of its own. */
function openWriter(file: string) {
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("wal_autocheckpoint = 0");
  db.exec("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
  const insert = db.prepare("INSERT INTO t (body) VALUES (?)");
  // One transaction per row: every commit appends at least one frame.
  const write = (rows: number) => {
    for (let i = 0; i < rows; i++) insert.run("x".repeat(2000));
  };
  return { db, write };
}
type Writer = ReturnType<typeof openWriter>;

/** A writer and a checkpointer on one fresh file, both closed afterwards; any worker failure fails the test. */
async function withCheckpointer(
  options: Partial<WalCheckpointerOptions>,
  test: (writer: Writer, checkpointer: WalCheckpointer, file: string) => Promise<void>,
): Promise<void> {
  const file = tempFile();
  const writer = openWriter(file);
  const checkpointer = startWalCheckpointer(file, {
    synchronous: "NORMAL",
    finishOnWriter: () => passiveCheckpoint(writer.db),
    onFailure: (error) => expect.fail(error.message),
    ...options,
  });
  try {
    await test(writer, checkpointer, file);
  } finally {
    await checkpointer.close();
    writer.db.close();
  }
}

describe("WAL checkpointer", () => {
  it("copies the whole WAL from its own thread, so the writer reuses the file instead of growing it", () =>
    withCheckpointer({ synchronous: "FULL" }, async (writer, checkpointer, file) => {
      writer.write(300);
      const grown = walSize(file);
      const result = await checkpointer.checkpoint();
      expect(result.busy).toBe(0);
      expect(result.log).toBeGreaterThan(0);
      expect(result.checkpointed).toBe(result.log);
      // Fully copied: the next commit starts the WAL over from its first frame.
      writer.write(300);
      expect(walSize(file)).toBe(grown);
      // Without a checkpoint in between, the same writes append.
      writer.write(300);
      expect(walSize(file)).toBeGreaterThan(grown);
      expect(writer.db.prepare("SELECT count(*) AS n FROM t").get()).toEqual({ n: 900 });
    }));

  it("checkpoints after the given number of committed rows, and after a delay for fewer", () => {
    const results: CheckpointResult[] = [];
    return withCheckpointer({ everyRows: 100, maxDelayMs: 200, onCheckpoint: (result) => results.push(result) }, async (writer, checkpointer) => {
      writer.write(99);
      checkpointer.committed(99);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(results).toHaveLength(0);
      writer.write(1);
      checkpointer.committed(1);
      await expect.poll(() => results.length).toBe(1);
      expect(results[0]!.checkpointed).toBe(results[0]!.log);
      // No write overlapped it, so the worker's first pass was enough and the writer's connection had nothing
      // to finish.
      expect(results[0]).toMatchObject({ converged: true, passes: 1 });

      writer.write(5);
      checkpointer.committed(5);
      await expect.poll(() => results.length, { timeout: 2000 }).toBe(2);
    });
  });

  it("does not call the WAL copied while a write is in progress", () =>
    withCheckpointer({}, async (writer, checkpointer) => {
      writer.write(50);
      await checkpointer.checkpoint();
      const requested = checkpointer.checkpoint();
      // A write that lasts 30 ms: the worker's passes meanwhile see it in progress and cannot be the last one.
      checkpointer.writing(() => {
        writer.write(1);
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 30);
      });
      const result = await requested;
      expect(result.converged).toBe(true);
      expect(result.passes).toBeGreaterThan(1);
      expect(result.checkpointed).toBe(result.log);
    }));

  it("reports a thread that cannot open the database, so the store can fall back to inline checkpoints", async () => {
    const failure = await new Promise<Error>((resolve) => {
      startWalCheckpointer(path.join(tempFile(), "missing.db"), {
        synchronous: "FULL",
        finishOnWriter: () => expect.fail("no checkpoint"),
        onFailure: resolve,
      });
    });
    expect(failure.message).toMatch(/unable to open|directory does not exist|SQLITE_CANTOPEN/i);
  });

  it("keeps the store's WAL from growing under steady writes, and closes cleanly", async () => {
    const file = tempFile();
    const checkpoints: CheckpointResult[] = [];
    const store = openSqliteMessageStore(file, { checkpointEveryRows: 50, onCheckpoint: (result) => checkpoints.push(result) });
    const author = { id: "a", name: "A" };
    // Ten rounds of 20 commits × 10 messages; each round passes `checkpointEveryRows` several times over.
    let firstRoundWal = 0;
    for (let round = 0; round < 10; round++) {
      const before = checkpoints.length;
      for (let commit = 0; commit < 20; commit++) {
        await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            store.insertMessage({ clientOffset: `c-${round}-${commit}-${i}`, channel: "general", content: "y".repeat(500), author }),
          ),
        );
      }
      await expect.poll(() => checkpoints.length).toBeGreaterThan(before);
      if (round === 0) firstRoundWal = walSize(file);
    }
    // Every checkpoint left the WAL fully copied, so later rounds wrote over the same file instead of appending
    // to it: ten rounds that were never started over would make it ten times the first round's size.
    expect(checkpoints.every((result) => result.checkpointed === result.log)).toBe(true);
    expect(walSize(file)).toBeLessThanOrEqual(2 * firstRoundWal);
    await store.close();
    // The worker's connection closed first, so the store's, the last one, checkpointed and removed the WAL.
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
    const reopened = new Database(file, { readonly: true });
    expect(reopened.prepare("SELECT count(*) AS n, count(DISTINCT client_offset) AS distinct_offsets FROM messages").get()).toEqual({
      n: 2000,
      distinct_offsets: 2000,
    });
    reopened.close();
  });
});
