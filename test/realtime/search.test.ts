/**
 * search:messages against the real server on both backends: full-text, newest first, over the channels the
 * connection may read, findable as soon as a send is acknowledged; clear codes for bad input; rate-limited.
 */
import { beforeEach, describe, expect, it } from "vitest";
import type { Ack } from "../../lib/shared/ack";
import type { SearchResult } from "../../lib/shared/dto";
import { testBackends } from "../support/test-server";
import { useRealtimeHarness } from "../support/harness";
import type { TestClient } from "../support/test-client";

const contentsOf = (ack: Ack<SearchResult>) => {
  if ("error" in ack) throw new Error(`search failed: ${ack.error.code}`);
  return ack.data.messages.map((m) => m.content);
};

describe.each(testBackends())("on %s", (backend) => {
  let alice: TestClient;
  const { start, client } = useRealtimeHarness();

  describe("with the default limits of the test server", () => {
    beforeEach(async () => {
      await start({ backend });
      alice = client({ name: "Alice" });
      await alice.ready();
    });

    it("finds a message as soon as its send is acknowledged", async () => {
      for (let i = 0; i < 20; i++) {
        const ack = await alice.send("general", `release candidate number${i} is out`, `rc-${i}`);
        expect(ack).toMatchObject({ data: { duplicate: false } });
        // No wait of any kind between the ack and the search.
        expect(contentsOf(await alice.search({ query: `number${i}` }))).toEqual([`release candidate number${i} is out`]);
      }
      const all = await alice.search({ query: "release candidate", limit: 100 });
      expect(contentsOf(all)).toEqual(Array.from({ length: 20 }, (_, i) => `release candidate number${19 - i} is out`));
    });

    it("filters by channel and by author, and answers an unknown channel with unknown_channel", async () => {
      expect(await alice.emitRaw("channel:create", { name: "random" })).toMatchObject({ data: {} });
      const bob = client({ name: "Bob" });
      await bob.ready();
      await alice.send("general", "pizza in general from alice", "a1");
      await bob.send("random", "pizza in random from bob", "b1");
      await bob.send("general", "pizza in general from bob", "b2");
      const bobId = bob.sessions[0]!.user.id;

      expect(contentsOf(await alice.search({ query: "pizza" }))).toEqual([
        "pizza in general from bob",
        "pizza in random from bob",
        "pizza in general from alice",
      ]);
      expect(contentsOf(await alice.search({ query: "pizza", channel: "random" }))).toEqual(["pizza in random from bob"]);
      expect(contentsOf(await alice.search({ query: "pizza", author: bobId }))).toEqual(["pizza in general from bob", "pizza in random from bob"]);
      expect(contentsOf(await alice.search({ query: "pizza", channel: "general", author: bobId }))).toEqual(["pizza in general from bob"]);
      expect(await alice.search({ query: "pizza", channel: "nowhere" })).toMatchObject({ error: { code: "unknown_channel" } });
      expect(await alice.search({ query: "pizza", channel: "Not A Name!" })).toMatchObject({ error: { code: "unknown_channel" } });
    });

    it("pages newest first with `before`, each result once, and says hasMore exactly", async () => {
      for (let i = 0; i < 25; i++) {
        await alice.send("general", `standup note ${i}`, `note-${i}`);
        await alice.send("general", `unrelated chatter ${i}`, `chatter-${i}`);
      }
      const seen: string[] = [];
      let before: number | undefined;
      for (let pages = 0; ; pages++) {
        const ack = await alice.search({ query: "standup", limit: 10, ...(before !== undefined && { before }) });
        if ("error" in ack) throw new Error(ack.error.code);
        seen.push(...ack.data.messages.map((m) => m.content));
        const ids = ack.data.messages.map((m) => m.id);
        expect(ids).toEqual([...ids].sort((a, b) => b - a));
        if (!ack.data.hasMore) {
          expect(pages).toBe(2);
          break;
        }
        before = ids.at(-1);
      }
      expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `standup note ${24 - i}`));
    });

    it("clamps the limit to 1-100, defaulting to 20", async () => {
      for (let i = 0; i < 120; i++) await alice.send("general", `bulk message ${i}`, `bulk-${i}`);
      const page = async (limit?: number) => {
        const ack = await alice.search({ query: "bulk", ...(limit !== undefined && { limit }) });
        if ("error" in ack) throw new Error(ack.error.code);
        return { length: ack.data.messages.length, hasMore: ack.data.hasMore };
      };
      expect(await page()).toEqual({ length: 20, hasMore: true });
      expect(await page(0)).toEqual({ length: 1, hasMore: true });
      expect(await page(-5)).toEqual({ length: 1, hasMore: true });
      expect(await page(1000)).toEqual({ length: 100, hasMore: true });
    });

    it("matches words in any script and keeps query syntax as plain text", async () => {
      await alice.send("general", "Привет, команда!", "ru");
      await alice.send("general", "un café crème 🎉 merci", "fr");
      await alice.send("general", "会議 は 明日", "ja");
      await alice.send("general", 'a "quoted" AND (grouped) phrase: star*', "syntax");
      expect(contentsOf(await alice.search({ query: "привет" }))).toEqual(["Привет, команда!"]);
      expect(contentsOf(await alice.search({ query: "КОМАНДА" }))).toEqual(["Привет, команда!"]);
      expect(contentsOf(await alice.search({ query: "café merci" }))).toEqual(["un café crème 🎉 merci"]);
      expect(contentsOf(await alice.search({ query: "🎉 merci" }))).toEqual(["un café crème 🎉 merci"]);
      expect(contentsOf(await alice.search({ query: "会議" }))).toEqual(["会議 は 明日"]);
      expect(contentsOf(await alice.search({ query: '"quoted" (grouped' }))).toEqual(['a "quoted" AND (grouped) phrase: star*']);
      // Operators of either engine are words or nothing, never syntax: no error, no match-everything.
      for (const query of ["*", '"', "AND", "-", "NEAR(a b)", "a:*", "x | y", "!", "' OR 1=1 --"]) {
        const ack = await alice.search({ query });
        expect(ack, query).toHaveProperty("data");
        expect(contentsOf(ack).length, query).toBeLessThanOrEqual(1);
      }
      // 200 characters are code points: 200 emoji (400 UTF-16 units) are a valid query.
      expect(await alice.search({ query: "🎉".repeat(200) })).toEqual({ data: { messages: [], hasMore: false } });
    });

    it("refuses bad input with invalid_payload and searches nothing", async () => {
      await alice.send("general", "something to find", "find");
      const bad: unknown[] = [
        null,
        "find",
        {},
        { query: "" },
        { query: "   " },
        { query: 42 },
        { query: "x".repeat(201) },
        { query: "🎉".repeat(201) },
        { query: "bad \uD800 surrogate" },
        { query: "find", before: "10" },
        { query: "find", before: 0 },
        { query: "find", before: 1.5 },
        { query: "find", limit: "5" },
        { query: "find", author: 7 },
        { query: "find", author: "" },
        { query: "find", author: "a".repeat(129) },
        { query: "find", channel: 5 },
      ];
      for (const payload of bad) {
        expect(await alice.emitRaw("search:messages", payload), JSON.stringify(payload)).toMatchObject({ error: { code: "invalid_payload" } });
      }
      // 200 characters once trimmed: valid (and every word must match, so nothing is found).
      expect(contentsOf(await alice.search({ query: `  ${"x".repeat(195)} find ` }))).toEqual([]);
      expect(contentsOf(await alice.search({ query: "  find  " }))).toEqual(["something to find"]);
    });
  });

  it("limits how fast one connection may search", async () => {
    // A token every 1,000 s: the burst is all this test can spend, however slowly it runs.
    await start({ backend, searchRateLimit: { burst: 3, perSecond: 0.001 } });
    alice = client();
    await alice.ready();
    const answers = await Promise.all(Array.from({ length: 10 }, () => alice.search({ query: "anything" })));
    expect(answers.filter((ack) => "data" in ack)).toHaveLength(3);
    for (const ack of answers.filter((a) => "error" in a)) {
      expect(ack).toMatchObject({ error: { code: "rate_limited", retryAfterMs: expect.any(Number) } });
    }
    // Per connection and per identity: another connection of another guest still may.
    const bob = client();
    await bob.ready();
    expect(await bob.search({ query: "anything" })).toHaveProperty("data");
  });
});
