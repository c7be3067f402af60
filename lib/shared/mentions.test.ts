import { describe, expect, it } from "vitest";
import type { ChatMessage } from "./dto";
import { mentionsReader, parseMentions } from "./mentions";
import { countReceivedMessage, emptyReadState } from "./read-state";

describe("parseMentions", () => {
  it.each([
    ["hi @bob", ["bob"], false],
    ["@Bob, and @carol_1!", ["bob", "carol_1"], false],
    ["(@bob) @bob again", ["bob"], false],
    ["mail bob@example.com or @@bob or a.@bob", [], false],
    ["@channel standup at 10", [], true],
    ["@CHANNEL and @bob", ["bob"], true],
    ["@bo is too short, @bobby-tables is not", ["bobby-tables"], false],
    ["no mentions here", [], false],
  ])("%s", (content, usernames, channel) => {
    expect(parseMentions(content)).toEqual({ usernames, channel });
  });

  it("keeps at most 50 distinct usernames", () => {
    const content = Array.from({ length: 60 }, (_, i) => `@user${i}`).join(" ");
    expect(parseMentions(content).usernames).toHaveLength(50);
  });
});

describe("mentionsReader and countReceivedMessage", () => {
  const alice = { id: "a1", username: "alice" };
  const guest = { id: "g1", username: null };
  const message = (id: number, authorId: string, content: string, channel = "general"): ChatMessage => ({
    id,
    channel,
    content,
    clientOffset: `c${id}`,
    author: { id: authorId, name: authorId },
    createdAt: "2026-01-01T00:00:00.000Z",
    version: id,
    editedAt: null,
    deletedAt: null,
    reactions: [],
    replyTo: null,
  });

  it("mentions by username, @channel and any DM message, never by the reader's own message", () => {
    expect(mentionsReader(message(1, "b1", "hey @alice"), "public", alice)).toBe(true);
    expect(mentionsReader(message(1, "b1", "hey @alicia"), "public", alice)).toBe(false);
    expect(mentionsReader(message(1, "b1", "@channel"), "private", guest)).toBe(true);
    expect(mentionsReader(message(1, "b1", "hello"), "dm", alice)).toBe(true);
    expect(mentionsReader(message(1, "a1", "@alice @channel"), "dm", alice)).toBe(false);
  });

  it("counts a message received after a state once, when it is above the position and not the reader's", () => {
    let state = { ...emptyReadState("general"), readUpTo: 5 };
    state = countReceivedMessage(state, message(4, "b1", "old @alice"), "public", alice);
    state = countReceivedMessage(state, message(6, "a1", "mine"), "public", alice);
    state = countReceivedMessage(state, message(7, "b1", "@alice look"), "public", alice);
    state = countReceivedMessage(state, message(8, "b1", "plain"), "public", alice);
    state = countReceivedMessage(state, message(9, "b1", "@alice elsewhere", "random"), "public", alice);
    expect(state).toEqual({ channel: "general", readUpTo: 5, unread: 2, mentions: 1, muted: false });
  });
});
