import { describe, expect, it } from "vitest";
import type { ChatMessage } from "../lib/shared/dto";
import { createRecentMessages } from "./recent-messages";

const message = (id: number): ChatMessage => ({
  id,
  channel: "general",
  content: `m${id}`,
  clientOffset: `c${id}`,
  author: { id: "a", name: "A" },
  createdAt: new Date(0).toISOString(),
  version: id,
  editedAt: null,
  deletedAt: null,
  reactions: [],
  replyTo: null,
});
const ids = (list: ChatMessage[] | null) => list?.map((m) => m.id) ?? null;

describe("RecentMessages", () => {
  it("serves everything after an offset when it holds the whole store", () => {
    const recent = createRecentMessages(10, [1, 2, 4, 7].map(message), true);
    expect(ids(recent.after(0, 10))).toEqual([1, 2, 4, 7]);
    expect(ids(recent.after(2, 2))).toEqual([4, 7]);
    expect(ids(recent.after(3, 10))).toEqual([4, 7]);
    expect(ids(recent.after(7, 10))).toEqual([]);
  });

  it("refuses offsets below what it covers, so the caller reads the database", () => {
    const recent = createRecentMessages(3, [1, 2, 3, 4, 5].map(message), true);
    expect(recent.after(1, 10)).toBeNull();
    expect(ids(recent.after(2, 10))).toEqual([3, 4, 5]);
  });

  it("treats a partial load as covering only from its first message", () => {
    const recent = createRecentMessages(10, [50, 51].map(message), false);
    expect(recent.after(48, 10)).toBeNull();
    expect(ids(recent.after(49, 10))).toEqual([50, 51]);
  });

  it("appends in order and forgets the oldest beyond its capacity, moving its coverage up", () => {
    const recent = createRecentMessages(4, [], true);
    for (let id = 1; id <= 12; id++) recent.append([message(id)]);
    const kept = ids(recent.after(8, 100))!;
    expect(kept).toEqual([9, 10, 11, 12]);
    expect(recent.after(0, 100)).toBeNull();
  });

  it("is off with a capacity of 0", () => {
    const recent = createRecentMessages(0, [message(1)], true);
    recent.append([message(2)]);
    expect(recent.after(0, 10)).toBeNull();
  });
});
