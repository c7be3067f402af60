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
          version: result.message.id,
          editedAt: null,
          deletedAt: null,
          reactions: [],
          replyTo: null,
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

    /** A page as the store must answer it. */
    const page = (messages: ChatMessage[], hasMore: boolean, hasMoreBefore: boolean, hasMoreAfter: boolean) => ({
      messages,
      hasMore,
      hasMoreBefore,
      hasMoreAfter,
    });

    /** `count` messages in each of general and random, interleaved; returns general's. */
    async function seedInterleaved(count: number): Promise<{ general: ChatMessage[]; random: ChatMessage[] }> {
      await store.createChannel("random", "author-1");
      const general: ChatMessage[] = [];
      const random: ChatMessage[] = [];
      for (let i = 0; i < count; i++) {
        general.push((await store.insertMessage(message(`g${i}`))).message);
        random.push((await store.insertMessage(message(`r${i}`, "random"))).message);
      }
      return { general, random };
    }

    describe("getHistoryPage", () => {
      it("returns a channel's newest page, ascending, and pages back with an exclusive `before`", async () => {
        const { general } = await seedInterleaved(7);
        const newest = await store.getHistoryPage(GENERAL_CHANNEL, undefined, 3);
        expect(newest).toEqual(page(general.slice(4), true, true, false));
        const older = await store.getHistoryPage(GENERAL_CHANNEL, newest.messages[0]!.id, 3);
        expect(older).toEqual(page(general.slice(1, 4), true, true, true));
        const oldest = await store.getHistoryPage(GENERAL_CHANNEL, older.messages[0]!.id, 3);
        expect(oldest).toEqual(page(general.slice(0, 1), false, false, true));
        // `before` need not be an id of this channel.
        const between = await store.getHistoryPage(GENERAL_CHANNEL, general[3]!.id + 1, 2);
        expect(ids(between.messages)).toEqual(ids(general.slice(2, 4)));
        expect(between).toMatchObject({ hasMoreBefore: true, hasMoreAfter: true });
      });

      it("says hasMore exactly: false when the page holds the last message, true when one more is left", async () => {
        const general = await seed(4);
        expect(await store.getHistoryPage(GENERAL_CHANNEL, undefined, 4)).toEqual(page(general, false, false, false));
        expect(await store.getHistoryPage(GENERAL_CHANNEL, undefined, 3)).toEqual(page(general.slice(1), true, true, false));
        expect(await store.getHistoryPage(GENERAL_CHANNEL, general[3]!.id, 3)).toEqual(page(general.slice(0, 3), false, false, true));
        expect(await store.getHistoryPage(GENERAL_CHANNEL, general[3]!.id, 2)).toEqual(page(general.slice(1, 3), true, true, true));
        expect(await store.getHistoryPage(GENERAL_CHANNEL, general[0]!.id, 5)).toEqual(page([], false, false, true));
        // Nothing at or above `before`: nothing newer outside the page.
        expect(await store.getHistoryPage(GENERAL_CHANNEL, general[3]!.id + 1, 2)).toEqual(page(general.slice(2), true, true, false));
      });

      it("returns an empty page for a channel without messages", async () => {
        await seed(2);
        await store.createChannel("quiet", "author-1");
        expect(await store.getHistoryPage("quiet", undefined, 10)).toEqual(page([], false, false, false));
      });
    });

    describe("getHistoryPageAfter", () => {
      it("returns the oldest page above an id, ascending, and pages forward without gaps or overlaps", async () => {
        const { general, random } = await seedInterleaved(7);
        expect(await store.getHistoryPageAfter(GENERAL_CHANNEL, 0, 3)).toEqual(page(general.slice(0, 3), true, false, true));
        expect(await store.getHistoryPageAfter(GENERAL_CHANNEL, general[2]!.id, 3)).toEqual(page(general.slice(3, 6), true, true, true));
        expect(await store.getHistoryPageAfter(GENERAL_CHANNEL, general[5]!.id, 3)).toEqual(page(general.slice(6), false, true, false));
        expect(await store.getHistoryPageAfter(GENERAL_CHANNEL, general[6]!.id, 3)).toEqual(page([], false, true, false));
        // An id of another channel: the page starts at the next message of this one.
        expect(await store.getHistoryPageAfter(GENERAL_CHANNEL, random[3]!.id, 2)).toEqual(page(general.slice(4, 6), true, true, true));
        expect(await store.getHistoryPageAfter(GENERAL_CHANNEL, 0, 7)).toEqual(page(general, false, false, false));
      });

      it("returns an empty page for a channel without messages", async () => {
        await seed(2);
        await store.createChannel("quiet", "author-1");
        expect(await store.getHistoryPageAfter("quiet", 0, 10)).toEqual(page([], false, false, false));
      });
    });

    describe("getHistoryPageAround", () => {
      it("centres the page on a message: the message, half of the rest older, the others newer", async () => {
        const { general } = await seedInterleaved(11);
        expect(await store.getHistoryPageAround(GENERAL_CHANNEL, general[5]!.id, 5)).toEqual(page(general.slice(3, 8), true, true, true));
        // Even limits: the message opens the newer half.
        expect(await store.getHistoryPageAround(GENERAL_CHANNEL, general[5]!.id, 4)).toEqual(page(general.slice(3, 7), true, true, true));
        expect(await store.getHistoryPageAround(GENERAL_CHANNEL, general[5]!.id, 1)).toEqual(page([general[5]!], true, true, true));
        expect(await store.getHistoryPageAround(GENERAL_CHANNEL, general[5]!.id, 11)).toEqual(page(general, false, false, false));
        expect(await store.getHistoryPageAround(GENERAL_CHANNEL, general[5]!.id, 50)).toEqual(page(general, false, false, false));
      });

      it("fills the page from the other side at the first and the last message", async () => {
        const { general } = await seedInterleaved(11);
        expect(await store.getHistoryPageAround(GENERAL_CHANNEL, general[0]!.id, 4)).toEqual(page(general.slice(0, 4), true, false, true));
        expect(await store.getHistoryPageAround(GENERAL_CHANNEL, general[1]!.id, 4)).toEqual(page(general.slice(0, 4), true, false, true));
        expect(await store.getHistoryPageAround(GENERAL_CHANNEL, general[10]!.id, 4)).toEqual(page(general.slice(7), true, true, false));
        expect(await store.getHistoryPageAround(GENERAL_CHANNEL, general[9]!.id, 4)).toEqual(page(general.slice(7), true, true, false));
      });

      it("centres on the position of an id that is not in the channel", async () => {
        const { general, random } = await seedInterleaved(11);
        // random[4] lies between general[4] and general[5].
        expect(await store.getHistoryPageAround(GENERAL_CHANNEL, random[4]!.id, 4)).toEqual(page(general.slice(3, 7), true, true, true));
        expect(await store.getHistoryPageAround(GENERAL_CHANNEL, random[10]!.id + 1000, 3)).toEqual(page(general.slice(8), true, true, false));
        expect(await store.getHistoryPageAround(GENERAL_CHANNEL, 1, 3)).toEqual(page(general.slice(0, 3), true, false, true));
        await store.createChannel("quiet", "author-1");
        expect(await store.getHistoryPageAround("quiet", general[5]!.id, 10)).toEqual(page([], false, false, false));
      });
    });

    describe("getChannelBacklogs", () => {
      it("counts each channel's messages in a range and finds where its newest N start", async () => {
        const { general, random } = await seedInterleaved(10);
        await store.createChannel("quiet", "author-1");
        const after = general[1]!.id; // general[2..] and random[1..] are above it
        const upTo = random[8]!.id; // general[..8] and random[..8] are at or below it
        const backlogs = await store.getChannelBacklogs([GENERAL_CHANNEL, "random", "quiet"], after, upTo, 3);
        expect(backlogs).toEqual([
          { channel: GENERAL_CHANNEL, count: 7, newestFrom: general[6]!.id },
          { channel: "random", count: 8, newestFrom: random[6]!.id },
        ]);
        // Fewer than N: where the channel's messages in the range start.
        expect(await store.getChannelBacklogs(["random"], after, upTo, 100)).toEqual([{ channel: "random", count: 8, newestFrom: random[1]!.id }]);
        expect(await store.getChannelBacklogs(["random"], after, upTo, 8)).toEqual([{ channel: "random", count: 8, newestFrom: random[1]!.id }]);
        // Only the channels asked for; none with an empty range.
        expect(await store.getChannelBacklogs(["random"], random[9]!.id, random[9]!.id + 10, 3)).toEqual([]);
        expect(await store.getChannelBacklogs([], 0, upTo, 3)).toEqual([]);
      });
    });

    describe("getChannelMessagesAfter", () => {
      it("returns one channel's messages after an offset, up to `upTo` (inclusive), ascending, at most `limit`", async () => {
        const { general, random } = await seedInterleaved(6);
        expect(await store.getChannelMessagesAfter("random", general[1]!.id, 100, general[4]!.id)).toEqual(random.slice(1, 4));
        expect(await store.getChannelMessagesAfter("random", general[1]!.id, 2, general[4]!.id)).toEqual(random.slice(1, 3));
        expect(await store.getChannelMessagesAfter(GENERAL_CHANNEL, 0, 100, Number.MAX_SAFE_INTEGER)).toEqual(general);
        expect(await store.getChannelMessagesAfter(GENERAL_CHANNEL, general[5]!.id, 100, Number.MAX_SAFE_INTEGER)).toEqual([]);
      });
    });

    describe("searchMessages", () => {
      const everywhere = [GENERAL_CHANNEL, "random"];
      const search = (text: string, extra: Partial<Parameters<MessageStore["searchMessages"]>[0]> = {}) =>
        store.searchMessages({ text, channels: everywhere, limit: 20, ...extra });
      const contents = (result: { messages: ChatMessage[] }) => result.messages.map((m) => m.content);

      it("finds a message by a word as soon as its insert resolved, newest first", async () => {
        await store.createChannel("random", "author-1");
        await store.insertMessage(message("a", GENERAL_CHANNEL, "The deploy went fine"));
        await store.insertMessage(message("b", "random", "nothing to see"));
        expect(contents(await search("deploy"))).toEqual(["The deploy went fine"]);
        await store.insertMessage(message("c", "random", "Another DEPLOY tonight"));
        expect(contents(await search("deploy"))).toEqual(["Another DEPLOY tonight", "The deploy went fine"]);
        expect(await search("absent")).toEqual({ messages: [], hasMore: false });
      });

      it("requires every word, matches the last one as a prefix, and stems English words", async () => {
        await store.insertMessage(message("a", GENERAL_CHANNEL, "Deploying the server tonight"));
        await store.insertMessage(message("b", GENERAL_CHANNEL, "the server is down"));
        await store.insertMessage(message("c", GENERAL_CHANNEL, "Deployment notes"));
        expect(contents(await search("server deploy"))).toEqual(["Deploying the server tonight"]);
        expect(contents(await search("serv"))).toEqual(["the server is down", "Deploying the server tonight"]);
        // A last word of one or two letters is a whole word only (as a prefix it would match most of the index).
        expect(contents(await search("ser"))).toEqual(["the server is down", "Deploying the server tonight"]);
        expect(contents(await search("se"))).toEqual([]);
        expect(contents(await search("deploy server"))).toEqual(["Deploying the server tonight"]);
        expect(contents(await search("deplo"))).toEqual(["Deployment notes", "Deploying the server tonight"]);
        // Stemmed: the same word in another form (how far a stemmed prefix reaches differs between the engines).
        expect(contents(await search("deploying"))).toContain("Deploying the server tonight");
        expect(contents(await search("servers tonight"))).toEqual(["Deploying the server tonight"]);
      });

      it("searches only the channels it is given, and filters by author", async () => {
        await store.createChannel("random", "author-1");
        await store.createChannel("secret", "author-1");
        const bob = { id: "author-2", name: "Bob" };
        await store.insertMessage(message("a", GENERAL_CHANNEL, "lunch in general"));
        await store.insertMessage({ ...message("b", "random", "lunch in random"), author: bob });
        await store.insertMessage(message("c", "secret", "lunch in secret"));
        expect(contents(await search("lunch"))).toEqual(["lunch in random", "lunch in general"]);
        expect(contents(await search("lunch", { channels: ["random"] }))).toEqual(["lunch in random"]);
        expect(contents(await search("lunch", { channels: [] }))).toEqual([]);
        expect(contents(await search("lunch", { authorId: bob.id }))).toEqual(["lunch in random"]);
        expect(contents(await search("lunch", { authorId: author.id }))).toEqual(["lunch in general"]);
        expect(contents(await search("lunch", { authorId: "nobody" }))).toEqual([]);
      });

      it("pages newest first with `before` and says hasMore exactly", async () => {
        const stored: ChatMessage[] = [];
        for (let i = 0; i < 7; i++) {
          stored.push((await store.insertMessage(message(`hit-${i}`, GENERAL_CHANNEL, `needle number ${i}`))).message);
          await store.insertMessage(message(`miss-${i}`, GENERAL_CHANNEL, `haystack ${i}`));
        }
        const newestFirst = [...stored].reverse();
        const first = await search("needle", { limit: 3 });
        expect(first).toEqual({ messages: newestFirst.slice(0, 3), hasMore: true });
        const second = await search("needle", { limit: 3, before: first.messages[2]!.id });
        expect(second).toEqual({ messages: newestFirst.slice(3, 6), hasMore: true });
        expect(await search("needle", { limit: 3, before: second.messages[2]!.id })).toEqual({ messages: newestFirst.slice(6), hasMore: false });
        expect(await search("needle", { limit: 7 })).toEqual({ messages: newestFirst, hasMore: false });
      });

      it("matches words in any script, and treats query syntax as plain text", async () => {
        await store.insertMessage(message("ru", GENERAL_CHANNEL, "Привет, мир"));
        await store.insertMessage(message("fr", GENERAL_CHANNEL, "un café au lait"));
        await store.insertMessage(message("ja", GENERAL_CHANNEL, "日本語 テキスト"));
        await store.insertMessage(message("syntax", GENERAL_CHANNEL, 'quote " star * and AND or NOT: (x) & y | !z'));
        expect(contents(await search("привет"))).toEqual(["Привет, мир"]);
        expect(contents(await search("МИР"))).toEqual(["Привет, мир"]);
        expect(contents(await search("café"))).toEqual(["un café au lait"]);
        expect(contents(await search("日本語"))).toEqual(["日本語 テキスト"]);
        for (const hostile of ['"', "*", 'star"*', "NOT:", "(x", "& y", "| !z", "AND OR", "x' OR 1=1 --", "NEAR(", "^quote", "{content}: x"]) {
          await expect(search(hostile), hostile).resolves.toMatchObject({ messages: expect.any(Array) });
        }
        expect(contents(await search('star"*'))).toEqual([expect.stringContaining("star")]);
        expect(await search("!!! ...")).toEqual({ messages: [], hasMore: false });
      });
    });

    describe("message changes", () => {
      const ada = { id: author.id, isAdmin: false };
      const bob = { id: "author-2", isAdmin: false };
      const admin = { id: "admin-1", isAdmin: true };

      it("gives each change the next offset of the log's one sequence, with the message's state after it", async () => {
        const { message: first } = await store.insertMessage(message("m1", GENERAL_CHANNEL, "hello wrold"));
        const edited = await store.changeMessage({ kind: "edit", messageId: first.id, content: "hello world", clientOffset: "e1", actor: ada });
        expect(edited).toMatchObject({ status: "applied", offset: first.id + 1, contentBefore: "hello wrold" });
        const { message: second } = await store.insertMessage(message("m2"));
        expect(second.id).toBe(first.id + 2);
        const reacted = await store.changeMessage({ kind: "reaction_add", messageId: first.id, emoji: "👍", clientOffset: "r1", actor: bob });
        expect(reacted).toMatchObject({ status: "applied", offset: second.id + 1, contentBefore: "hello world" });
        expect(await store.getLatestOffset()).toBe(second.id + 1);

        const current = await store.getMessage(first.id);
        expect(current).toMatchObject({
          content: "hello world",
          version: second.id + 1,
          editedAt: expect.any(String),
          deletedAt: null,
          reactions: [{ emoji: "👍", count: 1, userIds: [bob.id] }],
        });
        if (edited.status === "applied") expect(edited.message).toMatchObject({ content: "hello world", version: first.id + 1, reactions: [] });
        // Every read path returns the current state.
        expect((await store.getHistoryPage(GENERAL_CHANNEL, undefined, 10)).messages[0]).toEqual(current);
        expect((await store.getMessagesAfter(0, 10))[0]).toEqual(current);
        // The log: the message, its changes and the next message, in offset order; each change with a current state.
        const entries = await store.getEntriesAfter(0, 10);
        expect(entries.map((entry) => [entry.offset, entry.message ? "message" : entry.update ? "update" : "event"])).toEqual([
          [first.id, "message"],
          [first.id + 1, "update"],
          [second.id, "message"],
          [second.id + 1, "update"],
        ]);
        expect(await store.getUpdatesAfter(first.id, 10)).toEqual([
          { offset: first.id + 1, message: current },
          { offset: second.id + 1, message: current },
        ]);
        expect(await store.getUpdatesAfter(first.id, 10, first.id + 1)).toHaveLength(1);
      });

      it("stores a change once per clientOffset and answers a retry with the original offset", async () => {
        const { message: first } = await store.insertMessage(message("m1"));
        const change = { kind: "reaction_add", messageId: first.id, emoji: "🎉", clientOffset: "r1", actor: bob } as const;
        const [a, b] = await Promise.all([store.changeMessage(change), store.changeMessage(change)]);
        expect(a).toMatchObject({ status: "applied" });
        const offset = a.status === "applied" ? a.offset : 0;
        expect(b).toEqual({ status: "duplicate", offset });
        // A retry after the state moved on is still the same change.
        await store.changeMessage({ kind: "delete", messageId: first.id, clientOffset: "d1", actor: ada });
        expect(await store.changeMessage(change)).toEqual({ status: "duplicate", offset });
        expect(await store.getUpdatesAfter(0, 10)).toHaveLength(2);
      });

      it("answers a retry as a duplicate even when applying it again would change the message", async () => {
        const { message: first } = await store.insertMessage(message("m1"));
        const add = { kind: "reaction_add", messageId: first.id, emoji: "🎉", clientOffset: "r1", actor: bob } as const;
        const added = await store.changeMessage(add);
        await store.changeMessage({ ...add, kind: "reaction_remove", clientOffset: "r2" });
        const latest = await store.getLatestOffset();
        expect(await store.changeMessage(add)).toEqual({ status: "duplicate", offset: added.status === "applied" ? added.offset : -1 });
        expect((await store.getMessage(first.id))!.reactions).toEqual([]);
        // Nothing stored, no offset taken: the next change comes right after the last one.
        expect(await store.getLatestOffset()).toBe(latest);
        const next = await store.changeMessage({ ...add, clientOffset: "r3" });
        expect(next).toMatchObject({ status: "applied", offset: latest + 1 });
      });

      it("applies changes to one message written in one batch each on top of the one before", async () => {
        const { message: first } = await store.insertMessage(message("m1"));
        const outcomes = await Promise.all([
          store.changeMessage({ kind: "reaction_add", messageId: first.id, emoji: "👍", clientOffset: "r1", actor: bob }),
          store.changeMessage({ kind: "reaction_add", messageId: first.id, emoji: "👍", clientOffset: "r2", actor: ada }),
          store.changeMessage({ kind: "edit", messageId: first.id, content: "edited", clientOffset: "e1", actor: ada }),
          store.changeMessage({ kind: "reaction_add", messageId: first.id, emoji: "👍", clientOffset: "r3", actor: bob }),
        ]);
        expect(outcomes.map((outcome) => outcome.status)).toEqual(["applied", "applied", "applied", "unchanged"]);
        const reactions = [{ emoji: "👍", count: 2, userIds: [bob.id, ada.id] }];
        const last = outcomes[2].status === "applied" ? outcomes[2].message : null;
        expect(last).toMatchObject({ content: "edited", reactions, version: first.id + 3 });
        expect(await store.getMessage(first.id)).toEqual(last);
        const updates = await store.getUpdatesAfter(first.id, 10);
        expect(updates.map((update) => update.offset)).toEqual([first.id + 1, first.id + 2, first.id + 3]);
      });

      it("applies the rules: the author edits, the author or the admin deletes, a deleted message takes no change", async () => {
        const { message: first } = await store.insertMessage(message("m1"));
        expect(await store.changeMessage({ kind: "edit", messageId: first.id, content: "x", clientOffset: "e1", actor: bob })).toEqual({
          status: "forbidden",
        });
        expect(await store.changeMessage({ kind: "edit", messageId: first.id, content: "x", clientOffset: "e2", actor: admin })).toEqual({
          status: "forbidden",
        });
        expect(await store.changeMessage({ kind: "delete", messageId: first.id, clientOffset: "d1", actor: bob })).toEqual({ status: "forbidden" });
        expect(await store.changeMessage({ kind: "edit", messageId: first.id, content: first.content, clientOffset: "e3", actor: ada })).toEqual({
          status: "unchanged",
        });
        expect(await store.changeMessage({ kind: "edit", messageId: 999, content: "x", clientOffset: "e4", actor: ada })).toEqual({
          status: "unknown_message",
        });
        await store.changeMessage({ kind: "reaction_add", messageId: first.id, emoji: "👍", clientOffset: "r1", actor: bob });
        expect(await store.changeMessage({ kind: "delete", messageId: first.id, clientOffset: "d2", actor: admin })).toMatchObject({
          status: "applied",
        });
        expect(await store.getMessage(first.id)).toMatchObject({ content: "", reactions: [], deletedAt: expect.any(String) });
        expect(await store.changeMessage({ kind: "delete", messageId: first.id, clientOffset: "d3", actor: ada })).toEqual({ status: "unchanged" });
        expect(await store.changeMessage({ kind: "edit", messageId: first.id, content: "y", clientOffset: "e5", actor: ada })).toEqual({
          status: "message_deleted",
        });
        expect(await store.changeMessage({ kind: "reaction_add", messageId: first.id, emoji: "👍", clientOffset: "r2", actor: ada })).toEqual({
          status: "message_deleted",
        });
        // Only the two applied changes were stored.
        expect(await store.getUpdatesAfter(0, 10)).toHaveLength(2);
      });

      it("keeps reactions in first-reaction order, each with who reacted, at most 20 distinct", async () => {
        const { message: first } = await store.insertMessage(message("m1"));
        const react = (kind: "reaction_add" | "reaction_remove", emoji: string, actor: { id: string; isAdmin: boolean }, clientOffset: string) =>
          store.changeMessage({ kind, messageId: first.id, emoji, clientOffset, actor });
        await react("reaction_add", "👍", bob, "r1");
        await react("reaction_add", "❤️", ada, "r2");
        await react("reaction_add", "👍", ada, "r3");
        expect(await react("reaction_add", "👍", ada, "r4")).toEqual({ status: "unchanged" });
        expect(await react("reaction_remove", "🎉", ada, "r5")).toEqual({ status: "unchanged" });
        expect((await store.getMessage(first.id))!.reactions).toEqual([
          { emoji: "👍", count: 2, userIds: [bob.id, ada.id] },
          { emoji: "❤️", count: 1, userIds: [ada.id] },
        ]);
        await react("reaction_remove", "👍", bob, "r6");
        await react("reaction_remove", "👍", ada, "r7");
        await react("reaction_add", "👍", bob, "r8");
        expect((await store.getMessage(first.id))!.reactions.map((r) => r.emoji)).toEqual(["❤️", "👍"]);
        const more = ["😀", "😁", "😂", "🤣", "😃", "😄", "😅", "😆", "😉", "😊", "😋", "😎", "😍", "😘", "🥰", "😗", "😙", "🥲"];
        for (const [i, emoji] of more.entries()) expect(await react("reaction_add", emoji, ada, `m${i}`)).toMatchObject({ status: "applied" });
        expect(await react("reaction_add", "🐙", ada, "over")).toEqual({ status: "too_many_reactions" });
        // Another user joining an existing emoji is not a new one.
        expect(await react("reaction_add", "😀", bob, "join")).toMatchObject({ status: "applied" });
      });

      it("keeps search on the current text: an edit is found by its new words, a deleted message never", async () => {
        const { message: first } = await store.insertMessage(message("m1", GENERAL_CHANNEL, "the aardvark sleeps"));
        const search = (text: string) => store.searchMessages({ text, channels: [GENERAL_CHANNEL], limit: 10 });
        await store.changeMessage({ kind: "edit", messageId: first.id, content: "the pangolin sleeps", clientOffset: "e1", actor: ada });
        expect((await search("aardvark")).messages).toEqual([]);
        expect(ids((await search("pangolin")).messages)).toEqual([first.id]);
        await store.changeMessage({ kind: "delete", messageId: first.id, clientOffset: "d1", actor: ada });
        expect((await search("pangolin")).messages).toEqual([]);
        expect((await search("sleeps")).messages).toEqual([]);
      });

      it("stores a reply's parent", async () => {
        const { message: first } = await store.insertMessage(message("m1"));
        const { message: reply } = await store.insertMessage({ ...message("m2"), replyTo: first.id });
        expect(reply.replyTo).toBe(first.id);
        expect((await store.getMessage(reply.id))!.replyTo).toBe(first.id);
        expect(first.replyTo).toBeNull();
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

    describe("read states (ReadStateStore)", () => {
      const reader = "reader-1";
      const by = (authorId: string, clientOffset: string, channel = GENERAL_CHANNEL, mentions?: string[]): NewMessage => ({
        ...message(clientOffset, channel),
        author: { id: authorId, name: authorId },
        mentions,
      });

      it("moves a position forward only, clamped to the channel's newest message, and keeps the mute apart", async () => {
        expect(await store.markRead(reader, GENERAL_CHANNEL, 10)).toEqual({ channel: GENERAL_CHANNEL, readUpTo: 0, muted: false });
        const [first, second] = await seed(2);
        expect(await store.markRead(reader, GENERAL_CHANNEL, second!.id + 100)).toMatchObject({ readUpTo: second!.id });
        expect(await store.markRead(reader, GENERAL_CHANNEL, first!.id)).toMatchObject({ readUpTo: second!.id });
        expect(await store.setMuted(reader, GENERAL_CHANNEL, true)).toEqual({ channel: GENERAL_CHANNEL, readUpTo: second!.id, muted: true });
        expect(await store.markRead(reader, GENERAL_CHANNEL, second!.id)).toMatchObject({ muted: true });
        expect(await store.setMuted("someone-else", GENERAL_CHANNEL, true)).toEqual({ channel: GENERAL_CHANNEL, readUpTo: 0, muted: true });
        const [state] = await store.getReadStates(reader, [GENERAL_CHANNEL], second!.id, 1000);
        expect(state).toEqual({ channel: GENERAL_CHANNEL, readUpTo: second!.id, muted: true, unread: 0, mentions: 0 });
      });

      it("counts unread messages of others and their mentions of the reader, up to asOf and the cap", async () => {
        await store.createChannel("random", "author-1");
        const ids: number[] = [];
        for (const [i, input] of [
          by("author-1", "a", GENERAL_CHANNEL, [reader]),
          by(reader, "own", GENERAL_CHANNEL, ["*"]),
          by("author-2", "b", GENERAL_CHANNEL, ["*", reader]),
          by("author-2", "c"),
          by("author-2", "r", "random", ["someone-else"]),
          by("author-2", "d", GENERAL_CHANNEL, [reader]),
        ].entries()) {
          ids[i] = (await store.insertMessage(input)).message.id;
        }
        // A retried send stores its mentions once.
        await store.insertMessage(by("author-1", "a", GENERAL_CHANNEL, [reader]));
        const asOf = ids[4]!;
        expect(await store.getReadStates(reader, [GENERAL_CHANNEL, "random"], asOf, 1000)).toEqual([
          { channel: GENERAL_CHANNEL, readUpTo: 0, muted: false, unread: 3, mentions: 2 },
          { channel: "random", readUpTo: 0, muted: false, unread: 1, mentions: 0 },
        ]);
        await store.markRead(reader, GENERAL_CHANNEL, ids[0]!);
        expect(await store.getReadStates(reader, [GENERAL_CHANNEL], ids[5]!, 1000)).toEqual([
          { channel: GENERAL_CHANNEL, readUpTo: ids[0], muted: false, unread: 3, mentions: 2 },
        ]);
        expect(await store.getReadStates(reader, [GENERAL_CHANNEL], ids[5]!, 2)).toEqual([
          { channel: GENERAL_CHANNEL, readUpTo: ids[0], muted: false, unread: 2, mentions: 2 },
        ]);
        // The author of an @channel is not mentioned by it.
        expect(await store.getReadStates("author-2", [GENERAL_CHANNEL], ids[5]!, 1000)).toEqual([
          { channel: GENERAL_CHANNEL, readUpTo: 0, muted: false, unread: 2, mentions: 1 },
        ]);
        expect(await store.getReadStates(reader, [], ids[5]!, 1000)).toEqual([]);
        // A floor raises a lower position (an identity that began later), never a higher one.
        expect(await store.getReadStates("newcomer", [GENERAL_CHANNEL], ids[5]!, 1000, ids[3])).toEqual([
          { channel: GENERAL_CHANNEL, readUpTo: ids[3], muted: false, unread: 1, mentions: 0 },
        ]);
        expect(await store.getReadStates(reader, [GENERAL_CHANNEL], ids[5]!, 1000, 1)).toEqual([
          { channel: GENERAL_CHANNEL, readUpTo: ids[0], muted: false, unread: 3, mentions: 2 },
        ]);
      });

      it("leaves a deleted message out of every count, and counts whom an edited message mentions now", async () => {
        const actor = { id: "author-1", isAdmin: false };
        const pinged = (await store.insertMessage(by("author-1", "pinged", GENERAL_CHANNEL, [reader]))).message.id;
        const plain = (await store.insertMessage(by("author-1", "plain"))).message.id;
        const own = (await store.insertMessage(by(reader, "own-to-delete"))).message.id;
        const counts = async () => (await store.getReadStates(reader, [GENERAL_CHANNEL], Number.MAX_SAFE_INTEGER, 1000))[0];
        expect(await counts()).toMatchObject({ unread: 2, mentions: 1 });

        await store.changeMessage({ kind: "delete", messageId: pinged, clientOffset: "del-pinged", actor });
        expect(await counts()).toMatchObject({ unread: 1, mentions: 0 });
        await store.changeMessage({ kind: "edit", messageId: plain, content: "now @reader", mentions: [reader], clientOffset: "edit-plain", actor });
        expect(await counts()).toMatchObject({ unread: 1, mentions: 1 });
        await store.changeMessage({ kind: "edit", messageId: plain, content: "nobody", mentions: [], clientOffset: "edit-plain-2", actor });
        expect(await counts()).toMatchObject({ unread: 1, mentions: 0 });
        // A reader's own deleted message was never counted, and its deletion takes nothing from the others.
        await store.changeMessage({ kind: "delete", messageId: own, clientOffset: "del-own", actor: { id: reader, isAdmin: false } });
        expect(await counts()).toMatchObject({ unread: 1, mentions: 0 });
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
        await store.getHistoryPageAround(GENERAL_CHANNEL, inserted.message.id, 10),
        await store.searchMessages({ text: "text", channels: [GENERAL_CHANNEL], limit: 10 }),
        await store.getChannelBacklogs([GENERAL_CHANNEL], 0, inserted.message.id, 2),
        await store.markRead("reader", GENERAL_CHANNEL, inserted.message.id),
        await store.getReadStates("reader", [GENERAL_CHANNEL], inserted.message.id, 10),
        await store.getReadStates("another-reader", [GENERAL_CHANNEL], inserted.message.id, 10),
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
        ...ids((everything[6] as { messages: ChatMessage[] }).messages),
        ...ids((everything[7] as { messages: ChatMessage[] }).messages),
        ...(everything[8] as Array<{ count: number; newestFrom: number }>).flatMap((b) => [b.count, b.newestFrom]),
      ];
      expect(allIds).toHaveLength(24);
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
