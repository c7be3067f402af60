/**
 * Search indexing in batches on SQLite (0007_search_indexed_in_batches): messages reach the FTS5 index after their
 * commit, in one statement per batch, and before any search. These tests hold the batch back (a long delay) so that
 * each path is taken for certain: an edit or a delete of a message the index has not reached yet, a process that
 * stopped before indexing, and a database whose messages the old per-insert trigger indexed.
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

const author = { id: "ada", name: "Ada" };
const actor = { id: author.id, isAdmin: false };
/** Longer than any test: only a search (or a reopen) indexes. */
const HELD = { searchIndexDelayMs: 10 * 60_000 };

const send = (store: MessageStore, clientOffset: string, content: string) =>
  store.insertMessage({ clientOffset, channel: "general", content, author }).then((stored) => stored.message);
const found = async (store: MessageStore, text: string) =>
  (await store.searchMessages({ text, channels: ["general"], limit: 20 })).messages.map((m) => m.content);
/** What the FTS5 index itself holds for a word, whatever the messages table says now. */
const indexedRowids = (file: string, word: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare("SELECT rowid FROM messages_fts WHERE messages_fts MATCH ? ORDER BY rowid").pluck().all(word);
  } finally {
    db.close();
  }
};

describe("search indexing in batches (SQLite)", () => {
  let store: MessageStore | null = null;
  afterEach(async () => {
    await store?.close();
    store = null;
  });

  it("a message edited or deleted before it was indexed is found by its latest text only", async () => {
    const file = path.join(makeTempDir(), "tether.db");
    store = openSqliteMessageStore(file, HELD);
    const edited = await send(store, "a", "the first draft");
    const deleted = await send(store, "b", "a draft to delete");
    // Committed, not indexed: the insert no longer writes to the index.
    expect(indexedRowids(file, "draft")).toEqual([]);
    await store.changeMessage({ kind: "edit", messageId: edited.id, content: "the final text", clientOffset: "e", actor });
    await store.changeMessage({ kind: "delete", messageId: deleted.id, clientOffset: "d", actor });
    // Not indexed yet: the update triggers left the index alone.
    expect(indexedRowids(file, "draft")).toEqual([]);
    expect(indexedRowids(file, "final")).toEqual([]);
    expect(await found(store, "draft")).toEqual([]);
    expect(await found(store, "final")).toEqual(["the final text"]);
    expect(indexedRowids(file, "final")).toEqual([edited.id]);
  });

  it("a message edited or deleted after it was indexed leaves the index with its latest text only", async () => {
    const file = path.join(makeTempDir(), "tether.db");
    store = openSqliteMessageStore(file, HELD);
    const edited = await send(store, "a", "the first draft");
    const deleted = await send(store, "b", "a draft to delete");
    expect(await found(store, "draft")).toEqual(["a draft to delete", "the first draft"]);
    await store.changeMessage({ kind: "edit", messageId: edited.id, content: "the final text", clientOffset: "e", actor });
    await store.changeMessage({ kind: "delete", messageId: deleted.id, clientOffset: "d", actor });
    expect(indexedRowids(file, "draft")).toEqual([]);
    expect(await found(store, "draft")).toEqual([]);
    expect(await found(store, "final")).toEqual(["the final text"]);
  });

  it("indexes, when it opens, the messages a process committed but stopped before indexing", async () => {
    const file = path.join(makeTempDir(), "tether.db");
    store = openSqliteMessageStore(file, HELD);
    await send(store, "a", "indexed before the stop");
    expect(await found(store, "stop")).toEqual(["indexed before the stop"]);
    await store.close();
    store = null;
    // What a process leaves when it dies between a commit and its indexing: a row, and the index behind it.
    const raw = new Database(file);
    raw
      .prepare(
        "INSERT INTO messages (client_offset, channel, author_id, author_name, content, created_at) VALUES ('b', 'general', 'ada', 'Ada', 'committed before the stop', 0)",
      )
      .run();
    raw.close();
    expect(indexedRowids(file, "committed")).toEqual([]);

    store = openSqliteMessageStore(file, HELD);
    expect(indexedRowids(file, "committed")).toHaveLength(1);
    expect(await found(store, "stop")).toEqual(["committed before the stop", "indexed before the stop"]);
  });

  it("indexes new messages on its own a little after their commit, without a search", async () => {
    const file = path.join(makeTempDir(), "tether.db");
    store = openSqliteMessageStore(file, { searchIndexDelayMs: 1 });
    const message = await send(store, "a", "indexed in the background");
    await expect.poll(() => indexedRowids(file, "background"), { timeout: 10_000 }).toEqual([message.id]);
  });

  it("takes over a database the per-insert trigger indexed (the migration from 0006)", async () => {
    const file = path.join(makeTempDir(), "tether.db");
    const old = new Database(file);
    migrate(drizzle(old), { migrationsFolder: migrationsBefore("sqlite", "0007_search_indexed_in_batches") });
    old.prepare("INSERT INTO channels (name, created_at) VALUES ('general', 0)").run();
    const insert = old.prepare(
      "INSERT INTO messages (client_offset, channel, author_id, author_name, content, created_at) VALUES (?, 'general', 'ada', 'Ada', ?, 0)",
    );
    insert.run("old-1", "the old deploy notes");
    const oldId = Number(insert.run("old-2", "an old draft").lastInsertRowid);
    old.close();

    store = openSqliteMessageStore(file, HELD);
    expect(await found(store, "deploy")).toEqual(["the old deploy notes"]);
    // An old message is in the index: its edit goes through the trigger, and no copy of it is indexed twice.
    await store.changeMessage({ kind: "edit", messageId: oldId, content: "an old plan", clientOffset: "e", actor });
    expect(await found(store, "draft")).toEqual([]);
    expect(await found(store, "plan")).toEqual(["an old plan"]);
    await send(store, "new", "a new deploy");
    expect(await found(store, "deploy")).toEqual(["a new deploy", "the old deploy notes"]);
    expect(indexedRowids(file, "deploy")).toHaveLength(2);
  });
});
