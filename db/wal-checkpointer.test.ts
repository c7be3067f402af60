import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it, vi } from "vitest";
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

/**
 * Whether every frame in the WAL is copied into the database file, read from the WAL index (the -shm file, whose
 * layout is documented at https://www.sqlite.org/walformat.html): the index header's mxFrame at byte 16 against
 * the checkpoint info's nBackfill at byte 96, in native byte order. Lets a test see a worker's pass from the main
 * thread while that thread holds a write open.
 */
function walFullyCopied(file: string): boolean {
  const index = Buffer.alloc(100);
  const fd = fs.openSync(`${file}-shm`, "r");
  try {
    fs.readSync(fd, index, 0, index.length, 0);
  } finally {
    fs.closeSync(fd);
  }
  const u32 = (offset: number) => (os.endianness() === "LE" ? index.readUInt32LE(offset) : index.readUInt32BE(offset));
  return u32(96) === u32(16);
}

/** Blocks this thread until `condition` holds, as a long write would; fails instead of hanging forever. */
function blockUntil(condition: () => boolean): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const deadline = Date.now() + 30_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("the condition never held");
    Atomics.wait(pause, 0, 0, 1);
  }
}

/** A checkpoint that copied everything the WAL held, so that the next write starts it over. */
const complete = (result: CheckpointResult) => result.busy === 0 && result.converged && result.log >= 0 && result.checkpointed === result.log;

/** A writer like the store's: WAL, synchronous=NORMAL (its default: a commit syncs nothing), no checkpoint of its own. */
function openWriter(file: string) {
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
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
  it("finishes closing in a process that has nothing else to do, so the store's close completes on shutdown", () => {
    // The thread is unref'd while idle; a close that waited for it unref'd let the process end mid-close, and
    // server.ts's shutdown never reached the store's last close (which checkpoints and removes the WAL).
    const file = tempFile();
    const output = execFileSync(process.execPath, ["--import", "tsx", path.join(__dirname, "fixtures", "close-store-alone.ts"), file], {
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(output.trim()).toBe("closed");
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
  });

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
      // Asked for now, after 99 rows: it is the first checkpoint only if those rows did not already start one.
      await checkpointer.checkpoint();
      expect(results).toHaveLength(1);

      writer.write(100);
      checkpointer.committed(100);
      await expect.poll(() => results.length).toBe(2);
      expect(complete(results[1]!)).toBe(true);
      // No write overlapped it, so the worker's first pass was enough and the writer's connection had nothing
      // to finish.
      expect(results[1]).toMatchObject({ converged: true, passes: 1 });

      writer.write(5);
      checkpointer.committed(5);
      await expect.poll(() => results.length, { timeout: 20_000 }).toBe(3);
    });
  });

  it("does not call the WAL copied while a write is in progress", () =>
    withCheckpointer({}, async (writer, checkpointer, file) => {
      writer.write(50);
      await checkpointer.checkpoint();
      let requested: Promise<CheckpointResult> | undefined;
      // A write that stays in progress until a pass of the worker has copied its frames: that pass overlapped
      // it, so it cannot be the last one.
      checkpointer.writing(() => {
        writer.write(1);
        requested = checkpointer.checkpoint();
        blockUntil(() => walFullyCopied(file));
      });
      const result = await requested!;
      expect(complete(result)).toBe(true);
      expect(result.passes).toBeGreaterThan(1);
    }));

  it("under writes that never pause, every checkpoint still leaves the whole WAL copied", () => {
    const results: CheckpointResult[] = [];
    return withCheckpointer({ everyRows: 20, onCheckpoint: (result) => results.push(result) }, async (writer, checkpointer) => {
      // Bursts of writes bracketed as the store brackets them, one event-loop turn apart (where the worker's
      // replies are handled): the worker's passes keep meeting writes, and some meet the writer's locks. Nearly every
      // checkpoint then runs all of the worker's passes (each with its syncs) and finishes on the writer: 25 of them
      // take under 2 s here, and 100 took over 60 s on a CI machine whose disk the whole suite was syncing.
      while (results.length < 25) {
        for (let i = 0; i < 10; i++) {
          checkpointer.writing(() => writer.write(1));
          checkpointer.committed(1);
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
      // What the worker could not finish, busy passes included, the writer's connection finished between writes.
      expect(results.filter((result) => !complete(result))).toEqual([]);
    });
  });

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

  it("starts the store's WAL over after each checkpoint, so that writes do not grow it, and closes cleanly", async () => {
    // The delay timer is frozen, so only the row count asks for checkpoints: exactly one per round, asked for by
    // the round's last commit, after all of its writes. The test above covers a worker running against writes.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const file = tempFile();
      const checkpoints: CheckpointResult[] = [];
      let onNextCheckpoint = () => {};
      const store = openSqliteMessageStore(file, {
        checkpointEveryRows: 200,
        onCheckpoint: (result) => {
          checkpoints.push(result);
          onNextCheckpoint();
        },
        onWarning: (message, error) => expect.fail(`${message}: ${error.message}`),
      });
      const author = { id: "a", name: "A" };
      const walAfterRound: number[] = [];
      // Ten rounds of 20 commits × 10 messages.
      for (let round = 0; round < 10; round++) {
        const checkpointed = new Promise<void>((resolve) => (onNextCheckpoint = resolve));
        for (let commit = 0; commit < 20; commit++) {
          await Promise.all(
            Array.from({ length: 10 }, (_, i) =>
              store.insertMessage({ clientOffset: `c-${round}-${commit}-${i}`, channel: "general", content: "y".repeat(500), author }),
            ),
          );
        }
        await checkpointed;
        walAfterRound.push(walSize(file));
      }
      expect(checkpoints).toHaveLength(10);
      expect(checkpoints.filter((result) => !complete(result))).toEqual([]);
      // Each round started the WAL over, so it wrote over the same file instead of appending to it: ten rounds
      // that were never started over would make it about ten times the first round's size.
      expect(Math.max(...walAfterRound)).toBeLessThanOrEqual(1.5 * walAfterRound[0]!);
      await store.close();
      // The worker's connection closed first, so the store's, the last one, checkpointed and removed the WAL.
      expect(fs.existsSync(`${file}-wal`)).toBe(false);
      const reopened = new Database(file, { readonly: true });
      expect(reopened.prepare("SELECT count(*) AS n, count(DISTINCT client_offset) AS distinct_offsets FROM messages").get()).toEqual({
        n: 2000,
        distinct_offsets: 2000,
      });
      reopened.close();
    } finally {
      vi.useRealTimers();
    }
  });
});
