import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from "vitest";
import type { OutboxEntry } from "../outbox";
import { createTetherStore } from "./index";
import { CACHED_MESSAGES_PER_CHANNEL, createMergingStorage, readPersisted, STORAGE_KEY, STORAGE_VERSION, type PersistedState } from "./persistence";
import { memoryStorage } from "./memory-storage";

const entry = (clientOffset: string, createdAt: number): OutboxEntry => ({
  kind: "send",
  clientOffset,
  channel: "general",
  content: clientOffset,
  createdAt,
  seq: 0,
  status: "pending",
});

const snapshot = (over: Partial<PersistedState>): PersistedState => ({
  displayName: "",
  displayNameSetAt: 0,
  me: null,
  activeChannel: "general",
  channelList: [{ name: "general", visibility: "public" }],
  serverOffset: 0,
  cache: {},
  outbox: [],
  settled: [],
  ...over,
});

describe("the merging storage", () => {
  it("keeps another tab's unsent messages and its newer name when this tab writes", () => {
    const storage = memoryStorage();
    const persist = createMergingStorage(() => storage);
    const tabA = snapshot({ displayName: "Ann", displayNameSetAt: 2, outbox: [entry("from-a", 1)] });
    persist.setItem(STORAGE_KEY, { state: tabA, version: STORAGE_VERSION });

    const tabB = snapshot({ displayName: "Old", displayNameSetAt: 1, serverOffset: 9, outbox: [entry("from-b", 2)] });
    persist.setItem(STORAGE_KEY, { state: tabB, version: STORAGE_VERSION });

    const stored = readPersisted(storage)!;
    expect(stored.outbox.map((e) => e.clientOffset)).toEqual(["from-a", "from-b"]);
    expect(stored.displayName).toBe("Ann");
    expect(stored.serverOffset).toBe(9);
  });

  it("drops a message once any tab has settled it", () => {
    const storage = memoryStorage();
    const persist = createMergingStorage(() => storage);
    persist.setItem(STORAGE_KEY, { state: snapshot({ outbox: [entry("x", 1)] }), version: STORAGE_VERSION });
    persist.setItem(STORAGE_KEY, { state: snapshot({ settled: ["x"] }), version: STORAGE_VERSION });
    expect(readPersisted(storage)!.outbox).toEqual([]);
  });
});

/**
 * Exactly what the version-1 client (commit fedba99) wrote to localStorage: its real store, driven through its
 * actions (messages received in two channels, a rename, three unsent messages, one refused for good, one
 * acknowledged, one discarded), then `partializeState` and the merging storage. Never regenerate it: it stands
 * for the browsers that hold this format today.
 */
const V1_FIXTURE = fs.readFileSync(path.join(__dirname, "fixtures/persisted-v1.json"), "utf8");
const v1 = JSON.parse(V1_FIXTURE) as { version: number; state: Record<string, unknown> & { outbox: Array<Record<string, unknown>> } };

/** A version-1 value with some parts replaced: what a damaged (or hand-edited) store looks like. */
const v1With = (state: Record<string, unknown>) => JSON.stringify({ version: 1, state: { ...v1.state, ...state } });

function storageHolding(raw: string): Storage {
  const storage = memoryStorage();
  storage.setItem(STORAGE_KEY, raw);
  return storage;
}

/** A real client store (the app's, over `storage`), hydrated as a page load does. */
async function loadStore(storage: Storage) {
  const store = createTetherStore(() => storage);
  await store.persist.rehydrate();
  return store;
}

const storedVersion = (storage: Storage) => (JSON.parse(storage.getItem(STORAGE_KEY)!) as { version: number }).version;

let warn: MockInstance<typeof console.warn>;
beforeEach(() => {
  warn = vi.spyOn(console, "warn").mockImplementation(() => {});
});
afterEach(() => warn.mockRestore());

