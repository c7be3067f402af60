import { describe, expect, it } from "vitest";
import { mentionsMe, splitMentions } from "./mention-marks";

describe("mentions in shown text", () => {
  it("are split out where the server reads them, and nowhere else", () => {
    expect(splitMentions("hi @Ann, and @channel!")).toEqual([
      { kind: "text", text: "hi " },
      { kind: "mention", text: "@Ann", username: "ann" },
      { kind: "text", text: ", and " },
      { kind: "mention", text: "@channel", username: "channel" },
      { kind: "text", text: "!" },
    ]);
    expect(splitMentions("mail a@ann.com or @an")).toEqual([{ kind: "text", text: "mail a@ann.com or @an" }]);
  });

  it("mean the reader for their username and @channel", () => {
    expect(mentionsMe("ann", "ann")).toBe(true);
    expect(mentionsMe("channel", null)).toBe(true);
    expect(mentionsMe("bob", "ann")).toBe(false);
  });
});
