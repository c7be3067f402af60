import { describe, expect, it } from "vitest";
import type { ChatMessage } from "../shared/dto";
import { applyGapPage, applyOlderPage, emptyChannel, mergeMessages, replaceWindow } from "./message-index";
import { buildMessageRows } from "./message-rows";
import type { SendEntry } from "./outbox";

const me = { id: "me", name: "Me" };
const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 12, minute)).toISOString();
const message = (id: number, authorId: string, minute: number): ChatMessage => ({
  id,
  channel: "general",
  content: `m${id}`,
  clientOffset: `co-${id}`,
  author: { id: authorId, name: authorId },
  createdAt: at(minute),
  version: id,
  editedAt: null,
  deletedAt: null,
  reactions: [],
  replyTo: null,
});
const pending = (clientOffset: string, extra: Partial<SendEntry> = {}): SendEntry => ({
  kind: "send",
  clientOffset,
  channel: "general",
  content: clientOffset,
  createdAt: Date.parse(at(30)),
  seq: 0,
  status: "pending",
  ...extra,
});

describe("buildMessageRows", () => {
  it("groups consecutive messages by one author, marks own ones sent, and hides outbox entries already delivered", () => {
    const channel = mergeMessages(emptyChannel(), [message(1, "ann", 0), message(2, "ann", 1), message(3, "me", 2), message(4, "ann", 20)]).channel;
    const rows = buildMessageRows(channel, [pending("co-3"), pending("new")], "general", me, "Me");
    expect(rows.map((r) => [r.content, r.continuesGroup, r.status])).toEqual([
      ["m1", false, undefined],
      ["m2", true, undefined],
      ["m3", false, "sent"],
      ["m4", false, undefined],
      ["new", false, "pending"],
    ]);
  });

  it("keeps the author line of a message shown first when an older page or a gap's page brings one of the same author above it", () => {
    const window = { ...mergeMessages(emptyChannel(), [message(10, "ann", 10), message(11, "ann", 10), message(20, "ann", 11)]).channel };
    window.gaps = [{ afterId: 11, beforeId: 20, count: 2 }];
    const shown = (c: typeof window) => buildMessageRows(c, [], "general", me, "Me").map((r) => [r.content, r.continuesGroup]);
    // Below a gap a message starts a group of its own: the message above it in the list is not the one before it.
    expect(shown(window)).toEqual([
      ["m10", false],
      ["m11", true],
      ["m20", false],
    ]);

    const older = applyOlderPage({ ...window, loadingOlder: true }, 10, [message(8, "ann", 9), message(9, "ann", 9)], true);
    const filled = applyGapPage({ ...older, loadingGap: true }, 20, [message(18, "ann", 11), message(19, "ann", 11)], false);
    expect(shown(filled)).toEqual([
      ["m8", false],
      ["m9", true],
      ["m10", false],
      ["m11", true],
      ["m18", true],
      ["m19", true],
      ["m20", false],
    ]);
    // A window that starts over (a jump) groups afresh.
    const jumped = replaceWindow(filled, [message(9, "ann", 9), message(10, "ann", 10)], { hasMoreBefore: true, hasMoreAfter: true, focusId: 10 });
    expect(shown(jumped)).toEqual([
      ["m9", false],
      ["m10", true],
    ]);
  });

  it("starts a group below each gap, and only there", () => {
    const window = mergeMessages(
      emptyChannel(),
      [1, 2, 5, 6, 9, 10].map((id) => message(id, "ann", 0)),
    ).channel;
    const rows = buildMessageRows(
      {
        ...window,
        gaps: [
          { afterId: 2, beforeId: 5, count: 2 },
          { afterId: 6, beforeId: 9, count: 2 },
        ],
      },
      [],
      "general",
      me,
      "Me",
    );
    expect(rows.map((r) => [r.content, r.continuesGroup])).toEqual([
      ["m1", false],
      ["m2", true],
      ["m5", false],
      ["m6", true],
      ["m9", false],
      ["m10", true],
    ]);
  });

  it("places an acknowledged message that has not come back yet at its id", () => {
    const channel = mergeMessages(emptyChannel(), [message(1, "ann", 0), message(5, "ann", 1)]).channel;
    const rows = buildMessageRows(channel, [pending("mine", { status: "sent", id: 3 })], "general", me, "Me");
    expect(rows.map((r) => r.content)).toEqual(["m1", "mine", "m5"]);
  });
});