describe("a client of this version loading what version 1 stored", () => {
  it("keeps every outbox entry, now of kind send, and the rest of the state", async () => {
    expect(v1.version).toBe(1);
    expect(v1.state.outbox.map((e) => e.status)).toEqual(["pending", "pending", "failed", "pending"]);
    const storage = storageHolding(V1_FIXTURE);
    const state = (await loadStore(storage)).getState();

    expect(state.outbox).toEqual(v1.state.outbox.map((entry) => ({ ...entry, kind: "send" })));
    expect(state.settled).toEqual(v1.state.settled);
    expect(state.serverOffset).toBe(45);
    expect(state.channels.general?.ids).toEqual([41, 42, 45]);
    expect(state.channels.random?.ids).toEqual([43]);
    expect(state).toMatchObject({ displayName: "Ann", displayNameSetAt: 1764540000000, activeChannel: "random", me: v1.state.me });
    // Names only in version 1 and 2: public until the server's list says otherwise (no private channel existed then).
    expect(Object.values(state.channelInfo)).toEqual(["general", "design", "random"].map((name) => ({ name, visibility: "public" })));
    expect(warn).not.toHaveBeenCalled();

    // The migrated state is written back at once, in this version's format.
    expect(STORAGE_VERSION).toBe(5);
    expect(storedVersion(storage)).toBe(5);
    expect(readPersisted(storage)!.outbox).toEqual(state.outbox);
  });

  it("reads it the same way when another tab or the outbox sender looks at storage", () => {
    const stored = readPersisted(storageHolding(V1_FIXTURE))!;
    expect(stored.outbox.map((e) => [e.kind, e.clientOffset])).toEqual(v1.state.outbox.map((e) => ["send", e.clientOffset]));
  });
});

describe("a stored value with bad parts", () => {
  it("drops a malformed outbox entry alone, and keeps its neighbours", async () => {
    const [first, second, third, fourth] = v1.state.outbox;
    const outbox = [first, { ...second, content: 42 }, "not an entry", { ...third, status: "lost", id: "x" }, { ...fourth, clientOffset: undefined }];
    const state = (await loadStore(storageHolding(v1With({ outbox })))).getState();

    expect(state.outbox.map((e) => e.clientOffset)).toEqual([first!.clientOffset, third!.clientOffset]);
    // An unreadable status is not worth a message: it is sent again, and the server stores a clientOffset once.
    expect(state.outbox[1]).toMatchObject({ kind: "send", content: third!.content, status: "pending" });
    // Each dropped entry is logged (as read, after migration), and nothing else is.
    const warnedAbout = warn.mock.calls
      .filter(([text]) => String(text).includes("outbox entry"))
      .map(([, value]) => (typeof value === "string" ? value : (value as { content: unknown }).content));
    expect(new Set(warnedAbout)).toEqual(new Set([42, "not an entry", fourth!.content]));
  });

  it("drops a malformed cache channel alone", async () => {
    const cache = v1.state.cache as Record<string, Array<Record<string, unknown>>>;
    const random = [{ ...cache.random![0], id: "43" }];
    const state = (await loadStore(storageHolding(v1With({ cache: { ...cache, random } })))).getState();
    expect(state.channels.general?.ids).toEqual([41, 42, 45]);
    expect(state.channels.random).toBeUndefined();
    expect(state.serverOffset).toBe(45);
    expect(state.outbox).toHaveLength(4);
  });

  it("falls back for a malformed offset or name: a fresh client without a cache, and every outbox entry kept", async () => {
    const state = (await loadStore(storageHolding(v1With({ serverOffset: "45", displayName: 7, me: { id: 1 } })))).getState();
    expect(state.serverOffset).toBe(0);
    expect(state.channels).toEqual({});
    expect(state).toMatchObject({ displayName: "", me: null });
    expect(state.outbox).toHaveLength(4);
  });

  it("reads an outbox, cache or settled list of the wrong type as empty, and keeps the other parts", async () => {
    const state = (await loadStore(storageHolding(v1With({ outbox: { 0: v1.state.outbox[0] }, cache: [], settled: "x" })))).getState();
    expect(state).toMatchObject({ outbox: [], channels: {}, settled: [], serverOffset: 45, displayName: "Ann" });
    expect(warn).toHaveBeenCalledWith(expect.stringContaining("outbox"), { 0: v1.state.outbox[0] });
  });

  it.each([
    ["not JSON", "{not json"],
    ["a bare number", "42"],
    ["no version", JSON.stringify({ state: v1.state })],
    ["a state that is not an object", JSON.stringify({ version: 2, state: "garbage" })],
  ])("starts clean from garbage (%s) without throwing, and writes a good value over it", async (_label, raw) => {
    const storage = storageHolding(raw);
    const store = await loadStore(storage);
    expect(store.getState()).toMatchObject({ outbox: [], serverOffset: 0, channels: {} });
    expect(warn).toHaveBeenCalled();
    store.getState().enqueue("general", "after the garbage");
    expect(storedVersion(storage)).toBe(STORAGE_VERSION);
    expect(readPersisted(storage)!.outbox.map((e) => (e.kind === "send" ? e.content : e.kind))).toEqual(["after the garbage"]);
  });

  it("keeps what it understands of a value from a newer version, and drops kinds it does not know", () => {
    const entries = [
      { ...v1.state.outbox[0], kind: "send" },
      { ...v1.state.outbox[1], kind: "react", emoji: "🎉" },
    ];
    const stored = readPersisted(storageHolding(JSON.stringify({ version: STORAGE_VERSION + 1, state: { ...v1.state, outbox: entries } })))!;
    expect(stored.outbox.map((e) => e.clientOffset)).toEqual([v1.state.outbox[0]!.clientOffset]);
    expect(stored.serverOffset).toBe(45);
  });
});

