import { describe, expect, it } from "vitest";
import { mergeOutboxes, newClientOffset, nextPending, rememberSettled, SETTLED_MEMORY, storageLacksUnsent, type OutboxEntry } from "./outbox";

const entry = (clientOffset: string, createdAt: number, status: OutboxEntry["status"] = "pending"): OutboxEntry => ({
  kind: "send",
  clientOffset,
  channel: "general",
  content: clientOffset,
  createdAt,
  seq: 0,
  status,
});

describe("outbox", () => {
  it("sends the oldest pending message first and skips failed ones", () => {
    const outbox = [entry("b", 2), entry("a", 1, "failed"), entry("c", 3)];
    expect(nextPending(outbox)?.clientOffset).toBe("b");
  });

  it("adopts another tab's unsent messages and drops what that tab settled", () => {
    const mine = { outbox: [entry("a", 1), entry("b", 2)], settled: [] };
    const theirs = { outbox: [entry("c", 3)], settled: ["a"] };
    const merged = mergeOutboxes(mine, theirs);
    expect(merged.outbox.map((e) => [e.clientOffset, e.status])).toEqual([
      ["a", "sent"],
      ["b", "pending"],
      ["c", "pending"],
    ]);
    expect(merged.settled).toEqual(["a"]);
  });

  it("never brings back a message this tab settled", () => {
    const merged = mergeOutboxes({ outbox: [], settled: ["a"] }, { outbox: [entry("a", 1)], settled: [] });
    expect(merged.outbox).toEqual([]);
  });

  it("remembers a bounded number of settled offsets", () => {
    const many = Array.from({ length: SETTLED_MEMORY + 10 }, (_, i) => `co-${i}`);
    const settled = rememberSettled([], many);
    expect(settled).toHaveLength(SETTLED_MEMORY);
    expect(settled[settled.length - 1]).toBe(`co-${SETTLED_MEMORY + 9}`);
  });

  it("makes client offsets the server accepts", () => {
    expect(newClientOffset()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe("storageLacksUnsent", () => {
  it("is true when storage is missing an entry this tab has not settled, and only then", () => {
    const stored = { outbox: [entry("a", 1)] };
    expect(storageLacksUnsent([entry("a", 1), entry("b", 2, "failed")], stored)).toBe(true);
    expect(storageLacksUnsent([entry("a", 1), entry("c", 3, "sent")], stored)).toBe(false);
    expect(storageLacksUnsent([], { outbox: [] })).toBe(false);
  });
});
