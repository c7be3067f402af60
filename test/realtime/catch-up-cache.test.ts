/**
 * The in-memory cache of the newest messages (SQLite store) must hand over seamlessly to the database: a catch-up
 * that starts below what the cache holds reads the database, then continues from the cache, with nothing
 * missing or repeated — including after a restart, when the cache is loaded from the file.
 */
import path from "node:path";
import { expect, it } from "vitest";
import { openSqliteMessageStore } from "../../db/sqlite-message-store";
import { useRealtimeHarness } from "../support/harness";
import { waitFor } from "../support/test-client";
import { makeTempDir } from "../support/test-server";

const { start, client } = useRealtimeHarness();

it("replays across the boundary between database and cache, after a restart and with live traffic", async () => {
  const dbPath = path.join(makeTempDir(), "tether.db");
  const before = openSqliteMessageStore(dbPath, { cachedMessages: 0 });
  await Promise.all(
    Array.from({ length: 1000 }, (_, i) =>
      before.insertMessage({ clientOffset: `old-${i}`, channel: "general", content: `old ${i}`, author: { id: "a", name: "A" } }),
    ),
  );
  await before.close();

  // Restarted with room for only the newest 300: ids 1..700 must come from the file.
  const server = await start({ dbPath, store: openSqliteMessageStore(dbPath, { cachedMessages: 300 }), replayBatchSize: 64 });
  const expectFullReplay = async (expected: number) => {
    const late = client({ serverOffset: 1 });
    await late.ready();
    const all = await server.store.getMessagesAfter(0, 10_000);
    expect(all).toHaveLength(expected);
    await waitFor(() => late.messages.size === expected - 1, 10_000, "every message");
    expect(late.wire.map((m) => m.id)).toEqual(all.slice(1).map((m) => m.id));
    expect(late.duplicates + late.outOfOrder).toBe(0);
  };
  await expectFullReplay(1000);

  const sender = client();
  await sender.ready();
  for (let i = 0; i < 400; i++) await sender.send("general", `new ${i}`, `new-${i}`); // pushes the cache window up
  await expectFullReplay(1400);
});
