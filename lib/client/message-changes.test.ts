import { describe, expect, it } from "vitest";
import type { ChatMessage } from "../shared/dto";
import { buildMessageRows } from "./message-rows";
import { createTetherStore } from "./store";
import { memoryStorage } from "./store/memory-storage";

const me = { id: "me", name: "Me" };
const message = (id: number, extra: Partial<ChatMessage> = {}): ChatMessage => ({
  id,
  channel: "general",
  content: `m${id}`,
  clientOffset: `c${id}`,
  author: me,
  createdAt: new Date(Date.UTC(2026, 0, 1, 10, id)).toISOString(),
  version: id,
  editedAt: null,
  deletedAt: null,
  reactions: [],
  replyTo: null,
  ...extra,
});

function store() {
  const s = createTetherStore(memoryStorage);
  s.getState().setMe(me);
  return s;
}

describe("message:update in the store", () => {
  it("applies a higher version, ignores an equal or lower one, and advances the offset over every update", () => {
    const s = store();
    s.getState().receiveMessages([message(1), message(2)]);
    s.getState().receiveUpdate({ offset: 5, message: message(1, { content: "v5", version: 5, editedAt: "2026-01-01T11:00:00.000Z" }) });
    expect(s.getState().channels.general!.byId[1]!.content).toBe("v5");
    expect(s.getState().serverOffset).toBe(5);
    // An older state arriving late (a catch-up after a live update) changes nothing, but its offset is processed.
    s.getState().receiveUpdate({ offset: 3, message: message(1, { content: "v3", version: 3 }) });
    expect(s.getState().channels.general!.byId[1]!.content).toBe("v5");
    // An update for a message not held only moves the offset.
    s.getState().receiveUpdate({ offset: 9, message: message(7, { version: 9 }) });
    expect(s.getState().channels.general!.byId[7]).toBeUndefined();
    expect(s.getState().serverOffset).toBe(9);
  });

  it("takes a newer state from a page or batch of messages it holds, never an older one", () => {
    const s = store();
    s.getState().receiveMessages([message(1, { content: "v4", version: 4 })]);
    s.getState().receiveMessages([message(1, { content: "old", version: 1 })]);
    expect(s.getState().channels.general!.byId[1]!.content).toBe("v4");
    s.getState().receiveMessages([message(1, { content: "v6", version: 6 })]);
    expect(s.getState().channels.general!.byId[1]!.content).toBe("v6");
  });
});

describe("changes in the outbox", () => {
  it("are shown applied while pending, and not once refused (the rollback), with the reason", () => {
    const s = store();
    s.getState().receiveMessages([message(1)]);
    const edit = s.getState().enqueueChange({ kind: "edit", channel: "general", messageId: 1, target: "c1", content: "new" });
    s.getState().enqueueChange({ kind: "react", channel: "general", messageId: 1, target: "c1", emoji: "👍" });
    const rows = () => buildMessageRows(s.getState().channels.general, s.getState().outbox, "general", me, "Me");
    expect(rows()[0]).toMatchObject({ content: "new", changePending: true, reactions: [{ emoji: "👍", count: 1, userIds: ["me"] }] });
    expect(rows()[0]!.editedAt).not.toBeNull();
    s.getState().markFailed(edit.clientOffset, { code: "forbidden", message: "Only the author edits." });
    expect(rows()[0]).toMatchObject({ content: "m1", editedAt: null, changeError: { message: "Only the author edits." } });
  });

  it("a change to an unsent message gets its id from the send's ack, and stays in order behind it", () => {
    const s = store();
    const send = s.getState().enqueue("general", "hello");
    const del = s.getState().enqueueChange({ kind: "delete", channel: "general", target: send.clientOffset });
    expect(s.getState().outbox.map((e) => e.clientOffset)).toEqual([send.clientOffset, del.clientOffset]);
    expect(buildMessageRows(s.getState().channels.general, s.getState().outbox, "general", me, "Me")[0]).toMatchObject({ deleted: true });
    s.getState().markSent(send.clientOffset, 42);
    expect(s.getState().outbox.find((e) => e.clientOffset === del.clientOffset)).toMatchObject({ messageId: 42 });
    s.getState().markChanged(del.clientOffset);
    expect(s.getState().outbox.find((e) => e.clientOffset === del.clientOffset)).toBeUndefined();
    expect(s.getState().settled).toContain(del.clientOffset);
  });
});
