import { describe, expect, it } from "vitest";
import type { ChatMessage } from "../shared/dto";
import {
  applyGapPage,
  applyNewerPage,
  applyOlderPage,
  emptyChannel,
  mergeMessages,
  newestMessages,
  recordGaps,
  replaceWindow,
  topGap,
  trimNewest,
  trimOldest,
  unreadBoundary,
} from "./message-index";

const message = (id: number, content = `m${id}`): ChatMessage => ({
  id,
  channel: "general",
  content,
  clientOffset: `co-${id}`,
  author: { id: "u1", name: "Ann" },
  createdAt: new Date(1_700_000_000_000 + id).toISOString(),
  version: id,
  editedAt: null,
  deletedAt: null,
  reactions: [],
  replyTo: null,
});

describe("mergeMessages", () => {
  it("keeps a message seen twice once, and orders by id whatever the arrival order", () => {
    let channel = emptyChannel();
    channel = mergeMessages(channel, [message(5), message(7)]).channel;
    const again = mergeMessages(channel, [message(7), message(6), message(6), message(2)]);
    expect(again.added.map((m) => m.id)).toEqual([6, 2]);
    expect(again.channel.ids).toEqual([2, 5, 6, 7]);
  });

  it("returns the same state object when nothing is new, so subscribers do not re-render", () => {
    const channel = mergeMessages(emptyChannel(), [message(1)]).channel;
    expect(mergeMessages(channel, [message(1)]).channel).toBe(channel);
  });

  it("caches the newest messages as a contiguous suffix", () => {
    const channel = mergeMessages(
      emptyChannel(),
      [1, 2, 3, 4, 5].map((id) => message(id)),
    ).channel;
    expect(newestMessages(channel, 2).map((m) => m.id)).toEqual([4, 5]);
  });
});

const ids = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const held = (list: number[]) =>
  mergeMessages(
    emptyChannel(),
    list.map((id) => message(id)),
  ).channel;

describe("gaps of a bounded catch-up", () => {
  it("are loaded page by page from their newest end, each message once, and close exactly at their start", () => {
    // Held: 1–10 (before the absence) and 301–500 (the replay); the gap holds 11–300: 290 messages.
    let channel = held([...ids(1, 10), ...ids(301, 500)]);
    const recorded = recordGaps(channel, [{ afterId: 10, beforeId: 301, count: 290 }]);
    expect(recorded.counted).toBe(290);
    channel = recorded.channel;
    // Pages of 100, as history:fetch { before } answers them: the newest 100 below `before`, ascending.
    const page = (before: number) => ids(Math.max(1, before - 100), before - 1).map((id) => message(id));
    let pages = 0;
    while (channel.gaps.length > 0) {
      const gap = channel.gaps[0]!;
      channel = applyGapPage(channel, gap.beforeId, page(gap.beforeId), true);
      pages++;
    }
    expect(pages).toBe(3);
    expect(channel.ids).toEqual(ids(1, 500));
  });

  it("ignores a page for a gap that moved since it was asked for (no hole, no repeat)", () => {
    let channel = recordGaps(held([...ids(1, 10), ...ids(301, 310)]), [{ afterId: 10, beforeId: 301, count: 290 }]).channel;
    channel = applyGapPage(
      channel,
      301,
      ids(201, 300).map((id) => message(id)),
      true,
    );
    expect(channel.gaps).toEqual([{ afterId: 10, beforeId: 201, count: 190 }]);
    const stale = applyGapPage(
      channel,
      301,
      ids(201, 300).map((id) => message(id)),
      true,
    );
    expect(stale.ids).toEqual(channel.ids);
    expect(stale.gaps).toEqual(channel.gaps);
  });

  it("counts a range announced again once", () => {
    const first = recordGaps(held(ids(301, 310)), [{ afterId: 10, beforeId: 301, count: 290 }]);
    const again = recordGaps(first.channel, [{ afterId: 10, beforeId: 306, count: 295 }]);
    expect(first.counted + again.counted).toBe(295);
    expect(again.channel.gaps).toEqual([{ afterId: 10, beforeId: 306, count: 295 }]);
  });

  it("are a top gap when nothing is held below them, and close the channel's start when the server has nothing older", () => {
    let channel = recordGaps(held(ids(51, 60)), [{ afterId: 0, beforeId: 51, count: 50 }]).channel;
    expect(topGap(channel)).toEqual({ afterId: 0, beforeId: 51, count: 50 });
    channel = applyGapPage(
      channel,
      51,
      ids(1, 50).map((id) => message(id)),
      false,
    );
    expect(channel.gaps).toEqual([]);
    expect(channel.hasMoreOlder).toBe(false);
    expect(channel.ids).toEqual(ids(1, 60));
  });
});