/**
 * Exactly what the version-2 client (commit e00057b) wrote: its real store driven through its actions — messages in
 * general, a private channel and a DM (version 2 knew channels by name only), two unsent messages to those, one
 * refused, one acknowledged. Never regenerate it.
 */
const V2_FIXTURE = fs.readFileSync(path.join(__dirname, "fixtures/persisted-v2.json"), "utf8");
const v2 = JSON.parse(V2_FIXTURE) as { version: number; state: Record<string, unknown> & { outbox: Array<Record<string, unknown>> } };
const DM = "dm:0123456789abcdef01234567";

describe("a client of this version loading what version 2 stored", () => {
  it("keeps every outbox entry as it was, and knows each channel by name until the server describes it", async () => {
    expect(v2.version).toBe(2);
    const storage = storageHolding(V2_FIXTURE);
    const state = (await loadStore(storage)).getState();

    expect(state.outbox).toEqual(v2.state.outbox);
    expect(state.settled).toEqual(v2.state.settled);
    expect(state).toMatchObject({ serverOffset: 66, activeChannel: "plans", displayName: "ann", me: v2.state.me });
    expect(state.channels.plans?.ids).toEqual([63, 66]);
    expect(state.channels[DM]?.ids).toEqual([64]);
    // A DM is recognised by its reserved name; any other name reads as public until the server's list says more.
    expect(state.channelInfo).toEqual({
      general: { name: "general", visibility: "public" },
      [DM]: { name: DM, visibility: "dm" },
      plans: { name: "plans", visibility: "public" },
      random: { name: "random", visibility: "public" },
    });
    expect(warn).not.toHaveBeenCalled();

    expect(storedVersion(storage)).toBe(5);
    const stored = readPersisted(storage)!;
    expect(stored.outbox).toEqual(state.outbox);
    expect(stored.channelList.map((channel) => channel.name)).toEqual(["general", DM, "plans", "random"]);
    expect((JSON.parse(storage.getItem(STORAGE_KEY)!) as { state: object }).state).not.toHaveProperty("channelNames");
  });

  it("forgets, on screen and in storage, a channel the server no longer lists — and keeps its unsent message", async () => {
    const storage = storageHolding(V2_FIXTURE);
    const store = await loadStore(storage);
    // The server's list on connecting: bob removed ann from plans while she was away; the DM is described now.
    const bob = { id: "acct_BobBobBobBob2", username: "bob", name: "bob" };
    const ann = { id: "acct_AnnAnnAnnAnn1", username: "ann", name: "ann" };
    store.getState().channelsListed(
      [
        { name: "general", visibility: "public" },
        { name: "random", visibility: "public" },
        { name: DM, visibility: "dm", members: [ann, bob] },
      ],
      store.getState().channelChanges,
    );

    const state = store.getState();
    expect(Object.keys(state.channelInfo).sort()).toEqual([DM, "general", "random"]);
    expect(state.channelInfo[DM]?.members).toEqual([ann, bob]);
    expect(state.channels.plans).toBeUndefined();
    expect(state.activeChannel).toBe("general");
    const raw = storage.getItem(STORAGE_KEY)!;
    expect(raw).not.toContain("the private plan");
    expect(raw).not.toContain("step two");
    expect(readPersisted(storage)!.cache).not.toHaveProperty("plans");
    // The person's own unsent message to it stays: sending it is refused, and that is shown.
    expect(state.outbox.map((e) => e.channel)).toEqual(["plans", DM, "general"]);
  });

  it("drops an unreadable channel of the list alone, and always knows general", () => {
    const stored = readPersisted(
      storageHolding(
        JSON.stringify({
          version: 3,
          state: { ...v2.state, channelList: [{ name: "random", visibility: "public" }, { name: "x", visibility: "secret" }, 7] },
        }),
      ),
    )!;
    expect(stored.channelList).toEqual([
      { name: "general", visibility: "public" },
      { name: "random", visibility: "public" },
    ]);
    expect(stored.outbox).toHaveLength(3);
  });
});

