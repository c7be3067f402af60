/**
 * The search migration (0003_search) on a database that already holds messages, as every existing installation
 * does: they must be found once the store has opened (and migrated) it, and messages written afterwards too.
 */
import path from "node:path";
import Database from "better-sqlite3";
import { drizzle as drizzleSqlite } from "drizzle-orm/better-sqlite3";
import { migrate as migrateSqlite } from "drizzle-orm/better-sqlite3/migrator";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import { Pool } from "pg";
import { afterEach, describe, expect, it } from "vitest";
import type { MessageStore } from "../lib/storage/message-store";
import { createTestDatabase, type TestDatabase } from "../test/support/scale-out-services";
import { clusterSkipReason, makeTempDir } from "../test/support/test-server";
import { migrationsBefore } from "./fixtures/migrations-before";
import { openPgMessageStore } from "./pg-message-store";
import { openSqliteMessageStore } from "./sqlite-message-store";

const OLD_MESSAGES = ["the old deploy notes", "lunch at noon", "another deploy tomorrow"];

async function expectSearchable(store: MessageStore) {
  const search = async (text: string) => (await store.searchMessages({ text, channels: ["general"], limit: 10 })).messages.map((m) => m.content);
  expect(await search("deploy")).toEqual(["another deploy tomorrow", "the old deploy notes"]);
  expect(await search("lunch")).toEqual(["lunch at noon"]);
  await store.insertMessage({ clientOffset: "new", channel: "general", content: "a new deploy", author: { id: "a", name: "A" } });
  expect(await search("deploy")).toEqual(["a new deploy", "another deploy tomorrow", "the old deploy notes"]);
}

describe("the search migration indexes the messages of an existing database", () => {
  let store: MessageStore | null = null;
  let database: TestDatabase | null = null;
  afterEach(async () => {
    await store?.close();
    store = null;
    await database?.drop();
    database = null;
  });

  it("on SQLite (FTS5, rebuilt from the messages table)", async () => {
    const file = path.join(makeTempDir(), "tether.db");
    const old = new Database(file);
    migrateSqlite(drizzleSqlite(old), { migrationsFolder: migrationsBefore("sqlite", "0003_search") });
    old.prepare("INSERT INTO channels (name, created_at) VALUES ('general', 0)").run();
    const insert = old.prepare(
      "INSERT INTO messages (client_offset, channel, author_id, author_name, content, created_at) VALUES (?, 'general', 'a', 'A', ?, 0)",
    );
    OLD_MESSAGES.forEach((content, i) => insert.run(`old-${i}`, content));
    old.close();

    store = openSqliteMessageStore(file);
    await expectSearchable(store);
    await store.close();
    // Opening again applies nothing twice: every message is indexed once.
    store = openSqliteMessageStore(file);
    expect((await store.searchMessages({ text: "deploy", channels: ["general"], limit: 10 })).messages).toHaveLength(3);
  });

  it.skipIf(clusterSkipReason() !== null)("on PostgreSQL (a GIN index, built over the existing rows)", async () => {
    database = await createTestDatabase();
    const pool = new Pool({ connectionString: database.url });
    try {
      await migratePg(drizzlePg(pool), { migrationsFolder: migrationsBefore("pg", "0003_search") });
      await pool.query("INSERT INTO channels (name, created_at) VALUES ('general', 0)");
      for (const [i, content] of OLD_MESSAGES.entries()) {
        await pool.query(
          "INSERT INTO messages (id, client_offset, channel, author_id, author_name, content, created_at) VALUES ($1, $2, 'general', 'a', 'A', $3, 0)",
          [i + 1, `old-${i}`, content],
        );
      }
    } finally {
      await pool.end();
    }
    store = await openPgMessageStore(database.url);
    await expectSearchable(store);
    const [index] = await database.query<{ indexdef: string }>("SELECT indexdef FROM pg_indexes WHERE indexname = 'messages_content_search_idx'");
    expect(index?.indexdef).toContain("USING gin (to_tsvector('english'::regconfig, content))");
  });
});
