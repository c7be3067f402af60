import { describe, expect, it } from "vitest";
import type { ChatMessage } from "../shared/dto";
import { emptyChannel, mergeMessages, newestMessages } from "./message-index";

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
