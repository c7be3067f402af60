/**
 * Migration 0008_one_channel_index on SQLite: the plain (channel, id) index and the partial index of live messages
 * become one (channel, id, deleted_at) index. A database written before it must page, count and search as before,
 * and both kinds of read must use the new index alone (a count that reads message rows would grow with the backlog).
 */
import path from "node:path";
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { afterEach, describe, expect, it } from "vitest";
import type { MessageStore } from "../lib/storage/message-store";
import { makeTempDir } from "../test/support/test-server";
import { migrationsBefore } from "./fixtures/migrations-before";
import { openSqliteMessageStore } from "./sqlite-message-store";

describe("one index of a channel's messages (SQLite migration 0008)", () => {
  let store: MessageStore | null = null;
  afterEach(async () => {
    await store?.close();
    store = null;
  });

  it("takes over a database with the two old indexes: pages, counts and plans as before", async () => {
    const file = path.join(makeTempDir(), "tether.db");
    const old = new Database(file);
    migrate(drizzle(old), { migrationsFolder: migrationsBefore("sqlite", "0008_one_channel_index") });
    old.prepare("INSERT INTO channels (name, created_at) VALUES ('general', 0)").run();
    const insert = old.prepare(
      "INSERT INTO messages (id, client_offset, channel, author_id, author_name, content, created_at, version) VALUES (?, ?, 'general', ?, ?, ?, 0, ?)",
    );
    for (let id = 1; id <= 6; id++) insert.run(id, `old-${id}`, id === 6 ? "bob" : "ada", id === 6 ? "Bob" : "Ada", `message ${id}`, id);
    // A deleted message stays in history (as a tombstone) and drops out of the counts.
    old.prepare("UPDATE messages SET content = '', deleted_at = 1 WHERE id = 2").run();
    old.close();

    store = openSqliteMessageStore(file);
    const page = await store.getHistoryPage("general", undefined, 10);
    expect(page.messages.map((m) => [m.id, m.deletedAt !== null])).toEqual([
      [1, false],
      [2, true],
      [3, false],
      [4, false],
      [5, false],
      [6, false],
    ]);
    // Bob has read nothing: five live messages, his own (6) not counted among them, the deleted one (2) neither.
    const [bob] = await store.getReadStates("bob", ["general"], 6, 100);
    expect(bob).toMatchObject({ channel: "general", unread: 4 });
    const [carol] = await store.getReadStates("carol", ["general"], 6, 100);
    expect(carol).toMatchObject({ unread: 5 });
    await store.close();
    store = null;

    const db = new Database(file, { readonly: true });
    try {
      const indexes = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'messages' AND sql IS NOT NULL ORDER BY name")
        .pluck()
        .all();
      expect(indexes).toEqual(["messages_channel_id_deleted_idx", "messages_client_offset_unique", "messages_live_author_channel_id_idx"]);
      const plan = (query: string) =>
        db
          .prepare(`EXPLAIN QUERY PLAN ${query}`)
          .all()
          .map((row) => (row as { detail: string }).detail)
          .join("; ");
      expect(plan("SELECT count(*) FROM messages WHERE channel = 'general' AND id > 0 AND id <= 6 AND deleted_at IS NULL")).toContain(
        "COVERING INDEX messages_channel_id_deleted_idx",
      );
      expect(plan("SELECT * FROM messages WHERE channel = 'general' AND id < 6 ORDER BY id DESC LIMIT 2")).toContain(
        "INDEX messages_channel_id_deleted_idx (channel=? AND id<?)",
      );
    } finally {
      db.close();
    }
  });
});
