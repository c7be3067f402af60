/**
 * The MessageStore contract (message-store.ts), one suite run against every implementation: SQLite on a temp file
 * (with its catch-up cache, and without it, so both read paths are held to it) and PostgreSQL on a fresh database.
 * PostgreSQL runs when the scale-out services are reachable; otherwise it is reported as skipped with the reason,
 * and under CI their absence fails the run (test/support/global-setup.ts).
 *
 * A new clause of the contract is one more `it` in `messageStoreContract`; it runs on every backend.
 */
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { GENERAL_CHANNEL } from "../lib/shared/limits";
import type { ChatMessage } from "../lib/shared/dto";
import { createTestDatabase, type TestDatabase } from "../test/support/scale-out-services";
import { clusterSkipReason, makeTempDir, readStoredIds, testBackends } from "../test/support/test-server";
import type { InsertMessageResult, MessageStore, NewMessage } from "../lib/storage/message-store";
import { openPgMessageStore } from "./pg-message-store";
import { openSqliteMessageStore } from "./sqlite-message-store";

interface OpenedStore {
  store: MessageStore;
  /** Committed messages as another connection sees them: ids and client offsets, ascending. */
  readCommitted(): Promise<Array<{ id: number; clientOffset: string }>>;
  /** Closes the store (unless the test did) and removes its database. */
  dispose(): Promise<void>;
}

interface Backend {
  name: string;
  /** Once before and after the backend's tests (a database to hold them, say). */
  setUp?(): Promise<void>;
  tearDown?(): Promise<void>;
  /** Ids without holes (PostgreSQL assigns max + 1 under a lock; SQLite may skip ids an ignored insert burnt). */
  denseIds: boolean;
  open(): Promise<OpenedStore>;
}

function sqliteBackend(name: string, cachedMessages?: number): Backend {
  return {
    name,
    denseIds: false,
    async open() {
      const file = path.join(makeTempDir("tether-store-"), "tether.db");
      const store = openSqliteMessageStore(file, { cachedMessages });
      return {
        store,
        readCommitted: async () => readStoredIds(file),
        dispose: () => closeOnce(store),
      };
    },
  };
}

function postgresBackend(): Backend {
  let database: TestDatabase | null = null;
  return {
    name: "postgres",
    denseIds: true,
    async setUp() {
      database = await createTestDatabase();
    },
    async tearDown() {
      await database?.drop();
    },
    async open() {
      const db = database!;
      // Empty schemas: to the store, the same as a new database (it migrates it again), at a fraction of the cost.
      await db.query("DROP SCHEMA IF EXISTS drizzle CASCADE; DROP SCHEMA public CASCADE; CREATE SCHEMA public");
      const store = await openPgMessageStore(db.url);
      return {
        store,
        readCommitted: async () =>
          (await db.query<{ id: string; client_offset: string }>("SELECT id, client_offset FROM messages ORDER BY id")).map((row) => ({
            id: Number(row.id),
            clientOffset: row.client_offset,
          })),
        dispose: () => closeOnce(store),
      };
    },
  };
}

const closed = new WeakSet<MessageStore>();
async function closeOnce(store: MessageStore): Promise<void> {
  if (closed.has(store)) return;
  closed.add(store);
  await store.close();
}

const author = { id: "author-1", name: "Ada" };
const message = (clientOffset: string, channel = GENERAL_CHANNEL, content = `text of ${clientOffset}`): NewMessage => ({
  clientOffset,
  channel,
  author,
  content,
});
const ids = (messages: readonly ChatMessage[]) => messages.map((m) => m.id);

/** A batch read back, as a plain array. */
function plain(messages: ChatMessage[]): ChatMessage[] {
  return [...messages];
}

