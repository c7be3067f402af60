import { describe, expect, it } from "vitest";
import type { OutboxEntry } from "../outbox";
import { createMergingStorage, readPersisted, STORAGE_KEY, STORAGE_VERSION, type PersistedState } from "./persistence";
import { memoryStorage } from "./memory-storage";

const entry = (clientOffset: string, createdAt: number): OutboxEntry => ({
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
  channelNames: ["general"],
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