describe("tabs of two versions sharing storage", () => {
  it("adopts the unsent messages a tab of version 1 wrote, and writes back its own that the old tab's write dropped", async () => {
    const storage = memoryStorage();
    const newTab = await loadStore(storage);
    const mine = newTab.getState().enqueue("general", "written in the new tab");
    expect(storedVersion(storage)).toBe(STORAGE_VERSION);

    // A tab still running version-1 code cannot read a newer value (its readPersisted returns null), so it
    // writes its own state over it, in version 1: exactly the fixture's format.
    storage.setItem(STORAGE_KEY, V1_FIXTURE);

    // The `storage` event in the new tab (bind-socket.ts) and the sender's look before each send do this.
    newTab.getState().adoptOutbox(readPersisted(storage)!);

    const expected = [...v1.state.outbox.map((e) => e.clientOffset), mine.clientOffset];
    expect(
      newTab
        .getState()
        .outbox.map((e) => e.clientOffset)
        .sort(),
    ).toEqual([...expected].sort());
    expect(newTab.getState().outbox.every((e) => e.kind === "send")).toBe(true);
    // Written back at once: closing the new tab now loses nothing.
    expect(storedVersion(storage)).toBe(STORAGE_VERSION);
    expect(
      readPersisted(storage)!
        .outbox.map((e) => e.clientOffset)
        .sort(),
    ).toEqual([...expected].sort());

    // The old tab writes again (a message arrived there): nothing new for the new tab to adopt, but its own
    // entry is gone from storage once more, and it must write it back all the same.
    storage.setItem(STORAGE_KEY, V1_FIXTURE);
    newTab.getState().adoptOutbox(readPersisted(storage)!);
    expect(readPersisted(storage)!.outbox.map((e) => e.clientOffset)).toContain(mine.clientOffset);
  });

  it("merges a version-1 value into its own writes", () => {
    const storage = storageHolding(V1_FIXTURE);
    const persist = createMergingStorage(() => storage);
    const mine: OutboxEntry = { ...entry("from-new-tab", 1), createdAt: 1 };
    persist.setItem(STORAGE_KEY, { state: snapshot({ outbox: [mine] }), version: STORAGE_VERSION });
    const stored = readPersisted(storage)!;
    expect(stored.outbox.map((e) => e.clientOffset)).toEqual(["from-new-tab", ...v1.state.outbox.map((e) => e.clientOffset as string)]);
    expect(stored.settled).toEqual(v1.state.settled);
    expect(storedVersion(storage)).toBe(STORAGE_VERSION);
  });
});

describe("a client of this version loading what version 3 stored", () => {
  const message = (id: number) => ({
    id,
    channel: "general",
    content: `m${id}`,
    clientOffset: `co-${id}`,
    author: { id: "u1", name: "Ann" },
    createdAt: new Date(1_700_000_000_000 + id).toISOString(),
  });

  it("keeps only the newest page of each channel's cache, and the offset it reaches", async () => {
    const cached = Array.from({ length: 100 }, (_, i) => message(i + 1));
    const v3 = { version: 3, state: { ...snapshot({ serverOffset: 100 }), cache: { general: cached } } };
    const storage = storageHolding(JSON.stringify(v3));
    const state = (await loadStore(storage)).getState();

    expect(state.serverOffset).toBe(100);
    expect(state.channels.general?.ids).toEqual(cached.slice(-CACHED_MESSAGES_PER_CHANNEL).map((m) => m.id));
    expect(state.channels.general?.hasMoreOlder).toBe(true);
    expect(storedVersion(storage)).toBe(5);
    expect(readPersisted(storage)!.cache.general).toHaveLength(CACHED_MESSAGES_PER_CHANNEL);
    expect(warn).not.toHaveBeenCalled();
  });
});
