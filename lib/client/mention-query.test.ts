import { describe, expect, it } from "vitest";
import type { Member } from "../shared/dto";
import { applyMention, mentionQueryAt, suggestMentions } from "./mention-query";

const member = (id: string, username: string | null, name = username ?? "Guest"): Member => ({ id, username, name });

describe("the mention being typed", () => {
  it("is found at the start, after a space or punctuation, not inside a word or an address", () => {
    expect(mentionQueryAt("@an", 3)).toEqual({ start: 0, text: "an" });
    expect(mentionQueryAt("hi @", 4)).toEqual({ start: 3, text: "" });
    expect(mentionQueryAt("(@bo", 4)).toEqual({ start: 1, text: "bo" });
    expect(mentionQueryAt("mail a@bo", 9)).toBeNull();
    expect(mentionQueryAt("@ann is here", 12)).toBeNull();
    // Only what is before the caret counts.
    expect(mentionQueryAt("@ann is here", 3)).toEqual({ start: 0, text: "an" });
  });

  it("is replaced by the picked username and a space, keeping the rest", () => {
    expect(applyMention("hi @an", { start: 3, text: "an" }, "ann")).toEqual({ value: "hi @ann ", caret: 8 });
    expect(applyMention("@b thanks", { start: 0, text: "b" }, "bob")).toEqual({ value: "@bob thanks", caret: 5 });
  });
});

describe("suggestions", () => {
  const members = [member("1", "ann", "Ann Lee"), member("2", "bob", "Bobby"), member("3", "annika"), member("4", null), member("5", "me")];

  it("lists other members by username or display name prefix, then @channel", () => {
    expect(suggestMentions(members, "an", { myId: "5", channelMention: true }).map((s) => s.username)).toEqual(["ann", "annika"]);
    expect(suggestMentions(members, "bobb", { myId: "5", channelMention: true }).map((s) => s.username)).toEqual(["bob"]);
    expect(suggestMentions(members, "ch", { myId: "5", channelMention: true }).map((s) => s.username)).toEqual(["channel"]);
    expect(suggestMentions(members, "ch", { myId: "5", channelMention: false })).toEqual([]);
    expect(suggestMentions(members, "", { myId: "5", channelMention: false, limit: 2 })).toHaveLength(2);
  });
});