describe("the bounded window", () => {
  it("drops its oldest beyond the bound, with the gaps below them", () => {
    const channel = recordGaps(held([...ids(1, 10), ...ids(101, 120)]), [{ afterId: 10, beforeId: 101, count: 90 }]).channel;
    const trimmed = trimOldest(channel, 15);
    expect(trimmed.ids).toEqual(ids(106, 120));
    expect(trimmed.gaps).toEqual([]);
    expect(trimmed.hasMoreOlder).toBe(true);
    expect(Object.keys(trimmed.byId)).toHaveLength(15);
  });

  it("drops its newest beyond the bound and becomes detached; newer pages bring it back to the live end", () => {
    let channel = trimNewest(held(ids(1, 20)), 15);
    expect(channel.ids).toEqual(ids(1, 15));
    expect(channel).toMatchObject({ hasMoreNewer: true, newestNotHeldId: 20 });
    expect(newestMessages(channel, 10)).toEqual([]);
    channel = applyNewerPage(
      channel,
      15,
      ids(16, 20).map((id) => message(id)),
      false,
    );
    expect(channel.ids).toEqual(ids(1, 20));
    expect(channel.hasMoreNewer).toBe(false);
  });

  it("keeps paging newer while a live message newer than the last page arrived meanwhile", () => {
    let channel = { ...held(ids(1, 10)), hasMoreNewer: true, newestNotHeldId: 30 };
    channel = applyNewerPage(
      channel,
      10,
      ids(11, 20).map((id) => message(id)),
      false,
    );
    expect(channel.hasMoreNewer).toBe(true);
  });

  it("starts over around a message, with both sides to page", () => {
    const channel = replaceWindow(
      held(ids(900, 1000)),
      ids(450, 550).map((id) => message(id)),
      { hasMoreBefore: true, hasMoreAfter: true, focusId: 500 },
    );
    expect(channel).toMatchObject({ hasMoreOlder: true, hasMoreNewer: true, focusId: 500 });
    expect(channel.ids).toEqual(ids(450, 550));
  });

  it("ignores an older page when the window no longer starts where it was asked for", () => {
    const channel = held(ids(50, 60));
    expect(
      applyOlderPage(
        channel,
        40,
        ids(1, 39).map((id) => message(id)),
        false,
      ).ids,
    ).toEqual(ids(50, 60));
    expect(
      applyOlderPage(
        channel,
        50,
        ids(1, 49).map((id) => message(id)),
        false,
      ).ids,
    ).toEqual(ids(1, 60));
  });

  it("caches only what reaches the live end without a gap", () => {
    const channel = recordGaps(held([...ids(1, 10), ...ids(101, 103)]), [{ afterId: 10, beforeId: 101, count: 90 }]).channel;
    expect(newestMessages(channel, 50).map((m) => m.id)).toEqual([101, 102, 103]);
  });
});

describe("the unread divider", () => {
  it("goes before the first of the unread messages, counting gaps whole and skipping one's own", () => {
    const mine = { ...message(9), author: { id: "me", name: "Me" } };
    const channel = recordGaps(mergeMessages(emptyChannel(), [...ids(1, 8).map((id) => message(id)), mine, message(20)]).channel, [
      { afterId: 9, beforeId: 20, count: 5 },
    ]).channel;
    expect(unreadBoundary(channel, 1, "me")).toBe(19);
    expect(unreadBoundary(channel, 6, "me")).toBe(9);
    expect(unreadBoundary(channel, 8, "me")).toBe(6);
    expect(unreadBoundary(channel, 0, "me")).toBeNull();
  });
});
