import Database from "better-sqlite3";
import path from "node:path";
import { expect, it } from "vitest";
import { openSqliteMessageStore } from "../../db/sqlite-message-store";
import { useRealtimeHarness } from "../support/harness";
import { makeTempDir } from "../support/test-server";

const { start, client } = useRealtimeHarness();

it("answers unavailable while the database is locked, stores nothing half-written, and takes the retries once", async () => {
  const dbPath = path.join(makeTempDir(), "tether.db");
  await start({ dbPath, store: openSqliteMessageStore(dbPath, { busyTimeoutMs: 50 }) });
  const alice = client();
  await alice.ready();
  expect(await alice.send("general", "before the lock", "before-lock")).toMatchObject({ data: { duplicate: false } });

  // Another process-like connection takes the write lock, as a backup tool or an admin shell would.
  const intruder = new Database(dbPath);
  intruder.exec("BEGIN EXCLUSIVE");
  const duringLock = await Promise.all([1, 2, 3].map((i) => alice.send("general", `locked ${i}`, `locked-${i}`)));
  for (const ack of duringLock) {
    expect(ack).toEqual({ error: { code: "unavailable", message: expect.any(String) } });
    // Nothing about the database leaks to the client.
    expect(JSON.stringify(ack)).not.toMatch(/SQLITE|database is locked|at .*\.ts/);
  }
  intruder.exec("COMMIT");
  const rows = () => intruder.prepare("SELECT client_offset FROM messages ORDER BY id").all() as Array<{ client_offset: string }>;
  expect(rows().map((r) => r.client_offset)).toEqual(["before-lock"]);

  // The client retries later with the same client offsets: each is stored exactly once.
  const retried = await Promise.all([1, 2, 3].map((i) => alice.send("general", `locked ${i}`, `locked-${i}`)));
  expect(retried.every((a) => "data" in a && !a.data.duplicate)).toBe(true);
  expect(rows().map((r) => r.client_offset)).toEqual(["before-lock", "locked-1", "locked-2", "locked-3"]);
  intruder.close();
});