/** The contract, run on one backend; `skipReason` reports (and skips) a backend this run cannot reach. */
function messageStoreContract(backend: Backend, skipReason: string | null = null) {
  describe.skipIf(skipReason !== null)(`MessageStore contract on ${backend.name}${skipReason ? ` (SKIPPED: ${skipReason})` : ""}`, () => {
    let opened: OpenedStore;
    let store: MessageStore;

    beforeAll(async () => {
      await backend.setUp?.();
    });
    afterAll(async () => {
      await backend.tearDown?.();
    });
    beforeEach(async () => {
      opened = await backend.open();
      store = opened.store;
    });
    afterEach(async () => {
      await opened.dispose();
    });

    const messagesAfter = async (offset: number, limit: number) => plain(await store.getMessagesAfter(offset, limit));

    /** Stores `count` messages one after the other; returns them as stored. */
    async function seed(count: number, channel = GENERAL_CHANNEL, prefix = channel): Promise<ChatMessage[]> {
      const stored: ChatMessage[] = [];
      for (let i = 0; i < count; i++) stored.push((await store.insertMessage(message(`${prefix}-${i}`, channel))).message);
      return stored;
    }

    describe("insertMessage", () => {
      it("resolves once the row is committed, with the stored row", async () => {
        const before = Date.now();
        const result = await store.insertMessage(message("first", GENERAL_CHANNEL, "hello"));
        // Visible to another connection the moment the caller hears of it.
        expect(await opened.readCommitted()).toEqual([{ id: result.message.id, clientOffset: "first" }]);
        expect(result.duplicate).toBe(false);
        expect(result.message).toEqual({
          id: expect.any(Number),
          channel: GENERAL_CHANNEL,
          content: "hello",
          clientOffset: "first",
          author,
          createdAt: expect.any(String),
        });
        const createdAt = Date.parse(result.message.createdAt);
        expect(new Date(createdAt).toISOString()).toBe(result.message.createdAt);
        expect(createdAt).toBeGreaterThanOrEqual(before - 1000);
        expect(await messagesAfter(0, 10)).toEqual([result.message]);
      });

      it("resolves every insert of one turn after its commit, each with its own row", async () => {
        const pending = Array.from({ length: 20 }, (_, i) =>
          store.insertMessage(message(`m${i}`)).then(async (result) => ({ result, committed: await opened.readCommitted() })),
        );
        for (const { result, committed } of await Promise.all(pending)) {
          expect(committed).toContainEqual({ id: result.message.id, clientOffset: result.message.clientOffset });
        }
        const results = (await Promise.all(pending)).map((p) => p.result);
        expect(results.map((r) => r.message.clientOffset)).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`));
        expect(results.every((r) => !r.duplicate)).toBe(true);
      });

      it("stores a clientOffset once: a later insert is a duplicate answered with the original row", async () => {
        const original = await store.insertMessage(message("same", GENERAL_CHANNEL, "original"));
        await store.insertMessage(message("other"));
        const again = await store.insertMessage(message("same", GENERAL_CHANNEL, "a different text"));
        expect(again).toEqual({ message: original.message, duplicate: true });
        expect((await opened.readCommitted()).filter((row) => row.clientOffset === "same")).toHaveLength(1);
        expect(await store.getLatestOffset()).toBe((await opened.readCommitted()).at(-1)!.id);
      });

      it("stores a clientOffset once when it comes twice in the same turn (the same batch)", async () => {
        const [first, second, other] = await Promise.all([
          store.insertMessage(message("twice", GENERAL_CHANNEL, "first")),
          store.insertMessage(message("twice", GENERAL_CHANNEL, "second")),
          store.insertMessage(message("else")),
        ]);
        expect(first.duplicate).toBe(false);
        expect(first.message.content).toBe("first");
        expect(second).toEqual({ message: first.message, duplicate: true });
        expect(other.duplicate).toBe(false);
        expect((await opened.readCommitted()).map((row) => row.clientOffset)).toEqual(["twice", "else"]);
      });

      it(`gives increasing ids in commit order${backend.denseIds ? ", without holes" : ""}`, async () => {
        const results: InsertMessageResult[] = [];
        for (let round = 0; round < 4; round++) {
          // One batch with fresh offsets and repeats of earlier ones, then the next.
          const batch = await Promise.all([
            store.insertMessage(message(`r${round}-a`)),
            store.insertMessage(message(`r${Math.max(round - 1, 0)}-a`)),
            store.insertMessage(message(`r${round}-b`)),
          ]);
          results.push(...batch);
        }
        const fresh = results.filter((r) => !r.duplicate).map((r) => r.message.id);
        expect(fresh).toHaveLength(8);
        for (let i = 1; i < fresh.length; i++) expect(fresh[i]).toBeGreaterThan(fresh[i - 1]!);
        if (backend.denseIds) expect(fresh).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
        expect((await opened.readCommitted()).map((row) => row.id)).toEqual(fresh);
      });
    });

    describe("getMessagesAfter", () => {
      it("returns the messages after an offset, ascending, excluding the offset, at most `limit`", async () => {
        await store.createChannel("random", "author-1");
        const stored: ChatMessage[] = [];
        for (let i = 0; i < 10; i++) stored.push((await store.insertMessage(message(`m${i}`, i % 2 ? "random" : GENERAL_CHANNEL))).message);
        expect(await messagesAfter(0, 100)).toEqual(stored);
        expect(ids(await messagesAfter(stored[2]!.id, 4))).toEqual(ids(stored.slice(3, 7)));
        expect(ids(await messagesAfter(stored[8]!.id, 4))).toEqual([stored[9]!.id]);
        expect(await messagesAfter(stored[9]!.id, 10)).toEqual([]);
        expect(await messagesAfter(stored[9]!.id + 1000, 10)).toEqual([]);
      });

      it("returns nothing from an empty store", async () => {
        expect(await messagesAfter(0, 10)).toEqual([]);
      });

      it("stops at `upTo` (inclusive) when given", async () => {
        const stored = await seed(6);
        expect(ids(plain(await store.getMessagesAfter(stored[0]!.id, 100, stored[3]!.id)))).toEqual(ids(stored.slice(1, 4)));
        expect(ids(plain(await store.getMessagesAfter(stored[0]!.id, 2, stored[3]!.id)))).toEqual(ids(stored.slice(1, 3)));
        expect(await store.getMessagesAfter(stored[3]!.id, 100, stored[3]!.id)).toEqual([]);
      });
    });

    describe("onCommitted", () => {
      it("tells its listeners what each commit stored, in id order, before the writers' promises resolve", async () => {
        const heard: number[] = [];
        let resolvedBeforeHeard = false;
        const unsubscribe = store.onCommitted((entries) => heard.push(...entries.map((entry) => entry.offset)));
        const writes = Array.from({ length: 5 }, (_, i) =>
          store.insertMessage(message(`heard-${i}`)).then((result) => {
            if (!heard.includes(result.message.id)) resolvedBeforeHeard = true;
            return result.message.id;
          }),
        );
        const written = await Promise.all(writes);
        expect(resolvedBeforeHeard).toBe(false);
        expect(heard).toEqual([...written].sort((a, b) => a - b));
        // A duplicate stores nothing, so nobody hears of it; an unsubscribed listener hears nothing more.
        await store.insertMessage(message("heard-0"));
        unsubscribe();
        await store.insertMessage(message("unheard"));
        expect(heard).toEqual([...written].sort((a, b) => a - b));
      });
    });

    describe("getHistoryPage", () => {
      it("returns a channel's newest page, ascending, and pages back with an exclusive `before`", async () => {
        await store.createChannel("random", "author-1");
        const general: ChatMessage[] = [];
        for (let i = 0; i < 7; i++) {
          general.push((await store.insertMessage(message(`g${i}`))).message);
          await store.insertMessage(message(`r${i}`, "random"));
        }
        const newest = await store.getHistoryPage(GENERAL_CHANNEL, undefined, 3);
        expect(newest).toEqual({ messages: general.slice(4), hasMore: true });
        const older = await store.getHistoryPage(GENERAL_CHANNEL, newest.messages[0]!.id, 3);
        expect(older).toEqual({ messages: general.slice(1, 4), hasMore: true });
        const oldest = await store.getHistoryPage(GENERAL_CHANNEL, older.messages[0]!.id, 3);
        expect(oldest).toEqual({ messages: general.slice(0, 1), hasMore: false });
        // `before` need not be an id of this channel.
        const between = await store.getHistoryPage(GENERAL_CHANNEL, general[3]!.id + 1, 2);
        expect(ids(between.messages)).toEqual(ids(general.slice(2, 4)));
      });

      it("says hasMore exactly: false when the page holds the last message, true when one more is left", async () => {
        const general = await seed(4);
        expect(await store.getHistoryPage(GENERAL_CHANNEL, undefined, 4)).toEqual({ messages: general, hasMore: false });
        expect(await store.getHistoryPage(GENERAL_CHANNEL, undefined, 3)).toEqual({ messages: general.slice(1), hasMore: true });
        expect(await store.getHistoryPage(GENERAL_CHANNEL, general[3]!.id, 3)).toEqual({ messages: general.slice(0, 3), hasMore: false });
        expect(await store.getHistoryPage(GENERAL_CHANNEL, general[3]!.id, 2)).toEqual({ messages: general.slice(1, 3), hasMore: true });
        expect(await store.getHistoryPage(GENERAL_CHANNEL, general[0]!.id, 5)).toEqual({ messages: [], hasMore: false });
      });

      it("returns an empty page for a channel without messages", async () => {
        await seed(2);
        await store.createChannel("quiet", "author-1");
        expect(await store.getHistoryPage("quiet", undefined, 10)).toEqual({ messages: [], hasMore: false });
      });
    });

    describe("getLatestOffset", () => {
      it("is 0 when empty, then the highest stored id; a duplicate does not move it", async () => {
        expect(await store.getLatestOffset()).toBe(0);
        const stored = await seed(3);
        expect(await store.getLatestOffset()).toBe(stored[2]!.id);
        await store.insertMessage(message(stored[0]!.clientOffset));
        expect(await store.getLatestOffset()).toBe(stored[2]!.id);
      });
    });

    describe("channels", () => {
      it("lists the channels in creation order, general first", async () => {
        expect((await store.listChannels()).map((c) => c.name)).toEqual([GENERAL_CHANNEL]);
        await store.createChannel("zeta", "author-1");
        await store.createChannel("alpha", "author-1");
        const listed = await store.listChannels();
        expect(listed.map((c) => c.name)).toEqual([GENERAL_CHANNEL, "zeta", "alpha"]);
        for (const channel of listed) expect(new Date(channel.createdAt).toISOString()).toBe(channel.createdAt);
      });

      it("creates a channel once: a second create answers created: false with the existing channel", async () => {
        const first = await store.createChannel("random", "author-1");
        expect(first.created).toBe(true);
        expect(first.channel.name).toBe("random");
        const second = await store.createChannel("random", "someone-else");
        expect(second).toEqual({ channel: first.channel, created: false });
        expect((await store.createChannel(GENERAL_CHANNEL, "author-1")).created).toBe(false);
        expect((await store.listChannels()).map((c) => c.name)).toEqual([GENERAL_CHANNEL, "random"]);
      });

      it("tells whether a channel exists", async () => {
        expect(await store.channelExists(GENERAL_CHANNEL)).toBe(true);
        expect(await store.channelExists("random")).toBe(false);
        await store.createChannel("random", "author-1");
        expect(await store.channelExists("random")).toBe(true);
        expect(await store.channelExists("Random")).toBe(false);
      });
    });

    it("answers ping while the database is reachable", async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it("commits on close every write it had already accepted, and resolves their callers first", async () => {
      const settled: string[] = [];
      const pending = Array.from({ length: 25 }, (_, i) =>
        store.insertMessage(message(`late-${i}`)).then((result) => void settled.push(result.message.clientOffset)),
      );
      await closeOnce(store);
      expect(settled).toHaveLength(25);
      await Promise.all(pending);
      expect((await opened.readCommitted()).map((row) => row.clientOffset)).toEqual(Array.from({ length: 25 }, (_, i) => `late-${i}`));
    });

    it("gives ids as JSON numbers everywhere (never strings or bigints)", async () => {
      await seed(3);
      const inserted = await store.insertMessage(message("json"));
      const duplicate = await store.insertMessage(message("json"));
      const everything: unknown[] = [
        inserted,
        duplicate,
        await messagesAfter(0, 10),
        await store.getHistoryPage(GENERAL_CHANNEL, undefined, 10),
        await store.getHistoryPage(GENERAL_CHANNEL, inserted.message.id, 10),
        await store.getLatestOffset(),
      ];
      // A bigint would make JSON.stringify throw; a string id would survive it unchanged and fail below.
      expect(JSON.parse(JSON.stringify(everything))).toEqual(everything);
      const allIds = [
        inserted.message.id,
        duplicate.message.id,
        ...ids(everything[2] as ChatMessage[]),
        ...ids((everything[3] as { messages: ChatMessage[] }).messages),
        ...ids((everything[4] as { messages: ChatMessage[] }).messages),
        everything[5],
      ];
      expect(allIds).toHaveLength(14);
      for (const id of allIds) expect(Number.isSafeInteger(id)).toBe(true);
    });
  });
}

const backends = testBackends();
if (backends.includes("sqlite")) {
  messageStoreContract(sqliteBackend("sqlite"));
  messageStoreContract(sqliteBackend("sqlite without its catch-up cache", 0));
}
// Absent when TEST_STORE=sqlite narrows the run, or (reported with the reason) when PostgreSQL is unreachable.
const postgresSkipReason = clusterSkipReason();
if (backends.includes("postgres") || postgresSkipReason) messageStoreContract(postgresBackend(), postgresSkipReason);
