import { describe, expect, it } from "vitest";
import { isSingleEmoji, parseReaction } from "./schemas";

describe("isSingleEmoji", () => {
  it("accepts one emoji, however many code points it takes", () => {
    for (const emoji of ["👍", "👍🏽", "❤️", "❤", "🇫🇷", "1️⃣", "#️⃣", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "🧑🏿‍🚀", "©️"]) {
      expect(isSingleEmoji(emoji), emoji).toBe(true);
    }
  });

  it("refuses text, two emoji, spaces, stray marks and empty strings", () => {
    for (const value of ["", "a", "ab", "1", "👍👍", "👍 ", " 👍", "🇫", "🇫🇷🇩🇪", "\u200D", "\uFE0F", "👍\u0301", "<b>", "👍a", "🏽"]) {
      expect(isSingleEmoji(value), JSON.stringify(value)).toBe(false);
    }
  });

  it("answers the same for input it has seen, valid or not (valid emoji are remembered)", () => {
    for (let round = 0; round < 2; round++) {
      expect(["👍", "🇫🇷", "👨‍👩‍👧‍👦"].map(isSingleEmoji)).toEqual([true, true, true]);
      expect(["👍👍", "🇫🇷🇩🇪", "👍 "].map(isSingleEmoji)).toEqual([false, false, false]);
    }
  });

  it("bounds the work on long input", () => {
    expect(isSingleEmoji("👍".repeat(10_000))).toBe(false);
  });
});

describe("parseReaction", () => {
  it("checks the clientOffset before the emoji, like every mutation", () => {
    expect(parseReaction({ id: 1, emoji: "x" })).toMatchObject({ ok: false, error: { code: "invalid_client_offset" } });
    expect(parseReaction({ id: 1, emoji: "x", clientOffset: "c" })).toMatchObject({ ok: false, error: { code: "invalid_payload" } });
    expect(parseReaction({ id: 1, emoji: "🎉", clientOffset: "c" })).toEqual({ ok: true, value: { id: 1, emoji: "🎉", clientOffset: "c" } });
  });
});
